package program_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// nightly is a job as a stack file adds it: the api's image, a command, 03:00 in Tokyo,
// the writer and one more secret.
const nightly = `{"name":"nightly","service":"api","command":["node","dist/jobs/nightly.js"],"schedule":"cron(0 3 * * ? *)","database":"writer","secrets":["JWT_SECRET"],"environment":{"REPORT_BUCKET":"reports"}}`

// withJobs sets key jobs of the prod stack to the given job objects.
func withJobs(jobs ...string) func(t *testing.T) mockengine.Options {
	return set("jobs", "["+strings.Join(jobs, ",")+"]")
}

// job returns nightly with fields (JSON values) replaced.
func job(kv ...string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(nightly), &m); err != nil {
		panic(err)
	}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = json.RawMessage(kv[i+1])
	}
	b, _ := json.Marshal(m)
	return string(b)
}

var jobCases = []badConfigCase{
	{"job of a service that does not exist", withJobs(job("service", `"worker"`)), "jobs[0].service"},
	{"job without a command", withJobs(job("command", `[]`)), "jobs[0].command"},
	{"cron with five fields", withJobs(job("schedule", `"cron(0 3 * * ?)"`)), "jobs[0].schedule"},
	{"cron with both day fields set", withJobs(job("schedule", `"cron(0 3 1 * MON *)"`)), "jobs[0].schedule"},
	{"cron at hour 24, no time of day in Tokyo", withJobs(job("schedule", `"cron(0 24 * * ? *)"`)), "jobs[0].schedule"},
	{"cron with a time zone written into it", withJobs(job("schedule", `"cron(0 18 * * ? *) UTC"`)), "jobs[0].schedule"},
	{"one-time schedule", withJobs(job("schedule", `"at(2027-01-01T03:00:00)"`)), "jobs[0].schedule"},
	{"rate in seconds", withJobs(job("schedule", `"rate(30 seconds)"`)), "jobs[0].schedule"},
	{"a time zone field", withJobs(job("timezone", `"UTC"`)), "jobs[0]"},
	{"cpu and memory Fargate does not offer", withJobs(job("cpu", `256`, "memory", `4096`)), "jobs[0].memory"},
	{"cpu Fargate does not offer", withJobs(job("cpu", `100`)), "jobs[0].cpu"},
	{"two jobs with one name", withJobs(nightly, job("schedule", `"rate(1 hour)"`)), "jobs[1].name"},
	{"job name too long for its roles", withJobs(job("name", `"`+strings.Repeat("n", 21)+`"`)), "jobs[0].name"},
	{"job name with capitals", withJobs(job("name", `"Nightly"`)), "jobs[0].name"},
	{"unknown secret", withJobs(job("secrets", `["STRIPE_SECRET_KEY"]`)), "jobs[0].secrets[0]"},
	{"connection parameter as a secret", withJobs(job("secrets", `["DATABASE_URL"]`)), "jobs[0].secrets[0]"},
	{"variable named like a connection parameter the database setting provides", withJobs(job("environment", `{"DATABASE_URL":"postgresql://elsewhere/db"}`)), "jobs[0].environment.DATABASE_URL"},
	{"database access that does not exist", withJobs(job("database", `"readwrite"`)), "jobs[0].database"},
	{"NODE_ENV overridden", withJobs(job("environment", `{"NODE_ENV":"development"}`)), "jobs[0].environment.NODE_ENV"},
	{"TLS variable overridden by a database client", withJobs(job("environment", `{"PGSSLMODE":"disable"}`)), "jobs[0].environment.PGSSLMODE"},
	{"task permission of every action", withJobs(job("taskPermissions", `[{"actions":["s3:*"],"resources":["arn:aws:s3:::reports/*"]}]`)), "jobs[0].taskPermissions[0].actions[0]"},
	{"task permission passing any role", withJobs(job("taskPermissions", `[{"actions":["iam:PassRole"],"resources":["*"]}]`)), "jobs[0].taskPermissions[0].resources[0]"},
	{"expected minutes of zero", withJobs(job("expectedMinutes", `0`)), "jobs[0].expectedMinutes"},
	{"jobs not a list", set("jobs", `{"name":"nightly"}`), "jobs"},
	{"service named like a job's resources", func(t *testing.T) mockengine.Options {
		o := addService(`{"name":"job-nightly","port":3002,"pathPattern":"/jobs/*","priority":7,"image":{"tag":"1"}}`)(t)
		o.Config[programtest.Key(t, "jobs")] = "[" + nightly + "]"
		return o
	}, "jobs[0].name"},
	{"service named like the migration task", addService(`{"name":"migrate","port":3002,"pathPattern":"/m/*","priority":7,"image":{"tag":"1"}}`), "services[2].name"},
}

