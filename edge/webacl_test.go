package edge_test

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// wafOn is a committed stack with its web ACL on. dev turns it off (waf.enabled: false)
// and turns it on to test a WAF change, so the WAF tests run dev as it is then; prod
// keeps the default.
func wafOn(t *testing.T, stack string) mockengine.Options {
	return programtest.Patched(t, stack, "waf", map[string]string{"enabled": "true"})
}

// loadedWaf sets every optional WAF feature on top of a committed stack with its web ACL
// on: IPv4 and IPv6 allow lists, an IPv4 block list, geo blocking, a group in count mode
// with exclusions.
func loadedWaf(t *testing.T, stack string) mockengine.Options {
	return programtest.Patched(t, stack, "waf", map[string]string{
		"enabled":          "true",
		"allowedCidrs":     `["203.0.113.0/24","2001:db8::/32"]`,
		"blockedCidrs":     `["198.51.100.0/24"]`,
		"blockedCountries": `["KP","RU"]`,
		"managedRules":     `{"commonRuleSet":{"mode":"count","excludedRules":["SizeRestrictions_BODY","NoUserAgent_HEADER"]},"sqlDatabase":{"mode":"count"}}`,
	})
}

// wafRun is one run of the program with its web ACL rules, by rule name.
type wafRun struct {
	programtest.Result
	cfg   *config.Config
	acl   *mockengine.Resource
	rules map[string]map[string]any
	plain []any
}

func runWaf(t *testing.T, stack string, opts mockengine.Options) wafRun {
	t.Helper()
	w := wafRun{Result: programtest.MustRun(t, stack, opts), cfg: programtest.Config(t, stack, opts), rules: map[string]map[string]any{}}
	w.acl = w.Result.Only(t, programtest.TypeWebAcl)
	w.plain, _ = w.acl.In("rules").Plain().([]any)
	for _, r := range w.plain {
		rule := r.(map[string]any)
		name, _ := rule["name"].(string)
		if _, dup := w.rules[name]; dup {
			t.Fatalf("two rules named %q", name)
		}
		w.rules[name] = rule
	}
	return w
}

// TestWebAclProtectsTheDistribution: the stack's web ACL is of the CLOUDFRONT scope, in
// us-east-1, attached by the distribution's webAclId, with no association left over
// from when it was regional on the load balancer.
func TestWebAclProtectsTheDistribution(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			w := runWaf(t, stack, wafOn(t, stack))
			if got := w.acl.In("scope").Str(); got != edge.ScopeCloudFront {
				t.Errorf("scope %q; want CLOUDFRONT (a distribution's web ACL)", got)
			}
			if w.acl.In("defaultAction.allow").Null() || !w.acl.In("defaultAction.block").Null() {
				t.Errorf("default action %v; want allow", w.acl.In("defaultAction").Plain())
			}
			if !w.acl.In("visibilityConfig.cloudwatchMetricsEnabled").Bool() || !w.acl.In("visibilityConfig.sampledRequestsEnabled").Bool() {
				t.Errorf("web ACL visibility %v; want metrics and sampled requests", w.acl.In("visibilityConfig").Plain())
			}
			parent := w.ByURN(w.acl.Parent)
			if parent == nil || parent.Type != "ecsite:edge:WebAcl" || parent.Name != w.cfg.Prefix()+"-waf" {
				t.Errorf("web ACL is not under the ecsite:edge:WebAcl component %s-waf", w.cfg.Prefix())
			}
			if n := len(w.ByType(programtest.TypeWebAclAssociation)); n != 0 {
				t.Errorf("%d web ACL associations; a CLOUDFRONT ACL is attached by the distribution", n)
			}
			usEast1 := w.Named("pulumi:providers:aws", "aws-us-east-1")
			if usEast1 == nil || usEast1.In("region").Str() != "us-east-1" {
				t.Fatal("no us-east-1 provider")
			}
			for _, res := range w.Resources() {
				if res.Parent == parent.URN && res.Provider != usEast1.URN+"::"+usEast1.ID {
					t.Errorf("%s %s is not in us-east-1", res.Type, res.Name)
				}
			}
			logs := w.Named("aws:cloudwatch/logGroup:LogGroup", w.cfg.Prefix()+"-waf-logs")
			if logs == nil || !strings.HasPrefix(logs.In("name").Str(), edge.LogGroupPrefix) || logs.Parent != parent.URN {
				t.Errorf("WAF log group missing, misnamed or not in us-east-1 with the ACL")
			}
			dist := w.Result.Only(t, "aws:cloudfront/distribution:Distribution")
			if got, want := dist.In("webAclId").Str(), w.acl.Out("arn").Str(); got == "" || got != want {
				t.Errorf("distribution webAclId %q; want the web ACL %q", got, want)
			}
		})
	}
}

