package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// A stack may follow another stack's file (key "baseStack"): it then takes, for every
// project key it does not set itself, the base stack's value, and for an object key it
// sets, the base stack's object with its own fields on top. Pulumi's stack files cannot
// inherit from each other (the CLI only fills in Pulumi.yaml's defaults), so the program
// does it, reading Pulumi.<base>.yaml from the project directory. The local emulator
// stack uses it to follow dev: its file holds only what differs for the emulator.
//
// Rules:
//   - Only keys of this project's namespace are inherited; provider keys such as
//     aws:region are not (the CLI reads them before the program runs).
//   - Lists and scalars are taken whole; objects are merged field by field, recursively.
//   - A key the base stack encrypts (`secure:`) cannot be inherited: only the base
//     stack's secrets provider can decrypt it. The stack must set that key itself.
//   - The stack must set its own environment, different from the base stack's, so that
//     it never shares names or an SSM path with it.
//   - The base stack may not follow another stack itself (no chains).
//
// A key counts as set by the stack when its own file names it, or when its value differs
// from the project default (which is what the CLI hands the program for a key the file
// does not name); the second case lets a test override a key without a file.

var stackNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// inherit returns the project-relative keys whose value comes from the base stack named
// by key "baseStack", as the raw strings the reader decodes, or nil when the stack has no
// base stack. own returns the stack's own raw value of a project-relative key (the CLI's
// view: its file over Pulumi.yaml's defaults).
func inherit(r reader, stack, dir string, own func(string) (string, bool)) map[string]string {
	p := r.p
	base, _ := own("baseStack")
	if base == "" {
		return nil
	}
	switch {
	case !stackNamePattern.MatchString(base):
		p.Addf("baseStack", "%q is not a stack name (letters, digits, '.', '_' or '-')", base)
		return nil
	case base == stack:
		p.Addf("baseStack", "%q is this stack itself; name the stack whose file this one follows, e.g. dev", base)
		return nil
	}
	if dir == "" {
		dir = "."
	}
	baseFile := filepath.Join(dir, "Pulumi."+base+".yaml")
	baseKeys, err := readStackFileKeys(baseFile, r.ctx.Project())
	if err != nil {
		p.Addf("baseStack", "%q: %v", base, err)
		return nil
	}
	ownKeys, err := readStackFileKeys(filepath.Join(dir, "Pulumi."+stack+".yaml"), r.ctx.Project())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		p.Addf("baseStack", "%q: %v", base, err)
		return nil
	}
	declared := Declared()
	sets := func(name string) bool {
		if _, inFile := ownKeys[name]; inFile {
			return true
		}
		v, ok := own(name)
		return ok && !isDefault(v, declared[name])
	}

	out := map[string]string{}
	for _, name := range sortedKeys(baseKeys) {
		v := baseKeys[name]
		switch {
		case name == "baseStack":
			p.Addf("baseStack", "%q sets baseStack itself (in %s); a base stack cannot follow another stack", base, filepath.Base(baseFile))
			continue
		case hasSecure(v):
			if !sets(name) {
				p.Addf(name, "is encrypted in %s, which only stack %q can decrypt, so it cannot be inherited; set it in this stack's file (pulumi config set --secret ...)", filepath.Base(baseFile), base)
			}
			continue
		case !sets(name):
			out[name] = rawValue(v)
			continue
		}
		// Set by the stack: an object is merged over the base stack's object.
		baseObj, isObj := v.(map[string]any)
		mine, _ := own(name)
		var ownObj map[string]any
		if !isObj || json.Unmarshal([]byte(mine), &ownObj) != nil || ownObj == nil {
			continue // the stack's scalar or list wins
		}
		out[name] = rawValue(mergeObjects(baseObj, ownObj))
	}

	env, _ := own("environment")
	if baseEnv, ok := baseKeys["environment"]; ok && (!sets("environment") || env == rawValue(baseEnv)) {
		p.Addf("environment", "must be set in this stack's file and differ from stack %q's (%q): a stack that follows %s would otherwise share its resource names and SSM path", base, rawValue(baseEnv), filepath.Base(baseFile))
	}
	return out
}

// readStackFileKeys reads the config block of a stack file and returns the values of the
// project's keys by project-relative name, as YAML decodes them.
func readStackFileKeys(path, project string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	out := map[string]any{}
	for k, v := range file.Config {
		if name, ok := strings.CutPrefix(k, project+":"); ok {
			out[name] = v
		}
	}
	return out, nil
}

// hasSecure reports whether a stack-file value holds an encrypted value anywhere.
func hasSecure(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["secure"]; ok && len(t) == 1 {
			return true
		}
		for _, e := range t {
			if hasSecure(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasSecure(e) {
				return true
			}
		}
	}
	return false
}

// rawValue renders a stack-file value as the CLI hands it to the program: a string as
// it is, any other scalar in its YAML spelling, an object or list as JSON.
func rawValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any, []any:
		return mustJSON(t)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// mergeObjects returns base with over's fields on top; nested objects merge the same way.
func mergeObjects(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		bo, bok := out[k].(map[string]any)
		oo, ook := v.(map[string]any)
		if bok && ook {
			out[k] = mergeObjects(bo, oo)
			continue
		}
		out[k] = v
	}
	return out
}

// isDefault reports whether a raw config value equals a key's code default (nil: the
// key has none). Pulumi.yaml declares the same defaults (a test enforces it), so a key
// the stack file does not name reaches the program with exactly this value.
func isDefault(raw string, def any) bool {
	if def == nil {
		return false
	}
	if s, ok := def.(string); ok {
		return raw == s
	}
	var got, want any
	if json.Unmarshal([]byte(raw), &got) != nil || json.Unmarshal([]byte(mustJSON(def)), &want) != nil {
		return false
	}
	return reflect.DeepEqual(got, want)
}