func TestBadConfigJobs(t *testing.T) { runBadConfig(t, jobCases) }

// TestNightlyJob: a job added by config registers exactly its own resources, with a
// scheduler role that may only run its task, a schedule in Asia/Tokyo on on-demand
// Fargate in the private subnets, and a failure alarm on the alarm topic.
func TestNightlyJob(t *testing.T) {
	base := programtest.MustRun(t, "prod", mockengine.Options{})
	r := programtest.MustRun(t, "prod", withJobs(nightly)(t))
	before := map[string]bool{}
	for _, res := range base.Resources() {
		before[res.URN] = true
	}
	var added []string
	for _, res := range r.Resources() {
		if !before[res.URN] {
			added = append(added, res.Type+" "+res.Name)
		}
	}
	sort.Strings(added)
	const stem = "ecsite-prod-job-nightly"
	want := []string{
		"aws:cloudwatch/eventRule:EventRule " + stem + "-failed",
		"aws:cloudwatch/logGroup:LogGroup " + stem + "-logs",
		"aws:cloudwatch/metricAlarm:MetricAlarm " + stem + "-failed",
		"aws:ec2/securityGroup:SecurityGroup " + stem + "-tasks",
		"aws:ecs/taskDefinition:TaskDefinition " + stem,
		"aws:iam/role:Role " + stem + "-execution",
		"aws:iam/role:Role " + stem + "-scheduler",
		"aws:iam/role:Role " + stem + "-task",
		"aws:iam/rolePolicy:RolePolicy " + stem + "-execution",
		"aws:iam/rolePolicy:RolePolicy " + stem + "-scheduler",
		"aws:scheduler/schedule:Schedule " + stem,
		"aws:scheduler/scheduleGroup:ScheduleGroup " + stem,
		"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule " + stem + "-out-443",
		"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule " + stem + "-to-db",
		"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule ecsite-prod-db-from-job-nightly",
		"ecsite:compute:Job " + stem,
	}
	if strings.Join(added, "\n") != strings.Join(want, "\n") {
		t.Errorf("the job added:\n%s\nwant:\n%s", strings.Join(added, "\n"), strings.Join(want, "\n"))
	}
	// Nothing of the base stack changed its inputs.
	for _, res := range base.Resources() {
		if r.ByURN(res.URN) == nil {
			t.Errorf("%s disappeared", res.URN)
		}
	}

	task := r.One(t, programtest.TypeTaskDefinition, stem)
	execRole := r.One(t, programtest.TypeRole, stem+"-execution")
	taskRole := r.One(t, programtest.TypeRole, stem+"-task")
	var policy iamdoc.Document
	if err := r.One(t, programtest.TypeRolePolicy, stem+"-scheduler").In("policy").JSON(&policy); err != nil {
		t.Fatal(err)
	}
	if len(policy.Statement) != 2 {
		t.Fatalf("scheduler policy %+v; want RunTask and PassRole", policy)
	}
	run, pass := policy.Statement[0], policy.Statement[1]
	wantFamily := strings.TrimSuffix(task.Out("arn").Str(), ":1") + ":*"
	if strings.Join(run.Action, ",") != "ecs:RunTask" || strings.Join(run.Resource, ",") != wantFamily || run.Condition["ArnEquals"]["ecs:cluster"] == nil {
		t.Errorf("run statement %+v; want ecs:RunTask on %s in the cluster", run, wantFamily)
	}
	if strings.Join(pass.Action, ",") != "iam:PassRole" || strings.Join(pass.Resource, ",") != execRole.Out("arn").Str()+","+taskRole.Out("arn").Str() ||
		pass.Condition["StringEquals"]["iam:PassedToService"] != "ecs-tasks.amazonaws.com" {
		t.Errorf("pass statement %+v; want iam:PassRole on the job's two roles, to ECS tasks", pass)
	}

	sch := r.One(t, "aws:scheduler/schedule:Schedule", stem)
	private, _ := r.Exports.Get("privateSubnetIds")
	for path, want := range map[string]any{
		"scheduleExpression":                                       "cron(0 3 * * ? *)",
		"scheduleExpressionTimezone":                               "Asia/Tokyo",
		"flexibleTimeWindow.mode":                                  "OFF",
		"target.ecsParameters.launchType":                          "FARGATE",
		"target.ecsParameters.taskDefinitionArn":                   task.Out("arn").Str(),
		"target.ecsParameters.networkConfiguration.assignPublicIp": false,
		"target.roleArn":                                           r.One(t, programtest.TypeRole, stem+"-scheduler").Out("arn").Str(),
	} {
		if got := sch.In(path).Plain(); got != want {
			t.Errorf("schedule %s = %v; want %v", path, got, want)
		}
	}
	subnets, _ := json.Marshal(sch.In("target.ecsParameters.networkConfiguration.subnets").Plain())
	wantSubnets, _ := json.Marshal(private.Value)
	if string(subnets) != string(wantSubnets) {
		t.Errorf("schedule subnets %s; want the private subnets %s", subnets, wantSubnets)
	}
	if sch.In("target.retryPolicy.maximumRetryAttempts").Num() != 3 {
		t.Errorf("retry policy %v", sch.In("target.retryPolicy").Plain())
	}

	rule := r.One(t, "aws:cloudwatch/eventRule:EventRule", stem+"-failed")
	if p := rule.In("eventPattern").Str(); !strings.Contains(p, `"family:`+stem+`"`) || !strings.Contains(p, `"STOPPED"`) || !strings.Contains(p, `"anything-but":0`) {
		t.Errorf("failure rule pattern %s", p)
	}
	alarm := r.One(t, programtest.TypeAlarm, stem+"-failed")
	topic, _ := r.Exports.Get("alarmTopicArn")
	group := r.One(t, "aws:scheduler/scheduleGroup:ScheduleGroup", stem)
	if sch.In("groupName").Str() != group.Out("name").Str() {
		t.Errorf("schedule in group %q; want the job's own %q", sch.In("groupName").Str(), group.Out("name").Str())
	}
	if alarm.In("metricQueries[0].metric.namespace").Str() != "AWS/Events" || alarm.In("metricQueries[0].metric.dimensions.RuleName").Str() != rule.Out("name").Str() ||
		alarm.In("metricQueries[1].metric.metricName").Str() != "InvocationDroppedCount" || alarm.In("metricQueries[1].metric.dimensions.ScheduleGroup").Str() != group.Out("name").Str() ||
		!alarm.In("metricQueries[2].returnData").Bool() || alarm.In("alarmActions[0]").Str() != topic.Value {
		t.Errorf("alarm %v", alarm.Inputs)
	}
	// The task role grants nothing the job did not ask for.
	if p := r.Named(programtest.TypeRolePolicy, stem+"-task"); p != nil {
		t.Errorf("task role policy without taskPermissions: %s", p.In("policy").Str())
	}
}