// wantPriority pins every rule's priority: priorities are per rule, not per position, so
// that enabling an optional rule never renumbers the others.
var wantPriority = map[string]int{
	"allow-ipv4": 0, "allow-ipv6": 1, "block-ipv4": 10, "block-ipv6": 11, "block-countries": 20,
	"rate-limit-per-ip": 30, "aws-ip-reputation": 40, "aws-common-rule-set": 50,
	"aws-known-bad-inputs": 60, "aws-sql-database": 70,
	"body-size-outside-large-paths": 51, "large-body-size": 52,
}

// wafVariants are the configurations the WAF tests run for each stack: the committed one
// with its web ACL on, and one with every optional rule switched on.
var wafVariants = map[string]func(*testing.T, string) mockengine.Options{
	"committed": wafOn,
	"loaded":    loadedWaf,
}

func TestWebAclRulePrioritiesAreUniqueAndStable(t *testing.T) {
	for _, stack := range programtest.Stacks {
		for variant, opts := range wafVariants {
			t.Run(stack+"/"+variant, func(t *testing.T) {
				w := runWaf(t, stack, opts(t, stack))
				if len(w.rules) < 5 {
					t.Fatalf("only %d rules", len(w.rules))
				}
				if problems := checkRules(w.plain); len(problems) > 0 {
					t.Errorf("rules break the priority and visibility rules:\n%s", strings.Join(problems, "\n"))
				}
				for name, rule := range w.rules {
					want, known := wantPriority[name]
					if got := int(rule["priority"].(float64)); !known || got != want {
						t.Errorf("rule %s has priority %d; want %d (known: %v)", name, got, want, known)
					}
				}
			})
		}
	}
	t.Run("check catches a duplicate priority and a missing metric", func(t *testing.T) {
		rules := []any{
			map[string]any{"name": "a", "priority": 1.0, "visibilityConfig": map[string]any{"cloudwatchMetricsEnabled": true, "sampledRequestsEnabled": true, "metricName": "a"}},
			map[string]any{"name": "b", "priority": 1.0, "visibilityConfig": map[string]any{"cloudwatchMetricsEnabled": false, "sampledRequestsEnabled": true, "metricName": "b"}},
		}
		if got := checkRules(rules); len(got) != 2 {
			t.Errorf("checkRules found %v; want the duplicate priority and the disabled metrics", got)
		}
	})
}

// checkRules returns every rule whose priority is not unique or whose visibility config
// lacks metrics, sampling or a unique metric name.
func checkRules(rules []any) []string {
	var problems []string
	priorities := map[float64]string{}
	metrics := map[string]string{}
	for _, r := range rules {
		rule := r.(map[string]any)
		name, _ := rule["name"].(string)
		p, _ := rule["priority"].(float64)
		if other, dup := priorities[p]; dup {
			problems = append(problems, fmt.Sprintf("%s and %s share priority %v", name, other, p))
		}
		priorities[p] = name
		v, _ := rule["visibilityConfig"].(map[string]any)
		metric, _ := v["metricName"].(string)
		if v["cloudwatchMetricsEnabled"] != true || v["sampledRequestsEnabled"] != true || metric == "" {
			problems = append(problems, fmt.Sprintf("%s: visibility %v", name, v))
		}
		if other, dup := metrics[metric]; dup && metric != "" {
			problems = append(problems, fmt.Sprintf("%s and %s share metric %s", name, other, metric))
		}
		metrics[metric] = name
	}
	return problems
}

