package report

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/cost"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/policy"
)

// The committed stacks are run once per test binary and shared by the whole-stack tests.
var (
	runOnce sync.Once
	runs    map[string]*Stack
	runErr  error
)

func committed(t *testing.T, stack string) *Stack {
	t.Helper()
	runOnce.Do(func() {
		runs = map[string]*Stack{}
		for _, s := range Stacks {
			r, err := Run(s)
			if err != nil {
				runErr = err
				return
			}
			runs[s] = r
		}
	})
	if runErr != nil {
		t.Fatalf("running the committed stacks: %v", runErr)
	}
	return runs[stack]
}

// TestCommittedReportsAreCurrent fails when docs/stacks/<stack>.md differs from what
// the program and stack files produce now.
func TestCommittedReportsAreCurrent(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range Stacks {
		t.Run(stack, func(t *testing.T) {
			want, err := Render(committed(t, stack))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(root, Path(stack)))
			if err != nil {
				t.Fatalf("%s is missing; generate it with `%s`", Path(stack), RegenerateCommand)
			}
			if string(got) != want {
				t.Errorf("%s is stale (%s); regenerate the committed reports with `%s`", Path(stack), firstDiff(string(got), want), RegenerateCommand)
			}
		})
	}
}

// TestReferenceIsCurrent fails when docs/configuration.md differs from what Pulumi.yaml,
// the code defaults, the settings' doc comments and the stack files produce now.
func TestReferenceIsCurrent(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, ReferencePath))
	if err != nil {
		t.Fatalf("%s is missing; generate it with `%s`", ReferencePath, RegenerateCommand)
	}
	if string(got) != want {
		t.Errorf("%s is stale (%s); regenerate it with `%s`", ReferencePath, firstDiff(string(got), want), RegenerateCommand)
	}
}

// TestReferenceCoversEveryDeclaredKey: every key Pulumi.yaml declares has a section, every
// setting of the code defaults a row with a description, and a changed default shows.
func TestReferenceCoversEveryDeclaredKey(t *testing.T) {
	text, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	project, err := mockengine.ReadProject()
	if err != nil {
		t.Fatal(err)
	}
	for key := range project.Config {
		if !strings.Contains(text, "\n## `"+key+"`\n") {
			t.Errorf("no section for %s", key)
		}
	}
	for _, row := range []string{
		"| `database.maxCapacity` | 1 | = | 16 | ",
		"| `network.natGateways` | ",
		"| `services[api].port` | = | = | 3001 | ",
	} {
		if !strings.Contains(text, row) {
			t.Errorf("no row starting %q", row)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, "|  |") {
			t.Errorf("row without a description: %s", line)
		}
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "first difference at line " + strconv.Itoa(i+1) + ": committed " + quote(x) + ", now " + quote(y)
		}
	}
	return "no line differs"
}

func quote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return "`" + s + "`"
}

// TestReportIsDeterministic: two runs render byte-identical reports.
func TestReportIsDeterministic(t *testing.T) {
	for _, stack := range Stacks {
		a, err := Render(committed(t, stack))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Generate(stack)
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: two runs render different reports (%s)", stack, firstDiff(a, b))
		}
	}
}

// TestCommittedStacksPassPolicies runs the policy suite on both committed stacks. It
// starts failing when a change breaks a rule: fix the change, or, for a deliberate
// dev-only departure, add an exception with its reason to policy/exceptions.yaml.
func TestCommittedStacksPassPolicies(t *testing.T) {
	exc, err := policy.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range Stacks {
		t.Run(stack, func(t *testing.T) {
			rep := policy.Evaluate(committed(t, stack).Mocks, exc)
			for _, f := range rep.Violations() {
				t.Errorf("%s", f)
			}
			for _, e := range rep.Unused {
				t.Errorf("policy/exceptions.yaml: the %s exception for %s matches nothing any more; remove it", e.Rule, stack)
			}
			if stack == "prod" {
				for _, r := range rep.Results {
					for _, e := range r.Excepted {
						// The design exceptions of the NAT instances: their public address
						// and their all-traffic egress.
						if (e.Rule == "NET-PUBLIC-IP" || e.Rule == "NET-EGRESS-ANYWHERE") && strings.Contains(e.Name, "-nat-instance-") {
							continue
						}
						t.Errorf("prod uses an exception: %s", e.Finding)
					}
				}
			}
		})
	}
}

// TestEveryRegisteredTypeIsPricedOrFree: a resource type the program starts to register
// cannot cost $0 unnoticed.
func TestEveryRegisteredTypeIsPricedOrFree(t *testing.T) {
	for _, stack := range Stacks {
		t.Run(stack, func(t *testing.T) {
			if u := cost.Classify(committed(t, stack).Mocks.Types()); len(u) > 0 {
				t.Errorf("resource types neither priced nor free (add each to cost.Priced with its pricing, or to cost.Free with the reason):\n  %s",
					strings.Join(u, "\n  "))
			}
		})
	}
}

