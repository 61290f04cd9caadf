package monitoring

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// CloudWatch namespaces and metric names the alarms and the dashboard use:
//   - ECS service utilization, dimensions ClusterName and ServiceName
//     (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html);
//   - ALB metrics, dimension LoadBalancer, plus TargetGroup for per-target-group metrics
//     (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html);
//   - Aurora metrics, dimension DBClusterIdentifier, plus Role for the readers
//     (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html,
//     https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html);
//   - WAF metrics, dimensions WebACL and Rule, where Rule "ALL" is every rule, plus
//     Region for every protected resource type except CloudFront distributions; the
//     metrics of a CLOUDFRONT web ACL are published in us-east-1, without a Region
//     dimension (https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html,
//     https://docs.aws.amazon.com/waf/latest/developerguide/monitoring-cloudwatch.html).
const (
	NamespaceECS = "AWS/ECS"
	NamespaceALB = "AWS/ApplicationELB"
	NamespaceRDS = "AWS/RDS"
	NamespaceWAF = "AWS/WAFV2"

	MetricCPU                = "CPUUtilization"
	MetricMemory             = "MemoryUtilization"
	MetricRequestCount       = "RequestCount"
	MetricTarget5xx          = "HTTPCode_Target_5XX_Count"
	MetricELB5xx             = "HTTPCode_ELB_5XX_Count"
	MetricUnhealthyHosts     = "UnHealthyHostCount"
	MetricTargetResponseTime = "TargetResponseTime"
	MetricDbConnections      = "DatabaseConnections"
	MetricACUUtilization     = "ACUUtilization"
	MetricServerlessCapacity = "ServerlessDatabaseCapacity"
	MetricFreeableMemory     = "FreeableMemory"
	MetricReplicaLag         = "AuroraReplicaLag"
	MetricBlockedRequests    = "BlockedRequests"
	MetricAllowedRequests    = "AllowedRequests"
)

// Treatments of missing data, chosen per alarm.
const (
	// missingNotBreaching: no data means nothing happened (no requests, nothing blocked,
	// no tasks or targets to measure, as when a schedule scales a dev service to zero),
	// which is healthy. A target that fails its health check is reported, not missing.
	missingNotBreaching = "notBreaching"
	// missingKeep: no data keeps the alarm's state, which is what CloudWatch's "ignore"
	// does; "missing" would move an alarm whose whole evaluation range is empty to
	// INSUFFICIENT_DATA, so dev's database alarms would change state on every pause and a
	// prod alarm could leave ALARM without an OK notification
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
	// Aurora stops reporting while an auto-paused instance sleeps, which is neither
	// healthy nor broken.
	missingKeep = "ignore"
)

// AlarmsArgs configures Alarms.
type AlarmsArgs struct {
	// Required. The stack's AWS region, part of the alarm ARNs the main topic accepts.
	Region string
	// Required with Targets.WebAclName. An AWS provider for us-east-1 (GlobalRegion) with
	// the stack's default tags. The web ACL is of the CLOUDFRONT scope, so its metrics
	// exist only in us-east-1, and an alarm can only notify an SNS topic in its own region
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):
	// the WAF alarm, a second KMS key and a second topic (with the same email
	// subscription) are created there with this provider. Without a web ACL none of the
	// three exist and the provider is not used.
	UsEast1 pulumi.ProviderResource
	// Required. The AWS account id, which scopes the key and topic policies.
	AccountID string
	// Required. The validated monitoring section: the email and every threshold.
	Settings Settings
	// Required. The monitored resources.
	Targets Targets
	// Required when Settings.TopicKey is compute, refused otherwise. The ARN of the
	// stack's compute key (in the stack's region), whose policy carries
	// [TopicKeyStatement] for name and Region: the topic in the stack's region is
	// encrypted with it and gets no key of its own.
	TopicKeyArn pulumi.StringInput
	// Optional, with Targets.WebAclName. The ARN of a key in us-east-1 whose policy
	// carries [TopicKeyStatement] for name and GlobalRegion (the web ACL's log key): the
	// us-east-1 topic is encrypted with it and gets no key of its own.
	GlobalTopicKeyArn pulumi.StringInput
}

