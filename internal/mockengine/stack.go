package mockengine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/esc"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
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
		// The main project sits at the module's root; bootstrap/ has a Pulumi.yaml of its own.
		_, project := os.Stat(filepath.Join(dir, "Pulumi.yaml"))
		_, module := os.Stat(filepath.Join(dir, "go.mod"))
		if project == nil && module == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("mockengine: no Pulumi.yaml beside a go.mod above the working directory")
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

// SecretPlaceholder is the value a mock run receives for a key the stack file holds
// encrypted (`pulumi config set --secret`): committed secrets are never decrypted, the
// program sees this non-empty string marked secret instead.
const SecretPlaceholder = "[secret]"

// StackFile returns the path of the committed stack file of stack, Pulumi.<stack>.yaml
// at the repository root.
func StackFile(stack string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "Pulumi."+stack+".yaml"), nil
}

// StackConfig returns the configuration the Pulumi CLI would hand the program for the
// committed stack file Pulumi.<stack>.yaml: the defaults declared in Pulumi.yaml, overlaid
// by the stack file's values. Keys are fully qualified ("ecsite:network", "aws:region");
// structured values are JSON, as the CLI passes them. Encrypted values are
// [SecretPlaceholder]; [StackFileConfig] also names their keys.
func StackConfig(stack string) (map[string]string, error) {
	path, err := StackFile(stack)
	if err != nil {
		return nil, err
	}
	cfg, _, err := StackFileConfig(path)
	return cfg, err
}

// StackFileConfig reads the stack file at path with the Pulumi SDK's workspace loader,
// as the CLI does, against the Pulumi.yaml of the repository root, and applies the
// project's defaults. It returns the configuration and the fully qualified keys whose
// values are encrypted in the file: those read as [SecretPlaceholder], never decrypted.
func StackFileConfig(path string) (map[string]string, []string, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, nil, err
	}
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, nil, err
	}
	// LoadProjectStack returns an empty stack for a missing file; a test or report naming
	// a stack file that does not exist must fail instead.
	if _, err := os.Stat(path); err != nil {
		return nil, nil, err
	}
	ps, err := workspace.LoadProjectStack(nil, proj, path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "Pulumi."), filepath.Ext(path))
	if err := workspace.ApplyProjectConfig(context.Background(), stack, proj, esc.Value{}, ps.Config, pconfig.NopEncrypter, placeholderDecrypter{}); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	values, err := ps.Config.Decrypt(placeholderDecrypter{})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	cfg := make(map[string]string, len(values))
	for k, v := range values {
		cfg[k.String()] = v
	}
	var secret []string
	for _, k := range ps.Config.SecureKeys() {
		secret = append(secret, k.String())
	}
	sort.Strings(secret)
	return cfg, secret, nil
}

// placeholderDecrypter "decrypts" every ciphertext to SecretPlaceholder.
type placeholderDecrypter struct{}

func (placeholderDecrypter) DecryptValue(context.Context, string) (string, error) {
	return SecretPlaceholder, nil
}

func (d placeholderDecrypter) BatchDecrypt(ctx context.Context, ciphertexts []string) ([]string, error) {
	return pconfig.DefaultBatchDecrypt(ctx, d, ciphertexts)
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
	// LastDeployment is the outputs of the stack's previous deployment (nil: a stack
	// never deployed), which the program reads through a stack reference to itself.
	LastDeployment map[string]any
}

// Run runs program for the committed stack file of stack, with opts applied, and
// returns what it registered together with the program's error.
func Run(program pulumi.RunFunc, stack string, opts Options) (*Mocks, error) {
	path, err := StackFile(stack)
	if err != nil {
		return nil, err
	}
	return RunFile(program, stack, path, opts)
}

// RunFile runs program as stack with the configuration of the stack file at path, with
// opts applied. Keys encrypted in the file reach the program as secret
// [SecretPlaceholder] values.
func RunFile(program pulumi.RunFunc, stack, path string, opts Options) (*Mocks, error) {
	proj, err := ReadProject()
	if err != nil {
		return nil, err
	}
	cfg, secret, err := StackFileConfig(path)
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
	// The project directory the program sees is the stack file's: a stack that follows
	// another stack's file (key baseStack) reads it from there.
	return runWithConfig(program, project, stack, filepath.Dir(path), cfg, append(secret, opts.SecretKeys...), opts.LastDeployment)
}

// RunWithConfig runs program with exactly the given configuration, as a stack never
// deployed before.
func RunWithConfig(program pulumi.RunFunc, project, stack string, cfg map[string]string, secretKeys []string) (*Mocks, error) {
	root, _ := RepoRoot() // "" only outside the repository, where no stack file can be read anyway
	return runWithConfig(program, project, stack, root, cfg, secretKeys, nil)
}

func runWithConfig(program pulumi.RunFunc, project, stack, rootDir string, cfg map[string]string, secretKeys []string, last map[string]any) (*Mocks, error) {
	m := NewMocks(project, stack)
	m.LastDeployment = last
	keys := append([]string(nil), secretKeys...)
	sort.Strings(keys)
	err := pulumi.RunErr(program, pulumi.WithMocks(project, stack, m), func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = keys
		info.RootDirectory = rootDir
	})
	return m, err
}
