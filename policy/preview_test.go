package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"

	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

var update = flag.Bool("update", false, "rewrite policy/testdata/preview-prod.json from the program")

// fixtureStack is the stack whose preview is committed under testdata.
const fixtureStack = "prod"

var fixturePath = filepath.Join("testdata", "preview-"+fixtureStack+".json")

// programRun runs the whole program for the fixture's stack once for every test here.
var programRun = sync.OnceValues(func() (*mockengine.Mocks, error) {
	r := programtest.Run(fixtureStack, mockengine.Options{})
	if r.Err == nil {
		if errs := r.Exports.Errors(); len(errs) > 0 {
			r.Err = errs[0]
		}
	}
	return r.Mocks, r.Err
})

func program(t *testing.T) *mockengine.Mocks {
	t.Helper()
	m, err := programRun()
	if err != nil {
		t.Fatalf("stack %s: %v", fixtureStack, err)
	}
	return m
}

// TestPreviewFixtureIsCurrent checks that the committed preview is what the program
// registers for the stack today; `go test ./policy -run TestPreviewFixtureIsCurrent
// -update` rewrites it.
func TestPreviewFixtureIsCurrent(t *testing.T) {
	want, err := PreviewJSON(program(t).Resources())
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(fixturePath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fixturePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("%v; regenerate with `go run ./cmd/report` (or go test ./policy -run TestPreviewFixtureIsCurrent -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: the program's resources for %s changed; regenerate with `go run ./cmd/report` (or go test ./policy -run TestPreviewFixtureIsCurrent -update)", fixturePath, fixtureStack)
	}
}

