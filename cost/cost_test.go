package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/ecsite/infra/internal/mockengine"
)

// res builds a recorded custom resource whose outputs echo its inputs plus extra.
func res(typ, name string, in map[string]any, out ...any) *mockengine.Resource {
	r := &mockengine.Resource{Type: typ, Name: name, Custom: true, Inputs: resource.NewPropertyMapFromMap(in)}
	r.Outputs = r.Inputs.Copy()
	for i := 0; i+1 < len(out); i += 2 {
		r.Outputs[resource.PropertyKey(out[i].(string))] = resource.NewPropertyValue(out[i+1])
	}
	return r
}

// roundPrices are easy to multiply by hand.
var roundPrices = []Price{
	{Key: "month.hours", USD: 700},
	{Key: "nat.hour", USD: 0.1}, {Key: "nat.gb", USD: 0.05},
	{Key: "endpoint.azHour", USD: 0.01}, {Key: "endpoint.gb", USD: 0.01},
	{Key: "ipv4.hour", USD: 0.01},
	{Key: "alb.hour", USD: 0.02}, {Key: "alb.lcuHour", USD: 0.01},
	{Key: "fargate.vcpuHour", USD: 0.04}, {Key: "fargate.gbHour", USD: 0.004}, {Key: "fargate.spotDiscount", USD: 0.5},
	{Key: "fargate.armVcpuHour", USD: 0.032}, {Key: "fargate.armGbHour", USD: 0.0032},
	{Key: "aurora.acuHour", USD: 0.2}, {Key: "aurora.storageGBMonth", USD: 0.1}, {Key: "aurora.ioMillion", USD: 0.2}, {Key: "aurora.backupGBMonth", USD: 0.02},
	{Key: "waf.aclMonth", USD: 5}, {Key: "waf.ruleMonth", USD: 1}, {Key: "waf.millionRequests", USD: 0.6},
	{Key: "logs.vendedS3GB", USD: 0.25},
	{Key: "cw.alarmMetricMonth", USD: 0.1}, {Key: "cw.highResAlarmMetricMonth", USD: 0.3}, {Key: "cw.compositeAlarmMonth", USD: 0.5},
	{Key: "cw.dashboardMonth", USD: 3}, {Key: "cw.logIngestGB", USD: 0.5}, {Key: "cw.logStoreGBMonth", USD: 0.03}, {Key: "cw.customMetricMonth", USD: 0.3},
	{Key: "kms.keyMonth", USD: 1}, {Key: "ssm.advancedParamMonth", USD: 0.05}, {Key: "ecr.gbMonth", USD: 0.1}, {Key: "s3.gbMonth", USD: 0.02},
	{Key: "ebs.gp3GBMonth", USD: 0.1}, {Key: "ec2.t4g.nano", USD: 0.005},
	{Key: "cloudfront.freeRequests", USD: 1e6}, {Key: "cloudfront.freeGB", USD: 10},
	{Key: "cloudfront.jpGB", USD: 0.1}, {Key: "cloudfront.jp10kHttpsRequests", USD: 0.01},
}

var handUsage = Usage{
	Name: "hand", Requests: 2e6, CdnGB: 30, LCU: 1, NATGB: 10, LogGB: 3, NeverExpireLogDays: 365,
	AuroraStorageGB: 10, AuroraIOMillions: 5, BackupDailyChange: 0.1, AuroraACU: 0, PausedShare: 0.5,
	TaskScale: 0, ECRGBPerRepository: 2, S3GBPerBucket: 5, InsightsMetricsPerCluster: 8, InsightsMetricsPerService: 11,
}

