package monitoring_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/monitoring"
)

// ids are the identifiers of the monitored resources, read from the resources themselves.
type ids struct {
	lb, ecsCluster, db, acl, region string
	services                        map[string]string // config name -> ECS service name
	targetGroups                    map[string]string // config name -> target group ARN suffix
}

func realIDs(t *testing.T, r programtest.Result, cfg *config.Config) ids {
	t.Helper()
	x := ids{
		lb:           r.Only(t, programtest.TypeLoadBalancer).Out("arnSuffix").Str(),
		ecsCluster:   r.Only(t, programtest.TypeEcsCluster).Out("name").Str(),
		db:           r.Only(t, programtest.TypeDBCluster).Out("clusterIdentifier").Str(),
		region:       cfg.Region,
		services:     map[string]string{},
		targetGroups: map[string]string{},
	}
	// Without waf.enabled there is no web ACL, and acl stays "".
	if cfg.Waf.Enabled {
		x.acl = r.Only(t, programtest.TypeWebAcl).Out("name").Str()
	} else if n := len(r.ByType(programtest.TypeWebAcl)); n != 0 {
		t.Fatalf("%d web ACLs with waf.enabled false", n)
	}
	for _, s := range cfg.Services {
		svc := r.Named(programtest.TypeEcsService, cfg.Prefix()+"-"+s.Name)
		tg := r.Named(programtest.TypeTargetGroup, compute.TargetGroupName(cfg.Environment, s.Name))
		if svc == nil || tg == nil {
			t.Fatalf("service %s: ECS service or target group not found", s.Name)
		}
		x.services[s.Name] = svc.Out("name").Str()
		x.targetGroups[s.Name] = tg.Out("arnSuffix").Str()
	}
	for _, v := range []string{x.lb, x.ecsCluster, x.db} {
		if v == "" {
			t.Fatalf("an identifier is empty: %+v", x)
		}
	}
	return x
}

// wantAlarm is what one alarm must watch.
type wantAlarm struct {
	namespace, metric, statistic, extended string
	dimensions                             map[string]string
	operator                               string
	threshold                              float64
}

// expectedAlarms lists every alarm the stack must have, from its configuration and the
// real identifiers. The 5xx alarm is metric math and is checked on its own.
func expectedAlarms(cfg *config.Config, x ids) map[string]wantAlarm {
	m := cfg.Monitoring
	p := cfg.Prefix() + "-"
	want := map[string]wantAlarm{}
	for _, s := range cfg.Services {
		ecs := map[string]string{"ClusterName": x.ecsCluster, "ServiceName": x.services[s.Name]}
		tg := map[string]string{"TargetGroup": x.targetGroups[s.Name], "LoadBalancer": x.lb}
		want[p+s.Name+"-cpu-high"] = wantAlarm{"AWS/ECS", "CPUUtilization", "Average", "", ecs, "GreaterThanThreshold", m.EcsCPUPercent}
		want[p+s.Name+"-memory-high"] = wantAlarm{"AWS/ECS", "MemoryUtilization", "Average", "", ecs, "GreaterThanThreshold", m.EcsMemoryPercent}
		want[p+s.Name+"-unhealthy-hosts"] = wantAlarm{"AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", "", tg, "GreaterThanThreshold", 0}
		want[p+s.Name+"-response-time-p95"] = wantAlarm{"AWS/ApplicationELB", "TargetResponseTime", "", "p95", tg, "GreaterThanThreshold", m.TargetResponseTimeP95Seconds}
	}
	db := map[string]string{"DBClusterIdentifier": x.db}
	want[p+"db-cpu-high"] = wantAlarm{"AWS/RDS", "CPUUtilization", "Maximum", "", db, "GreaterThanThreshold", m.DbCPUPercent}
	want[p+"db-connections-high"] = wantAlarm{"AWS/RDS", "DatabaseConnections", "Maximum", "", db, "GreaterThanThreshold", float64(m.DbConnections)}
	want[p+"db-acu-near-max"] = wantAlarm{"AWS/RDS", "ACUUtilization", "Maximum", "", db, "GreaterThanThreshold", m.DbAcuUtilizationPercent}
	want[p+"db-freeable-memory-low"] = wantAlarm{"AWS/RDS", "FreeableMemory", "Minimum", "", db, "LessThanThreshold", float64(m.DbFreeableMemoryMiB) * 1024 * 1024}
	if cfg.Database.InstanceCount > 1 {
		want[p+"db-replica-lag"] = wantAlarm{"AWS/RDS", "AuroraReplicaLag", "Maximum", "", map[string]string{"DBClusterIdentifier": x.db, "Role": "READER"}, "GreaterThanThreshold", m.DbReplicaLagSeconds * 1000}
	}
	// The web ACL is of the CLOUDFRONT scope: its metrics carry no Region dimension.
	// Without a web ACL there is nothing to watch.
	if cfg.Waf.Enabled {
		want[p+"waf-blocked-spike"] = wantAlarm{"AWS/WAFV2", "BlockedRequests", "Sum", "", map[string]string{"WebACL": x.acl, "Rule": "ALL"}, "GreaterThanThreshold", float64(m.WafBlockedRequests)}
	}
	return want
}

