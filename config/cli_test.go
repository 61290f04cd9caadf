package config_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/pulumi/esc"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/ecsite/infra/internal/mockengine"
)

// The CLI validates Pulumi.yaml and merges each stack file into it before the program
// runs. These tests call the same SDK code (sdk v3.190.0, the version go.mod pins), so a
// declaration the CLI would reject, or a stack value of the wrong type, fails here.

func loadProject(t *testing.T) (*workspace.Project, string) {
	t.Helper()
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatalf("the CLI would reject Pulumi.yaml: %v", err)
	}
	if err := proj.Validate(); err != nil {
		t.Fatalf("the CLI would reject Pulumi.yaml: %v", err)
	}
	return proj, root
}

func validateStack(proj *workspace.Project, stack string, cfg config.Map) error {
	return workspace.ValidateStackConfigAndApplyProjectConfig(context.Background(), stack, proj,
		esc.Value{}, cfg, config.NopEncrypter, config.NopDecrypter)
}

func TestCLIAcceptsTheCommittedStackFiles(t *testing.T) {
	proj, root := loadProject(t)
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	for _, stack := range []string{"dev", "prod", "local"} {
		t.Run(stack, func(t *testing.T) {
			ps, err := workspace.LoadProjectStack(sink, proj, filepath.Join(root, "Pulumi."+stack+".yaml"))
			if err != nil {
				t.Fatalf("the CLI would not load Pulumi.%s.yaml: %v", stack, err)
			}
			if err := validateStack(proj, stack, ps.Config); err != nil {
				t.Errorf("the CLI would reject Pulumi.%s.yaml: %v", stack, err)
			}
		})
	}
}

func TestCLIRejectsAWronglyTypedOrMissingValue(t *testing.T) {
	proj, _ := loadProject(t)
	key := func(k string) config.Key { return config.MustMakeKey(proj.Name.String(), k) }
	cases := map[string]config.Map{
		"network as a string": {
			key("environment"): config.NewValue("dev"),
			key("network"):     config.NewValue("10.0.0.0/16"),
		},
		"environment missing": {},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			if err := validateStack(proj, "dev", cfg); err == nil {
				t.Errorf("the CLI's validation accepted %v", cfg)
			}
		})
	}
}

// The optional third-party secrets are declared secret: true, so the CLI itself refuses a
// plain value in a stack file before the program (whose own check stays) ever runs.
func TestCLIRejectsAPlainOptionalSecret(t *testing.T) {
	proj, _ := loadProject(t)
	for _, s := range []string{"mongodbUri", "datadogApiKey", "sentryDsn"} {
		t.Run(s, func(t *testing.T) {
			decl, ok := proj.Config[s]
			if !ok || !decl.Secret {
				t.Fatalf("Pulumi.yaml must declare %s with secret: true", s)
			}
			key := config.MustMakeKey(proj.Name.String(), s)
			plain := config.Map{
				config.MustMakeKey(proj.Name.String(), "environment"): config.NewValue("dev"),
				key: config.NewValue("https://public@example.invalid/1"),
			}
			if err := validateStack(proj, "dev", plain); err == nil {
				t.Errorf("the CLI accepted a plain %s", s)
			}
			secure := config.Map{
				config.MustMakeKey(proj.Name.String(), "environment"): config.NewValue("dev"),
				key: config.NewSecureValue("djE6ZmFrZQ=="),
			}
			if err := validateStack(proj, "dev", secure); err != nil {
				t.Errorf("the CLI refused a secure %s: %v", s, err)
			}
		})
	}
}