func smallGraph() *mockengine.Mocks {
	return mockengine.NewGraph("ecsite", "test",
		res("aws:ec2/eip:Eip", "nat-ip", map[string]any{"domain": "vpc"}),
		res("aws:ec2/natGateway:NatGateway", "nat", map[string]any{"allocationId": "nat-ip-id"}),
		res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", map[string]any{"vpcEndpointType": "Gateway"}),
		res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"loadBalancerType": "application", "subnets": []any{"a", "c"}}),
		res("aws:lb/loadBalancer:LoadBalancer", "origin", map[string]any{"loadBalancerType": "application", "internal": true, "subnets": []any{"a", "c"}}),
		res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{"priceClass": "PriceClass_200"}),
		res("aws:cloudfront/vpcOrigin:VpcOrigin", "cdn-alb", map[string]any{}),
		res("aws:ecs/cluster:Cluster", "cluster", map[string]any{"settings": []any{map[string]any{"name": "containerInsights", "value": "enabled"}}}, "arn", "cluster-arn", "name", "cluster"),
		&mockengine.Resource{Type: "aws:ecs/taskDefinition:TaskDefinition", Name: "web-td", ID: "web-fam", Custom: true,
			Inputs: resource.NewPropertyMapFromMap(map[string]any{"cpu": "512", "memory": "1024"})},
		res("aws:ecs/service:Service", "web", map[string]any{
			"cluster": "cluster-id", "taskDefinition": "web-fam", "desiredCount": 2,
			"capacityProviderStrategies": []any{
				map[string]any{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
				map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": 1},
			},
		}, "name", "web"),
		res("aws:appautoscaling/target:Target", "web-target", map[string]any{"resourceId": "service/cluster/web", "serviceNamespace": "ecs", "minCapacity": 2, "maxCapacity": 4}),
		res("aws:appautoscaling/scheduledAction:ScheduledAction", "web-night", map[string]any{"resourceId": "service/cluster/web", "serviceNamespace": "ecs",
			"schedule": "cron(0 20 ? * MON-FRI *)", "scalableTargetAction": map[string]any{"minCapacity": 1, "maxCapacity": 1}}),
		res("aws:appautoscaling/scheduledAction:ScheduledAction", "web-morning", map[string]any{"resourceId": "service/cluster/web", "serviceNamespace": "ecs",
			"schedule": "cron(0 8 ? * MON-FRI *)", "scalableTargetAction": map[string]any{"minCapacity": 2, "maxCapacity": 4}}),
		res("aws:rds/cluster:Cluster", "db", map[string]any{"backupRetentionPeriod": 7,
			"serverlessv2ScalingConfiguration": map[string]any{"minCapacity": 0, "maxCapacity": 1, "secondsUntilAutoPause": 300}}, "clusterIdentifier", "db-1"),
		res("aws:rds/clusterInstance:ClusterInstance", "db-writer", map[string]any{"clusterIdentifier": "db-1", "instanceClass": "db.serverless", "performanceInsightsEnabled": true}),
		res("aws:wafv2/webAcl:WebAcl", "acl", map[string]any{"rules": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}, map[string]any{"name": "c"}}}),
		res("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", map[string]any{"period": 300}),
		res("aws:cloudwatch/metricAlarm:MetricAlarm", "mem", map[string]any{"period": 300}),
		res("aws:cloudwatch/dashboard:Dashboard", "dash", map[string]any{}),
		res("aws:cloudwatch/logDelivery:LogDelivery", "cdn-logs", map[string]any{"deliverySourceName": "cdn"}),
		res("aws:cloudwatch/logGroup:LogGroup", "logs", map[string]any{"retentionInDays": 14}),
		res("aws:kms/key:Key", "key", map[string]any{}),
		res("aws:ssm/parameter:Parameter", "big", map[string]any{"tier": "Advanced"}),
		res("aws:ssm/parameter:Parameter", "small", map[string]any{"tier": "Standard"}),
		res("aws:ecr/repository:Repository", "repo", map[string]any{}),
		res("aws:s3/bucketV2:BucketV2", "bucket", map[string]any{}),
		res("aws:iam/role:Role", "role", map[string]any{}),
	)
}