// wafOn is a committed stack with its web ACL on, as dev is while a WAF change is tested.
func wafOn(t *testing.T, stack string) mockengine.Options {
	return programtest.Patched(t, stack, "waf", map[string]string{"enabled": "true"})
}

// alarmRuns are the configurations the alarm tests run: each committed stack, and dev
// with its web ACL on.
func alarmRuns(t *testing.T) map[string]struct {
	stack string
	opts  mockengine.Options
} {
	out := map[string]struct {
		stack string
		opts  mockengine.Options
	}{}
	for _, stack := range programtest.Stacks {
		out[stack] = struct {
			stack string
			opts  mockengine.Options
		}{stack, mockengine.Options{}}
	}
	out["dev/waf-on"] = struct {
		stack string
		opts  mockengine.Options
	}{"dev", wafOn(t, "dev")}
	return out
}

// TestAlarmListPerStack spells out the alarms of each committed stack, by key. dev has no
// web ACL (waf.enabled: false), so no WAF alarm, and no reader, so no replica-lag alarm.
func TestAlarmListPerStack(t *testing.T) {
	common := []string{
		"alb-5xx-rate",
		"api-cpu-high", "api-memory-high", "api-response-time-p95", "api-unhealthy-hosts",
		"db-acu-near-max", "db-connections-high", "db-cpu-high", "db-freeable-memory-low",
		"web-cpu-high", "web-memory-high", "web-response-time-p95", "web-unhealthy-hosts",
	}
	for stack, extra := range map[string][]string{
		"dev":  nil,
		"prod": {"db-replica-lag", "waf-blocked-spike"},
	} {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			var want []string
			for _, k := range append(append([]string(nil), common...), extra...) {
				want = append(want, cfg.Prefix()+"-"+k)
			}
			var got []string
			for name := range alarmsOf(t, programtest.MustRun(t, stack, mockengine.Options{})) {
				got = append(got, name)
			}
			sort.Strings(want)
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("alarms\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func alarmsOf(t *testing.T, r programtest.Result) map[string]*mockengine.Resource {
	t.Helper()
	out := map[string]*mockengine.Resource{}
	for _, a := range r.ChildrenOf(t, "ecsite:monitoring:Alarms", programtest.TypeAlarm) {
		out[a.In("name").Str()] = a
	}
	if len(out) != len(r.ByType(programtest.TypeAlarm)) {
		t.Errorf("%d alarms outside the monitoring component", len(r.ByType(programtest.TypeAlarm))-len(out))
	}
	return out
}

func TestEveryAlarmWatchesTheRealResource(t *testing.T) {
	for name, run := range alarmRuns(t) {
		t.Run(name, func(t *testing.T) {
			cfg := programtest.Config(t, run.stack, run.opts)
			r := programtest.MustRun(t, run.stack, run.opts)
			x := realIDs(t, r, cfg)
			want := expectedAlarms(cfg, x)
			got := alarmsOf(t, r)
			fiveXX := cfg.Prefix() + "-alb-5xx-rate"
			for name := range got {
				if _, ok := want[name]; !ok && name != fiveXX {
					t.Errorf("unexpected alarm %s", name)
				}
			}
			for name, w := range want {
				a, ok := got[name]
				if !ok {
					t.Errorf("alarm %s missing", name)
					continue
				}
				if a.In("namespace").Str() != w.namespace || a.In("metricName").Str() != w.metric {
					t.Errorf("%s watches %s %s; want %s %s", name, a.In("namespace").Str(), a.In("metricName").Str(), w.namespace, w.metric)
				}
				if a.In("statistic").Str() != w.statistic || a.In("extendedStatistic").Str() != w.extended {
					t.Errorf("%s statistic %q/%q; want %q/%q", name, a.In("statistic").Str(), a.In("extendedStatistic").Str(), w.statistic, w.extended)
				}
				if dims := a.In("dimensions").Map(); !reflect.DeepEqual(dims, w.dimensions) {
					t.Errorf("%s dimensions %v; want %v", name, dims, w.dimensions)
				}
				// Aurora goes silent while a paused instance sleeps, which is neither healthy
				// nor broken (ignore: the alarm keeps its state); everything else is silent
				// only when idle, which is healthy.
				wantMissing := "notBreaching"
				if w.namespace == "AWS/RDS" {
					wantMissing = "ignore"
				}
				if got := a.In("treatMissingData").Str(); got != wantMissing {
					t.Errorf("%s treats missing data as %q; want %q", name, got, wantMissing)
				}
				if a.In("comparisonOperator").Str() != w.operator || a.In("threshold").Num() != w.threshold {
					t.Errorf("%s: %s %v; want %s %v", name, a.In("comparisonOperator").Str(), a.In("threshold").Num(), w.operator, w.threshold)
				}
			}
			if _, ok := got[fiveXX]; !ok {
				t.Errorf("alarm %s missing", fiveXX)
			}
		})
	}
}

// TestProductionThresholdsAreTheDefaults: the production alarm levels (CPU 80%, 5xx 5%,
// Aurora CPU 80%, replica lag 5 s) are the code defaults. Memory alarms at 90%, above the
// 80% memory target of target tracking: an alarm at the target would fire on every
// normal scale-out.
func TestProductionThresholdsAreTheDefaults(t *testing.T) {
	d := monitoring.Defaults()
	if d.EcsCPUPercent != 80 || d.EcsMemoryPercent != 90 || d.Alb5xxPercent != 5 || d.DbCPUPercent != 80 || d.DbReplicaLagSeconds != 5 || !d.RequireAlertEmail {
		t.Errorf("defaults %+v differ from the production levels", d)
	}
}

func TestServiceAlarmsEvaluateTwoFiveMinutePeriods(t *testing.T) {
	cfg := programtest.Config(t, "prod", mockengine.Options{})
	got := alarmsOf(t, programtest.MustRun(t, "prod", mockengine.Options{}))
	for _, s := range cfg.Services {
		for _, kind := range []string{"cpu-high", "memory-high"} {
			a := got[cfg.Prefix()+"-"+s.Name+"-"+kind]
			if a == nil || a.In("period").Num() != 300 || a.In("evaluationPeriods").Num() != 2 {
				t.Errorf("%s %s: want Average over 2 x 300 s", s.Name, kind)
			}
		}
	}
}

func TestReplicaLagAlarmOnlyWithAReader(t *testing.T) {
	cases := []struct {
		name, stack string
		opts        func(t *testing.T) mockengine.Options
		want        bool
	}{
		{"prod has a reader", "prod", func(*testing.T) mockengine.Options { return mockengine.Options{} }, true},
		{"dev has none", "dev", func(*testing.T) mockengine.Options { return mockengine.Options{} }, false},
		{"dev with a reader", "dev", func(t *testing.T) mockengine.Options {
			return programtest.Patched(t, "dev", "database", map[string]string{"instanceCount": "2"})
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts(t)
			cfg := programtest.Config(t, tc.stack, opts)
			got := alarmsOf(t, programtest.MustRun(t, tc.stack, opts))
			a, present := got[cfg.Prefix()+"-db-replica-lag"]
			if present != tc.want || (cfg.Database.InstanceCount > 1) != tc.want {
				t.Fatalf("replica-lag alarm present = %v with %d instances; want %v", present, cfg.Database.InstanceCount, tc.want)
			}
			if present && a.In("threshold").Num() != 5000 {
				t.Errorf("replica lag threshold %v ms; want 5000 (5 s)", a.In("threshold").Num())
			}
		})
	}
}

func TestFiveXXRateIsGuardedMetricMath(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			x := realIDs(t, r, cfg)
			a := alarmsOf(t, r)[cfg.Prefix()+"-alb-5xx-rate"]
			if a == nil {
				t.Fatal("5xx alarm missing")
			}
			if !a.In("metricName").Null() || a.In("threshold").Num() != cfg.Monitoring.Alb5xxPercent {
				t.Errorf("5xx alarm: metric %q threshold %v; want metric math and %v", a.In("metricName").Str(), a.In("threshold").Num(), cfg.Monitoring.Alb5xxPercent)
			}
			metrics := map[string]string{}
			var expression []string
			for _, q := range a.In("metricQueries").Plain().([]any) {
				q := q.(map[string]any)
				// CloudWatch rejects an id that does not start with a lower-case letter.
				if id, _ := q["id"].(string); !queryID.MatchString(id) {
					t.Errorf("query id %q: CloudWatch wants a lower-case letter, then letters, digits or _", id)
				}
				if m, ok := q["metric"].(map[string]any); ok {
					if m["period"] != float64(300) {
						t.Errorf("query %v: period %v; every metric of the expression needs the same 300 s period", q["id"], m["period"])
					}
					if q["returnData"] == true || m["namespace"] != "AWS/ApplicationELB" || m["stat"] != "Sum" ||
						!reflect.DeepEqual(m["dimensions"], map[string]any{"LoadBalancer": x.lb}) {
						t.Errorf("query %v: want a Sum of AWS/ApplicationELB on LoadBalancer %s, not returned", q, x.lb)
					}
					metrics[q["id"].(string)] = m["metricName"].(string)
				} else if q["returnData"] == true {
					expression = append(expression, q["expression"].(string))
				}
			}
			names := []string{}
			for _, n := range metrics {
				names = append(names, n)
			}
			sort.Strings(names)
			if !reflect.DeepEqual(names, []string{"HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"}) {
				t.Errorf("5xx alarm reads %v", names)
			}
			if len(expression) != 1 {
				t.Fatalf("%d returned expressions; want 1", len(expression))
			}
			e := expression[0]
			guard := fmt.Sprintf(">= %d", cfg.Monitoring.Alb5xxMinRequests)
			for id := range metrics {
				if !strings.Contains(e, id) {
					t.Errorf("expression %q ignores %s (%s)", e, id, metrics[id])
				}
			}
			if !strings.Contains(e, guard) || !strings.HasPrefix(e, "IF(") {
				t.Errorf("expression %q lacks the minimum-request guard %q", e, guard)
			}
		})
	}
}

