package program_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/monitoring"
)

// The services a shop adds in its first weeks, as a stack file writes them: a queue
// consumer without a port, and a search service only the api reaches.
const (
	mailerWorker  = `{"name":"mailer","kind":"worker","image":{"tag":"1.0.0"},"containerHealthCheck":{"command":["CMD-SHELL","node healthcheck.js"],"startPeriodSeconds":30}}`
	searchBackend = `{"name":"search","kind":"backend","port":3002,"image":{"tag":"1.0.0"}}`
)

// editServices returns options whose services key is the prod stack's list after edit,
// which gets the list as JSON objects (one per service, fields as JSON values).
func editServices(edit func(t *testing.T, list []map[string]json.RawMessage) []map[string]json.RawMessage) func(t *testing.T) mockengine.Options {
	return func(t *testing.T) mockengine.Options {
		cfg, err := mockengine.StackConfig("prod")
		if err != nil {
			t.Fatal(err)
		}
		key := programtest.Key(t, "services")
		var list []map[string]json.RawMessage
		if err := json.Unmarshal([]byte(cfg[key]), &list); err != nil {
			t.Fatalf("prod services: %v", err)
		}
		b, err := json.Marshal(edit(t, list))
		if err != nil {
			t.Fatal(err)
		}
		return mockengine.Options{Config: map[string]string{key: string(b)}}
	}
}

// withKinds is the prod stack with the worker mailer and the backend search added, and
// api calling search; each added service may be changed (fields as JSON values, null
// deletes one) and more services added. The list is then web, api, mailer, search, ...
func withKinds(mailer, search map[string]string, more ...string) func(t *testing.T) mockengine.Options {
	return editServices(func(t *testing.T, list []map[string]json.RawMessage) []map[string]json.RawMessage {
		list[1]["calls"] = json.RawMessage(`["search"]`)
		for _, add := range []struct {
			obj    string
			fields map[string]string
		}{{mailerWorker, mailer}, {searchBackend, search}} {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(add.obj), &m); err != nil {
				t.Fatal(err)
			}
			for k, v := range add.fields {
				if v == "null" {
					delete(m, k)
					continue
				}
				m[k] = json.RawMessage(v)
			}
			list = append(list, m)
		}
		for _, obj := range more {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(obj), &m); err != nil {
				t.Fatal(err)
			}
			list = append(list, m)
		}
		return list
	})
}

// kindCases: each setting on a kind that does not have it, or missing where the kind
// needs it, is refused naming the key.
var kindCases = []badConfigCase{
	{"worker with a port", withKinds(map[string]string{"port": `3003`}, nil), "services[2].port"},
	{"worker with a path pattern", withKinds(map[string]string{"pathPattern": `"/mail/*"`}, nil), "services[2].pathPattern"},
	{"worker with a listener rule priority", withKinds(map[string]string{"priority": `300`}, nil), "services[2].priority"},
	{"worker with a target group health check", withKinds(map[string]string{"healthCheck": `{"path":"/health"}`}, nil), "services[2].healthCheck"},
	{"worker without a container health check", withKinds(map[string]string{"containerHealthCheck": `null`}, nil), "services[2].containerHealthCheck.command"},
	{"container health check that is neither CMD nor CMD-SHELL", withKinds(map[string]string{"containerHealthCheck": `{"command":["node healthcheck.js"]}`}, nil), "services[2].containerHealthCheck.command[0]"},
	{"CMD-SHELL with two command lines", withKinds(map[string]string{"containerHealthCheck": `{"command":["CMD-SHELL","a","b"]}`}, nil), "services[2].containerHealthCheck.command"},
	{"container health check timeout ECS does not allow", withKinds(map[string]string{"containerHealthCheck": `{"command":["CMD","node","hc.js"],"timeoutSeconds":61}`}, nil), "services[2].containerHealthCheck.timeoutSeconds"},
	{"container health check interval ECS does not allow", withKinds(map[string]string{"containerHealthCheck": `{"command":["CMD","node","hc.js"],"intervalSeconds":4}`}, nil), "services[2].containerHealthCheck.intervalSeconds"},
	{"container health check retries ECS does not allow", withKinds(map[string]string{"containerHealthCheck": `{"command":["CMD","node","hc.js"],"retries":11}`}, nil), "services[2].containerHealthCheck.retries"},
	{"container health check start period ECS does not allow", withKinds(map[string]string{"containerHealthCheck": `{"command":["CMD","node","hc.js"],"startPeriodSeconds":301}`}, nil), "services[2].containerHealthCheck.startPeriodSeconds"},
	{"backend with a path pattern", withKinds(nil, map[string]string{"pathPattern": `"/search/*"`}), "services[3].pathPattern"},
	{"backend with a listener rule priority", withKinds(nil, map[string]string{"priority": `300`}), "services[3].priority"},
	{"backend with a target group health check", withKinds(nil, map[string]string{"healthCheck": `{"path":"/health"}`}), "services[3].healthCheck"},
	{"backend without a port", withKinds(nil, map[string]string{"port": `null`}), "services[3].port"},
	{"backend on the port of a web service", withKinds(nil, map[string]string{"port": `3001`}), "services[3].port"},
	{"backend nobody calls", editServices(func(t *testing.T, list []map[string]json.RawMessage) []map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(searchBackend), &m); err != nil {
			t.Fatal(err)
		}
		return append(list, m)
	}), "services[2].kind"},
	{"calls naming a worker", withKinds(nil, map[string]string{"calls": `["mailer"]`}), "services[3].calls[0]"},
	{"web service without a port", withKinds(nil, nil, `{"name":"admin","pathPattern":"/admin/*","priority":5,"image":{"tag":"1"}}`), "services[4].port"},
	{"default path on a backend", withKinds(nil, map[string]string{"pathPattern": `"/*"`}), "services[3].pathPattern"},
	{"unknown kind", withKinds(map[string]string{"kind": `"queue"`}, nil), "services[2].kind"},
	{"worker at the smallest size that calls api (Service Connect proxy)", withKinds(map[string]string{"calls": `["api"]`, "cpu": `256`, "memory": `512`}, nil), "services[2].cpu"},
}

