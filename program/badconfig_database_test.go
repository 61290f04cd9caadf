package program_test

import (
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// databaseCases are whole-program cases: one of the database package's own rules (its
// full table is database/settings_test.go) and what only decoding catches; the app
// secrets the database component writes are in badconfig_secrets_test.go.
var databaseCases = []badConfigCase{
	{"max below min", patch("database", "minCapacity", `4`, "maxCapacity", `2`), "database.maxCapacity"},
	{"capacity as a string", patch("database", "maxCapacity", `"16"`), "database"},
	{"misspelt database field", patch("database", "maxCapacityAcu", `16`), "database"},
	{"database not an object", set("database", `[1,2]`), "database"},
}

func TestBadConfigDatabase(t *testing.T) { runBadConfig(t, databaseCases) }

// TestGoodDatabaseWindowsAndNames: values next to the rejected ones are accepted, so
// the checks above reject what AWS rejects and not more.
func TestGoodDatabaseWindowsAndNames(t *testing.T) {
	for name, fields := range map[string]map[string]string{
		"windows across midnight":         {"backupWindow": `"23:30-00:30"`, "maintenanceWindow": `"sat:01:00-sat:02:00"`},
		"maintenance across the week":     {"backupWindow": `"17:00-18:00"`, "maintenanceWindow": `"sun:23:30-mon:00:30"`},
		"16-character username":           {"masterUsername": `"` + strings.Repeat("a", 16) + `"`},
		"username postgres":               {"masterUsername": `"postgres"`},
		"retention bounds":                {"backupRetentionDays": `35`},
		"max 256 ACU, auto-pause 1 d":     {"minCapacity": `0`, "maxCapacity": `256`, "secondsUntilAutoPause": `86400`},
		"max 1 ACU, the smallest maximum": {"minCapacity": `0`, "maxCapacity": `1`, "secondsUntilAutoPause": `300`},
		"first Aurora 17 release":         {"engineVersion": `"17.4"`},
	} {
		t.Run(name, func(t *testing.T) {
			r := programtest.Run("prod", mockengine.Options{Config: map[string]string{
				programtest.Key(t, "database"): programtest.Patch(t, "prod", "database", fields),
			}})
			if r.Err != nil {
				if ve, ok := config.AsValidationError(r.Err); ok {
					t.Fatalf("rejected: %v", ve)
				}
				t.Fatal(r.Err)
			}
		})
	}
}

// TestEveryDatabaseProblemIsReportedAtOnce: several bad database fields are reported
// together, each with its value.
func TestEveryDatabaseProblemIsReportedAtOnce(t *testing.T) {
	r := programtest.Run("prod", mockengine.Options{Config: map[string]string{
		programtest.Key(t, "database"):   `{"minCapacity":3,"maxCapacity":1.7,"instanceCount":40,"masterUsername":"admin","backupRetentionDays":0}`,
		programtest.Key(t, "mongodbUri"): "mongodb://x", // retired: refused with the rest
	}})
	ve, ok := config.AsValidationError(r.Err)
	if !ok {
		t.Fatalf("want a *config.ValidationError, got %v", r.Err)
	}
	for _, k := range []string{"database.maxCapacity", "database.instanceCount", "database.masterUsername", "database.backupRetentionDays", "mongodbUri"} {
		if !ve.Has(k) {
			t.Errorf("missing %s in %v", k, ve.Keys())
		}
	}
	for _, v := range []string{"1.7", "40", `"admin"`} {
		if !strings.Contains(r.Err.Error(), v) {
			t.Errorf("message does not quote the bad value %s:\n%v", v, r.Err)
		}
	}
	if r.Count() != 0 {
		t.Errorf("registered %d resources; want 0", r.Count())
	}
}
