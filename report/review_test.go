package report_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/policy"
	"github.com/ecsite/infra/report"
)

// render runs prod with the services patched by edit and returns its report.
func renderWithServices(t *testing.T, edit func(services []map[string]any)) string {
	t.Helper()
	var change func([]map[string]any) []map[string]any
	if edit != nil {
		change = func(s []map[string]any) []map[string]any { edit(s); return s }
	}
	text, err := report.Render(runWithServices(t, change))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// runWithServices runs prod with its services list replaced by what edit returns for it
// (nil: the committed list).
func runWithServices(t *testing.T, edit func(services []map[string]any) []map[string]any) *report.Stack {
	t.Helper()
	path, err := mockengine.StackFile("prod")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := mockengine.StackFileConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	var services []map[string]any
	if err := json.Unmarshal([]byte(cfg["ecsite:services"]), &services); err != nil {
		t.Fatal(err)
	}
	opts := mockengine.Options{}
	if edit != nil {
		b, err := json.Marshal(edit(services))
		if err != nil {
			t.Fatal(err)
		}
		opts.Config = map[string]string{"ecsite:services": string(b)}
	}
	s, err := report.RunWith("prod", opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func service(services []map[string]any, name string) map[string]any {
	for _, s := range services {
		if s["name"] == name {
			return s
		}
	}
	return nil
}

// TestReportShowsWhatPullRequestsChange: an image release, a new plain variable and the
// removal of the api's reader access (database: writer) each change the report, in the line of the
// container they change.
func TestReportShowsWhatPullRequestsChange(t *testing.T) {
	base := renderWithServices(t, nil)
	cases := map[string]struct {
		edit   func([]map[string]any)
		want   string // text of the changed line
		absent string // text the changed line no longer holds
	}{
		"image tag bump": {func(s []map[string]any) {
			service(s, "web")["image"] = map[string]any{"tag": "0.2.0"}
		}, "ecsite-prod-web:0.2.0", "ecsite-prod-web:0.1.0"},
		"new environment variable": {func(s []map[string]any) {
			service(s, "api")["environment"] = map[string]any{"FEATURE_FLAGS": "checkout-v2"}
		}, "FEATURE_FLAGS=checkout-v2", ""},
		// Not none: the migration task runs with the api's access and needs the writer.
		"api without its reader access": {func(s []map[string]any) {
			service(s, "api")["database"] = "writer"
		}, "| ecsite-prod-api-task | web, ", "DATABASE_READER_URL"},
		"task size": {func(s []map[string]any) {
			service(s, "api")["cpu"] = 1024
			service(s, "api")["memory"] = 2048
		}, "web, 1024 CPU / 2048 MiB", "512 CPU"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := renderWithServices(t, c.edit)
			if got == base {
				t.Fatal("the report did not change")
			}
			line := ""
			for _, l := range strings.Split(got, "\n") {
				if strings.Contains(l, c.want) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no report line holds %q", c.want)
			}
			if strings.Contains(base, line) {
				t.Errorf("the line %q is the same in the base report", line)
			}
			if c.absent != "" && strings.Contains(line, c.absent) {
				t.Errorf("the line %q still shows %s", line, c.absent)
			}
		})
	}
}

// TestPriceTableIsCurrent: the one shared price table is what the code prices with, and
// the stack reports link to it instead of repeating it.
func TestPriceTableIsCurrent(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, report.PricesPath))
	if err != nil || string(got) != report.Prices() {
		t.Errorf("%s is stale (err %v); regenerate with go run ./cmd/report", report.PricesPath, err)
	}
	for _, stack := range []string{"dev", "prod"} {
		text, err := os.ReadFile(filepath.Join(root, report.Path(stack)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(text), "| key | USD | unit |") || !strings.Contains(string(text), "(../prices.md)") {
			t.Errorf("the %s report repeats the price table or does not link docs/prices.md", stack)
		}
	}
}

// TestWorstCaseFollowsTheRanges: raising database.maxCapacity moves the worst-case month
// and neither the idle nor the busy month.
func TestWorstCaseFollowsTheRanges(t *testing.T) {
	assess := func(opts mockengine.Options) *report.Review {
		s, err := report.RunWith("prod", opts)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := report.Assess(s)
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}
	base := assess(mockengine.Options{})
	raised := assess(programtest.Patched(t, "prod", "database", map[string]string{"maxCapacity": "32"}))
	if raised.Worst.Total() <= base.Worst.Total() {
		t.Errorf("worst case %v with maxCapacity 32; want more than %v", raised.Worst.Total(), base.Worst.Total())
	}
	if raised.Idle.Total() != base.Idle.Total() || raised.Busy.Total() != base.Busy.Total() {
		t.Errorf("idle or busy month moved with maxCapacity: %v/%v vs %v/%v", raised.Idle.Total(), raised.Busy.Total(), base.Idle.Total(), base.Busy.Total())
	}
	if base.Worst.Total() <= base.Busy.Total() {
		t.Errorf("worst case %v is not above the busy month %v", base.Worst.Total(), base.Busy.Total())
	}
}

// TestRuleTableIsCurrent: docs/review.md lists exactly the rules of the suite.
func TestRuleTableIsCurrent(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, policy.RuleTableDoc))
	if err != nil {
		t.Fatal(err)
	}
	want, err := policy.ReplaceRuleTable(string(doc), policy.RuleTable(policy.Rules()))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(doc) {
		t.Errorf("%s lists other rules than the suite; regenerate with go run ./cmd/report", policy.RuleTableDoc)
	}
}

// TestReportShowsJobs: a job added by config shows in the task table with its schedule,
// its roles in the IAM table, its runs in the cost estimate, and its scheduler role passes
// the policy suite's PassRole check.
func TestReportShowsJobs(t *testing.T) {
	s, err := report.RunWith("prod", mockengine.Options{Config: map[string]string{
		"ecsite:jobs": `[{"name":"nightly","service":"api","command":["node","nightly.js"],"schedule":"cron(0 3 * * ? *)","database":"writer"}]`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	text, err := report.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| ecsite-prod-job-nightly | job cron(0 3 * * ? *) Asia/Tokyo, 256 CPU / 512 MiB, X86_64 | nightly |",
		"| ecsite-prod-job-nightly-scheduler | RunTheJobsTask |",
		"| ecsite-prod-migrate | task, 512 CPU / 1024 MiB",
		// Its cost, and its scheduler role checked by the policy suite.
		"| Fargate | ecsite-prod-job-nightly runs |",
		"| IAM-PASSROLE-SCOPE | critical | pass | 1 |",
		// No other rule fails on the job either (TLS variables, logs, read-only root...).
		", 0 FAIL,",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