// TestEverythingIsPriced: no resource of a priced type escapes the totals.
func TestEverythingIsPriced(t *testing.T) {
	for _, stack := range Stacks {
		t.Run(stack, func(t *testing.T) {
			rev, err := Assess(committed(t, stack))
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range rev.Idle.Unpriced {
				t.Errorf("not priced: %s", u)
			}
		})
	}
}

// TestCostTargetsAreReported: the report states whether the idle month meets the
// stack's target and, when it does not, names lines that alone exceed it.
func TestCostTargetsAreReported(t *testing.T) {
	for _, stack := range Stacks {
		t.Run(stack, func(t *testing.T) {
			rev, err := Assess(committed(t, stack))
			if err != nil {
				t.Fatal(err)
			}
			target, ok := Targets[stack]
			if !ok {
				t.Fatalf("no cost target for %s", stack)
			}
			v := Verdict(rev.Idle, target)
			if rev.Idle.Total() <= target {
				if !strings.HasPrefix(v, "met") {
					t.Errorf("verdict %q for a total within the target", v)
				}
				return
			}
			if !strings.HasPrefix(v, "missed") {
				t.Errorf("verdict %q for a total over the target", v)
			}
			t.Logf("%s idle %.2f > target %.2f: %s", stack, rev.Idle.Total(), target, v)
		})
	}
}

// TestVerdictNamesTheLinesThatPreventTheTarget checks the arithmetic on a hand-built
// estimate.
func TestVerdictNamesTheLinesThatPreventTheTarget(t *testing.T) {
	e := &cost.Estimate{Lines: []cost.Line{
		{Service: "NAT gateway", Item: "a hours", USD: 45},
		{Service: "KMS", Item: "k key", USD: 1},
		{Service: "Load balancer", Item: "lb hours", USD: 18},
	}}
	v := Verdict(e, 60)
	if !strings.Contains(v, "NAT gateway a hours $45.00; Load balancer lb hours $18.00") || strings.Contains(v, "KMS") {
		t.Errorf("verdict %q; want the NAT and load balancer lines, not KMS", v)
	}
	if v := Verdict(e, 100); !strings.HasPrefix(v, "met: $64.00") {
		t.Errorf("verdict %q; want met", v)
	}
}

// TestSecretsNeverAppear: every secret input of every resource, and every secret
// output, is absent from the report.
func TestSecretsNeverAppear(t *testing.T) {
	for _, stack := range Stacks {
		t.Run(stack, func(t *testing.T) {
			s := committed(t, stack)
			text, err := Render(s)
			if err != nil {
				t.Fatal(err)
			}
			checkNoSecrets(t, s, text)
		})
	}
}

// TestSecretsNeverAppearInAHandBuiltStack makes the secret check bite even before a
// stack holds secrets: a secret input, a secret parameter value and a secret output.
func TestSecretsNeverAppearInAHandBuiltStack(t *testing.T) {
	param := &mockengine.Resource{Type: "aws:ssm/parameter:Parameter", Name: "url", Custom: true,
		Inputs: resource.PropertyMap{
			"name":  resource.NewStringProperty("/ecsite/test/DATABASE_URL"),
			"type":  resource.NewStringProperty("SecureString"),
			"value": resource.MakeSecret(resource.NewStringProperty("postgresql://app:hunter2-very-secret@db:5432/shop")),
			"keyId": resource.MakeSecret(resource.NewStringProperty("arn:aws:kms:ap-northeast-1:123456789012:key/secret-key-id")),
		}}
	param.Outputs = param.Inputs.Copy()
	m := mockengine.NewGraph("ecsite", "test", param)
	ex := mockengine.NewExports()
	ex.Record("dbUrl", pulumi.ToSecret(pulumi.String("postgresql://app:another-secret-value@db/shop")))
	s := &Stack{Name: "test", Mocks: m, Exports: ex}
	text, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2-very-secret", "secret-key-id", "another-secret-value"} {
		if strings.Contains(text, secret) {
			t.Errorf("report shows the secret %q", secret)
		}
	}
	if !strings.Contains(text, "[secret]") {
		t.Error("report does not mark secrets as [secret]")
	}
	checkNoSecrets(t, s, text)
}