func TestEstimateEqualsHandComputation(t *testing.T) {
	est, err := New(smallGraph(), roundPrices, handUsage)
	if err != nil {
		t.Fatal(err)
	}
	// Computed by hand with 700 h per month and the round prices above.
	want := map[string]float64{
		"NAT gateway|nat hours":                     700 * 0.1,
		"NAT gateway|data processed (all gateways)": 10 * 0.05,
		"Public IPv4|nat-ip (Elastic IP)":           700 * 0.01,
		"Load balancer|alb hours":                   700 * 0.02,
		"Load balancer|alb LCUs":                    1 * 700 * 0.01,
		"Public IPv4|alb (one per AZ)":              2 * 700 * 0.01,
		// The internal load balancer has no public address, so no Public IPv4 line.
		"Load balancer|origin hours": 700 * 0.02,
		"Load balancer|origin LCUs":  1 * 700 * 0.01,
		// Beyond the free tier: (2 M − 1 M) requests / 10,000 × 0.01 and
		// (30 − 10) GB × 0.1.
		"CloudFront|cdn requests":          1e6 / 10_000 * 0.01,
		"CloudFront|cdn data transfer out": 20 * 0.1,
		// Weekdays 08-20 two tasks (one on FARGATE by base, the other split 50/50),
		// otherwise one on FARGATE: 60 h × 2 + 108 h × 1 = 228 task-h a week, 30 of them
		// Spot. Scaled to 700 h: 825 on-demand + 125 Spot task-h at 0.5×0.04+1×0.004.
		"Fargate|web tasks":                            825*0.024 + 125*0.024*0.5,
		"CloudWatch|cluster Container Insights":        (8 + 11) * 0.3,
		"Aurora|db storage":                            10 * 0.1,
		"Aurora|db I/O":                                5 * 0.2,
		"Aurora|db backup beyond the free amount":      10 * 0.1 * 7 * 0.02,
		"Aurora|db-writer capacity":                    0.5 * 700 * 0.5 * 0.2,
		"Aurora|db-writer Performance Insights":        0,
		"WAF|acl web ACL":                              5,
		"WAF|acl rules":                                3 * 1,
		"WAF|acl requests":                             2 * 0.6,
		"CloudWatch|2 metric alarms":                   2 * 0.1,
		"CloudWatch|dash dashboard":                    3,
		"CloudWatch|cdn-logs CloudFront standard logs": 2e6 * 800 / 1e9 * 0.25, // 2 M requests of 800 bytes
		"CloudWatch|log ingestion (1 log groups)":      3 * 0.5,
		"CloudWatch|log storage":                       3 * 14.0 / 30 * 0.03,
		"KMS|key key":                                  1,
		"SSM|big advanced parameter":                   0.05,
		"ECR|repo images":                              2 * 0.1,
		"S3|bucket storage":                            5 * 0.02,
	}
	got := map[string]float64{}
	for _, l := range est.Lines {
		got[l.Key()] = l.USD
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("line %q missing", k)
			continue
		}
		if math.Abs(g-w) > 1e-9 {
			t.Errorf("line %q = %v; want %v", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected line %q = %v", k, got[k])
		}
	}
	if total := est.Total(); math.Abs(total-216.332) > 1e-9 {
		t.Errorf("total %v; want 216.332 (the sum of the hand-computed lines)", total)
	}
	if len(est.Unpriced) != 0 || len(est.Unclassified) != 0 {
		t.Errorf("unpriced %v, unclassified %v; want none", est.Unpriced, est.Unclassified)
	}
}

