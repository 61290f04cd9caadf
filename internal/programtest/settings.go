package programtest

import (
	"testing"

	"github.com/ecsite/infra/internal/check"
)

// SettingsCase is one row of a package's bad-value table: Fields, a JSON object, is
// decoded over the package defaults, and the settings check must report Key. It is an
// alias of a plain struct so that tables can list rows without field names.
type SettingsCase = struct {
	Name   string
	Fields string
	Key    string
}

// CheckSettings runs a package's settings check the way config does (scoped under the
// stack key) on the defaults, which must pass, and on every case, each of which must be
// reported under its key with a message that is not empty.
func CheckSettings[T any](t *testing.T, key string, defaults func() T, checkFn func(T, *check.Problems), cases []SettingsCase) {
	t.Helper()
	t.Run("defaults", func(t *testing.T) {
		p := check.NewProblems()
		checkFn(defaults(), p.Under(key))
		if err := p.Err(); err != nil {
			t.Fatalf("the defaults are rejected: %v", err)
		}
	})
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			s := defaults()
			if err := check.DecodeStrict(c.Fields, &s); err != nil {
				t.Fatalf("case %s does not decode: %v", c.Fields, err)
			}
			p := check.NewProblems()
			checkFn(s, p.Under(key))
			ve, ok := check.AsValidationError(p.Err())
			if !ok {
				t.Fatalf("%s accepted; want a problem at %s", c.Fields, c.Key)
			}
			for _, f := range ve.Fields {
				if f.Key == c.Key {
					if f.Message == "" {
						t.Errorf("%s: empty message", c.Key)
					}
					return
				}
			}
			t.Fatalf("%s: problems at %v; want %s", c.Fields, ve.Keys(), c.Key)
		})
	}
}
