package deployscripts

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const script = "../../.github/scripts/run-migration.sh"

// fakePulumi answers `pulumi stack export` from state.json, or from state-after.json once
// `pulumi up` has run, and `pulumi up` with the status in up-status (0 when absent); when
// up-fail-once exists, the first `pulumi up` fails with its text.
const fakePulumi = `#!/usr/bin/env bash
echo "pulumi $*" >> "$FAKE_DIR/calls"
case "$1" in
  stack)
    if [ -e "$FAKE_DIR/updated" ] && [ -e "$FAKE_DIR/state-after.json" ]; then
      cat "$FAKE_DIR/state-after.json"
    else
      cat "$FAKE_DIR/state.json"
    fi ;;
  up)
    if [ -e "$FAKE_DIR/up-fail-once" ]; then
      cat "$FAKE_DIR/up-fail-once" >&2
      rm "$FAKE_DIR/up-fail-once"
      exit 255
    fi
    touch "$FAKE_DIR/updated"
    echo "fake pulumi: updating"
    exit "$(cat "$FAKE_DIR/up-status" 2>/dev/null || echo 0)" ;;
  *) echo "fake pulumi: unexpected $*" >&2; exit 99 ;;
esac
`

// fakeAws answers run-task and describe-tasks from files; `ecs wait tasks-stopped` fails
// (exit 255, as the CLI does after its 100 checks) while wait-fails counts down, or always
// when it holds "always"; get-log-events returns logs.json, then an empty page, or fails
// as for a missing stream when there is no logs.json.
const fakeAws = `#!/usr/bin/env bash
echo "aws $*" >> "$FAKE_DIR/calls"
case "$1 $2" in
  "ecs run-task") cat "$FAKE_DIR/run-task.json" ;;
  "ecs wait")
    n=$(cat "$FAKE_DIR/wait-fails" 2>/dev/null || echo 0)
    if [ "$n" = always ]; then echo "Waiter TasksStopped failed: Max attempts exceeded" >&2; exit 255; fi
    if [ "$n" -gt 0 ]; then
      echo $((n - 1)) > "$FAKE_DIR/wait-fails"
      echo "Waiter TasksStopped failed: Max attempts exceeded" >&2
      exit 255
    fi ;;
  "ecs describe-tasks") cat "$FAKE_DIR/describe-tasks.json" ;;
  "logs get-log-events")
    if [ ! -e "$FAKE_DIR/logs.json" ]; then
      echo "An error occurred (ResourceNotFoundException) when calling the GetLogEvents operation: The specified log stream does not exist." >&2
      exit 254
    fi
    case " $* " in
      *" --next-token "*) echo '{"events": [], "nextForwardToken": "f/2", "nextBackwardToken": "b/2"}' ;;
      *) cat "$FAKE_DIR/logs.json" ;;
    esac ;;
  *) echo "fake aws: unexpected $*" >&2; exit 99 ;;
esac
`

const (
	urn      = "urn:pulumi:dev::ecsite::ecsite:compute:Compute$aws:ecs/taskDefinition:TaskDefinition::ecsite-dev-migrate"
	oldArn   = "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/ecsite-dev-migrate:6"
	newArn   = "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/ecsite-dev-migrate:7"
	taskArn  = "arn:aws:ecs:ap-northeast-1:123456789012:task/ecsite-dev-cluster-7a3cefa/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	stream   = "migrate/migrate/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	logGroup = "/ecs/ecsite-dev-migrate"
	// Resources a release adds: a parameter the migration needs, and a service.
	newParameter = "urn:pulumi:dev::ecsite::ecsite:database:Secrets$aws:ssm/parameter:Parameter::ecsite-dev-STRIPE_SECRET_KEY"
	newService   = "urn:pulumi:dev::ecsite::ecsite:compute:Compute$ecsite:compute:Service$aws:ecs/service:Service::ecsite-dev-worker"
)