// TestArmTasksUseTheArmPrice: a task definition for ARM64 is priced at the Graviton rate,
// the same task-hours as TestEstimateEqualsHandComputation's x86 web service.
func TestArmTasksUseTheArmPrice(t *testing.T) {
	g := smallGraph()
	td := g.Named("aws:ecs/taskDefinition:TaskDefinition", "web-td")
	td.Inputs["runtimePlatform"] = resource.NewObjectProperty(resource.NewPropertyMapFromMap(map[string]any{"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}))
	est, err := New(g, roundPrices, handUsage)
	if err != nil {
		t.Fatal(err)
	}
	perTaskHour := 0.5*0.032 + 1*0.0032
	for _, l := range est.Lines {
		if l.Key() == "Fargate|web tasks" {
			if want := 825*perTaskHour + 125*perTaskHour*0.5; math.Abs(l.USD-want) > 1e-9 || !strings.Contains(l.Basis, "ARM64") {
				t.Errorf("ARM web tasks %v (%s); want %v at the ARM price", l.USD, l.Basis, want)
			}
			return
		}
	}
	t.Error("no Fargate line for the web service")
}

func TestMissingPriceIsAnError(t *testing.T) {
	_, err := New(smallGraph(), roundPrices[1:], handUsage)
	if err == nil || !strings.Contains(err.Error(), "month.hours") {
		t.Fatalf("want an error naming month.hours, got %v", err)
	}
}

func TestTokyoTableIsComplete(t *testing.T) {
	if _, err := New(smallGraph(), Tokyo, Idle()); err != nil {
		t.Fatal(err)
	}
	for _, p := range Tokyo {
		if p.Source == "" || p.Unit == "" || p.USD <= 0 {
			t.Errorf("price %s lacks a source, a unit or a figure", p.Key)
		}
		if !p.Confirmed && !strings.Contains(p.Note, "NOT CONFIRMED") {
			t.Errorf("price %s is unconfirmed but its note does not say so", p.Key)
		}
	}
}

func TestUnclassifiedTypesAreListed(t *testing.T) {
	m := mockengine.NewGraph("ecsite", "test",
		res("aws:ec2/vpc:Vpc", "vpc", map[string]any{}),
		res("aws:opensearch/domain:Domain", "search", map[string]any{}),
		res("aws:elasticache/cluster:Cluster", "cache", map[string]any{}),
	)
	est, err := New(m, Tokyo, Idle())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"aws:elasticache/cluster:Cluster", "aws:opensearch/domain:Domain"}
	if strings.Join(est.Unclassified, ",") != strings.Join(want, ",") {
		t.Errorf("unclassified %v; want %v", est.Unclassified, want)
	}
}

// TestEveryPricedTypeIsPriced: each type in Priced produces a line for a resource of
// that type, so the list cannot claim a price the estimator does not compute.
func TestEveryPricedTypeIsPriced(t *testing.T) {
	covered := map[string]string{}
	est, err := New(smallGraph(), roundPrices, handUsage)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range smallGraph().Resources() {
		for _, l := range est.Lines {
			if strings.HasPrefix(l.Item, r.Name+" ") || strings.Contains(l.Item, "metric alarms") && r.Type == "aws:cloudwatch/metricAlarm:MetricAlarm" ||
				strings.HasPrefix(l.Item, "log ") && r.Type == "aws:cloudwatch/logGroup:LogGroup" {
				covered[r.Type] = r.Name
			}
		}
	}
	extra := mockengine.NewGraph("ecsite", "test",
		res("aws:ec2/instance:Instance", "bastion", map[string]any{"instanceType": "t4g.nano"}),
		res("aws:cloudwatch/compositeAlarm:CompositeAlarm", "combo", map[string]any{}),
		res("aws:s3/bucket:Bucket", "old", map[string]any{}),
		res("aws:ec2/vpcEndpoint:VpcEndpoint", "ssm", map[string]any{"vpcEndpointType": "Interface", "subnetIds": []any{"a", "c"}}),
		&mockengine.Resource{Type: "aws:ec2/launchTemplate:LaunchTemplate", Name: "nat-lt", ID: "lt-1", Custom: true,
			Inputs: resource.NewPropertyMapFromMap(map[string]any{"instanceType": "t4g.nano", "networkInterfaces": []any{map[string]any{"deviceIndex": 0, "associatePublicIpAddress": "true"}}})},
		res("aws:autoscaling/group:Group", "x-nat-instance-a", map[string]any{"minSize": 1, "maxSize": 1, "desiredCapacity": 1, "launchTemplate": map[string]any{"id": "lt-1"}}),
		&mockengine.Resource{Type: "aws:ecs/taskDefinition:TaskDefinition", Name: "job-td", ID: "job-td", Custom: true,
			Inputs: resource.NewPropertyMapFromMap(map[string]any{"cpu": "256", "memory": "512", "tags": map[string]any{ExpectedMinutesTag: "10"}})},
		res("aws:scheduler/schedule:Schedule", "nightly", map[string]any{"scheduleExpression": "rate(1 day)",
			"target": map[string]any{"ecsParameters": map[string]any{"taskDefinitionArn": "job-td"}}}),
	)
	est2, err := New(extra, roundPrices, handUsage)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range est2.Lines {
		for _, r := range extra.Resources() {
			if strings.HasPrefix(l.Item, r.Name+" ") || strings.Contains(l.Item, "composite") && r.Name == "combo" {
				covered[r.Type] = r.Name
			}
		}
	}
	for typ := range Priced {
		if _, ok := covered[typ]; !ok {
			t.Errorf("%s is listed as priced but no test resource of that type produced a line", typ)
		}
	}
	// The bastion: 700 h × 0.005 + 8 GB × 0.1; the endpoint: 2 AZ × 700 h × 0.01.
	wantBastion, wantEndpoint := 700*0.005+8*0.1, 2*700*0.01
	byKey := map[string]float64{}
	for _, l := range est2.Lines {
		byKey[l.Service] += l.USD
	}
	if math.Abs(byKey["EC2"]-wantBastion) > 1e-9 || math.Abs(byKey["VPC endpoints"]-wantEndpoint) > 1e-9 {
		t.Errorf("EC2 %v (want %v), endpoints %v (want %v)", byKey["EC2"], wantBastion, byKey["VPC endpoints"], wantEndpoint)
	}
	// The NAT instance: 1 × 700 h × 0.005 + 1 × 8 GB × 0.1, no data processing; its
	// primary interface's public IPv4: 700 h × 0.01.
	if want := 700*0.005 + 8*0.1; math.Abs(byKey["NAT instance"]-want) > 1e-9 {
		t.Errorf("NAT instance %v; want %v", byKey["NAT instance"], want)
	}
	if want := 700 * 0.01; math.Abs(byKey["Public IPv4"]-want) > 1e-9 {
		t.Errorf("Public IPv4 %v; want %v (the NAT instance's primary interface)", byKey["Public IPv4"], want)
	}
}

func TestSettingsOutsideThePriceTableAreUnpriced(t *testing.T) {
	m := mockengine.NewGraph("ecsite", "test",
		res("aws:ec2/instance:Instance", "big", map[string]any{"instanceType": "m7g.16xlarge"}),
		&mockengine.Resource{Type: "aws:ecs/taskDefinition:TaskDefinition", Name: "td", ID: "fam", Custom: true,
			Inputs: resource.NewPropertyMapFromMap(map[string]any{"cpu": "256", "memory": "512"})},
		res("aws:ecs/service:Service", "svc", map[string]any{"taskDefinition": "fam", "desiredCount": 1}, "name", "svc"),
		res("aws:appautoscaling/scheduledAction:ScheduledAction", "monthly", map[string]any{"resourceId": "service/c/svc", "serviceNamespace": "ecs",
			"schedule": "cron(0 0 1 * ? *)", "scalableTargetAction": map[string]any{"minCapacity": 0}}),
	)
	est, err := New(m, Tokyo, Idle())
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Unpriced) != 2 {
		t.Fatalf("unpriced %v; want the instance type and the monthly schedule", est.Unpriced)
	}
	for _, l := range est.Lines {
		if l.Service == "Fargate" || l.Service == "EC2" {
			t.Errorf("unpriceable resource still produced line %+v", l)
		}
	}
}

func TestCron(t *testing.T) {
	cases := []struct {
		expr  string
		fires []int // minutes of the week (0 = Sunday 00:00)
		quiet []int
		bad   bool
	}{
		{expr: "cron(0 20 ? * MON-FRI *)", fires: []int{1*1440 + 20*60, 5*1440 + 20*60}, quiet: []int{6*1440 + 20*60, 1*1440 + 20*60 + 1}},
		{expr: "cron(30 8 ? * 2,7 *)", fires: []int{1*1440 + 8*60 + 30, 6*1440 + 8*60 + 30}, quiet: []int{0*1440 + 8*60 + 30}},
		{expr: "cron(0 */6 ? * SUN *)", fires: []int{0, 6 * 60, 18 * 60}, quiet: []int{3 * 60}},
		{expr: "cron(0 0 1 * ? *)", bad: true},
		{expr: "rate(5 minutes)", bad: true},
		{expr: "cron(0 25 ? * * *)", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			c, err := parseCron(tc.expr)
			if tc.bad {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tc.fires {
				if !c.fires(m) {
					t.Errorf("does not fire at minute %d", m)
				}
			}
			for _, m := range tc.quiet {
				if c.fires(m) {
					t.Errorf("fires at minute %d", m)
				}
			}
		})
	}
}

func TestSpotTasks(t *testing.T) {
	od := strategy{provider: "FARGATE", weight: 1, base: 1}
	spot := strategy{provider: "FARGATE_SPOT", weight: 3}
	cases := []struct {
		n    float64
		ss   []strategy
		want float64
	}{
		{2, nil, 0},
		{1, []strategy{od, spot}, 0},
		{5, []strategy{od, spot}, 3},
		{4, []strategy{{provider: "FARGATE_SPOT", weight: 1}}, 4},
		{4, []strategy{{provider: "FARGATE_SPOT", base: 1, weight: 0}, {provider: "FARGATE", weight: 1}}, 1},
	}
	for _, tc := range cases {
		if got := spotTasks(tc.n, tc.ss); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("spotTasks(%v, %+v) = %v; want %v", tc.n, tc.ss, got, tc.want)
		}
	}
}

