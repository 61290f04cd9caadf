package programtest

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/internal/mockengine"
)

// AppSecrets returns options that make the stack-file edits of a team adding app
// secrets to stack: key appSecrets holds values (name to value) as
// `pulumi config set --secret --path 'appSecrets.NAME'` writes them (the key marked
// secret), and each name in readers (name to service names) is appended to the secrets
// list of those services, which starts from the entry's default when the stack file does
// not list it. A reader that is not a service of the stack fails the test.
func AppSecrets(t testing.TB, stack string, values map[string]string, readers map[string][]string) mockengine.Options {
	t.Helper()
	secretsKey, servicesKey := Key(t, "appSecrets"), Key(t, "services")
	b, err := json.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	opts := mockengine.Options{Config: map[string]string{secretsKey: string(b)}, SecretKeys: []string{secretsKey}}
	if len(readers) == 0 {
		return opts
	}
	services, _ := StackValue(t, stack, servicesKey)
	var list []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(services), &list); err != nil {
		t.Fatalf("%s services: %v", stack, err)
	}
	found := map[string]bool{}
	for _, svc := range list {
		var name string
		if err := json.Unmarshal(svc["name"], &name); err != nil {
			t.Fatalf("%s services: %v", stack, err)
		}
		secrets := compute.DefaultServiceNamed(name).Secrets
		if raw, ok := svc["secrets"]; ok {
			secrets = nil
			if err := json.Unmarshal(raw, &secrets); err != nil {
				t.Fatalf("%s services[%s].secrets: %v", stack, name, err)
			}
		}
		for _, secret := range sortedNames(readers) {
			for _, s := range readers[secret] {
				if s == name {
					secrets = append(secrets, secret)
					found[secret+" "+s] = true
				}
			}
		}
		if svc["secrets"], err = json.Marshal(secrets); err != nil {
			t.Fatal(err)
		}
	}
	for secret, services := range readers {
		for _, s := range services {
			if !found[secret+" "+s] {
				t.Fatalf("%s has no service %q to read %s", stack, s, secret)
			}
		}
	}
	if b, err = json.Marshal(list); err != nil {
		t.Fatal(err)
	}
	opts.Config[servicesKey] = string(b)
	return opts
}

// sortedNames returns the keys of m, sorted.
func sortedNames(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
