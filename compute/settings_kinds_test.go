package compute_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// pinnedWorker is a worker of the generic defaults with an image and a health check
// command, the least a stack writes for one.
func pinnedWorker() compute.ServiceSettings {
	s := compute.DefaultServiceOfKind("mailer", compute.KindWorker)
	s.Name, s.Image.Tag = "mailer", "1.0.0"
	s.ContainerHealthCheck.Command = []string{"CMD-SHELL", "node healthcheck.js"}
	return s
}

// pinnedBackend is a backend of the generic defaults with a name, a port and an image.
func pinnedBackend() compute.ServiceSettings {
	s := compute.DefaultServiceOfKind("search", compute.KindBackend)
	s.Name, s.Port, s.Image.Tag = "search", 3002, "1.0.0"
	return s
}

func checkService(s compute.ServiceSettings, p *check.Problems) { s.Check(p, testMaxServiceName) }

func TestWorkerSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "services[2]", pinnedWorker, checkService, []programtest.SettingsCase{
		{"port", `{"port":3003}`, "services[2].port"},
		{"path pattern", `{"pathPattern":"/mail/*"}`, "services[2].pathPattern"},
		{"priority", `{"priority":7}`, "services[2].priority"},
		{"target group health check", `{"healthCheck":{"path":"/health"}}`, "services[2].healthCheck"},
		{"no container health check", `{"containerHealthCheck":{"command":[]}}`, "services[2].containerHealthCheck.command"},
		{"health check command without CMD", `{"containerHealthCheck":{"command":["node","hc.js"]}}`, "services[2].containerHealthCheck.command[0]"},
		{"CMD alone", `{"containerHealthCheck":{"command":["CMD"]}}`, "services[2].containerHealthCheck.command"},
		{"blank argument", `{"containerHealthCheck":{"command":["CMD","node"," "]}}`, "services[2].containerHealthCheck.command[2]"},
		{"interval below 5", `{"containerHealthCheck":{"intervalSeconds":4}}`, "services[2].containerHealthCheck.intervalSeconds"},
		{"timeout above 60", `{"containerHealthCheck":{"timeoutSeconds":61}}`, "services[2].containerHealthCheck.timeoutSeconds"},
		{"no retries", `{"containerHealthCheck":{"retries":0}}`, "services[2].containerHealthCheck.retries"},
		{"start period above 300", `{"containerHealthCheck":{"startPeriodSeconds":301}}`, "services[2].containerHealthCheck.startPeriodSeconds"},
		{"unknown kind", `{"kind":"cron"}`, "services[2].kind"},
	})
}

func TestBackendSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "services[3]", pinnedBackend, checkService, []programtest.SettingsCase{
		{"no port", `{"port":0}`, "services[3].port"},
		{"privileged port", `{"port":80}`, "services[3].port"},
		{"path pattern", `{"pathPattern":"/search/*"}`, "services[3].pathPattern"},
		{"the default path pattern", `{"pathPattern":"/*"}`, "services[3].pathPattern"},
		{"priority", `{"priority":7}`, "services[3].priority"},
		{"target group health check", `{"healthCheck":{"path":"/health"}}`, "services[3].healthCheck"},
		{"optional container health check out of range", `{"containerHealthCheck":{"command":["CMD","true"],"retries":11}}`, "services[3].containerHealthCheck.retries"},
	})
}

// TestDefaultServiceOfKind: web and api stay web with every default; a backend or a
// worker drops what its kind does not have, whatever its name.
func TestDefaultServiceOfKind(t *testing.T) {
	for _, name := range []string{"web", "api"} {
		if got := compute.DefaultServiceOfKind(name, ""); got.Kind != compute.KindWeb || got.Port == 0 || got.HealthCheck.Path == "" {
			t.Errorf("%s: %+v; want the web defaults", name, got)
		}
	}
	for _, kind := range []string{compute.KindBackend, compute.KindWorker} {
		s := compute.DefaultServiceOfKind("api", kind)
		if s.Kind != kind || s.PathPattern != "" || s.Priority != 0 || s.HealthCheck != (compute.HealthCheck{}) {
			t.Errorf("%s: keeps web settings: %+v", kind, s)
		}
		if (s.Port == 0) != (kind == compute.KindWorker) {
			t.Errorf("%s: port %d", kind, s.Port)
		}
	}
}

// TestServiceRefusesArgsItsKindCannotHave: the component itself refuses what config
// already keeps out (a called worker, a web service without its target group, an
// unknown kind), before it registers anything.
func TestServiceRefusesArgsItsKindCannotHave(t *testing.T) {
	web := compute.DefaultServiceNamed("api")
	web.Image.Tag, web.Secrets = "1.0.0", nil
	unknown := pinnedBackend()
	unknown.Kind = "cron"
	for name, c := range map[string]struct {
		settings compute.ServiceSettings
		called   bool
		want     string
	}{
		"called worker":            {pinnedWorker(), true, "no port"},
		"web without target group": {web, false, "target group"},
		"unknown kind":             {unknown, false, `kind "cron"`},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := mockengine.Run(func(ctx *pulumi.Context) error {
				_, err := compute.NewService(ctx, "ecsite-prod-"+c.settings.Name, &compute.ServiceArgs{
					Settings: c.settings, SiteURL: pulumi.String("https://www.example.com"), NamespaceArn: pulumi.String("arn:aws:servicediscovery:ap-northeast-1:123456789012:namespace/ns-1"),
					Called: c.called, CalleePorts: map[string]int{"api": 3001},
				})
				return err
			}, "prod", mockengine.Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v; want an error about %s", err, c.want)
			}
			if m != nil && m.Count() != 0 {
				t.Errorf("registered %d resources", m.Count())
			}
		})
	}
}