// TestGoodJobs: values next to the refused ones are accepted, so the checks refuse what
// EventBridge Scheduler and Fargate refuse and not more; the last is the example of
// docs/operations.md, "Adding a scheduled job".
func TestGoodJobs(t *testing.T) {
	for name, j := range map[string]string{
		"every 5 minutes":               job("schedule", `"rate(5 minutes)"`),
		"one day":                       job("schedule", `"rate(1 day)"`),
		"every 15 minutes in work time": job("schedule", `"cron(0/15 9-18 ? * MON-FRI *)"`),
		"last day of the month":         job("schedule", `"cron(0 3 L * ? *)"`),
		"hour 23":                       job("schedule", `"cron(59 23 * * ? *)"`),
		"20-character name":             job("name", `"`+strings.Repeat("n", 20)+`"`),
		"largest Fargate size":          job("cpu", `16384`, "memory", `122880`),
		"no database":                   job("database", `"none"`, "secrets", `[]`),
		"operations example":            `{"name":"nightly-report","service":"api","command":["node","dist/jobs/nightly-report.js"],"schedule":"cron(0 3 * * ? *)","database":"reader","expectedMinutes":5}`,
	} {
		t.Run(name, func(t *testing.T) {
			if r := programtest.Run("prod", withJobs(j)(t)); r.Err != nil {
				t.Fatalf("refused: %v", r.Err)
			}
		})
	}
}
