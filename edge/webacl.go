package edge

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// WebAcl capacity (WCU) of each rule type. A web ACL up to MaxCapacity WCUs costs only the
// basic web ACL price; beyond it AWS charges extra
// (https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html).
const (
	// MaxCapacity is the capacity the basic web ACL price includes.
	MaxCapacity = 1500
	// WCURateBased is a rate-based statement aggregating on the client IP alone, with no
	// custom keys and no scope-down statement
	// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html).
	WCURateBased = 2
	// WCUGeoMatch is a geographic match statement
	// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements-match.html).
	WCUGeoMatch = 1
	// WCUIPSet is an IP set reference statement using the request's origin address
	// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-ipset-match.html).
	WCUIPSet = 1
	// WCULabelMatch is a label match statement, WCUStartsWith a string match with
	// STARTS_WITH and no text transformation, WCUSizeConstraint a size constraint on the
	// body (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements-match.html,
	// https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-size-constraint-match.html).
	// AND and NOT statements add nothing of their own.
	WCULabelMatch     = 1
	WCUStartsWith     = 2
	WCUSizeConstraint = 1
)

// SizeRestrictionsBodyRule is the Core rule set's rule that blocks bodies over 8 KB, and
// SizeRestrictionsBodyLabel the label it adds to every request it matches, counted or not
// (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
const (
	SizeRestrictionsBodyRule  = "SizeRestrictions_BODY"
	SizeRestrictionsBodyLabel = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
)

// ManagedRuleGroupWCU is the fixed capacity of each AWS managed rule group used here, as
// AWS publishes it:
//   - AWSManagedRulesCommonRuleSet 700 and AWSManagedRulesKnownBadInputsRuleSet 200
//     (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html);
//   - AWSManagedRulesSQLiRuleSet 200
//     (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html);
//   - AWSManagedRulesAmazonIpReputationList 25
//     (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html).
var ManagedRuleGroupWCU = map[string]int{
	"AWSManagedRulesCommonRuleSet":          700,
	"AWSManagedRulesKnownBadInputsRuleSet":  200,
	"AWSManagedRulesSQLiRuleSet":            200,
	"AWSManagedRulesAmazonIpReputationList": 25,
}

// Rule priorities. They are fixed per rule, never derived from list positions, so adding
// or removing an optional rule does not renumber the others. The allow list comes first
// so that a trusted address is never blocked by a later rule.
const (
	PriorityAllowIPv4    = 0
	PriorityAllowIPv6    = 1
	PriorityBlockIPv4    = 10
	PriorityBlockIPv6    = 11
	PriorityGeoBlock     = 20
	PriorityRateLimit    = 30
	PriorityIPReputation = 40
	PriorityCommon       = 50
	PriorityKnownBad     = 60
	PrioritySQLDatabase  = 70
	// The large-body rules follow the Core rule set, whose labels they read.
	PriorityBodyOutsideLargePaths = 51
	PriorityLargeBody             = 52
)

// managedPriority maps the config key of each managed group to its rule name and priority.
var managedPriority = map[string]struct {
	rule     string
	priority int
}{
	"ipReputation":   {"aws-ip-reputation", PriorityIPReputation},
	"commonRuleSet":  {"aws-common-rule-set", PriorityCommon},
	"knownBadInputs": {"aws-known-bad-inputs", PriorityKnownBad},
	"sqlDatabase":    {"aws-sql-database", PrioritySQLDatabase},
}

// RedactedHeaders are the request headers replaced by "REDACTED" in the WAF logs: they
// carry session tokens and credentials.
var RedactedHeaders = []string{"authorization", "cookie"}

// LogGroupPrefix is the prefix AWS WAF requires of a CloudWatch Logs logging destination
// (https://docs.aws.amazon.com/waf/latest/APIReference/API_LoggingConfiguration.html).
const LogGroupPrefix = "aws-waf-logs-"