// Alarms is the alarm topic and every CloudWatch alarm of the stack.
type Alarms struct {
	pulumi.ResourceState

	// TopicArn is the SNS topic every alarm in the stack's region notifies.
	TopicArn pulumi.StringOutput `pulumi:"topicArn"`
	// KeyArn is the customer managed KMS key encrypting the topic: its own, or
	// AlarmsArgs.TopicKeyArn.
	KeyArn pulumi.StringOutput `pulumi:"keyArn"`
	// GlobalTopicArn is the SNS topic in us-east-1 the WAF alarm notifies; nil without a
	// web ACL (Targets.WebAclName nil).
	GlobalTopicArn pulumi.StringOutput `pulumi:"globalTopicArn"`
	// GlobalKeyArn is the customer managed KMS key in us-east-1 encrypting that topic;
	// nil without a web ACL.
	GlobalKeyArn pulumi.StringOutput `pulumi:"globalKeyArn"`

	// AlarmNames are the names of the alarms created, in creation order.
	AlarmNames []string
}

// alarm is the definition of one metric alarm.
type alarm struct {
	key         string // stable suffix of the alarm's name, e.g. "web-cpu-high"
	description string
	namespace   string
	metric      string
	dimensions  pulumi.StringMap
	statistic   string // a statistic, or "" when extended is set
	extended    string // a percentile such as p95
	period      int
	evaluations int
	operator    string
	threshold   float64
	missing     string
	queries     cloudwatch.MetricAlarmMetricQueryArray // metric math instead of one metric
	global      bool                                   // created in us-east-1, notifying the topic there
}

// GlobalRegion is where the metrics of a CLOUDFRONT web ACL live, and so the WAF alarm
// and the topic it notifies.
const GlobalRegion = "us-east-1"

// GlobalSuffix ends the logical names of the key, alias and topic in GlobalRegion.
const GlobalSuffix = "-" + GlobalRegion