// wcu sums the capacity of recorded rules from edge's WCU table. A statement the table does
// not price (a new managed group, custom keys, a scope-down) is an error, so the sum can
// never silently undercount.
func wcu(rules []any) (int, error) {
	total := 0
	for _, r := range rules {
		rule := r.(map[string]any)
		st, _ := rule["statement"].(map[string]any)
		switch {
		case st["managedRuleGroupStatement"] != nil:
			m := st["managedRuleGroupStatement"].(map[string]any)
			n, ok := edge.ManagedRuleGroupWCU[fmt.Sprint(m["name"])]
			if !ok || m["vendorName"] != "AWS" || m["scopeDownStatement"] != nil {
				return 0, fmt.Errorf("rule %v: no WCU figure for %v", rule["name"], m)
			}
			total += n
		case st["rateBasedStatement"] != nil:
			rb := st["rateBasedStatement"].(map[string]any)
			if rb["customKeys"] != nil || rb["scopeDownStatement"] != nil || rb["aggregateKeyType"] != "IP" {
				return 0, fmt.Errorf("rule %v: rate-based statement %v costs more than the base", rule["name"], rb)
			}
			total += edge.WCURateBased
		case st["geoMatchStatement"] != nil:
			total += edge.WCUGeoMatch
		case st["ipSetReferenceStatement"] != nil:
			if st["ipSetReferenceStatement"].(map[string]any)["ipSetForwardedIpConfig"] != nil {
				return 0, fmt.Errorf("rule %v: forwarded-IP IP set costs more", rule["name"])
			}
			total += edge.WCUIPSet
		default:
			n, err := matchWCU(st)
			if err != nil {
				return 0, fmt.Errorf("rule %v: %w", rule["name"], err)
			}
			total += n
		}
	}
	return total, nil
}

// matchWCU prices a statement built of AND, NOT, label matches, STARTS_WITH string matches
// and body size constraints without text transformations, the statements of the
// large-body rules; AND and NOT cost only what they hold.
func matchWCU(st map[string]any) (int, error) {
	plainTransforms := func(m map[string]any) bool {
		ts, _ := m["textTransformations"].([]any)
		for _, tr := range ts {
			if tr.(map[string]any)["type"] != "NONE" {
				return false
			}
		}
		return true
	}
	nested := func(key string) (int, error) {
		sum := 0
		list, _ := st[key].(map[string]any)["statements"].([]any)
		for _, inner := range list {
			n, err := matchWCU(inner.(map[string]any))
			if err != nil {
				return 0, err
			}
			sum += n
		}
		return sum, nil
	}
	switch {
	case st["andStatement"] != nil:
		return nested("andStatement")
	case st["notStatement"] != nil:
		return nested("notStatement")
	case st["labelMatchStatement"] != nil:
		return edge.WCULabelMatch, nil
	case st["byteMatchStatement"] != nil:
		m := st["byteMatchStatement"].(map[string]any)
		if m["positionalConstraint"] == "STARTS_WITH" && plainTransforms(m) {
			return edge.WCUStartsWith, nil
		}
	case st["sizeConstraintStatement"] != nil:
		m := st["sizeConstraintStatement"].(map[string]any)
		if f, _ := m["fieldToMatch"].(map[string]any); f["body"] != nil && plainTransforms(m) {
			return edge.WCUSizeConstraint, nil
		}
	}
	return 0, fmt.Errorf("statement %v is not in the WCU table", st)
}