// WebAclArgs configures a WebAcl.
type WebAclArgs struct {
	// Required. The WAF settings, checked by [WafSettings.Check]. Their lists decide
	// which optional rules and IP sets exist.
	Settings WafSettings
	// Required with the REGIONAL scope. The ARN of the Application Load Balancer the web
	// ACL protects. Must be nil with the CLOUDFRONT scope, where the distribution attaches
	// the ACL through its WebAclId.
	LoadBalancerArn pulumi.StringInput
	// Optional. Defaults to REGIONAL (ScopeRegional, for a load balancer); CLOUDFRONT
	// (ScopeCloudFront) is for a distribution. A CLOUDFRONT web ACL, its IP sets and its
	// log group must live in us-east-1
	// (https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html,
	// https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html): pass a
	// us-east-1 provider with pulumi.Provider in the options, and every child uses it.
	Scope string
	// Optional. The customer managed key that encrypts the web ACL's log group (WAF logs
	// hold requests with their headers), created in the web ACL's region. Without it the
	// group has CloudWatch's own encryption, which policy rule ENC-LOGS refuses.
	LogKey *LogKeyArgs
}

// LogKeyArgs is the web ACL's log key: the stack's one key in us-east-1, which other
// data of the stack there may share through Statements.
type LogKeyArgs struct {
	// Required. The AWS account id, which administers the key and owns the log group.
	AccountID string
	// Required. The region of the web ACL (us-east-1 for the CLOUDFRONT scope), part of
	// the CloudWatch Logs service principal and of the log group's ARN.
	Region string
	// Required. The logical name of the key and of its alias resource, and the alias
	// (alias/...).
	Name, AliasName string
	// Optional. More key policy statements, each with its own Sid, and what they encrypt
	// (completing the key's description).
	Statements []iamdoc.Statement
	Purposes   []string
	// Optional. The URN of the component that held the key and its alias before this one:
	// they keep their identity (an alias each), so a move is an update, not a new key.
	PreviousParentURN pulumi.URN
}

// Web ACL scopes.
const (
	ScopeRegional   = "REGIONAL"
	ScopeCloudFront = "CLOUDFRONT"
)

// WebAcl is a WAF web ACL: regional and associated with the load balancer, or of the
// CLOUDFRONT scope and attached by a distribution.
type WebAcl struct {
	pulumi.ResourceState

	// Arn is the web ACL's ARN.
	Arn pulumi.StringOutput `pulumi:"arn"`
	// Name is the web ACL's name, the WebACL dimension of its CloudWatch metrics.
	Name pulumi.StringOutput `pulumi:"name"`
	// LogGroupName is the CloudWatch log group receiving the WAF logs.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// LogKeyArn is the key of WebAclArgs.LogKey; empty without one.
	LogKeyArn pulumi.StringOutput `pulumi:"logKeyArn"`

	// Capacity is the web ACL's total WCUs, computed from the configured rules.
	Capacity int
}

// Capacity returns the WCUs of the web ACL that w configures.
func Capacity(w WafSettings) int {
	total := WCURateBased
	for _, g := range w.ManagedRules.Groups() {
		total += ManagedRuleGroupWCU[g.AWSName]
	}
	if len(w.BlockedCountries) > 0 {
		total += WCUGeoMatch
	}
	for _, list := range [][]string{w.AllowedCidrs, w.BlockedCidrs} {
		if len(IPv4Cidrs(list)) > 0 {
			total += WCUIPSet
		}
		if len(IPv6Cidrs(list)) > 0 {
			total += WCUIPSet
		}
	}
	if w.LargeBodyPathPrefix != "" {
		total += WCULabelMatch + WCUStartsWith + WCUStartsWith + WCUSizeConstraint
	}
	return total
}

