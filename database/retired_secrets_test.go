package database_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/programtest"
)

// retiredParameter is what the release before appSecrets registered for a third-party
// secret set with its own key.
type retiredParameter struct {
	URN         string `json:"urn"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Tier        string `json:"tier"`
	Description string `json:"description"`
}

// TestRetiredSecretsKeepTheirParameters: a value moved from mongodbUri, datadogApiKey or
// sentryDsn to appSecrets.<PARAMETER> is registered with the URN, SSM name, type and tier
// the old key produced, so the next `pulumi up` updates the parameter in place (its
// description names the new config path) instead of replacing it. The old URNs are
// those the previous release's mock engine recorded (testdata/retired-secret-parameters.json,
// keyed "<stack> <PARAMETER>", with mongodbUri, datadogApiKey and sentryDsn set).
func TestRetiredSecretsKeepTheirParameters(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "retired-secret-parameters.json"))
	if err != nil {
		t.Fatal(err)
	}
	var before map[string]retiredParameter
	if err := json.Unmarshal(b, &before); err != nil {
		t.Fatal(err)
	}
	values, readers := map[string]string{}, map[string][]string{}
	for _, s := range config.RetiredSecrets {
		values[s.Parameter] = "moved-" + s.Key
		readers[s.Parameter] = []string{"api"}
	}
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			s := run(t, stack, programtest.AppSecrets(t, stack, values, readers))
			for _, rs := range config.RetiredSecrets {
				old, ok := before[stack+" "+rs.Parameter]
				if !ok {
					t.Fatalf("testdata has no %s %s", stack, rs.Parameter)
				}
				var now *retiredParameter
				for _, p := range s.r.ByType(programtest.TypeParameter) {
					if p.In("name").Str() == old.Name {
						now = &retiredParameter{URN: string(p.URN), Name: p.In("name").Str(), Type: p.In("type").Str(), Tier: p.In("tier").Str(), Description: p.In("description").Str()}
					}
				}
				if now == nil {
					t.Fatalf("appSecrets.%s registers no parameter %s", rs.Parameter, old.Name)
				}
				if now.URN != old.URN {
					t.Errorf("%s: URN %s; want %s (the %s parameter would be replaced)", rs.Parameter, now.URN, old.URN, rs.Key)
				}
				if now.Type != old.Type || now.Tier != old.Tier {
					t.Errorf("%s: %s %s; want %s %s", rs.Parameter, now.Tier, now.Type, old.Tier, old.Type)
				}
				if want := "Set from the config secret " + config.AppSecretPath(rs.Parameter); now.Description != want {
					t.Errorf("%s: description %q; want %q (was %q)", rs.Parameter, now.Description, want, old.Description)
				}
			}
		})
	}
}