// regionOf returns the region of the explicit provider res uses.
func regionOf(t *testing.T, r programtest.Result, res *mockengine.Resource) string {
	t.Helper()
	for _, p := range r.ByType("pulumi:providers:aws") {
		if p.URN+"::"+p.ID == res.Provider {
			return p.In("region").Str()
		}
	}
	t.Fatalf("%s %s uses no explicit provider", res.Type, res.Name)
	return ""
}

// TestAlarmsNotifyTheEncryptedTopic: there is one encrypted topic per region with alarms,
// the stack's region and us-east-1, and each alarm notifies the topic of its own region
// (CloudWatch alarms cannot notify a topic elsewhere). The WAF alarm is the one in
// us-east-1, where a CLOUDFRONT web ACL's metrics are; without a web ACL there is no
// alarm, topic, key or output in us-east-1.
func TestAlarmsNotifyTheEncryptedTopic(t *testing.T) {
	for name, run := range alarmRuns(t) {
		t.Run(name, func(t *testing.T) {
			cfg := programtest.Config(t, run.stack, run.opts)
			r := programtest.MustRun(t, run.stack, run.opts)
			alarms := alarmsOf(t, r)
			if !cfg.Waf.Enabled {
				for _, typ := range []string{programtest.TypeAlarm, programtest.TypeTopic, programtest.TypeKey} {
					for _, res := range r.ByType(typ) {
						if region := regionOf(t, r, res); region != cfg.Region {
							t.Errorf("%s %s in %s without a web ACL; want only %s", typ, res.Name, region, cfg.Region)
						}
					}
				}
				if topics := r.ByType(programtest.TypeTopic); len(topics) != 1 {
					t.Fatalf("%d topics without a web ACL; want one in %s", len(topics), cfg.Region)
				} else {
					checkTopic(t, r, cfg, topics[0], cfg.Region, alarms)
				}
				if _, ok := r.Exports.Get("globalAlarmTopicArn"); ok {
					t.Errorf("globalAlarmTopicArn exported without a us-east-1 topic")
				}
				return
			}
			if waf := alarms[cfg.Prefix()+"-waf-blocked-spike"]; waf == nil || regionOf(t, r, waf) != monitoring.GlobalRegion {
				t.Fatalf("the WAF alarm is missing or not in %s", monitoring.GlobalRegion)
			}
			if _, ok := r.Exports.Get("globalAlarmTopicArn"); !ok {
				t.Errorf("globalAlarmTopicArn not exported")
			}
			topics := r.ByType(programtest.TypeTopic)
			if len(topics) != 2 {
				t.Fatalf("%d topics; want one in %s and one in %s", len(topics), cfg.Region, monitoring.GlobalRegion)
			}
			regions := map[string]bool{}
			for _, topic := range topics {
				region := regionOf(t, r, topic)
				regions[region] = true
				checkTopic(t, r, cfg, topic, region, alarms)
			}
			if !regions[cfg.Region] || !regions[monitoring.GlobalRegion] {
				t.Errorf("topics in %v; want %s and %s", regions, cfg.Region, monitoring.GlobalRegion)
			}
		})
	}
}