// NewWebAcl creates the web ACL, its IP sets, its log group and logging configuration, and,
// with the REGIONAL scope, associates it with the load balancer. Default action: allow;
// every rule has CloudWatch metrics and sampled requests.
func NewWebAcl(ctx *pulumi.Context, name string, args *WebAclArgs, opts ...pulumi.ResourceOption) (*WebAcl, error) {
	if args == nil {
		return nil, errors.New("edge: args with a LoadBalancerArn are required")
	}
	scope := args.Scope
	if scope == "" {
		scope = ScopeRegional
	}
	switch {
	case scope == ScopeRegional && args.LoadBalancerArn == nil:
		return nil, errors.New("edge: args with a LoadBalancerArn are required")
	case scope == ScopeCloudFront && args.LoadBalancerArn != nil:
		return nil, fmt.Errorf("web ACL %q: a CLOUDFRONT web ACL is attached by the distribution's WebAclId, not to a LoadBalancerArn", name)
	case scope != ScopeRegional && scope != ScopeCloudFront:
		return nil, fmt.Errorf("web ACL %q: scope %q is not %s or %s", name, scope, ScopeRegional, ScopeCloudFront)
	}
	w := args.Settings
	for _, g := range w.ManagedRules.Groups() {
		if _, ok := ManagedRuleGroupWCU[g.AWSName]; !ok {
			return nil, fmt.Errorf("web ACL %q: no WCU figure for managed rule group %s", name, g.AWSName)
		}
	}
	c := &WebAcl{Capacity: Capacity(w)}
	if c.Capacity >= MaxCapacity {
		return nil, fmt.Errorf("web ACL %q: %d WCUs reaches the %d the basic price includes", name, c.Capacity, MaxCapacity)
	}
	if err := ctx.RegisterComponentResource("ecsite:edge:WebAcl", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	visibility := func(metric string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metric),
			SampledRequestsEnabled:   pulumi.Bool(true),
		}
	}

	var rules wafv2.WebAclRuleArray

	// IP allow and block lists: one IP set per address family, since a WAF IP set holds
	// one family only.
	ipLists := []struct {
		key      string
		cidrs    []string
		version  string
		priority int
		allow    bool
	}{
		{"allow-ipv4", IPv4Cidrs(w.AllowedCidrs), "IPV4", PriorityAllowIPv4, true},
		{"allow-ipv6", IPv6Cidrs(w.AllowedCidrs), "IPV6", PriorityAllowIPv6, true},
		{"block-ipv4", IPv4Cidrs(w.BlockedCidrs), "IPV4", PriorityBlockIPv4, false},
		{"block-ipv6", IPv6Cidrs(w.BlockedCidrs), "IPV6", PriorityBlockIPv6, false},
	}
	for _, l := range ipLists {
		if len(l.cidrs) == 0 {
			continue
		}
		set, err := wafv2.NewIpSet(ctx, name+"-"+l.key, &wafv2.IpSetArgs{
			Scope:            pulumi.String(scope),
			IpAddressVersion: pulumi.String(l.version),
			Addresses:        pulumi.ToStringArray(l.cidrs),
			Description:      pulumi.String(fmt.Sprintf("%s: %s list from the waf stack config", name, l.key)),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("web ACL %q IP set %s: %w", name, l.key, err)
		}
		action := &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}}
		if l.allow {
			action = &wafv2.WebAclRuleActionArgs{Allow: &wafv2.WebAclRuleActionAllowArgs{}}
		}
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:             pulumi.String(l.key),
			Priority:         pulumi.Int(l.priority),
			Action:           action,
			Statement:        &wafv2.WebAclRuleStatementArgs{IpSetReferenceStatement: &wafv2.WebAclRuleStatementIpSetReferenceStatementArgs{Arn: set.Arn}},
			VisibilityConfig: visibility(l.key),
		})
	}

	if len(w.BlockedCountries) > 0 {
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:             pulumi.String("block-countries"),
			Priority:         pulumi.Int(PriorityGeoBlock),
			Action:           &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}},
			Statement:        &wafv2.WebAclRuleStatementArgs{GeoMatchStatement: &wafv2.WebAclRuleStatementGeoMatchStatementArgs{CountryCodes: pulumi.ToStringArray(w.BlockedCountries)}},
			VisibilityConfig: visibility("block-countries"),
		})
	}

	rules = append(rules, &wafv2.WebAclRuleArgs{
		Name:     pulumi.String("rate-limit-per-ip"),
		Priority: pulumi.Int(PriorityRateLimit),
		Action:   &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}},
		Statement: &wafv2.WebAclRuleStatementArgs{RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
			AggregateKeyType:    pulumi.String("IP"),
			Limit:               pulumi.Int(w.RateLimit),
			EvaluationWindowSec: pulumi.Int(w.RateLimitWindowSeconds),
		}},
		VisibilityConfig: visibility("rate-limit-per-ip"),
	})

	for _, g := range w.ManagedRules.Groups() {
		p := managedPriority[g.Key]
		override := &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}}
		if g.Group.Mode == ManagedRuleCount {
			override = &wafv2.WebAclRuleOverrideActionArgs{Count: &wafv2.WebAclRuleOverrideActionCountArgs{}}
		}
		var excluded wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArray
		rulesToCount := g.Group.ExcludedRules
		if g.Key == "commonRuleSet" && w.LargeBodyPathPrefix != "" && !slices.Contains(rulesToCount, SizeRestrictionsBodyRule) {
			// Counted, it still labels the request; the large-body rules below decide.
			rulesToCount = append(slices.Clone(rulesToCount), SizeRestrictionsBodyRule)
		}
		for _, rule := range rulesToCount {
			excluded = append(excluded, &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs{
				Name: pulumi.String(rule),
				ActionToUse: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs{
					Count: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs{},
				},
			})
		}
		rules = append(rules, &wafv2.WebAclRuleArgs{
			Name:           pulumi.String(p.rule),
			Priority:       pulumi.Int(p.priority),
			OverrideAction: override,
			Statement: &wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
				VendorName:          pulumi.String("AWS"),
				Name:                pulumi.String(g.AWSName),
				RuleActionOverrides: excluded,
			}},
			VisibilityConfig: visibility(p.rule),
		})
	}

	var association *wafv2.WebAclAssociationConfigArgs
	if w.LargeBodyPathPrefix != "" {
		rules = append(rules, largeBodyRules(w, visibility)...)
		if scope == ScopeCloudFront {
			association = &wafv2.WebAclAssociationConfigArgs{RequestBodies: wafv2.WebAclAssociationConfigRequestBodyArray{
				&wafv2.WebAclAssociationConfigRequestBodyArgs{Cloudfronts: wafv2.WebAclAssociationConfigRequestBodyCloudfrontArray{
					&wafv2.WebAclAssociationConfigRequestBodyCloudfrontArgs{DefaultSizeInspectionLimit: pulumi.String(BodyInspectionLimit(w.LargeBodyMaxBytes))},
				}},
			}}
		} else if w.LargeBodyMaxBytes > RegionalBodyInspectionBytes {
			return nil, fmt.Errorf("web ACL %q: a REGIONAL web ACL sees %d bytes of a body; waf.largeBodyMaxBytes %d would block every larger body unseen", name, RegionalBodyInspectionBytes, w.LargeBodyMaxBytes)
		}
	}

	// The name is explicit and equal to the metric name, so the WebACL dimension of the
	// WAF metrics is unambiguous. Names are unique per scope and region, so a replacement
	// (a change of scope, say) must delete the old ACL first; the gap without WAF lasts the
	// seconds between the two calls, and nothing stored is lost.
	description := "Protects the " + name + " load balancer"
	if scope == ScopeCloudFront {
		description = "Protects the " + name + " CloudFront distribution"
	}
	acl, err := wafv2.NewWebAcl(ctx, name, &wafv2.WebAclArgs{
		Name:              pulumi.String(name),
		Description:       pulumi.String(description),
		Scope:             pulumi.String(scope),
		DefaultAction:     &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:             rules,
		AssociationConfig: association,
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(name),
			SampledRequestsEnabled:   pulumi.Bool(true),
		},
	}, parent, pulumi.DeleteBeforeReplace(true))
	if err != nil {
		return nil, fmt.Errorf("web ACL %q: %w", name, err)
	}

	if scope == ScopeRegional {
		if _, err := wafv2.NewWebAclAssociation(ctx, name, &wafv2.WebAclAssociationArgs{
			ResourceArn: args.LoadBalancerArn,
			WebAclArn:   acl.Arn,
		}, parent); err != nil {
			return nil, fmt.Errorf("web ACL %q association: %w", name, err)
		}
	}

	// WAF adds the resource policy that lets it write to the group when logging is
	// enabled (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
	var logKeyArn pulumi.StringInput
	c.LogKeyArn = pulumi.String("").ToStringOutput()
	if args.LogKey != nil {
		key, err := newLogKey(ctx, LogGroupPrefix+name, args.LogKey, parent)
		if err != nil {
			return nil, fmt.Errorf("web ACL %q log key: %w", name, err)
		}
		logKeyArn, c.LogKeyArn = key.Arn, key.Arn
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(LogGroupPrefix + name),
		RetentionInDays: pulumi.Int(w.LogRetentionDays),
		KmsKeyId:        logKeyArn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("web ACL %q log group: %w", name, err)
	}
	var redacted wafv2.WebAclLoggingConfigurationRedactedFieldArray
	for _, h := range RedactedHeaders {
		redacted = append(redacted, &wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(h)},
		})
	}
	if _, err := wafv2.NewWebAclLoggingConfiguration(ctx, name, &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{logs.Arn},
		RedactedFields:        redacted,
	}, parent); err != nil {
		return nil, fmt.Errorf("web ACL %q logging: %w", name, err)
	}

	c.Arn = acl.Arn
	c.Name = acl.Name
	c.LogGroupName = logs.Name
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"arn":          c.Arn,
		"name":         c.Name,
		"logGroupName": c.LogGroupName,
		"logKeyArn":    c.LogKeyArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// RegionalBodyInspectionBytes is how much of a body an Application Load Balancer forwards