func TestBadConfigServiceKinds(t *testing.T) { runBadConfig(t, kindCases) }

// TestKindErrorsNameTheServiceAndTheKinds: an element's error carries the service's name
// besides its position, and a setting of another kind says which kind it belongs to.
func TestKindErrorsNameTheServiceAndTheKinds(t *testing.T) {
	r := programtest.Run("prod", withKinds(map[string]string{"port": `3003`}, nil)(t))
	ve, ok := config.AsValidationError(r.Err)
	if !ok {
		t.Fatalf("want a *config.ValidationError, got %v", r.Err)
	}
	for _, f := range ve.Fields {
		if f.Key != "services[2].port" {
			continue
		}
		for _, want := range []string{"(mailer)", "a worker has no port", "belong to kind web", "port to web and backend"} {
			if !strings.Contains(f.Message, want) {
				t.Errorf("services[2].port: %q does not say %q", f.Message, want)
			}
		}
		return
	}
	t.Fatalf("no error names services[2].port: %v", r.Err)
}

// TestServiceKindsRegisterWhatEachNeeds: a worker and a backend added by stack-file edits
// are accepted; neither gets a target group, a listener rule, an ALB security group rule
// or target group alarms; the backend publishes its port through Service Connect to its
// caller; the worker's container has no port and a health check command; both scale
// on CPU and memory.
func TestServiceKindsRegisterWhatEachNeeds(t *testing.T) {
	r := programtest.MustRun(t, "prod", withKinds(nil, nil)(t))
	const prefix = "ecsite-prod-"
	for _, name := range []string{"mailer", "search"} {
		if tg := r.Named("aws:lb/targetGroup:TargetGroup", compute.TargetGroupName("prod", name)); tg != nil {
			t.Errorf("%s has a target group", name)
		}
		if rule := r.Named("aws:lb/listenerRule:ListenerRule", prefix+name); rule != nil {
			t.Errorf("%s has a listener rule", name)
		}
		for _, n := range []string{prefix + name + "-from-alb", prefix + name + "-alb-to-tasks"} {
			for _, typ := range []string{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"} {
				if r.Named(typ, n) != nil {
					t.Errorf("%s: %s opens the load balancer's path", name, n)
				}
			}
		}
		for _, a := range []string{"-unhealthy-hosts", "-response-time-p95"} {
			if r.Named("aws:cloudwatch/metricAlarm:MetricAlarm", prefix+name+a) != nil {
				t.Errorf("%s has the target group alarm %s", name, a)
			}
		}
		for _, a := range []string{"-cpu-high", "-memory-high"} {
			r.One(t, "aws:cloudwatch/metricAlarm:MetricAlarm", prefix+name+a)
		}
		for _, p := range []string{"-cpu", "-memory"} {
			r.One(t, "aws:appautoscaling/policy:Policy", prefix+name+p)
		}
		svc := r.One(t, "aws:ecs/service:Service", prefix+name)
		if n := svc.In("loadBalancers").Len(); n != 0 {
			t.Errorf("%s's ECS service is behind %d load balancers", name, n)
		}
	}
	if n := len(r.ByType("aws:lb/targetGroup:TargetGroup")); n != 2 {
		t.Errorf("%d target groups; want 2 (web and api)", n)
	}

	search := r.One(t, "aws:ecs/service:Service", prefix+"search")
	if got := search.In("serviceConnectConfiguration.services[0].discoveryName").Str(); got != "search" {
		t.Errorf("search publishes %q through Service Connect; want search", got)
	}
	r.One(t, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", prefix+"search-sc-from-api")
	api := containerOf(t, r, prefix+"api-task")
	if !slices.Contains(envNames(api), "SEARCH_INTERNAL_URL=http://search:3002") {
		t.Errorf("api's environment lacks SEARCH_INTERNAL_URL=http://search:3002: %v", envNames(api))
	}

	mailer := r.One(t, "aws:ecs/service:Service", prefix+"mailer")
	if !mailer.In("serviceConnectConfiguration").Null() {
		t.Errorf("mailer, which neither calls nor is called, is in Service Connect")
	}
	c := containerOf(t, r, prefix+"mailer-task")
	if len(c.PortMappings) != 0 {
		t.Errorf("mailer's container maps ports %v; a worker has none", c.PortMappings)
	}
	if c.HealthCheck == nil || strings.Join(c.HealthCheck.Command, " ") != "CMD-SHELL node healthcheck.js" || c.HealthCheck.StartPeriod != 30 ||
		c.HealthCheck.Interval != 30 || c.HealthCheck.Timeout != 5 || c.HealthCheck.Retries != 3 {
		t.Errorf("mailer's container health check is %+v; want CMD-SHELL node healthcheck.js, 30 s start period, ECS's defaults otherwise", c.HealthCheck)
	}
	if web := containerOf(t, r, prefix+"web-task"); web.HealthCheck != nil {
		t.Errorf("web got a container health check it does not configure: %+v", web.HealthCheck)
	}
	sg := r.One(t, "aws:ec2/securityGroup:SecurityGroup", prefix+"mailer-tasks")
	if d := sg.In("description").Str(); !strings.Contains(d, "no inbound") {
		t.Errorf("mailer's security group says %q", d)
	}
	var body monitoring.DashboardBody
	if err := r.Only(t, "aws:cloudwatch/dashboard:Dashboard").In("dashboardBody").JSON(&body); err != nil {
		t.Fatal(err)
	}
	ecsLines := 0
	for _, w := range body.Widgets {
		for _, m := range w.Properties.Metrics {
			opts, _ := m[len(m)-1].(map[string]any)
			if opts["label"] != "mailer" && opts["label"] != "search" {
				continue
			}
			if m[0] == monitoring.NamespaceALB {
				t.Errorf("dashboard widget %q shows a target group metric of %v", w.Properties.Title, opts["label"])
			} else {
				ecsLines++
			}
		}
	}
	if ecsLines != 4 {
		t.Errorf("the dashboard has %d CPU and memory lines for mailer and search; want 4", ecsLines)
	}
	tgs, _ := r.Exports.Get("targetGroupArnSuffixes")
	b, _ := json.Marshal(tgs.Value)
	var suffixes map[string]string
	if err := json.Unmarshal(b, &suffixes); err != nil || len(suffixes) != 2 || suffixes["web"] == "" || suffixes["api"] == "" {
		t.Errorf("targetGroupArnSuffixes = %v; want web and api only", tgs.Value)
	}
}

// TestAddingKindsKeepsWebAndApi: adding a worker and a backend keeps every resource of
// the committed stack by URN, and web's ECS service, task definition and target group
// exactly.
func TestAddingKindsKeepsWebAndApi(t *testing.T) {
	before := programtest.MustRun(t, "prod", mockengine.Options{})
	after := programtest.MustRun(t, "prod", withKinds(nil, nil)(t))
	for _, res := range before.Resources() {
		if after.ByURN(res.URN) == nil {
			t.Errorf("%s is gone once a worker and a backend are added", res.URN)
		}
	}
	for _, typ := range []string{"aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition", "aws:lb/targetGroup:TargetGroup", "aws:lb/listenerRule:ListenerRule"} {
		for _, res := range before.ByType(typ) {
			if !strings.Contains(res.Name, "web") && typ != "aws:lb/listenerRule:ListenerRule" {
				continue
			}
			if !resourceInputs(res).DeepEquals(resourceInputs(after.ByURN(res.URN))) {
				t.Errorf("%s %s changed once a worker and a backend are added", typ, res.Name)
			}
		}
	}
}

func containerOf(t *testing.T, r programtest.Result, taskDefinition string) compute.ContainerDefinition {
	t.Helper()
	td := r.One(t, "aws:ecs/taskDefinition:TaskDefinition", taskDefinition)
	var defs []compute.ContainerDefinition
	if err := td.In("containerDefinitions").JSON(&defs); err != nil || len(defs) != 1 {
		t.Fatalf("%s: container definitions %v (%d)", taskDefinition, err, len(defs))
	}
	return defs[0]
}

func envNames(c compute.ContainerDefinition) []string {
	var out []string
	for _, e := range c.Environment {
		out = append(out, e.Name+"="+e.Value)
	}
	return out
}