// checkTopic checks one region's topic: every alarm in region notifies it, its key is a
// rotating customer managed key in the same region, the key and topic policies let
// CloudWatch act for exactly this stack's alarms in region, and the alert email (if
// any) is subscribed.
func checkTopic(t *testing.T, r programtest.Result, cfg *config.Config, topic *mockengine.Resource, region string, alarms map[string]*mockengine.Resource) {
	t.Helper()
	arn := topic.Out("arn").Str()
	mine := map[string]*mockengine.Resource{}
	for name, a := range alarms {
		if regionOf(t, r, a) != region {
			continue
		}
		mine[name] = a
		if got := a.In("alarmActions").Strs(); !reflect.DeepEqual(got, []string{arn}) {
			t.Errorf("%s alarm actions %v; want the %s topic", name, got, region)
		}
		if got := a.In("okActions").Strs(); !reflect.DeepEqual(got, []string{arn}) {
			t.Errorf("%s OK actions %v; want the %s topic", name, got, region)
		}
		switch a.In("treatMissingData").Str() {
		case "ignore", "notBreaching", "breaching":
		default:
			// "missing" (CloudWatch's default) sends an alarm to INSUFFICIENT_DATA without
			// notifying anyone when its metric goes silent.
			t.Errorf("%s treats missing data as %q; choose ignore, notBreaching or breaching", name, a.In("treatMissingData").Str())
		}
	}
	if len(mine) == 0 {
		t.Errorf("topic in %s that no alarm notifies", region)
	}

	key := r.ByID(topic.In("kmsMasterKeyId").Str())
	if key == nil || key.Type != programtest.TypeKey || !key.In("enableKeyRotation").Bool() || regionOf(t, r, key) != region {
		t.Fatalf("%s topic key %q is not a rotating customer managed key of this stack in %s", region, topic.In("kmsMasterKeyId").Str(), region)
	}
	var keyPolicy iamdoc.Document
	if err := key.In("policy").JSON(&keyPolicy); err != nil {
		t.Fatal(err)
	}
	if !grants(keyPolicy, "cloudwatch.amazonaws.com", "kms:GenerateDataKey*", "*") || !grants(keyPolicy, "cloudwatch.amazonaws.com", "kms:Decrypt", "*") {
		t.Errorf("key policy does not let CloudWatch encrypt for the topic: %s", key.In("policy").Str())
	}
	var policy *mockengine.Resource
	for _, p := range r.ByType(programtest.TypeTopicPolicy) {
		if p.In("arn").Str() == arn {
			policy = p
		}
	}
	if policy == nil {
		t.Fatalf("no policy on the %s topic", region)
	}
	var topicPolicy iamdoc.Document
	if err := policy.In("policy").JSON(&topicPolicy); err != nil {
		t.Fatal(err)
	}
	if !grants(topicPolicy, "cloudwatch.amazonaws.com", "sns:Publish", arn) {
		t.Errorf("topic policy does not let CloudWatch publish: %s", policy.In("policy").Str())
	}
	// Both grants are conditioned on the alarm's ARN and account. A pattern that drifts
	// from the alarm names (or their region) deploys cleanly and silently drops every
	// notification, so every alarm of the region must satisfy both conditions.
	for doc, d := range map[string]iamdoc.Document{"key policy": keyPolicy, "topic policy": topicPolicy} {
		for name := range mine {
			alarmArn := fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, mockengine.AccountID, name)
			if !cloudWatchMayActFor(d, alarmArn, mockengine.AccountID) {
				t.Errorf("%s: CloudWatch may not act for alarm %s (%s); its notifications would be dropped", doc, name, alarmArn)
			}
		}
		if cloudWatchMayActFor(d, fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:someone-else", region, mockengine.AccountID), mockengine.AccountID) ||
			cloudWatchMayActFor(d, fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s-x", region, "210987654321", cfg.Prefix()), "210987654321") {
			t.Errorf("%s: CloudWatch may act for alarms outside this stack and account", doc)
		}
	}

	var subs []*mockengine.Resource
	for _, sub := range r.ByType(programtest.TypeTopicSubscription) {
		if sub.In("topic").Str() == arn {
			subs = append(subs, sub)
		}
	}
	if cfg.Monitoring.AlertEmail == "" {
		if len(r.ByType(programtest.TypeTopicSubscription)) != 0 {
			t.Errorf("subscriptions without an alert email")
		}
		return
	}
	if len(subs) != 1 || subs[0].In("protocol").Str() != "email" || subs[0].In("endpoint").Str() != cfg.Monitoring.AlertEmail || regionOf(t, r, subs[0]) != region {
		t.Errorf("want one email subscription of %s to the %s topic", cfg.Monitoring.AlertEmail, region)
	}
}