// fixture returns the committed preview decoded as plain JSON, for tests to alter.
func fixture(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func load(t *testing.T, doc map[string]any) *Graph {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	g, err := LoadPreview(data, fixtureStack)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// state returns the newState of the first step whose resource has type typ and, when
// given, whose logical name contains name.
func state(t *testing.T, doc map[string]any, typ, name string) map[string]any {
	t.Helper()
	for _, s := range doc["steps"].([]any) {
		st := s.(map[string]any)["newState"].(map[string]any)
		if st["type"] == typ && strings.Contains(resource.URN(st["urn"].(string)).Name(), name) {
			return st
		}
	}
	t.Fatalf("the fixture has no %s named *%s*", typ, name)
	return nil
}

// remove deletes a value in set.
type remove struct{}

// set changes the input at a dotted path ("accessLogs.enabled", "settings[0].value") of a
// state, and the output of the same name when there is one, so that the value the rules
// read changes whichever they read first.
func set(t *testing.T, st map[string]any, path string, v any) {
	t.Helper()
	for _, key := range []string{"inputs", "outputs"} {
		m, _ := st[key].(map[string]any)
		if m == nil {
			continue
		}
		if err := setPath(m, path, v, key == "inputs"); err != nil {
			t.Fatalf("%s %s: %v", key, path, err)
		}
	}
}

func setPath(m map[string]any, path string, v any, create bool) error {
	parts := strings.Split(strings.ReplaceAll(path, "[", ".["), ".")
	var cur any = m
	for i, p := range parts {
		last := i == len(parts)-1
		if strings.HasPrefix(p, "[") {
			arr, ok := cur.([]any)
			idx := int(p[1] - '0')
			if !ok || idx >= len(arr) {
				return errNoPath(path)
			}
			if last {
				arr[idx] = v
				return nil
			}
			cur = arr[idx]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return errNoPath(path)
		}
		if last {
			if _, isRemove := v.(remove); isRemove {
				delete(obj, p)
			} else if _, exists := obj[p]; exists || create {
				obj[p] = v
			}
			return nil
		}
		next, exists := obj[p]
		if !exists {
			if !create {
				return nil
			}
			next = map[string]any{}
			obj[p] = next
		}
		cur = next
	}
	return nil
}

type errNoPath string

func (e errNoPath) Error() string { return "no such path " + string(e) }

// containerDefs rewrites the container definitions of the state's task definition.
func containerDefs(t *testing.T, st map[string]any, change func(c map[string]any)) {
	t.Helper()
	var cs []map[string]any
	if err := json.Unmarshal([]byte(st["inputs"].(map[string]any)["containerDefinitions"].(string)), &cs); err != nil {
		t.Fatal(err)
	}
	change(cs[0])
	b, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	set(t, st, "containerDefinitions", string(b))
}

func evaluatePreview(t *testing.T, g *Graph, rules ...Rule) Report {
	t.Helper()
	exc, err := Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	if rules == nil {
		rules = Rules()
	}
	return EvaluateGraph(g, rules, exc)
}

// evaluatePreviewWith runs every rule on g with the committed exceptions and extra.
func evaluatePreviewWith(t *testing.T, g *Graph, extra []Exception) Report {
	t.Helper()
	exc, err := Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	return EvaluateGraph(g, Rules(), append(exc, extra...))
}

// TestPreviewFixtureMatchesTheMock checks that the committed preview passes every rule,
// with the same result, resource count and exceptions as the program under the mock.
func TestPreviewFixtureMatchesTheMock(t *testing.T) {
	exc, err := Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	mock := Evaluate(program(t), exc)
	preview := evaluatePreview(t, load(t, fixture(t)))
	for i, want := range mock.Results {
		got := preview.Results[i]
		if got.Status() != want.Status() || got.Checked != want.Checked || len(got.Excepted) != len(want.Excepted) {
			t.Errorf("%s: preview %s (%d checked, %d excepted), mock %s (%d checked, %d excepted); unknowns %+v",
				want.Rule.ID, got.Status(), got.Checked, len(got.Excepted), want.Status(), want.Checked, len(want.Excepted), got.Unknown)
		}
		// prod's design exceptions (the NAT instances' public address and all-traffic
		// egress) show as "excepted"; anything else must pass.
		if s := got.Status(); s != "pass" && s != "n/a" && !(s == "excepted" && (want.Rule.ID == "NET-PUBLIC-IP" || want.Rule.ID == "NET-EGRESS-ANYWHERE")) {
			t.Errorf("%s: %s on the committed preview; violations %v", want.Rule.ID, s, got.Violations)
		}
	}
}

// TestPreviewCatchesEachRule alters one resource of the committed preview per rule and
// sees the rule fail on it through the preview loader.
func TestPreviewCatchesEachRule(t *testing.T) {
	cases := []struct {
		rule, typ, name string
		change          func(t *testing.T, st map[string]any)
	}{
		{"ENC-RDS", "aws:rds/cluster:Cluster", "", func(t *testing.T, st map[string]any) { set(t, st, "storageEncrypted", false) }},
		{"ENC-SSM", "aws:ssm/parameter:Parameter", "", func(t *testing.T, st map[string]any) {
			set(t, st, "type", "SecureString")
			set(t, st, "keyId", remove{})
		}},
		{"ENC-LOGS", "aws:cloudwatch/logGroup:LogGroup", "exec", func(t *testing.T, st map[string]any) { set(t, st, "kmsKeyId", remove{}) }},
		{"ENC-S3", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "", func(t *testing.T, st map[string]any) {
			set(t, st, "rules", []any{})
		}},
		{"ENC-SNS", "aws:sns/topic:Topic", "", func(t *testing.T, st map[string]any) { set(t, st, "kmsMasterKeyId", remove{}) }},
		{"ALARM-DELIVERY", "aws:kms/key:Key", "alarms", func(t *testing.T, st map[string]any) {
			set(t, st, "policy", logsOnlyKeyPolicy)
		}},
		{"ENC-ECR", "aws:ecr/repository:Repository", "", func(t *testing.T, st map[string]any) { set(t, st, "encryptionConfigurations", remove{}) }},
		{"TLS-LISTENER", "aws:lb/listener:Listener", "http", func(t *testing.T, st map[string]any) {
			set(t, st, "protocol", "HTTPS")
			set(t, st, "sslPolicy", "ELBSecurityPolicy-2016-08")
		}},
		{"TLS-CDN", "aws:cloudfront/distribution:Distribution", "", func(t *testing.T, st map[string]any) {
			set(t, st, "defaultCacheBehavior.viewerProtocolPolicy", "allow-all")
		}},
		{"CDN-WAF", "aws:cloudfront/distribution:Distribution", "", func(t *testing.T, st map[string]any) { set(t, st, "webAclId", remove{}) }},
		{"CDN-OAC", "aws:cloudfront/distribution:Distribution", "", func(t *testing.T, st map[string]any) {
			origins, _ := st["inputs"].(map[string]any)["origins"].([]any)
			for _, o := range origins {
				if m := o.(map[string]any); strings.Contains(fmt.Sprint(m["domainName"]), ".s3.") {
					delete(m, "originAccessControlId")
				}
			}
		}},
		{"EC2-IMDSV2", "aws:ec2/launchTemplate:LaunchTemplate", "", func(t *testing.T, st map[string]any) {
			set(t, st, "metadataOptions.httpTokens", "optional")
		}},
		{"EC2-EBS-ENC", "aws:ec2/launchTemplate:LaunchTemplate", "", func(t *testing.T, st map[string]any) {
			set(t, st, "blockDeviceMappings[0].ebs.encrypted", "false")
		}},
		{"S3-PUBLIC-BLOCK", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "", func(t *testing.T, st map[string]any) {
			set(t, st, "blockPublicPolicy", false)
		}},
		{"NET-ALB-INTERNAL", "aws:lb/loadBalancer:LoadBalancer", "", func(t *testing.T, st map[string]any) { set(t, st, "internal", false) }},
		{"TLS-BUCKET", "aws:s3/bucketPolicy:BucketPolicy", "", func(t *testing.T, st map[string]any) {
			set(t, st, "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}]}`)
		}},
		{"NET-OPEN-INGRESS", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "", func(t *testing.T, st map[string]any) {
			openToTheWorld(t, st, 22)
		}},
		{"NET-EGRESS-ANYWHERE", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "api-out-443", func(t *testing.T, st map[string]any) {
			// The api tasks' HTTPS rule opened on MongoDB's port instead.
			set(t, st, "fromPort", 27017)
			set(t, st, "toPort", 27017)
		}},
		{"NET-PUBLIC-IP", "aws:ecs/service:Service", "", func(t *testing.T, st map[string]any) {
			set(t, st, "networkConfiguration.assignPublicIp", true)
		}},
		{"DB-PUBLIC", "aws:rds/clusterInstance:ClusterInstance", "", func(t *testing.T, st map[string]any) { set(t, st, "publiclyAccessible", true) }},
		{"LOG-FLOW", "aws:ec2/flowLog:FlowLog", "", func(t *testing.T, st map[string]any) { set(t, st, "vpcId", "vpc-0another") }},
		{"LOG-CONTAINER", "aws:ecs/taskDefinition:TaskDefinition", "", func(t *testing.T, st map[string]any) {
			containerDefs(t, st, func(c map[string]any) { delete(c, "logConfiguration") })
		}},
		{"LOG-WAF", "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "", func(t *testing.T, st map[string]any) {
			set(t, st, "logDestinationConfigs", []any{})
		}},
		{"LOG-DB", "aws:rds/cluster:Cluster", "", func(t *testing.T, st map[string]any) { set(t, st, "enabledCloudwatchLogsExports", []any{}) }},
		{"LOG-ALB", "aws:lb/loadBalancer:LoadBalancer", "", func(t *testing.T, st map[string]any) { set(t, st, "accessLogs.enabled", false) }},
		{"PROT-DB", "aws:rds/cluster:Cluster", "", func(t *testing.T, st map[string]any) { set(t, st, "deletionProtection", false) }},
		{"PROT-ALB", "aws:lb/loadBalancer:LoadBalancer", "", func(t *testing.T, st map[string]any) { set(t, st, "enableDeletionProtection", false) }},
		{"BACKUP-RETENTION", "aws:rds/cluster:Cluster", "", func(t *testing.T, st map[string]any) { set(t, st, "backupRetentionPeriod", 1) }},
		{"IAM-WILDCARD", "aws:iam/rolePolicy:RolePolicy", "", func(t *testing.T, st map[string]any) {
			set(t, st, "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
		}},
		{"IAM-PARAM-SCOPE", "aws:iam/rolePolicy:RolePolicy", "", func(t *testing.T, st map[string]any) {
			set(t, st, "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:GetParameters"],"Resource":["arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/dev/*"]}]}`)
		}},
		{"IAM-PASSROLE-SCOPE", "aws:iam/rolePolicy:RolePolicy", "migrate-execution", func(t *testing.T, st map[string]any) {
			set(t, st, "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole"],"Resource":["*"]}]}`)
		}},
		{"ECS-INSIGHTS", "aws:ecs/cluster:Cluster", "", func(t *testing.T, st map[string]any) { set(t, st, "settings", []any{}) }},
		{"DB-TLS-VERIFY", "aws:ecs/taskDefinition:TaskDefinition", "api", func(t *testing.T, st map[string]any) {
			containerDefs(t, st, func(c map[string]any) {
				env, _ := c["environment"].([]any)
				kept := []any{}
				for _, e := range env {
					if e.(map[string]any)["name"] != "PGSSLMODE" {
						kept = append(kept, e)
					}
				}
				c["environment"] = kept
			})
		}},
		{"CDN-LOGGING", "aws:cloudwatch/logDelivery:LogDelivery", "", func(t *testing.T, st map[string]any) {
			set(t, st, "deliverySourceName", "another-source")
		}},
		{"WAF-BODY-LIMIT", "aws:wafv2/webAcl:WebAcl", "", func(t *testing.T, st map[string]any) {
			// The API's body size rule lets bodies too large to inspect through.
			changed := false
			for _, key := range []string{"inputs", "outputs"} {
				m, _ := st[key].(map[string]any)
				rules, _ := m["rules"].([]any)
				for _, r := range rules {
					walkStatements(r.(map[string]any)["statement"].(map[string]any), func(s map[string]any) {
						if m, ok := s["sizeConstraintStatement"].(map[string]any); ok {
							m["fieldToMatch"].(map[string]any)["body"].(map[string]any)["oversizeHandling"] = "CONTINUE"
							changed = true
						}
					})
				}
			}
			if !changed {
				t.Fatal("the preview's web ACL has no body size rule")
			}
		}},
		{"ECS-READONLY-ROOT", "aws:ecs/taskDefinition:TaskDefinition", "", func(t *testing.T, st map[string]any) {
			containerDefs(t, st, func(c map[string]any) { c["readonlyRootFilesystem"] = false })
		}},
		{"TAG-COST", "pulumi:providers:aws", "", func(t *testing.T, st map[string]any) { set(t, st, "defaultTags.tags.cost-center", remove{}) }},
		{"NAME-LENGTH", "aws:s3/bucketV2:BucketV2", "", func(t *testing.T, st map[string]any) {
			set(t, st, "bucket", "ecsite-production-application-load-balancer-access-logs-1234567890")
		}},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.rule] = true
		t.Run(tc.rule, func(t *testing.T) {
			doc := fixture(t)
			st := state(t, doc, tc.typ, tc.name)
			tc.change(t, st)
			rep := evaluatePreview(t, load(t, doc), ruleByID(t, tc.rule))
			res := rep.Results[0]
			if res.Status() != "FAIL" {
				t.Fatalf("status %s; want FAIL (unknowns %+v)", res.Status(), res.Unknown)
			}
		})
	}
	for _, r := range Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no violation through the preview", r.ID)
		}
	}
}