// TestDatabaseAwakeWhileTasksRun: with AwakeWhileTasksRun the auto-pausing database
// runs whenever a task runs, and never less than 1 − PausedShare of the month.
func TestDatabaseAwakeWhileTasksRun(t *testing.T) {
	// nightsOff scales the web service to zero outside weekdays 08:00–20:00 (60 of the
	// week's 168 hours).
	nightsOff := func() *mockengine.Mocks {
		g := smallGraph()
		night := g.Named("aws:appautoscaling/scheduledAction:ScheduledAction", "web-night")
		night.Inputs["scalableTargetAction"] = resource.NewObjectProperty(resource.NewPropertyMapFromMap(map[string]any{"minCapacity": 0, "maxCapacity": 0}))
		return g
	}
	usage := func(paused float64, awake bool) Usage {
		u := handUsage
		u.PausedShare, u.AwakeWhileTasksRun = paused, awake
		return u
	}
	const acuMonth = 0.5 * 700 * 0.2 // the writer at its 0.5 ACU floor for the whole month
	for _, c := range []struct {
		name    string
		graph   *mockengine.Mocks
		u       Usage
		running float64
	}{
		{"paused as assumed", nightsOff(), usage(0.95, false), 0.05},
		{"awake whenever a task runs", nightsOff(), usage(0.95, true), 60.0 / 168},
		{"a task always runs", smallGraph(), usage(0.95, true), 1},
		{"tasks run less than the assumed running share", nightsOff(), usage(0.5, true), 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			est, err := New(c.graph, roundPrices, c.u)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range est.Lines {
				if l.Key() == "Aurora|db-writer capacity" {
					if want := acuMonth * c.running; math.Abs(l.USD-want) > 1e-9 {
						t.Errorf("capacity %v (%s); want %v (%.4f of the month running)", l.USD, l.Basis, want, c.running)
					}
					return
				}
			}
			t.Error("no Aurora capacity line")
		})
	}
	if u := IdleAwake(); !u.AwakeWhileTasksRun || u.PausedShare != Idle().PausedShare {
		t.Errorf("IdleAwake %+v; want the idle month with the database awake while tasks run", u)
	}
}

