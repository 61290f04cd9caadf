package compute_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/internal/iamdoc"
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

// TestClusterKeyUses: another use of the cluster's key (the alarm topic, when
// monitoring.topicKey is compute) adds its statement to the key policy and its purpose
// to the description, next to the CloudWatch Logs grant; a use without a purpose or
// reusing a Sid is refused before anything is registered.
func TestClusterKeyUses(t *testing.T) {
	alarmTopic := compute.KeyUse{Purpose: "the alarm topic", Statement: iamdoc.Statement{
		Sid:       "CloudWatchAlarmsPublish",
		Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
		Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
		Resource:  []string{"*"},
	}}
	run := func(uses ...compute.KeyUse) (*mockengine.Mocks, error) {
		return mockengine.RunWithConfig(func(ctx *pulumi.Context) error {
			_, err := compute.NewCluster(ctx, "x", &compute.ClusterArgs{
				Region: mockengine.Region, AccountID: mockengine.AccountID, Settings: compute.DefaultClusterSettings(), KeyUses: uses,
			})
			return err
		}, "ecsite", "test", map[string]string{}, nil)
	}
	sids := func(t *testing.T, m *mockengine.Mocks) ([]string, string) {
		t.Helper()
		key := m.Named(programtest.TypeKey, "x-compute")
		if key == nil {
			t.Fatal("no compute key")
		}
		var doc iamdoc.Document
		if err := key.In("policy").JSON(&doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range doc.Statement {
			out = append(out, s.Sid)
		}
		return out, key.In("description").Str()
	}

	m, err := run()
	if err != nil {
		t.Fatal(err)
	}
	own, ownDescription := sids(t, m)
	m, err = run(alarmTopic)
	if err != nil {
		t.Fatal(err)
	}
	shared, description := sids(t, m)
	if want := append(append([]string(nil), own...), "CloudWatchAlarmsPublish"); !reflect.DeepEqual(shared, want) {
		t.Errorf("shared key policy statements %v; want %v", shared, want)
	}
	if description != ownDescription+", and the alarm topic" {
		t.Errorf("shared key description %q; want it to name the alarm topic after %q", description, ownDescription)
	}

	noPurpose := alarmTopic
	noPurpose.Purpose = ""
	logsAgain := alarmTopic
	logsAgain.Statement.Sid = "CloudWatchLogsEncrypts"
	for name, uses := range map[string][]compute.KeyUse{
		"without a purpose":    {noPurpose},
		"reusing the logs Sid": {logsAgain},
		"the same use twice":   {alarmTopic, alarmTopic},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := run(uses...)
			if err == nil || !strings.Contains(err.Error(), "KeyUses[") {
				t.Fatalf("error %v; want one naming KeyUses", err)
			}
			if n := m.Count(); n != 0 {
				t.Errorf("registered %d resources before refusing", n)
			}
		})
	}
}
