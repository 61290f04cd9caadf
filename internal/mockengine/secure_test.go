package mockengine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/program"
)

// A value set with `pulumi config set --secret --path 'appSecrets.SENTRY_DSN'` sits in
// the stack file as ciphertext under the key. The reader must hand it to the program as
// a secret placeholder, mark the whole key secret (as the CLI does), never decrypt it, and
// the whole program must still run.
func TestStackFileWithSecureValue(t *testing.T) {
	prod, err := mockengine.StackFile("prod")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(prod)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("  ecsite:appSecrets:\n    SENTRY_DSN:\n      secure: v1:ZmFrZQ==:ZmFrZWNpcGhlcnRleHQ=\n")...)
	path := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, secret, err := mockengine.StackFileConfig(path)
	if err != nil {
		t.Fatalf("reading a stack file with a secure value: %v", err)
	}
	if want := `{"SENTRY_DSN":"` + mockengine.SecretPlaceholder + `"}`; cfg["ecsite:appSecrets"] != want {
		t.Errorf("ecsite:appSecrets = %q; want %s", cfg["ecsite:appSecrets"], want)
	}
	found := false
	for _, k := range secret {
		found = found || k == "ecsite:appSecrets"
	}
	if !found {
		t.Errorf("ecsite:appSecrets is not marked secret: %v", secret)
	}
	// web names SENTRY_DSN (an app secret no service names is refused).
	services := programtest.Key(t, "services")
	named := programtest.AppSecrets(t, "prod", nil, map[string][]string{"SENTRY_DSN": {"web"}})
	m, err := mockengine.RunFile(program.Run, "prod", path, mockengine.Options{Config: map[string]string{services: named.Config[services]}})
	if err != nil {
		t.Fatalf("program with a secure value: %v", err)
	}
	sentry := false
	for _, p := range m.ByType("aws:ssm/parameter:Parameter") {
		if strings.HasSuffix(p.In("name").Str(), "/SENTRY_DSN") {
			sentry = true
			if !p.In("value").Secret() {
				t.Error("the SENTRY_DSN parameter value is not secret")
			}
		}
	}
	if !sentry {
		t.Error("no SENTRY_DSN parameter registered for the secure value")
	}
}