func TestWebAclCapacityStaysUnderTheBasicPrice(t *testing.T) {
	for _, stack := range programtest.Stacks {
		for variant, opts := range wafVariants {
			t.Run(stack+"/"+variant, func(t *testing.T) {
				w := runWaf(t, stack, opts(t, stack))
				total, err := wcu(w.plain)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s/%s: %d WCUs", stack, variant, total)
				if total >= edge.MaxCapacity {
					t.Errorf("the web ACL needs %d WCUs; it must stay under %d", total, edge.MaxCapacity)
				}
				if got := edge.Capacity(w.cfg.Waf); got != total {
					t.Errorf("edge.Capacity reports %d WCUs; the registered rules need %d", got, total)
				}
			})
		}
	}
	t.Run("sum catches an over-budget ACL", func(t *testing.T) {
		group := func(name string) any {
			return map[string]any{"name": name, "statement": map[string]any{"managedRuleGroupStatement": map[string]any{"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}}}
		}
		total, err := wcu([]any{group("a"), group("b"), group("c")})
		if err != nil || total < edge.MaxCapacity {
			t.Errorf("three core rule sets sum to %d (%v); want at least %d", total, err, edge.MaxCapacity)
		}
		if _, err := wcu([]any{map[string]any{"name": "x", "statement": map[string]any{"xssMatchStatement": map[string]any{}}}}); err == nil {
			t.Errorf("an unpriced statement was summed without error")
		}
	})
}

func TestOptionalWafRulesExistOnlyWhenConfigured(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack+"/committed", func(t *testing.T) {
			w := runWaf(t, stack, wafOn(t, stack))
			sets := 0
			for _, list := range [][]string{w.cfg.Waf.AllowedCidrs, w.cfg.Waf.BlockedCidrs} {
				for _, family := range [][]string{edge.IPv4Cidrs(list), edge.IPv6Cidrs(list)} {
					if len(family) > 0 {
						sets++
					}
				}
			}
			if got := len(w.ByType(programtest.TypeIPSet)); got != sets {
				t.Errorf("%d IP sets; the stack file's lists need %d", got, sets)
			}
			if _, geo := w.rules["block-countries"]; geo != (len(w.cfg.Waf.BlockedCountries) > 0) {
				t.Errorf("geo rule present = %v with blockedCountries %v", geo, w.cfg.Waf.BlockedCountries)
			}
		})
		t.Run(stack+"/loaded", func(t *testing.T) {
			w := runWaf(t, stack, loadedWaf(t, stack))
			wantSets := map[string]struct {
				version string
				cidrs   []string
				action  string
			}{
				"allow-ipv4": {"IPV4", []string{"203.0.113.0/24"}, "allow"},
				"allow-ipv6": {"IPV6", []string{"2001:db8::/32"}, "allow"},
				"block-ipv4": {"IPV4", []string{"198.51.100.0/24"}, "block"},
			}
			if got := len(w.ByType(programtest.TypeIPSet)); got != len(wantSets) {
				t.Errorf("%d IP sets; want %d (no IPv6 block list is configured)", got, len(wantSets))
			}
			if _, ok := w.rules["block-ipv6"]; ok {
				t.Errorf("block-ipv6 rule exists without IPv6 ranges to block")
			}
			for key, want := range wantSets {
				set := w.Named(programtest.TypeIPSet, w.cfg.Prefix()+"-waf-"+key)
				if set == nil {
					t.Errorf("IP set %s missing", key)
					continue
				}
				if set.In("ipAddressVersion").Str() != want.version || !reflect.DeepEqual(set.In("addresses").Strs(), want.cidrs) || set.In("scope").Str() != edge.ScopeCloudFront {
					t.Errorf("IP set %s: %s %v; want %s %v", key, set.In("ipAddressVersion").Str(), set.In("addresses").Strs(), want.version, want.cidrs)
				}
				rule := w.rules[key]
				stmt, _ := rule["statement"].(map[string]any)["ipSetReferenceStatement"].(map[string]any)
				if stmt["arn"] != set.Out("arn").Str() {
					t.Errorf("rule %s references %v; want IP set %s", key, stmt["arn"], set.Out("arn").Str())
				}
				if action, _ := rule["action"].(map[string]any); action[want.action] == nil || len(action) != 1 {
					t.Errorf("rule %s action %v; want %s", key, action, want.action)
				}
			}
			// The allow list is evaluated before every other rule.
			for name, rule := range w.rules {
				if !strings.HasPrefix(name, "allow-") && rule["priority"].(float64) <= w.rules["allow-ipv6"]["priority"].(float64) {
					t.Errorf("rule %s runs before the allow list", name)
				}
			}
			geo, ok := w.rules["block-countries"]
			if !ok {
				t.Fatal("geo rule missing with blockedCountries set")
			}
			codes := geo["statement"].(map[string]any)["geoMatchStatement"].(map[string]any)["countryCodes"]
			if !reflect.DeepEqual(codes, []any{"KP", "RU"}) || geo["action"].(map[string]any)["block"] == nil {
				t.Errorf("geo rule %v; want block of KP and RU", geo)
			}
		})
	}
}

func TestManagedGroupsAndRateLimitFollowConfig(t *testing.T) {
	groups := map[string]string{
		"aws-ip-reputation":    "AWSManagedRulesAmazonIpReputationList",
		"aws-common-rule-set":  "AWSManagedRulesCommonRuleSet",
		"aws-known-bad-inputs": "AWSManagedRulesKnownBadInputsRuleSet",
		"aws-sql-database":     "AWSManagedRulesSQLiRuleSet",
	}
	for _, stack := range programtest.Stacks {
		for variant, opts := range wafVariants {
			t.Run(stack+"/"+variant, func(t *testing.T) {
				w := runWaf(t, stack, opts(t, stack))
				configured := map[string]edge.ManagedRuleGroup{}
				for _, g := range w.cfg.Waf.ManagedRules.Groups() {
					configured[g.AWSName] = g.Group
				}
				for rule, group := range groups {
					r, ok := w.rules[rule]
					if !ok {
						t.Errorf("managed rule %s missing", rule)
						continue
					}
					stmt := r["statement"].(map[string]any)["managedRuleGroupStatement"].(map[string]any)
					if stmt["vendorName"] != "AWS" || stmt["name"] != group {
						t.Errorf("rule %s runs %v/%v; want AWS/%s", rule, stmt["vendorName"], stmt["name"], group)
					}
					cfg := configured[group]
					override := r["overrideAction"].(map[string]any)
					if wantCount := cfg.Mode == edge.ManagedRuleCount; (override["count"] != nil) != wantCount || (override["none"] != nil) == wantCount {
						t.Errorf("rule %s override %v; config mode %s", rule, override, cfg.Mode)
					}
					var excluded []string
					overrides, _ := stmt["ruleActionOverrides"].([]any)
					for _, o := range overrides {
						o := o.(map[string]any)
						if use := o["actionToUse"].(map[string]any); use["count"] == nil || len(use) != 1 {
							t.Errorf("rule %s: override %v does not switch to count", rule, o)
						}
						excluded = append(excluded, o["name"].(string))
					}
					want := append([]string(nil), cfg.ExcludedRules...)
					// The large-body rules count the Core rule set's body size rule.
					if group == "AWSManagedRulesCommonRuleSet" && w.cfg.Waf.LargeBodyPathPrefix != "" && !slices.Contains(want, edge.SizeRestrictionsBodyRule) {
						want = append(want, edge.SizeRestrictionsBodyRule)
					}
					sort.Strings(excluded)
					sort.Strings(want)
					if len(excluded)+len(want) > 0 && !reflect.DeepEqual(excluded, want) {
						t.Errorf("rule %s excludes %v; config lists %v", rule, excluded, want)
					}
				}
				rate := w.rules["rate-limit-per-ip"]
				rb := rate["statement"].(map[string]any)["rateBasedStatement"].(map[string]any)
				if rb["limit"] != float64(w.cfg.Waf.RateLimit) || rb["evaluationWindowSec"] != float64(w.cfg.Waf.RateLimitWindowSeconds) || rb["aggregateKeyType"] != "IP" {
					t.Errorf("rate rule %v; want %d per %d s per IP", rb, w.cfg.Waf.RateLimit, w.cfg.Waf.RateLimitWindowSeconds)
				}
				if rate["action"].(map[string]any)["block"] == nil {
					t.Errorf("rate rule action %v; want block", rate["action"])
				}
			})
		}
	}
	t.Run("defaults are 2000 per 5 minutes", func(t *testing.T) {
		if d := edge.WafDefaults(); d.RateLimit != 2000 || d.RateLimitWindowSeconds != 300 {
			t.Errorf("default rate limit %d per %d s; the production default is 2000 per 5 minutes", d.RateLimit, d.RateLimitWindowSeconds)
		}
	})
}

func TestWafLogsRedactCredentials(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			w := runWaf(t, stack, wafOn(t, stack))
			logging := w.Result.Only(t, programtest.TypeWebAclLogging)
			if got := logging.In("resourceArn").Str(); got != w.acl.Out("arn").Str() {
				t.Errorf("logging configured for %q; want the web ACL", got)
			}
			dest := logging.In("logDestinationConfigs").Strs()
			if len(dest) != 1 {
				t.Fatalf("log destinations %v; want one log group", dest)
			}
			group := w.ByID(dest[0])
			if group == nil || group.Type != programtest.TypeLogGroup {
				t.Fatalf("log destination %s is not a log group of this stack", dest[0])
			}
			if name := group.In("name").Str(); !strings.HasPrefix(name, "aws-waf-logs-") {
				t.Errorf("log group %q does not start with aws-waf-logs-, which WAF requires", name)
			}
			if got := int(group.In("retentionInDays").Num()); got != w.cfg.Waf.LogRetentionDays {
				t.Errorf("WAF log retention %d; stack file says %d", got, w.cfg.Waf.LogRetentionDays)
			}
			var redacted []string
			for _, f := range logging.In("redactedFields").Plain().([]any) {
				f := f.(map[string]any)
				header, _ := f["singleHeader"].(map[string]any)
				if header == nil || len(f) != 1 {
					t.Errorf("redacted field %v is not a single header", f)
					continue
				}
				redacted = append(redacted, strings.ToLower(header["name"].(string)))
			}
			sort.Strings(redacted)
			if !reflect.DeepEqual(redacted, []string{"authorization", "cookie"}) {
				t.Errorf("redacted headers %v; want authorization and cookie", redacted)
			}
		})
	}
}

