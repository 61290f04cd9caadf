package deploypolicy

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
)

// request is one AWS request as IAM evaluates it: the action, the resource ARN and the
// condition context.
type request struct {
	action, resource string
	context          map[string]string
}

// glob compiles an IAM pattern (* any run of characters, ? one) into a regexp.
func glob(pattern string) *regexp.Regexp {
	q := regexp.QuoteMeta(pattern)
	q = strings.NewReplacer(`\*`, `.*`, `\?`, `.`).Replace(q)
	return regexp.MustCompile("^" + q + "$")
}

// values reads a condition value, one string or a list, as the JSON file holds it.
func values(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// allowed reports whether an Allow statement of docs (read back from their JSON, as IAM
// gets them) matches the request: its action, a resource pattern, and every condition
// (StringEquals, ArnLike, ArnEquals), a missing context key failing its condition.
func allowed(t *testing.T, docs []iamdoc.Document, r request) bool {
	t.Helper()
	text, err := JSON(docs)
	if err != nil {
		t.Fatal(err)
	}
	var parsed []struct {
		Statement []struct {
			Effect    string
			Action    []string
			Resource  []string
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(text), &parsed); err != nil {
		t.Fatal(err)
	}
	for _, d := range parsed {
	statements:
		for _, st := range d.Statement {
			if st.Effect != "Allow" || !slices.Contains(st.Action, r.action) {
				continue
			}
			matched := false
			for _, p := range st.Resource {
				matched = matched || glob(p).MatchString(r.resource)
			}
			if !matched {
				continue
			}
			for op, keys := range st.Condition {
				for key, v := range keys {
					got, ok := r.context[key]
					if !ok {
						continue statements
					}
					match := false
					for _, want := range values(v) {
						switch op {
						case "StringEquals", "ArnEquals":
							match = match || got == want
						case "ArnLike":
							match = match || glob(want).MatchString(got)
						default:
							t.Fatalf("the test does not evaluate condition operator %s", op)
						}
					}
					if !match {
						continue statements
					}
				}
			}
			return true
		}
	}
	return false
}

// devGraph is a recorded dev stack with the api's task definition and, when migration is
// set, the migration task definition.
func devGraph(migration bool) *mockengine.Mocks {
	rs := []*mockengine.Resource{
		{Type: "pulumi:providers:aws", Name: "aws", Custom: true, Inputs: resource.NewPropertyMapFromMap(map[string]any{
			"region": "ap-northeast-1", "defaultTags": map[string]any{"tags": map[string]any{"environment": "dev"}},
		})},
		{Type: "aws:ecs/taskDefinition:TaskDefinition", Name: "ecsite-dev-api-task", Custom: true},
	}
	if migration {
		rs = append(rs, &mockengine.Resource{Type: "aws:ecs/taskDefinition:TaskDefinition", Name: "ecsite-dev" + MigrationTaskSuffix, Custom: true})
	}
	return mockengine.NewGraph("ecsite", "dev", rs...)
}

// TestMigrationRunIsAllowedAndNoMore: a stack with the migration task definition lets its
// deploy role do what .github/scripts/run-migration.sh does (run a task of that family in
// the stack's cluster, pass its roles to ECS tasks, describe the task, read its log
// stream), and nothing beyond it: no other family, no other cluster, no other log group;
// a stack without the migration gets none of it.
func TestMigrationRunIsAllowedAndNoMore(t *testing.T) {
	const acct = Placeholder
	region := map[string]string{"aws:RequestedRegion": "ap-northeast-1"}
	with := func(kv ...string) map[string]string {
		c := map[string]string{"aws:RequestedRegion": "ap-northeast-1"}
		for i := 0; i+1 < len(kv); i += 2 {
			c[kv[i]] = kv[i+1]
		}
		return c
	}
	cluster := "arn:aws:ecs:ap-northeast-1:" + acct + ":cluster/ecsite-dev-cluster-7a3cefa"
	script := []request{
		{"ecs:RunTask", "arn:aws:ecs:ap-northeast-1:" + acct + ":task-definition/ecsite-dev-migrate:7", with("ecs:cluster", cluster)},
		{"iam:PassRole", "arn:aws:iam::" + acct + ":role/ecsite-dev-migrate-execution", map[string]string{"iam:PassedToService": "ecs-tasks.amazonaws.com", "aws:RequestedRegion": "us-east-1"}},
		{"ecs:DescribeTasks", "arn:aws:ecs:ap-northeast-1:" + acct + ":task/ecsite-dev-cluster-7a3cefa/0f1e2d3c4b5a6978", with("ecs:cluster", cluster)},
		{"logs:GetLogEvents", "arn:aws:logs:ap-northeast-1:" + acct + ":log-group:/ecs/ecsite-dev-migrate:log-stream:migrate/migrate/0f1e2d3c4b5a6978", region},
	}
	beyond := []request{
		{"ecs:RunTask", "arn:aws:ecs:ap-northeast-1:" + acct + ":task-definition/ecsite-dev-api-task:3", with("ecs:cluster", cluster)},
		{"ecs:RunTask", "arn:aws:ecs:ap-northeast-1:" + acct + ":task-definition/ecsite-dev-migrate:7", with("ecs:cluster", "arn:aws:ecs:ap-northeast-1:"+acct+":cluster/default")},
		{"ecs:RunTask", "arn:aws:ecs:ap-northeast-1:" + acct + ":task-definition/ecsite-prod-migrate:7", with("ecs:cluster", "arn:aws:ecs:ap-northeast-1:"+acct+":cluster/ecsite-prod-cluster-1")},
		{"ecs:RunTask", "arn:aws:ecs:us-west-2:" + acct + ":task-definition/ecsite-dev-migrate:7", map[string]string{"aws:RequestedRegion": "us-west-2", "ecs:cluster": cluster}},
		{"ecs:DescribeTasks", "arn:aws:ecs:ap-northeast-1:" + acct + ":task/other-cluster/0f1e2d3c4b5a6978", with("ecs:cluster", "arn:aws:ecs:ap-northeast-1:"+acct+":cluster/other-cluster")},
		{"logs:GetLogEvents", "arn:aws:logs:ap-northeast-1:" + acct + ":log-group:/ecs/ecsite-dev-api:log-stream:api/api/0f1e", region},
		{"iam:PassRole", "arn:aws:iam::" + acct + ":role/ecsite-dev-migrate-execution", map[string]string{"iam:PassedToService": "lambda.amazonaws.com", "aws:RequestedRegion": "us-east-1"}},
	}

	docs, err := ForRun(devGraph(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range script {
		if !allowed(t, docs, r) {
			t.Errorf("the deploy policy does not allow %s on %s %v", r.action, r.resource, r.context)
		}
	}
	for _, r := range beyond {
		if allowed(t, docs, r) {
			t.Errorf("the deploy policy allows %s on %s %v, beyond what the migration needs", r.action, r.resource, r.context)
		}
	}

	without, err := ForRun(devGraph(false))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range script[:1] {
		if allowed(t, without, r) {
			t.Errorf("a stack without the migration task definition allows %s on %s", r.action, r.resource)
		}
	}
	for _, action := range []string{"ecs:RunTask", "logs:GetLogEvents", "ecs:DescribeTasks"} {
		for _, d := range without {
			for _, st := range d.Statement {
				if slices.Contains(st.Action, action) {
					t.Errorf("a stack without the migration task definition has %s in %s", action, st.Sid)
				}
			}
		}
	}
}

// TestUncoveredNamesAnUnknownRun: a workflow run the table lacks cannot be turned into a
// policy.
func TestUncoveredNamesAnUnknownRun(t *testing.T) {
	u := Usage{Types: map[string]map[string]bool{}, Functions: map[string]map[string]bool{}, Runs: map[string]map[string]bool{"backfill": {"ap-northeast-1": true}}}
	if got := Uncovered(u); len(got) != 1 || got[0] != "workflow run backfill" {
		t.Errorf("Uncovered = %v; want [workflow run backfill]", got)
	}
	if _, err := Statements(u, Stack{Account: "1", Project: "p", Environment: "e", Prefix: "p-e"}); err == nil {
		t.Error("Statements accepted a workflow run it has no actions for")
	}
}
