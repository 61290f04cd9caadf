package config_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/esc"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/ecsite/infra/internal/mockengine"
)

// The CLI validates Pulumi.yaml and merges each stack file into it before the program
// runs. These tests call the same SDK code (sdk v3.250.0: the version go.mod pins is the CLI's
// version, .pulumi-version), so a declaration the CLI would reject, or a stack value of the
// wrong type, fails here.

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

// stackFiles lists every stack file the repository tracks (Pulumi.<stack>.yaml at the
// root and any fixture stack below it), so that a new stack is checked without editing
// this test.
func stackFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		name := d.Name()
		if !d.IsDir() && strings.HasPrefix(name, "Pulumi.") && strings.HasSuffix(name, ".yaml") && name != "Pulumi.yaml" {
			rel, _ := filepath.Rel(root, path)
			out[rel] = strings.TrimSuffix(strings.TrimPrefix(name, "Pulumi."), ".yaml")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.local.yaml", filepath.Join("bootstrap", "Pulumi.account.yaml")} {
		if _, ok := out[want]; !ok {
			t.Fatalf("%s is missing: the stack-file walk is broken", want)
		}
	}
	return out
}

// optionalSecretKeys are the keys Pulumi.yaml declares secret: true (appSecrets).
func optionalSecretKeys(proj *workspace.Project) []string {
	var keys []string
	for k, decl := range proj.Config {
		if decl.Secret {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// setSecret sets key (a project key or a path below one) to a `secure:` value in cfg,
// as `pulumi config set --secret [--path]` does.
func setSecret(t *testing.T, proj *workspace.Project, cfg config.Map, key string) {
	t.Helper()
	k := config.MustMakeKey(proj.Name.String(), key)
	if err := cfg.Set(k, config.NewSecureValue("djE6ZmFrZQ=="), strings.Contains(key, ".")); err != nil {
		t.Fatalf("setting %s: %v", key, err)
	}
}

// TestCLIAcceptsTheCommittedStackFiles runs, on every committed stack file, the
// validation `pulumi preview` and `pulumi up` run before the program starts, both as the
// file is committed and with a `secure:` value for every secret key: an app secret
// (`pulumi config set --secret --path 'appSecrets.STRIPE_SECRET_KEY'`) for appSecrets.
func TestCLIAcceptsTheCommittedStackFiles(t *testing.T) {
	proj, root := loadProject(t)
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	secrets := optionalSecretKeys(proj)
	if len(secrets) == 0 {
		t.Fatal("Pulumi.yaml declares no secret key: the with-secrets case below would check nothing")
	}
	for rel, stack := range stackFiles(t, root) {
		// A stack file belongs to the Pulumi.yaml beside it (bootstrap/ is a project of
		// its own).
		proj, secrets := proj, secrets
		if dir := filepath.Dir(rel); dir != "." {
			p, err := workspace.LoadProject(filepath.Join(root, dir, "Pulumi.yaml"))
			if err != nil {
				t.Fatalf("the CLI would reject %s/Pulumi.yaml: %v", dir, err)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("the CLI would reject %s/Pulumi.yaml: %v", dir, err)
			}
			proj, secrets = p, optionalSecretKeys(p)
		}
		for _, withSecrets := range []bool{false, true} {
			if withSecrets && len(secrets) == 0 {
				continue // a project without secret keys has no second case
			}
			t.Run(fmt.Sprintf("%s/secrets=%v", rel, withSecrets), func(t *testing.T) {
				ps, err := workspace.LoadProjectStack(sink, proj, filepath.Join(root, rel))
				if err != nil {
					t.Fatalf("the CLI would not load %s: %v", rel, err)
				}
				if withSecrets {
					for _, k := range secrets {
						if k == "appSecrets" {
							k = "appSecrets.STRIPE_SECRET_KEY"
						}
						setSecret(t, proj, ps.Config, k)
					}
				}
				if err := validateStack(proj, stack, ps.Config); err != nil {
					t.Errorf("the CLI would refuse %s: %v", rel, err)
				}
			})
		}
	}
}

// TestCLIRefusesATypedSecretLeftUnset shows why appSecrets is declared without
// a type: the SDK's validateStackConfigValues (sdk/go/common/workspace/config.go, v3.250)
// runs after the project defaults are merged into the stack's config and checks every
// explicitly typed key, so a key declared `type: string` and `secret: true` must hold a
// `secure:` value in every stack, and its `default: ""` is itself refused as plain text.
// This is the declaration the CLI refused in both stacks; it must stay refused here, or
// this test no longer proves what the declarations avoid.
func TestCLIRefusesATypedSecretLeftUnset(t *testing.T) {
	proj, _ := loadProject(t)
	typ := "string"
	proj.Config["typedSecret"] = workspace.ProjectConfigType{Type: &typ, Secret: true, Default: ""}
	cfg := config.Map{config.MustMakeKey(proj.Name.String(), "environment"): config.NewValue("dev")}
	err := validateStack(proj, "dev", cfg)
	if err == nil || !strings.Contains(err.Error(), "must be encrypted") {
		t.Fatalf("the CLI's validation accepted an unset typed secret (err %v); the SDK changed, revisit the secret declarations in Pulumi.yaml", err)
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

// appSecrets is declared without a type (TestCLIRefusesATypedSecretLeftUnset says why),
// so the CLI passes a plain value through, and so it does a retired key (mongodbUri...)
// that a stack still sets: the program refuses both with the key named and says what
// to do (config.loadSecrets; program/badconfig_secrets_test.go).
func TestCLIPassesAppSecretsToTheProgram(t *testing.T) {
	proj, _ := loadProject(t)
	if secrets := optionalSecretKeys(proj); len(secrets) != 1 || secrets[0] != "appSecrets" {
		t.Fatalf("Pulumi.yaml declares the secret keys %v; want appSecrets alone, with secret: true", secrets)
	}
	if decl := proj.Config["appSecrets"]; decl.IsExplicitlyTyped() {
		t.Fatal("appSecrets is declared with a type: the CLI then refuses every stack that leaves it unset")
	}
	key := func(k string) config.Key { return config.MustMakeKey(proj.Name.String(), k) }
	cases := map[string]func(t *testing.T, cfg config.Map){
		"unset":          func(*testing.T, config.Map) {},
		"one app secret": func(t *testing.T, cfg config.Map) { setSecret(t, proj, cfg, "appSecrets.STRIPE_SECRET_KEY") },
		"two app secrets": func(t *testing.T, cfg config.Map) {
			setSecret(t, proj, cfg, "appSecrets.STRIPE_SECRET_KEY")
			setSecret(t, proj, cfg, "appSecrets.MAIL_API_KEY")
		},
		"a plain app secret": func(t *testing.T, cfg config.Map) {
			if err := cfg.Set(key("appSecrets.STRIPE_SECRET_KEY"), config.NewValue("sk_live_x"), true); err != nil {
				t.Fatal(err)
			}
		},
		"appSecrets not an object": func(t *testing.T, cfg config.Map) { cfg[key("appSecrets")] = config.NewValue("sk_live_x") },
		"retired mongodbUri set":   func(t *testing.T, cfg config.Map) { setSecret(t, proj, cfg, "mongodbUri") },
		"retired sentryDsn plain": func(t *testing.T, cfg config.Map) {
			cfg[key("sentryDsn")] = config.NewValue("https://k@o1.ingest.sentry.io/1")
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := config.Map{key("environment"): config.NewValue("dev")}
			edit(t, cfg)
			if err := validateStack(proj, "dev", cfg); err != nil {
				t.Errorf("the CLI refused it before the program could name the key: %v", err)
			}
		})
	}
}