// request is what the large-body evaluation needs of a request: its path and body size.
type request struct {
	path string
	body int
}

// verdict evaluates the recorded rules of w on req as AWS WAF would, for the statements the
// body rules use: the Core rule set's SizeRestrictions_BODY labels a body over 8 KB (and
// blocks it unless counted), then the web ACL's rules run in priority order. A body over
// the web ACL's inspection limit is seen cut at the limit; oversize handling decides.
func verdict(t *testing.T, w wafRun, req request) string {
	t.Helper()
	limit := edge.BodyInspectionBytes(w.acl.In(edge.BodyInspectionLimitPath).Str())
	labels := map[string]bool{}
	var eval func(st map[string]any) bool
	eval = func(st map[string]any) bool {
		switch {
		case st["andStatement"] != nil:
			for _, inner := range st["andStatement"].(map[string]any)["statements"].([]any) {
				if !eval(inner.(map[string]any)) {
					return false
				}
			}
			return true
		case st["notStatement"] != nil:
			return !eval(st["notStatement"].(map[string]any)["statements"].([]any)[0].(map[string]any))
		case st["labelMatchStatement"] != nil:
			return labels[fmt.Sprint(st["labelMatchStatement"].(map[string]any)["key"])]
		case st["byteMatchStatement"] != nil:
			return strings.HasPrefix(req.path, fmt.Sprint(st["byteMatchStatement"].(map[string]any)["searchString"]))
		case st["sizeConstraintStatement"] != nil:
			m := st["sizeConstraintStatement"].(map[string]any)
			oversize := m["fieldToMatch"].(map[string]any)["body"].(map[string]any)["oversizeHandling"]
			if req.body > limit {
				return oversize == "MATCH"
			}
			return m["comparisonOperator"] == "GT" && float64(req.body) > m["size"].(float64)
		}
		t.Fatalf("statement %v is not evaluated here", st)
		return false
	}
	rules := append([]any(nil), w.plain...)
	sort.Slice(rules, func(i, j int) bool {
		return rules[i].(map[string]any)["priority"].(float64) < rules[j].(map[string]any)["priority"].(float64)
	})
	for _, r := range rules {
		rule := r.(map[string]any)
		st := rule["statement"].(map[string]any)
		if g, ok := st["managedRuleGroupStatement"].(map[string]any); ok {
			if g["name"] != "AWSManagedRulesCommonRuleSet" || req.body <= 8*1024 {
				continue
			}
			labels[edge.SizeRestrictionsBodyLabel] = true
			counted := rule["overrideAction"].(map[string]any)["count"] != nil
			overrides, _ := g["ruleActionOverrides"].([]any)
			for _, o := range overrides {
				counted = counted || o.(map[string]any)["name"] == edge.SizeRestrictionsBodyRule
			}
			if !counted {
				return "blocked by " + fmt.Sprint(rule["name"])
			}
			continue
		}
		if st["labelMatchStatement"] == nil && st["andStatement"] == nil {
			continue // the IP, geo and rate rules do not look at bodies
		}
		if eval(st) && rule["action"].(map[string]any)["block"] != nil {
			return "blocked by " + fmt.Sprint(rule["name"])
		}
	}
	return "allowed"
}