// checkNoSecrets fails if a secret string value recorded anywhere in the stack appears in
// the report. A value the program also records or exports in the clear (the provider
// marks every SSM parameter value secret, including a database host that is also an
// output) is not a secret the report could leak.
func checkNoSecrets(t *testing.T, s *Stack, text string) {
	t.Helper()
	type found struct{ value, where string }
	var secrets []found
	clear := map[string]bool{}
	var walk func(v resource.PropertyValue, secret bool, where string)
	walk = func(v resource.PropertyValue, secret bool, where string) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element, true, where)
		case v.IsOutput():
			walk(v.OutputValue().Element, secret || v.OutputValue().Secret, where)
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e, secret, where)
			}
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e, secret, where)
			}
		case v.IsString() && secret:
			secrets = append(secrets, found{v.StringValue(), where})
		case v.IsString():
			clear[v.StringValue()] = true
		}
	}
	for _, r := range s.Mocks.Resources() {
		for k, v := range r.Inputs {
			walk(v, false, r.Name+"."+string(k))
		}
		for k, v := range r.Outputs {
			walk(v, false, r.Name+"."+string(k))
		}
	}
	for _, n := range s.Exports.Names() {
		e, _ := s.Exports.Get(n)
		str, ok := e.Value.(string)
		switch {
		case ok && e.Secret:
			secrets = append(secrets, found{str, "output " + n})
		case ok:
			clear[str] = true
		}
	}
	for _, f := range secrets {
		if len(f.value) >= 6 && !clear[f.value] && strings.Contains(text, f.value) {
			t.Errorf("report shows the secret value of %s", f.where)
		}
	}
}

// TestOptionalBastionPassesAndIsPriced turns on the optional bastion in both stacks: the
// variant must pass the policies (no public IP, no open ingress) and be fully priced.
func TestOptionalBastionPassesAndIsPriced(t *testing.T) {
	exc, err := policy.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.Run(stack, mockengine.Options{Config: map[string]string{"ecsite:bastion": `{"enabled":true}`}})
			m, err := r.Mocks, r.Err
			if err != nil {
				t.Fatalf("program with the bastion enabled: %v", err)
			}
			if len(m.ByType("aws:ec2/instance:Instance")) != 1 {
				t.Fatalf("want one bastion instance, got %d", len(m.ByType("aws:ec2/instance:Instance")))
			}
			for _, f := range policy.Evaluate(m, exc).Violations() {
				t.Errorf("%s", f)
			}
			est, err := cost.New(m, cost.Tokyo, cost.Idle())
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range append(est.Unpriced, est.Unclassified...) {
				t.Errorf("not priced: %s", u)
			}
			ec2 := 0.0
			for _, l := range est.Lines {
				if l.Service == "EC2" {
					ec2 += l.USD
				}
			}
			if ec2 <= 0 {
				t.Error("the bastion instance is not in the estimate")
			}
		})
	}
}

// TestSpotWhatIf: prod, on-demand only, is shown what Spot above an on-demand base would
// save (a positive amount, more in the busy month); dev already runs on Spot.
func TestSpotWhatIf(t *testing.T) {
	for stack, applies := range map[string]bool{"dev": false, "prod": true} {
		rev, err := Assess(committed(t, stack))
		if err != nil {
			t.Fatal(err)
		}
		if rev.SpotApplies != applies || applies && !(rev.SpotIdle > 0 && rev.SpotBusy > rev.SpotIdle) {
			t.Errorf("%s: what-if applies %v, saves %v idle and %v busy", stack, rev.SpotApplies, rev.SpotIdle, rev.SpotBusy)
		}
	}
}

// TestDatabaseAwakeMonth: dev's database auto-pauses, so its report also prices the idle
// month with the database awake while tasks run, which costs more (the Aurora capacity
// line only) and is shown with its target; prod's never pauses, so the month would be the
// idle month and is not shown.
func TestDatabaseAwakeMonth(t *testing.T) {
	for stack, shown := range map[string]bool{"dev": true, "prod": false} {
		t.Run(stack, func(t *testing.T) {
			rev, err := Assess(committed(t, stack))
			if err != nil {
				t.Fatal(err)
			}
			if (rev.Awake != nil) != shown {
				t.Fatalf("awake month shown %v; want %v", rev.Awake != nil, shown)
			}
			text, err := os.ReadFile(filepath.Join("..", "docs", "stacks", stack+".md"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(text), "database awake while tasks run") != shown {
				t.Errorf("the committed report mentions the awake month: %v; want %v", !shown, shown)
			}
			if !shown {
				return
			}
			if rev.Awake.Total() <= rev.Idle.Total() {
				t.Errorf("awake month %v not above the idle month %v", rev.Awake.Total(), rev.Idle.Total())
			}
			for i, l := range rev.Awake.Lines {
				idle := rev.Idle.Lines[i]
				changed := l.USD != idle.USD
				if changed != (l.Service == "Aurora" && strings.HasSuffix(l.Item, " capacity")) {
					t.Errorf("line %s: idle %v, awake %v; only the Aurora capacity may change", l.Key(), idle.USD, l.USD)
				}
			}
		})
	}
}