// openToTheWorld turns an ingress rule into one admitting 0.0.0.0/0 on a TCP port.
func openToTheWorld(t *testing.T, st map[string]any, port int) {
	t.Helper()
	set(t, st, "referencedSecurityGroupId", remove{})
	set(t, st, "prefixListId", remove{})
	set(t, st, "cidrIpv4", "0.0.0.0/0")
	set(t, st, "ipProtocol", "tcp")
	set(t, st, "fromPort", port)
	set(t, st, "toPort", port)
}

// TestPreviewUnknownIsNotAPass gives the database cluster an encryption setting the
// preview does not know: ENC-RDS must say UNKNOWN, naming the resource and the field,
// with no violation.
func TestPreviewUnknownIsNotAPass(t *testing.T) {
	doc := fixture(t)
	st := state(t, doc, "aws:rds/cluster:Cluster", "")
	set(t, st, "storageEncrypted", plugin.UnknownStringValue)
	rep := evaluatePreview(t, load(t, doc))
	res := rep.Results[0]
	if res.Rule.ID != "ENC-RDS" || res.Status() != "UNKNOWN" || len(res.Violations) != 0 {
		t.Fatalf("%s: status %s, violations %v; want UNKNOWN and none", res.Rule.ID, res.Status(), res.Violations)
	}
	name := resource.URN(st["urn"].(string)).Name()
	if len(res.Unknown) != 1 || res.Unknown[0].Name != name || strings.Join(res.Unknown[0].Fields, ",") != "storageEncrypted" {
		t.Fatalf("unknowns %+v; want %s storageEncrypted", res.Unknown, name)
	}
	if v := rep.Violations(); len(v) != 0 {
		t.Errorf("violations elsewhere: %v", v)
	}
	if passed, summary := rep.Gate(); passed || !strings.Contains(summary, "1 resource(s) undecided") {
		t.Errorf("the gate passed on an undecided resource: %v %q", passed, summary)
	}
	// An exception naming the resource, with its reason, takes it out of the gate.
	excepted := evaluatePreviewWith(t, load(t, doc), []Exception{{Rule: "ENC-RDS", Stacks: []string{"prod"}, Resources: []string{name}, Reason: "known at apply"}})
	if passed, summary := excepted.Gate(); !passed {
		t.Errorf("the gate failed on an excepted resource: %q", summary)
	}
	var md strings.Builder
	WriteMarkdown(&md, rep)
	if !strings.Contains(md.String(), "| ENC-RDS | high | UNKNOWN |") || !strings.Contains(md.String(), "`"+name+"` (rds/cluster:Cluster): unknown `storageEncrypted`") {
		t.Errorf("the Markdown does not show the unknown:\n%s", md.String())
	}
}