// NewAlarms creates the SNS topic with its policy, its KMS key (unless
// AlarmsArgs.TopicKeyArn gives one) and optional email subscription, and the alarms;
// with a web ACL also the WAF alarm and the us-east-1 key and topic it notifies. Alarm names are "<name>-<key>", keyed by service name or by what
// they watch, never by list position.
func NewAlarms(ctx *pulumi.Context, name string, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	if args == nil || args.Region == "" || args.AccountID == "" {
		return nil, errors.New("monitoring: args with Region and AccountID are required")
	}
	t := args.Targets
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("alarms %q: %w", name, err)
	}
	if t.WebAclName != nil && args.UsEast1 == nil {
		return nil, fmt.Errorf("alarms %q: the UsEast1 provider is required with a WebAclName (the WAF alarm lives in us-east-1)", name)
	}
	switch shared := args.TopicKeyArn != nil; {
	case args.Settings.TopicKey == TopicKeyCompute && !shared:
		return nil, fmt.Errorf("alarms %q: TopicKeyArn (the compute key) is required with monitoring.topicKey %s", name, TopicKeyCompute)
	case args.Settings.TopicKey != TopicKeyCompute && shared:
		return nil, fmt.Errorf("alarms %q: TopicKeyArn is set but monitoring.topicKey is %q; the topic would not get the key it is configured with", name, args.Settings.TopicKey)
	}
	th := args.Settings
	c := &Alarms{}
	if err := ctx.RegisterComponentResource("ecsite:monitoring:Alarms", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	topic, keyArn, err := newTopic(ctx, name, "", args.Region, args.TopicKeyArn, args, parent)
	if err != nil {
		return nil, err
	}
	var globalTopic *sns.Topic
	var globalKeyArn pulumi.StringOutput
	var usEast1 pulumi.ResourceOption
	if t.WebAclName != nil {
		usEast1 = pulumi.Provider(args.UsEast1)
		globalTopic, globalKeyArn, err = newTopic(ctx, name, GlobalSuffix, GlobalRegion, args.GlobalTopicKeyArn, args, parent, usEast1)
		if err != nil {
			return nil, err
		}
	}

	var alarms []alarm
	for _, s := range t.Services {
		ecsDims := pulumi.StringMap{"ClusterName": t.EcsClusterName, "ServiceName": s.ServiceName}
		alarms = append(alarms,
			alarm{
				key: s.Name + "-cpu-high", description: fmt.Sprintf("ECS service %s: average CPU above %v%% for 2 x 5 minutes", s.Name, th.EcsCPUPercent),
				namespace: NamespaceECS, metric: MetricCPU, dimensions: ecsDims, statistic: "Average",
				period: 300, evaluations: 2, operator: "GreaterThanThreshold", threshold: th.EcsCPUPercent, missing: missingNotBreaching,
			},
			alarm{
				key: s.Name + "-memory-high", description: fmt.Sprintf("ECS service %s: average memory above %v%% for 2 x 5 minutes", s.Name, th.EcsMemoryPercent),
				namespace: NamespaceECS, metric: MetricMemory, dimensions: ecsDims, statistic: "Average",
				period: 300, evaluations: 2, operator: "GreaterThanThreshold", threshold: th.EcsMemoryPercent, missing: missingNotBreaching,
			},
		)
		if s.TargetGroupArnSuffix == nil {
			continue
		}
		tgDims := pulumi.StringMap{"TargetGroup": s.TargetGroupArnSuffix, "LoadBalancer": t.LoadBalancerArnSuffix}
		alarms = append(alarms,
			alarm{
				key: s.Name + "-unhealthy-hosts", description: fmt.Sprintf("Target group of %s: at least one unhealthy target for 2 minutes", s.Name),
				namespace: NamespaceALB, metric: MetricUnhealthyHosts, dimensions: tgDims, statistic: "Maximum",
				period: 60, evaluations: 2, operator: "GreaterThanThreshold", threshold: 0, missing: missingNotBreaching,
			},
			alarm{
				key: s.Name + "-response-time-p95", description: fmt.Sprintf("Target group of %s: p95 response time above %v s for 2 x 5 minutes", s.Name, th.TargetResponseTimeP95Seconds),
				namespace: NamespaceALB, metric: MetricTargetResponseTime, dimensions: tgDims, extended: "p95",
				period: 300, evaluations: 2, operator: "GreaterThanThreshold", threshold: th.TargetResponseTimeP95Seconds, missing: missingNotBreaching,
			},
		)
	}

	alarms = append(alarms, alarm{
		key:         "alb-5xx-rate",
		description: fmt.Sprintf("Load balancer: over %v%% of requests answered 5xx (target or ALB) in 5 minutes with at least %d requests", th.Alb5xxPercent, th.Alb5xxMinRequests),
		period:      300, evaluations: 1, operator: "GreaterThanThreshold", threshold: th.Alb5xxPercent, missing: missingNotBreaching,
		queries: fiveXXRate(t.LoadBalancerArnSuffix, th.Alb5xxMinRequests),
	})

	dbDims := pulumi.StringMap{"DBClusterIdentifier": t.DbClusterIdentifier}
	alarms = append(alarms,
		alarm{
			key: "db-cpu-high", description: fmt.Sprintf("Aurora: CPU of the busiest instance above %v%% for 5 minutes", th.DbCPUPercent),
			namespace: NamespaceRDS, metric: MetricCPU, dimensions: dbDims, statistic: "Maximum",
			period: 300, evaluations: 1, operator: "GreaterThanThreshold", threshold: th.DbCPUPercent, missing: missingKeep,
		},
		alarm{
			key: "db-connections-high", description: fmt.Sprintf("Aurora: more than %d connections for 2 x 5 minutes", th.DbConnections),
			namespace: NamespaceRDS, metric: MetricDbConnections, dimensions: dbDims, statistic: "Maximum",
			period: 300, evaluations: 2, operator: "GreaterThanThreshold", threshold: float64(th.DbConnections), missing: missingKeep,
		},
		alarm{
			key: "db-acu-near-max", description: fmt.Sprintf("Aurora Serverless v2: capacity above %v%% of the maximum ACUs for 2 x 5 minutes; raise database.maxCapacity", th.DbAcuUtilizationPercent),
			namespace: NamespaceRDS, metric: MetricACUUtilization, dimensions: dbDims, statistic: "Maximum",
			period: 300, evaluations: 2, operator: "GreaterThanThreshold", threshold: th.DbAcuUtilizationPercent, missing: missingKeep,
		},
		alarm{
			key: "db-freeable-memory-low", description: fmt.Sprintf("Aurora: freeable memory below %d MiB for 2 x 5 minutes", th.DbFreeableMemoryMiB),
			namespace: NamespaceRDS, metric: MetricFreeableMemory, dimensions: dbDims, statistic: "Minimum",
			period: 300, evaluations: 2, operator: "LessThanThreshold", threshold: float64(th.DbFreeableMemoryMiB) * 1024 * 1024, missing: missingKeep,
		},
	)
	// Replica lag is only reported by readers: without one the alarm could never fire.
	if t.DbInstanceCount > 1 {
		alarms = append(alarms, alarm{
			key: "db-replica-lag", description: fmt.Sprintf("Aurora: a reader lags the writer by more than %v s for 5 minutes", th.DbReplicaLagSeconds),
			namespace: NamespaceRDS, metric: MetricReplicaLag,
			dimensions: pulumi.StringMap{"DBClusterIdentifier": t.DbClusterIdentifier, "Role": pulumi.String("READER")},
			statistic:  "Maximum", period: 60, evaluations: 5, operator: "GreaterThanThreshold",
			threshold: th.DbReplicaLagSeconds * 1000, // AuroraReplicaLag is in milliseconds
			missing:   missingKeep,
		})
	}

	if t.WebAclName != nil {
		alarms = append(alarms, alarm{
			key: "waf-blocked-spike", description: fmt.Sprintf("WAF: more than %d requests blocked in 5 minutes (an attack, or a rule blocking real users)", th.WafBlockedRequests),
			namespace: NamespaceWAF, metric: MetricBlockedRequests,
			// No Region dimension: the web ACL protects a CloudFront distribution.
			dimensions: pulumi.StringMap{"WebACL": t.WebAclName, "Rule": pulumi.String("ALL")},
			statistic:  "Sum", period: 300, evaluations: 1, operator: "GreaterThanThreshold", threshold: float64(th.WafBlockedRequests),
			missing: missingNotBreaching, // WAF publishes nothing while it blocks nothing
			global:  true,
		})
	}

	for _, a := range alarms {
		actions := pulumi.Array{topic.Arn}
		alarmOpts := []pulumi.ResourceOption{parent}
		if a.global {
			actions = pulumi.Array{globalTopic.Arn}
			alarmOpts = append(alarmOpts, usEast1)
		}
		alarmName := name + "-" + a.key
		in := &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String(alarmName),
			AlarmDescription:   pulumi.String(a.description),
			ComparisonOperator: pulumi.String(a.operator),
			EvaluationPeriods:  pulumi.Int(a.evaluations),
			Threshold:          pulumi.Float64(a.threshold),
			TreatMissingData:   pulumi.String(a.missing),
			ActionsEnabled:     pulumi.Bool(true),
			AlarmActions:       actions,
			OkActions:          actions,
		}
		if a.queries != nil {
			in.MetricQueries = a.queries
		} else {
			in.Namespace = pulumi.String(a.namespace)
			in.MetricName = pulumi.String(a.metric)
			in.Dimensions = a.dimensions
			in.Period = pulumi.Int(a.period)
			if a.extended != "" {
				in.ExtendedStatistic = pulumi.String(a.extended)
			} else {
				in.Statistic = pulumi.String(a.statistic)
			}
		}
		if _, err := cloudwatch.NewMetricAlarm(ctx, alarmName, in, alarmOpts...); err != nil {
			return nil, fmt.Errorf("alarm %q: %w", alarmName, err)
		}
		c.AlarmNames = append(c.AlarmNames, alarmName)
	}

	c.TopicArn = topic.Arn
	c.KeyArn = keyArn
	outputs := pulumi.Map{"topicArn": c.TopicArn, "keyArn": c.KeyArn}
	if globalTopic != nil {
		c.GlobalTopicArn = globalTopic.Arn
		c.GlobalKeyArn = globalKeyArn
		outputs["globalTopicArn"] = c.GlobalTopicArn
		outputs["globalKeyArn"] = c.GlobalKeyArn
	}
	if err := ctx.RegisterResourceOutputs(c, outputs); err != nil {
		return nil, err
	}
	return c, nil
}

