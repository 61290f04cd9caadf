package pulumitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// RepoRoot returns the directory holding Pulumi.yaml, searching upwards from the
// working directory (go test runs in the package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("pulumitest: no Pulumi.yaml above the working directory")
		}
		dir = parent
	}
}

// ProjectFile is the part of Pulumi.yaml the tests read.
type ProjectFile struct {
	Name        string                   `yaml:"name"`
	Runtime     any                      `yaml:"runtime"`
	Description string                   `yaml:"description"`
	Config      map[string]ConfigDeclare `yaml:"config"`
}

// ConfigDeclare is one key declared in Pulumi.yaml's config block.
type ConfigDeclare struct {
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
	Default     any    `yaml:"default"`
	Secret      bool   `yaml:"secret"`
	Items       any    `yaml:"items"`
}

// ReadProject parses Pulumi.yaml at the repository root.
func ReadProject() (*ProjectFile, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, err
	}
	var p ProjectFile
	if err := yaml.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("Pulumi.yaml: %w", err)
	}
	return &p, nil
}

// StackConfig returns the configuration the Pulumi CLI would hand the program for the
// committed stack file Pulumi.<stack>.yaml: the defaults declared in Pulumi.yaml, overlaid
// by the stack file's values. Keys are fully qualified ("ecsite:network", "aws:region");
// structured values are JSON, as the CLI passes them.
func StackConfig(stack string) (map[string]string, error) {
	proj, err := ReadProject()
	if err != nil {
		return nil, err
	}
	cfg := map[string]string{}
	for key, decl := range proj.Config {
		if decl.Default == nil {
			continue
		}
		v, err := configString(decl.Default)
		if err != nil {
			return nil, fmt.Errorf("Pulumi.yaml config %s default: %w", key, err)
		}
		cfg[qualify(proj.Name, key)] = v
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(root, "Pulumi."+stack+".yaml")
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
	for key, value := range file.Config {
		if m, ok := value.(map[string]any); ok {
			if _, secure := m["secure"]; secure && len(m) == 1 {
				return nil, fmt.Errorf("%s: %s is encrypted; tests cannot decrypt committed secrets", filepath.Base(path), key)
			}
		}
		v, err := configString(value)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", filepath.Base(path), key, err)
		}
		cfg[qualify(proj.Name, key)] = v
	}
	return cfg, nil
}

func qualify(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// configString renders a YAML value the way the CLI hands it to the program.
func configString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool, int, int64, float64:
		return fmt.Sprint(t), nil
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}

// Options change one run of a program under mocks.
type Options struct {
	// Config replaces individual fully qualified keys ("ecsite:network"); an empty
	// string deletes the key.
	Config map[string]string
	// SecretKeys are the fully qualified keys to mark secret, as `pulumi config set --secret` does.
	SecretKeys []string
	// Project replaces the project name from Pulumi.yaml (keys keep their namespace).
	Project string
}

// Run runs program for the committed stack file of stack, with opts applied, and
// returns what it registered together with the program's error.
func Run(program pulumi.RunFunc, stack string, opts Options) (*Mocks, error) {
	proj, err := ReadProject()
	if err != nil {
		return nil, err
	}
	cfg, err := StackConfig(stack)
	if err != nil {
		return nil, err
	}
	for k, v := range opts.Config {
		if v == "" {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	project := proj.Name
	if opts.Project != "" {
		project = opts.Project
	}
	return RunWithConfig(program, project, stack, cfg, opts.SecretKeys)
}

// RunWithConfig runs program with exactly the given configuration.
func RunWithConfig(program pulumi.RunFunc, project, stack string, cfg map[string]string, secretKeys []string) (*Mocks, error) {
	m := NewMocks(project, stack)
	keys := append([]string(nil), secretKeys...)
	sort.Strings(keys)
	err := pulumi.RunErr(program, pulumi.WithMocks(project, stack, m), func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = keys
	})
	return m, err
}