// TestPreviewUnknownGroupOfAnOpenRule: a rule admitting SSH from anywhere is a violation
// whichever group it belongs to, so a group id still unknown does not hide it; on 443 it
// matters (the ALB's group may admit it), so there it is unknown.
func TestPreviewUnknownGroupOfAnOpenRule(t *testing.T) {
	for port, want := range map[int]string{22: "FAIL", 443: "UNKNOWN"} {
		doc := fixture(t)
		st := state(t, doc, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "")
		openToTheWorld(t, st, port)
		set(t, st, "securityGroupId", plugin.UnknownStringValue)
		res := evaluatePreview(t, load(t, doc), ruleByID(t, "NET-OPEN-INGRESS")).Results[0]
		if res.Status() != want {
			t.Errorf("port %d: %s (violations %v, unknowns %+v); want %s", port, res.Status(), res.Violations, res.Unknown, want)
		}
	}
}

// TestPreviewUnknownGroupOfAnEgressRule: which group an egress rule belongs to does not
// matter to NET-EGRESS-ANYWHERE, so a group id still unknown (a new service's group)
// neither hides MongoDB's port open to every address nor makes HTTPS undecided.
func TestPreviewUnknownGroupOfAnEgressRule(t *testing.T) {
	for port, want := range map[int]string{27017: "FAIL", 443: "excepted"} {
		doc := fixture(t)
		st := state(t, doc, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "api-out-443")
		set(t, st, "fromPort", port)
		set(t, st, "toPort", port)
		set(t, st, "securityGroupId", plugin.UnknownStringValue)
		res := evaluatePreview(t, load(t, doc), ruleByID(t, "NET-EGRESS-ANYWHERE")).Results[0]
		if res.Status() != want {
			t.Errorf("port %d: %s (violations %v, unknowns %+v); want %s", port, res.Status(), res.Violations, res.Unknown, want)
		}
	}
}

