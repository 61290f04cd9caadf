package compute_test

import (
	"testing"

	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// TestDevCanBeDestroyed: dev's repositories and access-log bucket may be deleted with
// their images and logs in them, prod's refuse (a destroy of prod stops at them).
func TestDevCanBeDestroyed(t *testing.T) {
	for stack, want := range map[string]bool{"dev": true, "prod": false} {
		// dev keeps no access logs; turn them on to see the bucket's setting.
		r := programtest.MustRun(t, stack, programtest.Patched(t, stack, "loadBalancer", map[string]string{"accessLogs": "true"}))
		repos := r.ByType(programtest.TypeRepository)
		if len(repos) == 0 {
			t.Fatalf("%s: no repositories", stack)
		}
		for _, repo := range repos {
			if repo.In("forceDelete").Bool() != want {
				t.Errorf("%s: repository %s forceDelete %v; want %v", stack, repo.Name, repo.In("forceDelete").Plain(), want)
			}
		}
		bucket := r.Named(programtest.TypeBucket, "ecsite-"+stack+"-alb-logs")
		if bucket == nil {
			t.Fatalf("%s: no access-log bucket", stack)
		}
		if bucket.In("forceDestroy").Bool() != want {
			t.Errorf("%s: access-log bucket forceDestroy %v; want %v", stack, bucket.In("forceDestroy").Plain(), want)
		}
	}
}

// TestArchitectureSetsTheRuntimePlatform: services run on x86_64 unless their
// architecture says arm64 (Graviton).
func TestArchitectureSetsTheRuntimePlatform(t *testing.T) {
	for _, c := range []struct {
		services string
		want     string
	}{
		{"", "X86_64"},
		{`[{"name":"web","image":{"tag":"1.0.0"},"architecture":"arm64"},{"name":"api","image":{"tag":"1.0.0"},"architecture":"arm64"}]`, "ARM64"},
	} {
		opts := mockengine.Options{}
		if c.services != "" {
			opts.Config = map[string]string{programtest.Key(t, "services"): c.services}
		}
		r := programtest.MustRun(t, "prod", opts)
		for _, td := range r.ByType(programtest.TypeTaskDefinition) {
			if got := td.In("runtimePlatform.cpuArchitecture").Str(); got != c.want || td.In("runtimePlatform.operatingSystemFamily").Str() != "LINUX" {
				t.Errorf("%s: cpuArchitecture %q; want %q on LINUX", td.Name, got, c.want)
			}
		}
	}
}

// TestContainerInsightsPerStack: prod keeps Container Insights, dev turns it off.
func TestContainerInsightsPerStack(t *testing.T) {
	for stack, want := range map[string]string{"dev": "disabled", "prod": "enabled"} {
		c := programtest.MustRun(t, stack, mockengine.Options{}).Only(t, programtest.TypeEcsCluster)
		if got := c.In("settings[0].value").Str(); c.In("settings[0].name").Str() != "containerInsights" || got != want {
			t.Errorf("%s: containerInsights %q; want %q", stack, got, want)
		}
	}
}
