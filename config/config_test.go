package config_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
)

// TestPulumiYamlDeclaresEveryKeyWithTheCodeDefault keeps Pulumi.yaml, which the CLI
// applies, and the code defaults, which the program applies to omitted fields, equal.
func TestPulumiYamlDeclaresEveryKeyWithTheCodeDefault(t *testing.T) {
	proj, err := mockengine.ReadProject()
	if err != nil {
		t.Fatal(err)
	}
	declared := config.Declared()
	for key := range proj.Config {
		if _, ok := declared[key]; !ok {
			t.Errorf("Pulumi.yaml declares %s, which the program never reads", key)
		}
	}
	for key, def := range declared {
		t.Run(key, func(t *testing.T) {
			decl, ok := proj.Config[key]
			if !ok {
				t.Fatalf("Pulumi.yaml does not declare %s", key)
			}
			// appSecrets is untyped on purpose (Pulumi.yaml and cli_test.go say
			// why); every other key is typed.
			if (decl.Type == "") != decl.Secret || strings.TrimSpace(decl.Description) == "" {
				t.Errorf("%s needs a description, and a type unless it is a secret (secret: true, untyped)", key)
			}
			if def == nil {
				if decl.Default != nil {
					t.Errorf("%s is required but Pulumi.yaml gives it a default", key)
				}
				return
			}
			if decl.Default == nil {
				t.Fatalf("%s has no default in Pulumi.yaml; the code default is %v", key, def)
			}
			b, err := json.Marshal(decl.Default)
			if err != nil {
				t.Fatal(err)
			}
			got := reflect.New(reflect.TypeOf(def))
			if s, isString := decl.Default.(string); isString {
				got.Elem().Set(reflect.ValueOf(s).Convert(reflect.TypeOf(def)))
			} else if err := json.Unmarshal(b, got.Interface()); err != nil {
				t.Fatalf("Pulumi.yaml default of %s does not decode: %v", key, err)
			}
			if !reflect.DeepEqual(got.Elem().Interface(), def) {
				t.Errorf("Pulumi.yaml default of %s is\n%+v\ncode default is\n%+v", key, got.Elem().Interface(), def)
			}
		})
	}
}

func TestValidationErrorListsEveryKey(t *testing.T) {
	ve := &config.ValidationError{Fields: []config.FieldError{
		{Key: "network.vpcCidr", Message: "bad"},
		{Key: "environment", Message: "bad"},
		{Key: "network.vpcCidr", Message: "worse"},
	}}
	if got := ve.Keys(); !reflect.DeepEqual(got, []string{"environment", "network.vpcCidr"}) {
		t.Errorf("Keys() = %v", got)
	}
	if !ve.Has("network") || !ve.Has("network.vpcCidr") || ve.Has("net") || ve.Has("database") {
		t.Errorf("Has() matches the wrong keys")
	}
	msg := ve.Error()
	for _, want := range []string{"3 problems", "network.vpcCidr: bad", "environment: bad", "network.vpcCidr: worse"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestStackFilesOnlyUseDeclaredKeys(t *testing.T) {
	proj, err := mockengine.ReadProject()
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range []string{"dev", "prod"} {
		cfg, err := mockengine.StackConfig(stack)
		if err != nil {
			t.Fatal(err)
		}
		var unknown []string
		for key := range cfg {
			ns, name, _ := strings.Cut(key, ":")
			if ns == proj.Name {
				if _, ok := proj.Config[name]; !ok {
					unknown = append(unknown, key)
				}
			}
		}
		sort.Strings(unknown)
		if len(unknown) > 0 {
			t.Errorf("Pulumi.%s.yaml sets undeclared keys %v", stack, unknown)
		}
		if cfg["aws:region"] != "ap-northeast-1" {
			t.Errorf("Pulumi.%s.yaml: aws:region = %q; want ap-northeast-1", stack, cfg["aws:region"])
		}
	}
}