func TestLoadPreviewValues(t *testing.T) {
	doc := `{"steps":[
	  {"op":"create","urn":"urn:pulumi:prod::ecsite::aws:ssm/parameter:Parameter::p","newState":{"urn":"urn:pulumi:prod::ecsite::aws:ssm/parameter:Parameter::p","type":"aws:ssm/parameter:Parameter","custom":true,"id":"","inputs":{
	    "hidden":"[secret]",
	    "plain":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","plaintext":"\"x\""},
	    "value":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","value":true},
	    "arn":"04da6b54-80e4-46f7-96ec-b56ff0331ba9",
	    "list":["a","04da6b54-80e4-46f7-96ec-b56ff0331ba9"]}}},
	  {"op":"delete","urn":"urn:pulumi:prod::ecsite::aws:sns/topic:Topic::gone","oldState":{"urn":"urn:pulumi:prod::ecsite::aws:sns/topic:Topic::gone","type":"aws:sns/topic:Topic"}}
	],"changeSummary":{"create":1,"delete":1},"diagnostics":[]}`
	g, err := LoadPreview([]byte(doc), "acme/prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Resources()) != 1 || g.Project != "ecsite" || g.Stack != "prod" {
		t.Fatalf("resources %d, project %q, stack %q; want the parameter only, ecsite, prod", len(g.Resources()), g.Project, g.Stack)
	}
	r := g.Resources()[0]
	if v := r.In("hidden"); !v.Secret() || !v.Unknown() {
		t.Errorf(`"[secret]" is not an unknown secret`)
	}
	if v := r.In("plain"); !v.Secret() || v.Str() != "x" {
		t.Errorf("plaintext secret: %v", v.V)
	}
	if v := r.In("value"); !v.Secret() || !v.Bool() {
		t.Errorf("value secret: %v", v.V)
	}
	if !r.In("arn").Unknown() || !r.InUnknown("list") || r.InUnknown("plain") {
		t.Errorf("unknowns not recognised")
	}
	if r.ID != "" || r.Name != "p" {
		t.Errorf("id %q, name %q", r.ID, r.Name)
	}
}

