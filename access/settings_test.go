package access_test

import (
	"testing"

	"github.com/ecsite/infra/access"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/programtest"
)

// TestSettingsCheck feeds the settings check each value AWS or the program refuses, over
// the code defaults, and wants a problem at the named key. The whole-program tests in
// program/ show that such a problem stops the stack before any resource is registered.
func TestSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "bastion", access.Defaults, func(s access.Settings, p *check.Problems) { s.Check(p) }, []programtest.SettingsCase{
		{"bastion on a non-Graviton type", `{"instanceType":"t3.micro"}`, "bastion.instanceType"},
		{"bastion on an empty type", `{"enabled":true,"instanceType":""}`, "bastion.instanceType"},
	})
}