// to WAF, fixed (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-setting-body-inspection-limit.html).
const RegionalBodyInspectionBytes = 8 * 1024

// largeBodyRules are the two rules that let requests under w.LargeBodyPathPrefix carry
// bodies up to w.LargeBodyMaxBytes while every other path keeps the Core rule set's 8 KB
// limit: the managed rule counts, which still labels the request, and a rule of the web
// ACL matches the label (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-label-match.html):
//   - body-size-outside-large-paths blocks a request the counted SizeRestrictions_BODY
//     labelled, unless its path starts with the prefix;
//   - large-body-size blocks a request under the prefix whose body exceeds the maximum.
//     A body larger than the inspection limit is a match (oversize handling MATCH,
//     https://docs.aws.amazon.com/waf/latest/developerguide/waf-oversize-request-components.html),
//     so no body escapes the limit by being too large to see.
//
// With the Core rule set in count mode both rules count too.
func largeBodyRules(w WafSettings, visibility func(string) *wafv2.WebAclRuleVisibilityConfigArgs) wafv2.WebAclRuleArray {
	action := &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}}
	if w.ManagedRules.CommonRuleSet.Mode == ManagedRuleCount {
		action = &wafv2.WebAclRuleActionArgs{Count: &wafv2.WebAclRuleActionCountArgs{}}
	}
	underPrefix := func() *wafv2.WebAclRuleStatementArgs {
		return &wafv2.WebAclRuleStatementArgs{ByteMatchStatement: &wafv2.WebAclRuleStatementByteMatchStatementArgs{
			FieldToMatch:         &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchArgs{UriPath: &wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchUriPathArgs{}},
			PositionalConstraint: pulumi.String("STARTS_WITH"),
			SearchString:         pulumi.String(w.LargeBodyPathPrefix),
			TextTransformations: wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArray{
				&wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("NONE")},
			},
		}}
	}
	return wafv2.WebAclRuleArray{
		&wafv2.WebAclRuleArgs{
			Name:     pulumi.String("body-size-outside-large-paths"),
			Priority: pulumi.Int(PriorityBodyOutsideLargePaths),
			Action:   action,
			Statement: &wafv2.WebAclRuleStatementArgs{AndStatement: &wafv2.WebAclRuleStatementAndStatementArgs{Statements: wafv2.WebAclRuleStatementArray{
				&wafv2.WebAclRuleStatementArgs{LabelMatchStatement: &wafv2.WebAclRuleStatementLabelMatchStatementArgs{
					Scope: pulumi.String("LABEL"), Key: pulumi.String(SizeRestrictionsBodyLabel),
				}},
				&wafv2.WebAclRuleStatementArgs{NotStatement: &wafv2.WebAclRuleStatementNotStatementArgs{Statements: wafv2.WebAclRuleStatementArray{underPrefix()}}},
			}}},
			VisibilityConfig: visibility("body-size-outside-large-paths"),
		},
		&wafv2.WebAclRuleArgs{
			Name:     pulumi.String("large-body-size"),
			Priority: pulumi.Int(PriorityLargeBody),
			Action:   action,
			Statement: &wafv2.WebAclRuleStatementArgs{AndStatement: &wafv2.WebAclRuleStatementAndStatementArgs{Statements: wafv2.WebAclRuleStatementArray{
				underPrefix(),
				&wafv2.WebAclRuleStatementArgs{SizeConstraintStatement: &wafv2.WebAclRuleStatementSizeConstraintStatementArgs{
					ComparisonOperator: pulumi.String("GT"),
					Size:               pulumi.Int(w.LargeBodyMaxBytes),
					FieldToMatch: &wafv2.WebAclRuleStatementSizeConstraintStatementFieldToMatchArgs{
						Body: &wafv2.WebAclRuleStatementSizeConstraintStatementFieldToMatchBodyArgs{OversizeHandling: pulumi.String("MATCH")},
					},
					TextTransformations: wafv2.WebAclRuleStatementSizeConstraintStatementTextTransformationArray{
						&wafv2.WebAclRuleStatementSizeConstraintStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("NONE")},
					},
				}},
			}}},
			VisibilityConfig: visibility("large-body-size"),
		},
	}
}

