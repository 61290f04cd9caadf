package report_test

import (
	"strings"
	"testing"

	"github.com/ecsite/infra/cost"
	"github.com/ecsite/infra/report"
)

// withKinds runs prod with a worker (mailer, 1024 CPU units and 2048 MiB, 1 to 3 tasks)
// and a backend that api calls (search) added to its services, as a stack file adds them.
func withKinds(t *testing.T) *report.Stack {
	t.Helper()
	return runWithServices(t, func(services []map[string]any) []map[string]any {
		service(services, "api")["calls"] = []string{"search"}
		return append(services,
			map[string]any{"name": "mailer", "kind": "worker", "image": map[string]any{"tag": "1.0.0"},
				"cpu": 1024, "memory": 2048, "desiredCount": 1, "minCount": 1, "maxCount": 3,
				"containerHealthCheck": map[string]any{"command": []string{"CMD-SHELL", "node healthcheck.js"}}},
			map[string]any{"name": "search", "kind": "backend", "port": 3002, "image": map[string]any{"tag": "1.0.0"}},
		)
	})
}

// TestReportShowsEachServiceKind: the containers section names each task's kind (web,
// backend, worker) and the worker's health check command.
func TestReportShowsEachServiceKind(t *testing.T) {
	text, err := report.Render(withKinds(t))
	if err != nil {
		t.Fatal(err)
	}
	for task, want := range map[string][]string{
		"ecsite-prod-web-task":    {"| web, 512 CPU / 1024 MiB"},
		"ecsite-prod-api-task":    {"| web, 512 CPU / 1024 MiB"},
		"ecsite-prod-search-task": {"| backend, 512 CPU / 1024 MiB"},
		"ecsite-prod-mailer-task": {"| worker, 1024 CPU / 2048 MiB", "`CMD-SHELL node healthcheck.js`"},
	} {
		line := ""
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "| "+task+" |") && strings.Contains(l, " CPU / ") {
				line = l
			}
		}
		if line == "" {
			t.Errorf("the containers section has no line for %s", task)
			continue
		}
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q does not show %q", task, line, w)
			}
		}
	}
}

// TestWorkerIsPriced: a worker's tasks are a Fargate line of the estimate, priced like
// every service's tasks, and the total grows by the worker and the backend.
func TestWorkerIsPriced(t *testing.T) {
	base, err := report.Run("prod")
	if err != nil {
		t.Fatal(err)
	}
	before, err := cost.New(base.Mocks, cost.Tokyo, cost.Idle())
	if err != nil {
		t.Fatal(err)
	}
	after, err := cost.New(withKinds(t).Mocks, cost.Tokyo, cost.Idle())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range append(after.Unpriced, after.Unclassified...) {
		t.Errorf("not priced: %s", u)
	}
	fargate := map[string]float64{}
	for _, l := range after.Lines {
		if l.Service == "Fargate" {
			fargate[l.Item] = l.USD
		}
	}
	var mailer, search float64
	for item, usd := range fargate {
		switch {
		case strings.HasPrefix(item, "ecsite-prod-mailer"):
			mailer = usd
		case strings.HasPrefix(item, "ecsite-prod-search"):
			search = usd
		}
	}
	if mailer <= 0 || search <= 0 {
		t.Fatalf("Fargate lines %v: want one for the worker mailer and one for the backend search", fargate)
	}
	if d := after.Total() - before.Total(); d < mailer+search-0.01 {
		t.Errorf("the total grew by %.2f; want at least the worker's %.2f and the backend's %.2f", d, mailer, search)
	}
}
