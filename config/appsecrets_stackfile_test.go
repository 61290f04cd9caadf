package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ecsite/infra/internal/mockengine"
)

// plainAppSecrets returns the config paths under <project>:appSecrets of a stack file
// whose value is not a `secure:` value, e.g. "appSecrets.STRIPE_SECRET_KEY".
//
// The program cannot see them: `pulumi config set --secret --path` makes the whole key
// secret when the program runs, so one value written without --secret beside secure ones
// reaches it as a secret too, while the stack file (and the state) hold it in plain text.
func plainAppSecrets(project string, doc []byte) ([]string, error) {
	var file struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(doc, &file); err != nil {
		return nil, err
	}
	node, ok := file.Config[project+":appSecrets"]
	if !ok {
		return nil, nil
	}
	if node.Kind != yaml.MappingNode {
		return []string{"appSecrets"}, nil
	}
	var plain []string
	for i := 0; i+1 < len(node.Content); i += 2 {
		name, value := node.Content[i].Value, node.Content[i+1]
		secure := value.Kind == yaml.MappingNode && len(value.Content) == 2 &&
			value.Content[0].Value == "secure" && value.Content[1].Kind == yaml.ScalarNode && value.Content[1].Value != ""
		if !secure {
			plain = append(plain, "appSecrets."+name)
		}
	}
	return plain, nil
}

// TestCommittedAppSecretsAreEncrypted: in every stack file of the project (Pulumi.*.yaml
// beside Pulumi.yaml), every value under appSecrets is a `secure:` value.
func TestCommittedAppSecretsAreEncrypted(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	proj, err := mockengine.ReadProject()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %v; want at least the dev and prod stack files", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := plainAppSecrets(proj.Name, doc)
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range plain {
				t.Errorf("%s is not encrypted: set it again with `pulumi config set --secret --path '%s' <value>`", key, key)
			}
		})
	}
}

// TestPlainAppSecretIsCaught runs the check of TestCommittedAppSecretsAreEncrypted on
// stack files written by hand.
func TestPlainAppSecretIsCaught(t *testing.T) {
	const head = "config:\n  aws:region: ap-northeast-1\n  ecsite:environment: prod\n"
	cases := []struct {
		name, body string
		want       []string
	}{
		{"no appSecrets", "", nil},
		{"every value secure", "  ecsite:appSecrets:\n    MONGODB_URI:\n      secure: v1:abc\n    STRIPE_SECRET_KEY:\n      secure: v1:def\n", nil},
		{"one plain value beside a secure one", "  ecsite:appSecrets:\n    MONGODB_URI:\n      secure: v1:abc\n    STRIPE_SECRET_KEY: sk_live_x\n", []string{"appSecrets.STRIPE_SECRET_KEY"}},
		{"a number", "  ecsite:appSecrets:\n    PIN: 1234\n", []string{"appSecrets.PIN"}},
		{"a nested object", "  ecsite:appSecrets:\n    STRIPE:\n      key: sk_live_x\n", []string{"appSecrets.STRIPE"}},
		{"an empty secure", "  ecsite:appSecrets:\n    STRIPE_SECRET_KEY:\n      secure: \"\"\n", []string{"appSecrets.STRIPE_SECRET_KEY"}},
		{"appSecrets a plain string", "  ecsite:appSecrets: sk_live_x\n", []string{"appSecrets"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := plainAppSecrets("ecsite", []byte(head+tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: got %v; want %v", fmt.Sprintf("%q", tc.body), got, tc.want)
			}
		})
	}
}