// fiveXXRate is the metric math of the 5xx alarm: the share of requests answered 5xx by
// the targets or by the load balancer itself, in percent, and 0 while fewer than
// minRequests requests arrive in the period so that a handful of requests cannot trigger
// it. FILL treats a period without 5xx (no data point) as 0
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
func fiveXXRate(lb pulumi.StringInput, minRequests int) cloudwatch.MetricAlarmMetricQueryArray {
	metric := func(id, name string) *cloudwatch.MetricAlarmMetricQueryArgs {
		return &cloudwatch.MetricAlarmMetricQueryArgs{
			Id:         pulumi.String(id),
			ReturnData: pulumi.Bool(false),
			Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace:  pulumi.String(NamespaceALB),
				MetricName: pulumi.String(name),
				Dimensions: pulumi.StringMap{"LoadBalancer": lb},
				Period:     pulumi.Int(300),
				Stat:       pulumi.String("Sum"),
			},
		}
	}
	return cloudwatch.MetricAlarmMetricQueryArray{
		metric("target5xx", MetricTarget5xx),
		metric("elb5xx", MetricELB5xx),
		metric("requests", MetricRequestCount),
		&cloudwatch.MetricAlarmMetricQueryArgs{
			Id:         pulumi.String("rate"),
			Label:      pulumi.String("5xx rate (%)"),
			Expression: pulumi.String(fmt.Sprintf("IF(requests >= %d, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)", minRequests)),
			ReturnData: pulumi.Bool(true),
		},
	}
}

