// Package realtools locates the real programs some tests run against: a PostgreSQL server,
// database clients and a Next.js app from npm. `.ci/real-tools` installs them and prints
// the variables that point the tests at them; CI runs it before `go test ./...`.
//
// A test that needs a tool that is not there fails and says how to install it. Skipping is
// a decision, not an accident: ECSITE_REAL_TESTS=skip skips those tests, and `go test -v`
// names each one and why.
package realtools

import (
	"fmt"
	"os"
	"testing"
)

// SkipVariable, set to "skip", skips the tests that need real tools instead of failing them.
const SkipVariable = "ECSITE_REAL_TESTS"

// Require returns the value of the environment variable env, which names where tool lives.
// Without it the test fails with the way to install the tool, or is skipped with the
// reason when SkipVariable is "skip".
func Require(t testing.TB, env, tool string) string {
	t.Helper()
	if v := os.Getenv(env); v != "" {
		return v
	}
	msg := fmt.Sprintf("%s is not set, so %s is not installed for this test", env, tool)
	if os.Getenv(SkipVariable) == "skip" {
		t.Skipf("%s; skipped because %s=skip", msg, SkipVariable)
	}
	t.Fatalf(`%s: run eval "$(.ci/real-tools <dir>)" first (it installs the pinned tools under <dir>), or set %s=skip to skip this test`, msg, SkipVariable)
	return ""
}
