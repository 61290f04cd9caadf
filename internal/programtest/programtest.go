// Package programtest runs the whole Pulumi program under the recording mocks of
// [mockengine] against a committed stack file. Tests of every package use it so that they
// exercise the program `pulumi up` runs, with the configuration users commit.
package programtest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/program"
)

// Stacks are the committed stacks every whole-program test covers.
var Stacks = []string{"dev", "prod"}

// Result is one run of the program.
type Result struct{ mockengine.Result }

// Run runs the program for stack with opts applied.
func Run(stack string, opts mockengine.Options) Result {
	return Result{mockengine.RunProgram(func(ctx *pulumi.Context, export func(string, pulumi.Input)) error {
		return program.RunWith(ctx, export)
	}, stack, opts)}
}

// MustRun runs the program for stack and fails the test if it returns an error.
func MustRun(t testing.TB, stack string, opts mockengine.Options) Result {
	t.Helper()
	r := Run(stack, opts)
	if r.Err != nil {
		t.Fatalf("stack %s: program failed: %v", stack, r.Err)
	}
	if errs := r.Exports.Errors(); len(errs) > 0 {
		t.Fatalf("stack %s: resolving outputs: %v", stack, errs)
	}
	return r
}

// Config loads the validated configuration of a committed stack with opts applied, the
// way the program sees it, so tests compare against the stack file rather than copies
// of its values.
func Config(t testing.TB, stack string, opts mockengine.Options) *config.Config {
	t.Helper()
	path, err := mockengine.StackFile(stack)
	if err != nil {
		t.Fatal(err)
	}
	return ConfigFile(t, stack, path, opts)
}

// ConfigFile is Config for the stack file at path; the stack files beside it are those a
// stack with baseStack follows.
func ConfigFile(t testing.TB, stack, path string, opts mockengine.Options) *config.Config {
	t.Helper()
	var cfg *config.Config
	_, err := mockengine.RunFile(func(ctx *pulumi.Context) error {
		c, err := config.Load(ctx)
		cfg = c
		return err
	}, stack, path, opts)
	if err != nil {
		t.Fatalf("stack %s: config: %v", stack, err)
	}
	return cfg
}

// Key qualifies a project key ("network" becomes "ecsite:network").
func Key(t testing.TB, key string) string {
	t.Helper()
	p, err := mockengine.ReadProject()
	if err != nil {
		t.Fatal(err)
	}
	return p.Name + ":" + key
}

// Patch returns the stack's value of an object key with the given fields replaced, as
// JSON, for overriding one field in a test (patch values are JSON fragments).
func Patch(t testing.TB, stack, key string, fields map[string]string) string {
	t.Helper()
	raw, ok := StackValue(t, stack, Key(t, key))
	obj := map[string]json.RawMessage{}
	if ok && strings.HasPrefix(strings.TrimSpace(raw), "{") {
		if err := json.Unmarshal([]byte(raw), &obj); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	for f, v := range fields {
		obj[f] = json.RawMessage(v)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Only returns the single resource of a type, failing the test when there is not exactly one.
func (r Result) Only(t testing.TB, typ string) *mockengine.Resource {
	t.Helper()
	rs := r.ByType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s; want 1", len(rs), typ)
	}
	return rs[0]
}

// One returns the resource of a type with a logical name, failing the test when there is none.
func (r Result) One(t testing.TB, typ, name string) *mockengine.Resource {
	t.Helper()
	res := r.Named(typ, name)
	if res == nil {
		t.Fatalf("%s %s not registered", typ, name)
	}
	return res
}

// ChildrenOf returns the resources of typ under the single component of componentType.
func (r Result) ChildrenOf(t testing.TB, componentType, typ string) []*mockengine.Resource {
	t.Helper()
	var out []*mockengine.Resource
	for _, c := range r.Children(r.Only(t, componentType).URN) {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// Patched returns options that override fields of an object key of stack (values are JSON).
func Patched(t testing.TB, stack, key string, fields map[string]string) mockengine.Options {
	t.Helper()
	return mockengine.Options{Config: map[string]string{Key(t, key): Patch(t, stack, key, fields)}}
}

// StackValue returns the raw value of a qualified key as the program sees it for the
// committed stack file of stack, before validation: the CLI's value (the file over
// Pulumi.yaml's defaults), or, for a stack that follows another stack's file (baseStack)
// and does not set the key itself, the base stack's. A test edit starts from it, so that
// the program takes the edited key as set by the stack and merges it over the base's.
func StackValue(t testing.TB, stack, key string) (string, bool) {
	t.Helper()
	cfg, err := mockengine.StackConfig(stack)
	if err != nil {
		t.Fatal(err)
	}
	if base := cfg[Key(t, "baseStack")]; base != "" && !stackFileNames(t, stack, key) {
		if cfg, err = mockengine.StackConfig(base); err != nil {
			t.Fatal(err)
		}
	}
	v, ok := cfg[key]
	return v, ok
}

// stackFileNames reports whether the committed file of stack sets the qualified key.
func stackFileNames(t testing.TB, stack, key string) bool {
	t.Helper()
	path, err := mockengine.StackFile(stack)
	if err != nil {
		t.Fatal(err)
	}
	_, set := StackFileValues(t, path)[key]
	return set
}

// StackFileValues returns the config block of the stack file at path as YAML decodes it,
// by qualified key: what the file itself sets, without Pulumi.yaml's defaults.
func StackFileValues(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return file.Config
}