// TopicKeyStatement is the key policy statement that lets CloudWatch encrypt
// notifications to an alarm topic: for alarms of account in region whose names start
// with name and a dash, it may generate data keys and decrypt (SNS needs both to accept
// the alarm's message into an encrypted topic,
// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
// It grants nothing on data other services encrypted with the same key: CloudWatch Logs
// data, for instance, is bound to its log group's ARN in the encryption context.
func TopicKeyStatement(name, region, account string) iamdoc.Statement {
	return iamdoc.Statement{
		Sid:       "CloudWatchAlarmsPublish",
		Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
		Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
		Resource:  []string{"*"},
		Condition: fromOurAlarms(name, region, account),
	}
}

// fromOurAlarms is the condition under which CloudWatch acts: only for account's alarms
// in region whose names start with name and a dash.
func fromOurAlarms(name, region, account string) map[string]map[string]any {
	return map[string]map[string]any{
		"StringEquals": {"aws:SourceAccount": account},
		"ArnLike":      {"aws:SourceArn": fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s-*", region, account, name)},
	}
}

// newTopic creates, in region (through the provider in opts, if any), the encrypted
// topic, its policy and the optional email subscription, and returns the topic and the
// ARN of its key; suffix ends their logical names ("" in the stack's region). With a nil
// keyArn it creates the topic's own customer managed key and alias; otherwise the topic
// uses keyArn, whose policy must carry [TopicKeyStatement]. A customer managed key rather
// than alias/aws/sns: the AWS managed key's policy cannot be changed, so CloudWatch could
// not use it and alarm notifications would be dropped
// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
func newTopic(ctx *pulumi.Context, name, suffix, region string, keyArn pulumi.StringInput, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*sns.Topic, pulumi.StringOutput, error) {
	var none pulumi.StringOutput
	if keyArn == nil {
		key, err := newTopicKey(ctx, name, suffix, region, args.AccountID, opts...)
		if err != nil {
			return nil, none, err
		}
		keyArn = key.Arn
	}
	topic, err := sns.NewTopic(ctx, name+"-alarms"+suffix, &sns.TopicArgs{
		DisplayName:    pulumi.String(name + " alarms"),
		KmsMasterKeyId: keyArn,
	}, opts...)
	if err != nil {
		return nil, none, fmt.Errorf("alarm topic in %s: %w", region, err)
	}
	policy := topic.Arn.ApplyT(func(arn string) (string, error) {
		return iamdoc.New(iamdoc.Statement{
			Sid:       "CloudWatchAlarmsPublish",
			Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
			Action:    []string{"sns:Publish"},
			Resource:  []string{arn},
			Condition: fromOurAlarms(name, region, args.AccountID),
		}).JSON()
	}).(pulumi.StringOutput)
	if _, err := sns.NewTopicPolicy(ctx, name+"-alarms"+suffix, &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: policy,
	}, opts...); err != nil {
		return nil, none, fmt.Errorf("alarm topic policy in %s: %w", region, err)
	}
	if email := args.Settings.AlertEmail; email != "" {
		if _, err := sns.NewTopicSubscription(ctx, name+"-alarms"+suffix+"-email", &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, opts...); err != nil {
			return nil, none, fmt.Errorf("alarm email subscription in %s: %w", region, err)
		}
	}
	return topic, keyArn.ToStringOutput(), nil
}