// migrationOutput is the stack output `migration` as the program exports it; its ARN is
// the revision of the last full update.
func migrationOutput() map[string]any {
	return map[string]any{
		"cluster":              "ecsite-dev-cluster-7a3cefa",
		"taskDefinitionFamily": "ecsite-dev-migrate",
		"taskDefinitionArn":    oldArn,
		"containerName":        "migrate",
		"subnets":              []string{"subnet-0a", "subnet-0b"},
		"securityGroups":       []string{"sg-0api"},
		"logGroup":             logGroup,
		"logStreamPrefix":      "migrate",
		"resourceType":         "aws:ecs/taskDefinition:TaskDefinition",
		"resourceName":         "ecsite-dev-migrate",
	}
}

// state is a `pulumi stack export` document: the root stack with outputs, and the
// migration task definition with arn when arn is not empty.
func state(t *testing.T, outputs map[string]any, arn string) string {
	t.Helper()
	resources := []any{map[string]any{
		"urn": "urn:pulumi:dev::ecsite::pulumi:pulumi:Stack::ecsite-dev", "type": "pulumi:pulumi:Stack", "custom": false,
		"outputs": outputs,
	}}
	if arn != "" {
		resources = append(resources,
			// The old revision of a replacement, pending deletion, is not the one to run.
			map[string]any{"urn": urn, "type": "aws:ecs/taskDefinition:TaskDefinition", "custom": true, "delete": true,
				"outputs": map[string]any{"arn": "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/ecsite-dev-migrate:1"}},
			map[string]any{"urn": urn, "type": "aws:ecs/taskDefinition:TaskDefinition", "custom": true, "id": "ecsite-dev-migrate",
				"outputs": map[string]any{"arn": arn, "revision": 7}})
	}
	b, err := json.Marshal(map[string]any{"version": 3, "deployment": map[string]any{"resources": resources}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func describeTasks(status string, exitCode any, stoppedReason string) string {
	container := map[string]any{"name": "migrate", "lastStatus": status}
	if exitCode != nil {
		container["exitCode"] = exitCode
	}
	task := map[string]any{"taskArn": taskArn, "lastStatus": status, "containers": []any{container}}
	if stoppedReason != "" {
		task["stoppedReason"] = stoppedReason
	}
	b, _ := json.Marshal(map[string]any{"tasks": []any{task}, "failures": []any{}})
	return string(b)
}

const (
	started = `{"tasks": [{"taskArn": "` + taskArn + `", "lastStatus": "PROVISIONING"}], "failures": []}`
	logs    = `{"events": [{"timestamp": 1, "message": "Applying migration 20261201_add_orders"}, {"timestamp": 2, "message": "All migrations have been successfully applied."}], "nextForwardToken": "f/1", "nextBackwardToken": "b/1"}`
)

type run struct {
	code   int
	output string
	calls  []string
	dir    string
}

// runScript runs the script with args, the fakes answering from files, and env added to a
// clean environment.
func runScript(t *testing.T, files map[string]string, env []string, args ...string) run {
	t.Helper()
	for _, tool := range []string{"bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: the deploy scripts need it (apt-get install %s)", tool, tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"pulumi": fakePulumi, "aws": fakeAws} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "FAKE_DIR=" + dir, "HOME=" + dir}
	for _, e := range env {
		// "@dir" stands for the test's directory, unknown when the cases are written.
		cmd.Env = append(cmd.Env, strings.ReplaceAll(e, "@dir", dir))
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %s: %v", script, err)
		}
		code = exitErr.ExitCode()
	}
	calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
	return run{code: code, output: string(out), calls: strings.Split(strings.TrimSpace(string(calls)), "\n"), dir: dir}
}

// called returns the index of the first recorded call containing every part, or -1.
func (r run) called(parts ...string) int {
	for i, c := range r.calls {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(c, p)
		}
		if all {
			return i
		}
	}
	return -1
}