// TestLargeBodiesOnlyUnderTheirPrefix: the API accepts bodies up to waf.largeBodyMaxBytes,
// every other path keeps the Core rule set's 8 KB limit, and a body too large for WAF to
// see is blocked, not waved through.
func TestLargeBodiesOnlyUnderTheirPrefix(t *testing.T) {
	const kb = 1024
	for _, tc := range []struct {
		name     string
		settings map[string]string
		want     map[request]string
	}{
		{"default: /api/ up to 64 KB", map[string]string{}, map[request]string{
			{"/api/orders", 4 * kb}:    "allowed",
			{"/api/orders", 60 * kb}:   "allowed",
			{"/api/orders", 64 * kb}:   "allowed",
			{"/api/orders", 64*kb + 1}: "blocked by large-body-size",
			{"/api/orders", 1024 * kb}: "blocked by large-body-size",
			{"/checkout", 8 * kb}:      "allowed",
			{"/checkout", 8*kb + 1}:    "blocked by body-size-outside-large-paths",
			{"/apiary", 9 * kb}:        "blocked by body-size-outside-large-paths",
			{"/checkout", 1024 * kb}:   "blocked by body-size-outside-large-paths",
		}},
		{"20 KB: inspection at 32 KB, sizes between measured", map[string]string{"largeBodyMaxBytes": "20480"}, map[request]string{
			{"/api/orders", 20 * kb}:  "allowed",
			{"/api/orders", 24 * kb}:  "blocked by large-body-size",
			{"/api/orders", 100 * kb}: "blocked by large-body-size",
		}},
		{"no prefix: 8 KB everywhere", map[string]string{"largeBodyPathPrefix": `""`}, map[request]string{
			{"/api/orders", 8 * kb}: "allowed",
			{"/api/orders", 9 * kb}: "blocked by aws-common-rule-set",
			{"/checkout", 9 * kb}:   "blocked by aws-common-rule-set",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := map[string]string{"enabled": "true"}
			for k, v := range tc.settings {
				fields[k] = v
			}
			w := runWaf(t, "prod", programtest.Patched(t, "prod", "waf", fields))
			for req, want := range tc.want {
				if got := verdict(t, w, req); got != want {
					t.Errorf("%s with a %d-byte body: %s; want %s", req.path, req.body, got, want)
				}
			}
		})
	}
}