// TestJobRunsArePriced: a job's runs a month from its schedule × its expected minutes ×
// the on-demand Fargate price of its task, for rate() and weekly cron(); a monthly cron
// is unpriced rather than guessed.
func TestJobRunsArePriced(t *testing.T) {
	td := func(name string, minutes string) *mockengine.Resource {
		return &mockengine.Resource{Type: "aws:ecs/taskDefinition:TaskDefinition", Name: name, ID: name, Custom: true,
			Inputs: resource.NewPropertyMapFromMap(map[string]any{"cpu": "512", "memory": "1024", "tags": map[string]any{ExpectedMinutesTag: minutes}})}
	}
	schedule := func(name, expr, task string) *mockengine.Resource {
		return res("aws:scheduler/schedule:Schedule", name, map[string]any{"name": name, "scheduleExpression": expr,
			"target": map[string]any{"ecsParameters": map[string]any{"taskDefinitionArn": task}}})
	}
	m := mockengine.NewGraph("ecsite", "test",
		td("nightly-td", "10"), td("hourly-td", "6"), td("monthly-td", "10"),
		schedule("nightly", "cron(0 3 * * ? *)", "nightly-td"),
		schedule("hourly", "rate(1 hour)", "hourly-td"),
		schedule("weekdays", "cron(30 9 ? * MON-FRI *)", "nightly-td"),
		schedule("monthly", "cron(0 3 1 * ? *)", "monthly-td"),
	)
	est, err := New(m, roundPrices, handUsage)
	if err != nil {
		t.Fatal(err)
	}
	perTaskHour := 0.5*0.04 + 1*0.004
	// 700 h a month: nightly 700/168 weeks × 7 runs × 10 min; hourly 700 runs × 6 min;
	// weekdays 700/168 × 5 runs × 10 min.
	weeks := 700.0 / 168
	want := map[string]float64{
		"Fargate|nightly runs":  weeks * 7 * 10 / 60 * perTaskHour,
		"Fargate|hourly runs":   700 * 6.0 / 60 * perTaskHour,
		"Fargate|weekdays runs": weeks * 5 * 10 / 60 * perTaskHour,
	}
	got := map[string]float64{}
	for _, l := range est.Lines {
		if strings.HasSuffix(l.Item, " runs") {
			got[l.Key()] = l.USD
		}
	}
	if len(got) != len(want) {
		t.Errorf("job lines %v; want %v", got, want)
	}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-9 {
			t.Errorf("%s = %v; want %v", k, got[k], w)
		}
	}
	if len(est.Unpriced) != 1 || !strings.Contains(est.Unpriced[0], "monthly") {
		t.Errorf("unpriced %v; want the monthly job", est.Unpriced)
	}
}