func TestRunMigration(t *testing.T) {
	full := map[string]any{"migration": migrationOutput(), "servicesAwaitingImages": []any{}}
	before := state(t, full, oldArn)
	after := state(t, full, newArn) // the targeted update leaves the output on the old revision
	ok := map[string]string{"state.json": before, "state-after.json": after, "run-task.json": started,
		"describe-tasks.json": describeTasks("STOPPED", 0, "Essential container in task exited"), "logs.json": logs}
	with := func(over map[string]string) map[string]string {
		files := map[string]string{}
		for k, v := range ok {
			files[k] = v
		}
		for k, v := range over {
			if v == "" {
				delete(files, k)
			} else {
				files[k] = v
			}
		}
		return files
	}

	cases := []struct {
		name  string
		files map[string]string
		env   []string
		args  []string
		code  int
		// say are texts the output must hold; never are calls that must not happen.
		say   []string
		never [][]string
		check func(t *testing.T, r run)
	}{
		{
			name: "success: only the task definition is updated, its new revision runs", files: ok, args: []string{"dev"}, code: 0,
			say: []string{"Applying migration 20261201_add_orders", "exited with code 0"},
			check: func(t *testing.T, r run) {
				up := r.called("pulumi up --stack dev --target "+urn, "--yes")
				runTask := r.called("aws ecs run-task", "--task-definition "+newArn)
				if up < 0 || runTask < 0 || up > runTask {
					t.Errorf("want the targeted update, then run-task of the revision it registered (%s); calls:\n%s", newArn, strings.Join(r.calls, "\n"))
				}
				if r.called("pulumi up", "--target-dependents") >= 0 || strings.Count(strings.Join(r.calls, "\n"), "pulumi up") != 1 {
					t.Errorf("want exactly one update, targeted at the task definition only; calls:\n%s", strings.Join(r.calls, "\n"))
				}
				for _, part := range []string{"--launch-type FARGATE", "--count 1", "--started-by run-migration", "--cluster ecsite-dev-cluster-7a3cefa",
					"--region ap-northeast-1", `"subnets":["subnet-0a","subnet-0b"]`, `"securityGroups":["sg-0api"]`, `"assignPublicIp":"DISABLED"`} {
					if r.called("aws ecs run-task", part) < 0 {
						t.Errorf("run-task lacks %s; calls:\n%s", part, strings.Join(r.calls, "\n"))
					}
				}
				if r.called("aws logs get-log-events", "--log-group-name "+logGroup, "--log-stream-name "+stream, "--start-from-head") < 0 {
					t.Errorf("the logs are not read from %s %s; calls:\n%s", logGroup, stream, strings.Join(r.calls, "\n"))
				}
			},
		},
		{
			name: "a non-zero exit code fails, with the logs", files: with(map[string]string{"describe-tasks.json": describeTasks("STOPPED", 1, "Essential container in task exited")}),
			args: []string{"dev"}, code: 1, say: []string{"Applying migration 20261201_add_orders", "exited with code 1", "services were not changed"},
		},
		{
			name: "a task that never started fails", files: with(map[string]string{"run-task.json": `{"tasks": [], "failures": [{"arn": "arn:aws:ecs:ap-northeast-1:123456789012:cluster/ecsite-dev-cluster-7a3cefa", "reason": "RESOURCE:ENI", "detail": "no free addresses"}]}`}),
			args: []string{"dev"}, code: 1, say: []string{"did not start", "RESOURCE:ENI"},
			never: [][]string{{"aws ecs wait"}},
		},
		{
			name:  "a container that never ran (no exit code) fails with the stopped reason",
			files: with(map[string]string{"describe-tasks.json": describeTasks("STOPPED", nil, "CannotPullContainerError: pull image manifest has been retried 1 time(s)"), "logs.json": ""}),
			args:  []string{"dev"}, code: 1, say: []string{"never ran (no exit code)", "CannotPullContainerError", "no logs"},
		},
		{
			name: "a task still running after the wait rounds fails", files: with(map[string]string{"wait-fails": "always", "describe-tasks.json": describeTasks("RUNNING", nil, "")}),
			env: []string{"MIGRATION_WAIT_ROUNDS=2"}, args: []string{"dev"}, code: 1, say: []string{"has not stopped after 20 minutes", "RUNNING after 10 minutes"},
			check: func(t *testing.T, r run) {
				if n := strings.Count(strings.Join(r.calls, "\n"), "aws ecs wait tasks-stopped"); n != 2 {
					t.Errorf("%d waits; want 2 rounds", n)
				}
			},
		},
		{
			name: "a wait that times out once is waited again", files: with(map[string]string{"wait-fails": "1", "describe-tasks.json": describeTasks("STOPPED", 0, "")}),
			args: []string{"dev"}, code: 0, say: []string{"exited with code 0"},
		},
		{
			name: "a resource the release creates joins the targeted update; a new service never does",
			files: with(map[string]string{"up-fail-once": "error: Resource '" + urn + "' depends on '" + newParameter + "' which was not specified in --target list.\n" +
				"error: Resource '" + newService + "' was not specified in --target list.\n"}),
			args: []string{"dev"}, code: 0, say: []string{"needs resources this release creates", "exited with code 0"},
			never: [][]string{{"pulumi up", "--target " + newService}},
			check: func(t *testing.T, r run) {
				first, second := r.called("pulumi up", "--target "+urn), r.called("pulumi up", "--target "+urn, "--target "+newParameter)
				if first < 0 || second <= first {
					t.Errorf("want the targeted update, then one with the new parameter too; calls:\n%s", strings.Join(r.calls, "\n"))
				}
			},
		},
		{
			name: "a failed targeted update stops before any task runs", files: with(map[string]string{"up-status": "255"}),
			args: []string{"dev"}, code: 1, say: []string{"targeted update of the migration task definition failed"},
			never: [][]string{{"aws ecs run-task"}},
		},
		{
			name: "first deploy: no state yet, the migration is deferred", files: map[string]string{"state.json": `{"version": 3, "deployment": {"manifest": {}, "resources": null}}`},
			env: []string{"GITHUB_OUTPUT=@dir/OUT"}, args: []string{"dev"}, code: 0, say: []string{"holds no migration task yet", "--after-update dev"},
			never: [][]string{{"pulumi up"}, {"aws "}},
			check: func(t *testing.T, r run) {
				b, err := os.ReadFile(filepath.Join(r.dir, "OUT"))
				if err != nil || strings.TrimSpace(string(b)) != "deferred=true" {
					t.Errorf("GITHUB_OUTPUT holds %q (err %v); want deferred=true", b, err)
				}
			},
		},
		{
			name:  "migration turned off by this release: the targeted update removes it, nothing runs",
			files: with(map[string]string{"state-after.json": state(t, full, "")}),
			args:  []string{"dev"}, code: 0, say: []string{"there is no migration to run"},
			never: [][]string{{"aws "}},
		},
		{
			name: "migration off: after the update there is nothing to run", files: map[string]string{"state.json": state(t, map[string]any{"servicesAwaitingImages": []any{}}, "")},
			args: []string{"--after-update", "dev"}, code: 0, say: []string{"migration.command is empty"},
			never: [][]string{{"pulumi up"}, {"aws "}},
		},
		{
			name: "after the update the deployed revision runs, without a targeted update", files: with(map[string]string{"state.json": after}),
			args: []string{"--after-update", "dev"}, code: 0, say: []string{"exited with code 0"},
			never: [][]string{{"pulumi up"}},
			check: func(t *testing.T, r run) {
				if r.called("aws ecs run-task", "--task-definition "+newArn) < 0 {
					t.Errorf("run-task of %s not called; calls:\n%s", newArn, strings.Join(r.calls, "\n"))
				}
			},
		},
		{
			name:  "after the first update a service without its image skips the migration",
			files: map[string]string{"state.json": state(t, map[string]any{"migration": migrationOutput(), "servicesAwaitingImages": []any{"web", "api"}}, newArn)},
			args:  []string{"--after-update", "dev"}, code: 0, say: []string{"web, api have no image yet"},
			never: [][]string{{"aws "}},
		},
		{
			name: "a stack output naming a task definition the state lacks is refused", files: map[string]string{"state.json": state(t, full, "")},
			args: []string{"dev"}, code: 2, say: []string{"not in the stack's state"},
			never: [][]string{{"pulumi up"}, {"aws "}},
		},
		{
			name: "no stack argument is a usage error", files: ok, code: 2, say: []string{"usage:"},
			never: [][]string{{"pulumi "}, {"aws "}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // each run has its own directory and fakes
			r := runScript(t, c.files, c.env, c.args...)
			if r.code != c.code {
				t.Errorf("exit status %d; want %d\n%s", r.code, c.code, r.output)
			}
			for _, s := range c.say {
				if !strings.Contains(r.output, s) {
					t.Errorf("the output lacks %q:\n%s", s, r.output)
				}
			}
			for _, parts := range c.never {
				if i := r.called(parts...); i >= 0 {
					t.Errorf("unexpected call %q", r.calls[i])
				}
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}