// newLogKey creates the key of k and its alias, with a policy that lets CloudWatch Logs
// of k.Region use the key for the log group named group only
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html),
// plus k.Statements.
func newLogKey(ctx *pulumi.Context, group string, k *LogKeyArgs, parent pulumi.ResourceOption) (*kms.Key, error) {
	if k.AccountID == "" || k.Region == "" || k.Name == "" || k.AliasName == "" {
		return nil, errors.New("LogKey needs AccountID, Region, Name and AliasName")
	}
	statements := append([]iamdoc.Statement{
		iamdoc.KeyAdministeredThroughIAM(k.AccountID),
		iamdoc.LogsMayEncrypt("CloudWatchLogsEncryptsWafLogs", k.Region, k.AccountID, group),
	}, k.Statements...)
	policy, err := iamdoc.New(statements...).JSON()
	if err != nil {
		return nil, err
	}
	opts := []pulumi.ResourceOption{parent}
	if k.PreviousParentURN != "" {
		opts = append(opts, pulumi.Aliases([]pulumi.Alias{{ParentURN: k.PreviousParentURN}}))
	}
	description := "Encrypts the WAF logs (" + group + ")"
	for _, p := range k.Purposes {
		description += " and " + p
	}
	key, err := kms.NewKey(ctx, k.Name, &kms.KeyArgs{
		Description:          pulumi.String(description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(policy),
	}, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, k.Name, &kms.AliasArgs{
		Name:        pulumi.String(k.AliasName),
		TargetKeyId: key.KeyId,
	}, opts...); err != nil {
		return nil, fmt.Errorf("alias: %w", err)
	}
	return key, nil
}