func TestLoadPreviewRejects(t *testing.T) {
	step := `{"op":"update","urn":"urn:pulumi:prod::ecsite::aws:sns/topic:Topic::t","newState":{"urn":"urn:pulumi:prod::ecsite::aws:sns/topic:Topic::t","type":"aws:sns/topic:Topic","custom":true}}`
	for name, doc := range map[string]string{
		"not JSON":              `Previewing update (prod)`,
		"no steps":              `{"config":{}}`,
		"another stack":         `{"steps":[` + strings.ReplaceAll(step, "prod::", "dev::") + `]}`,
		"without sames":         `{"steps":[` + step + `],"changeSummary":{"same":40,"update":1}}`,
		"a URN that is not one": `{"steps":[{"op":"create","urn":"x","newState":{"urn":"x","type":"t"}}]}`,
	} {
		if _, err := LoadPreview([]byte(doc), "prod"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestUnknownAttribution: a finding that rests on an unknown input of another resource
// the rule followed is unknown, a finding on a known input next to an unknown one on a
// sibling is a violation, and an exception covering the resource covers its unknowns too.
func TestUnknownAttribution(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	// The flow log is not in the VPC's component, so its unknown vpcId decides.
	flowLog := res("aws:ec2/flowLog:FlowLog", "fl", map[string]any{})
	flowLog.Inputs["vpcId"] = unknown
	vpc := res("aws:ec2/vpc:Vpc", "vpc", map[string]any{})
	vpc.Parent = "urn:pulumi:test::ecsite::ecsite:network:Vpc::net"
	rep := EvaluateRules(mockengine.NewGraph("ecsite", "test", vpc, flowLog), []Rule{ruleByID(t, "LOG-FLOW")}, nil)
	if r := rep.Results[0]; r.Status() != "UNKNOWN" || len(r.Unknown) != 2 {
		t.Errorf("flow log of an unknown VPC: %s, unknowns %+v; want UNKNOWN for the flow log and the VPC", r.Status(), r.Unknown)
	}
	// In the VPC's component, where the program creates it, it is the VPC's flow log.
	flowLog.Parent = vpc.Parent
	rep = EvaluateRules(mockengine.NewGraph("ecsite", "test", vpc, flowLog), []Rule{ruleByID(t, "LOG-FLOW")}, nil)
	if r := rep.Results[0]; r.Status() != "pass" {
		t.Errorf("flow log of an unknown VPC in the VPC's component: %s, unknowns %+v; want pass", r.Status(), r.Unknown)
	}

	a := res("aws:rds/cluster:Cluster", "a", map[string]any{})
	a.Inputs["storageEncrypted"] = unknown
	b := res("aws:rds/cluster:Cluster", "b", map[string]any{"storageEncrypted": false})
	rep = EvaluateRules(mockengine.NewGraph("ecsite", "test", a, b), []Rule{ruleByID(t, "ENC-RDS")}, nil)
	if r := rep.Results[0]; r.Status() != "FAIL" || len(r.Violations) != 1 || r.Violations[0].Name != "b" || len(r.Unknown) != 1 || r.Unknown[0].Name != "a" {
		t.Errorf("violations %v, unknowns %+v; want b violating and a unknown", r.Violations, r.Unknown)
	}

	exc := []Exception{{Rule: "ENC-RDS", Stacks: []string{"test"}, Resources: []string{"a"}, Reason: "test"}}
	rep = EvaluateRules(mockengine.NewGraph("ecsite", "test", a), []Rule{ruleByID(t, "ENC-RDS")}, exc)
	if r := rep.Results[0]; r.Status() != "excepted" || len(r.Unknown) != 0 {
		t.Errorf("excepted resource: %s, unknowns %+v; want excepted", r.Status(), r.Unknown)
	}
}

// TestPreviewUnknownKeyIsAKey: a log group whose key is created in the same update has an
// unknown kmsKeyId in the preview; that it names a key is known, so ENC-LOGS passes it
// rather than leaving it undecided (which would fail the gate).
func TestPreviewUnknownKeyIsAKey(t *testing.T) {
	doc := fixture(t)
	st := state(t, doc, "aws:cloudwatch/logGroup:LogGroup", "flow-logs")
	set(t, st, "kmsKeyId", plugin.UnknownStringValue)
	if res := evaluatePreview(t, load(t, doc), ruleByID(t, "ENC-LOGS")).Results[0]; res.Status() != "pass" {
		t.Errorf("status %s (unknowns %+v); want pass", res.Status(), res.Unknown)
	}
	set(t, st, "kmsKeyId", remove{})
	if res := evaluatePreview(t, load(t, doc), ruleByID(t, "ENC-LOGS")).Results[0]; res.Status() != "FAIL" {
		t.Errorf("without a key: status %s; want FAIL", res.Status())
	}
}