// TopicKeyName is the logical name of the key of the alarm topic whose names end with
// suffix, and of its alias resource; TopicKeyAlias is the alias itself (the same in every
// region: aliases are per region).
func TopicKeyName(name, suffix string) string { return name + "-alarms" + suffix }

// TopicKeyAlias is the KMS alias of the alarm topic's key.
func TopicKeyAlias(name string) string { return "alias/" + name + "-alarms" }

// newTopicKey creates the customer managed key of the alarm topic in region, with its
// alias; suffix ends their logical names.
func newTopicKey(ctx *pulumi.Context, name, suffix, region, account string, opts ...pulumi.ResourceOption) (*kms.Key, error) {
	keyPolicy, err := iamdoc.New(
		iamdoc.KeyAdministeredThroughIAM(account),
		TopicKeyStatement(name, region, account),
	).JSON()
	if err != nil {
		return nil, err
	}
	key, err := kms.NewKey(ctx, TopicKeyName(name, suffix), &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the " + name + " alarm topic in " + region),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(keyPolicy),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("alarm topic key in %s: %w", region, err)
	}
	// Aliases are per region, so both keys take the same alias name.
	if _, err := kms.NewAlias(ctx, TopicKeyName(name, suffix), &kms.AliasArgs{
		Name:        pulumi.String(TopicKeyAlias(name)),
		TargetKeyId: key.KeyId,
	}, opts...); err != nil {
		return nil, fmt.Errorf("alarm topic key alias in %s: %w", region, err)
	}
	return key, nil
}