// queryID is the form of a metric query id CloudWatch accepts
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html).
var queryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// cloudWatchMayActFor reports whether a CloudWatch statement of doc has conditions that
// the request of the alarm alarmArn in account satisfies: every StringEquals
// aws:SourceAccount and ArnLike aws:SourceArn must match, and no other condition is set.
func cloudWatchMayActFor(doc iamdoc.Document, alarmArn, account string) bool {
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Principal["Service"] != "cloudwatch.amazonaws.com" {
			continue
		}
		ok := true
		for op, kv := range s.Condition {
			for k, v := range kv {
				switch {
				case op == "StringEquals" && k == "aws:SourceAccount":
					ok = ok && v == account
				case op == "ArnLike" && k == "aws:SourceArn":
					pattern, _ := v.(string)
					matched, err := path.Match(pattern, alarmArn)
					ok = ok && err == nil && matched
				default:
					ok = false // a condition this check does not model
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// grants reports whether doc allows service the action on resource.
func grants(doc iamdoc.Document, service, action, resource string) bool {
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Principal["Service"] != service {
			continue
		}
		hasAction, hasResource := false, false
		for _, a := range s.Action {
			hasAction = hasAction || a == action
		}
		for _, r := range s.Resource {
			hasResource = hasResource || r == resource
		}
		if hasAction && hasResource {
			return true
		}
	}
	return false
}

// TestDashboardIsASetting: prod has the dashboard, dev turns it off (monitoring.dashboard),
// and without it there is neither the resource nor the dashboardName output.
func TestDashboardIsASetting(t *testing.T) {
	for stack, want := range map[string]int{"dev": 0, "prod": 1} {
		r := programtest.MustRun(t, stack, mockengine.Options{})
		_, exported := r.Exports.Get("dashboardName")
		if n := len(r.ByType(programtest.TypeDashboard)); n != want || exported != (want == 1) {
			t.Errorf("%s: %d dashboards, dashboardName exported %v; want %d", stack, n, exported, want)
		}
	}
}

// TestDashboardShowsTheRealResources checks the dashboard of both stacks (dev's turned on,
// with and without its web ACL).
func TestDashboardShowsTheRealResources(t *testing.T) {
	for name, run := range alarmRuns(t) {
		t.Run(name, func(t *testing.T) {
			opts := programtest.Patched(t, run.stack, "monitoring", map[string]string{"dashboard": "true"})
			for k, v := range run.opts.Config {
				opts.Config[k] = v
			}
			cfg := programtest.Config(t, run.stack, opts)
			r := programtest.MustRun(t, run.stack, opts)
			x := realIDs(t, r, cfg)
			d := r.Only(t, programtest.TypeDashboard)
			var body struct {
				Widgets []struct {
					Properties struct {
						Region  string  `json:"region"`
						Metrics [][]any `json:"metrics"`
					} `json:"properties"`
				} `json:"widgets"`
			}
			if err := json.Unmarshal([]byte(d.In("dashboardBody").Str()), &body); err != nil {
				t.Fatalf("dashboard body: %v", err)
			}
			lines := map[string]bool{}
			for _, w := range body.Widgets {
				// WAF metrics of the CLOUDFRONT web ACL are in us-east-1 only.
				wantRegion := cfg.Region
				if len(w.Properties.Metrics) > 0 && w.Properties.Metrics[0][0] == monitoring.NamespaceWAF {
					wantRegion = monitoring.GlobalRegion
				}
				if w.Properties.Region != wantRegion {
					t.Errorf("widget region %q; want %q", w.Properties.Region, wantRegion)
				}
				for _, m := range w.Properties.Metrics {
					// namespace, metric, dimension pairs, options
					parts := []string{}
					for _, p := range m[:len(m)-1] {
						parts = append(parts, fmt.Sprint(p))
					}
					lines[strings.Join(parts, " ")] = true
				}
			}
			want := []string{
				"AWS/ApplicationELB RequestCount LoadBalancer " + x.lb,
				"AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer " + x.lb,
				"AWS/RDS CPUUtilization DBClusterIdentifier " + x.db,
				"AWS/RDS DatabaseConnections DBClusterIdentifier " + x.db,
				"AWS/RDS ServerlessDatabaseCapacity DBClusterIdentifier " + x.db,
				"AWS/RDS ACUUtilization DBClusterIdentifier " + x.db,
			}
			if cfg.Waf.Enabled {
				want = append(want, "AWS/WAFV2 BlockedRequests WebACL "+x.acl+" Rule ALL")
			}
			for line := range lines {
				if !cfg.Waf.Enabled && strings.HasPrefix(line, monitoring.NamespaceWAF+" ") {
					t.Errorf("WAF widget line %q without a web ACL", line)
				}
			}
			for _, s := range cfg.Services {
				want = append(want,
					"AWS/ECS CPUUtilization ClusterName "+x.ecsCluster+" ServiceName "+x.services[s.Name],
					"AWS/ECS MemoryUtilization ClusterName "+x.ecsCluster+" ServiceName "+x.services[s.Name],
					"AWS/ApplicationELB TargetResponseTime TargetGroup "+x.targetGroups[s.Name]+" LoadBalancer "+x.lb,
				)
			}
			lag := "AWS/RDS AuroraReplicaLag DBClusterIdentifier " + x.db + " Role READER"
			if cfg.Database.InstanceCount > 1 {
				want = append(want, lag)
			} else if lines[lag] {
				t.Errorf("replica lag widget without a reader")
			}
			for _, w := range want {
				if !lines[w] {
					t.Errorf("dashboard lacks %q", w)
				}
			}
		})
	}
}

// TestEveryAlarmHasAFirstResponse: docs/operations.md explains every alarm the stacks
// create, with its first response, by its key (`<service>-cpu-high`, `db-replica-lag`, …).
func TestEveryAlarmHasAFirstResponse(t *testing.T) {
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range programtest.Stacks {
		cfg := programtest.Config(t, stack, mockengine.Options{})
		for name := range alarmsOf(t, programtest.MustRun(t, stack, mockengine.Options{})) {
			key := strings.TrimPrefix(name, cfg.Prefix()+"-")
			for _, s := range cfg.Services {
				if strings.HasPrefix(key, s.Name+"-") {
					key = "<service>" + strings.TrimPrefix(key, s.Name)
				}
			}
			if !strings.Contains(string(doc), "| `"+key+"`") {
				t.Errorf("%s: alarm %s has no row in docs/operations.md (\"Alarms and first response\")", stack, key)
			}
		}
	}
}

// TestConnectionAlarmCanFire: the connection threshold is derived from the max_connections
// of each stack's capacity range (Aurora caps it at 2,000 with a 0 or 0.5 ACU minimum),
// and a threshold the connection count can never pass is refused.
func TestConnectionAlarmCanFire(t *testing.T) {
	for stack, want := range map[string]float64{
		"dev":  151,  // 80% of 189 at 0-1 ACU
		"prod": 1600, // 80% of 2,000 at 0.5-16 ACU
	} {
		cfg := programtest.Config(t, stack, mockengine.Options{})
		a := alarmsOf(t, programtest.MustRun(t, stack, mockengine.Options{}))[cfg.Prefix()+"-db-connections-high"]
		if a == nil || a.In("threshold").Num() != want || a.In("comparisonOperator").Str() != "GreaterThanThreshold" {
			t.Errorf("%s: connection alarm %v; want above %v", stack, a, want)
		}
	}
	for _, c := range []struct {
		value string
		ok    bool
	}{{"2700", false}, {"2000", false}, {"1999", true}} {
		r := programtest.Run("prod", programtest.Patched(t, "prod", "monitoring", map[string]string{"dbConnections": c.value}))
		ve, bad := config.AsValidationError(r.Err)
		switch {
		case c.ok && r.Err != nil:
			t.Errorf("dbConnections %s refused: %v", c.value, r.Err)
		case !c.ok && (!bad || !ve.Has("monitoring.dbConnections") || r.Count() != 0):
			t.Errorf("dbConnections %s at prod's 2,000 max_connections: %v, %d resources; want refused, none", c.value, r.Err, r.Count())
		}
	}
}

// TestTopicKeyIsASetting: with monitoring.topicKey compute (dev) the alarm topic in the
// stack's region is encrypted with the compute key, which then also grants CloudWatch
// alarms, and no topic key or alias of its own exists: one key fewer. With dedicated
// (prod, the default) the topic has its own key, which encrypts nothing else, and the
// compute key grants CloudWatch alarms nothing. The us-east-1 topic keeps its own key
// either way.
func TestTopicKeyIsASetting(t *testing.T) {
	runs := map[string]mockengine.Options{
		"dev":                {},
		"prod":               {},
		"dev/dedicated":      programtest.Patched(t, "dev", "monitoring", map[string]string{"topicKey": `"dedicated"`}),
		"prod/compute":       programtest.Patched(t, "prod", "monitoring", map[string]string{"topicKey": `"compute"`}),
		"dev/waf-on/compute": wafOn(t, "dev"),
	}
	want := map[string]string{"dev": "compute", "prod": "dedicated", "dev/dedicated": "dedicated", "prod/compute": "compute", "dev/waf-on/compute": "compute"}
	for name, opts := range runs {
		t.Run(name, func(t *testing.T) {
			stack := strings.SplitN(name, "/", 2)[0]
			cfg := programtest.Config(t, stack, opts)
			if cfg.Monitoring.TopicKey != want[name] {
				t.Fatalf("topicKey %q; want %q", cfg.Monitoring.TopicKey, want[name])
			}
			r := programtest.MustRun(t, stack, opts)
			computeKey := r.One(t, programtest.TypeKey, cfg.Prefix()+"-compute")
			var topic *mockengine.Resource
			for _, tp := range r.ByType(programtest.TypeTopic) {
				if regionOf(t, r, tp) == cfg.Region {
					topic = tp
				}
			}
			if topic == nil {
				t.Fatalf("no alarm topic in %s", cfg.Region)
			}
			key := r.ByID(topic.In("kmsMasterKeyId").Str())
			if key == nil {
				t.Fatalf("topic key %q is not a key of the stack", topic.In("kmsMasterKeyId").Str())
			}
			var computePolicy iamdoc.Document
			if err := computeKey.In("policy").JSON(&computePolicy); err != nil {
				t.Fatal(err)
			}
			grantsAlarms := grants(computePolicy, "cloudwatch.amazonaws.com", "kms:GenerateDataKey*", "*")
			ownKey := r.Named(programtest.TypeKey, cfg.Prefix()+"-alarms")
			ownAlias := r.Named(programtest.TypeKeyAlias, cfg.Prefix()+"-alarms")
			regional := 0
			for _, k := range r.ByType(programtest.TypeKey) {
				if regionOf(t, r, k) == cfg.Region {
					regional++
				}
			}
			if cfg.Monitoring.TopicKey == monitoring.TopicKeyCompute {
				if key != computeKey {
					t.Errorf("the topic is encrypted with %s; want the compute key", key.Name)
				}
				if !grantsAlarms {
					t.Errorf("the compute key does not let CloudWatch alarms encrypt: %s", computeKey.In("policy").Str())
				}
				if ownKey != nil || ownAlias != nil {
					t.Errorf("a topic key or alias of its own exists beside the shared key")
				}
				if !strings.HasSuffix(computeKey.In("description").Str(), "and the alarm topic") {
					t.Errorf("compute key description %q does not name the alarm topic", computeKey.In("description").Str())
				}
				if regional != 2 {
					t.Errorf("%d keys in %s; want 2 (database, compute)", regional, cfg.Region)
				}
			} else {
				if key != ownKey || ownAlias == nil || ownAlias.In("targetKeyId").Str() != ownKey.ID {
					t.Errorf("the topic is encrypted with %s; want its own key %s-alarms with its alias", key.Name, cfg.Prefix())
				}
				if grantsAlarms {
					t.Errorf("the compute key grants CloudWatch alarms although the topic has its own key")
				}
				// Separation: nothing but the topic uses the topic's key.
				for _, res := range r.Resources() {
					if res == topic || res.Type == programtest.TypeKeyAlias {
						continue
					}
					for _, field := range []string{"kmsKeyId", "kmsMasterKeyId", "keyId"} {
						if res.In(field).Str() == key.Out("arn").Str() {
							t.Errorf("%s %s also uses the topic's key", res.Type, res.Name)
						}
					}
				}
				if regional != 3 {
					t.Errorf("%d keys in %s; want 3 (database, compute, alarm topic)", regional, cfg.Region)
				}
			}
			// The WAF alarm's topic in us-east-1 always has its own key there.
			if cfg.Waf.Enabled {
				global := r.Named(programtest.TypeKey, cfg.Prefix()+"-alarms"+monitoring.GlobalSuffix)
				if global == nil || regionOf(t, r, global) != monitoring.GlobalRegion {
					t.Errorf("no key of its own for the %s topic", monitoring.GlobalRegion)
				}
			}
		})
	}
}
