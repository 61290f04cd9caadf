package program_test

import (
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/internal/pulumitest"
)

var databaseCases = []badConfigCase{
	// Capacity.
	{"max below min", patch("database", "minCapacity", `4`, "maxCapacity", `2`), "database.maxCapacity"},
	{"capacity not a half step", patch("database", "maxCapacity", `16.25`), "database.maxCapacity"},
	{"min capacity not a half step", patch("database", "minCapacity", `0.3`), "database.minCapacity"},
	{"max above 256", patch("database", "maxCapacity", `300`), "database.maxCapacity"},
	{"negative min", patch("database", "minCapacity", `-0.5`), "database.minCapacity"},
	{"zero max", patch("database", "minCapacity", `0`, "maxCapacity", `0`, "secondsUntilAutoPause", `300`), "database.maxCapacity"},
	{"max 0.5, which AWS refuses as a maximum", patch("database", "minCapacity", `0`, "maxCapacity", `0.5`, "secondsUntilAutoPause", `300`), "database.maxCapacity"},
	{"capacity as a string", patch("database", "maxCapacity", `"16"`), "database"},
	// Auto-pause.
	{"auto-pause with min above 0", patch("database", "secondsUntilAutoPause", `300`), "database.secondsUntilAutoPause"},
	{"auto-pause below 300 s", patch("database", "minCapacity", `0`, "secondsUntilAutoPause", `60`), "database.secondsUntilAutoPause"},
	{"auto-pause above a day", patch("database", "minCapacity", `0`, "secondsUntilAutoPause", `86401`), "database.secondsUntilAutoPause"},
	{"min 0 without auto-pause time", patch("database", "minCapacity", `0`), "database.secondsUntilAutoPause"},
	// Engine.
	{"engine major 16", patch("database", "engineVersion", `"16.4"`), "database.engineVersion"},
	{"engine major 18", patch("database", "engineVersion", `"18.1"`), "database.engineVersion"},
	{"engine 17 before Aurora's first 17 release", patch("database", "engineVersion", `"17.2"`), "database.engineVersion"},
	{"engine version without minor", patch("database", "engineVersion", `"17"`), "database.engineVersion"},
	// Instances.
	{"no instances", patch("database", "instanceCount", `0`), "database.instanceCount"},
	{"more instances than Aurora allows", patch("database", "instanceCount", `17`), "database.instanceCount"},
	// Backups and windows.
	{"retention 0", patch("database", "backupRetentionDays", `0`), "database.backupRetentionDays"},
	{"retention above 35", patch("database", "backupRetentionDays", `36`), "database.backupRetentionDays"},
	{"maintenance overlaps backup", patch("database", "maintenanceWindow", `"mon:17:30-mon:18:30"`), "database.maintenanceWindow"},
	{"maintenance across midnight overlaps backup", patch("database", "backupWindow", `"23:30-00:30"`, "maintenanceWindow", `"sun:23:45-mon:00:45"`), "database.maintenanceWindow"},
	{"maintenance wrapping the week overlaps backup", patch("database", "backupWindow", `"00:00-00:30"`, "maintenanceWindow", `"sun:23:00-mon:01:00"`), "database.maintenanceWindow"},
	{"malformed backup window", patch("database", "backupWindow", `"17:00~18:00"`), "database.backupWindow"},
	{"backup window hour 24", patch("database", "backupWindow", `"24:00-01:00"`), "database.backupWindow"},
	{"backup window under 30 minutes", patch("database", "backupWindow", `"17:00-17:15"`), "database.backupWindow"},
	{"malformed maintenance window", patch("database", "maintenanceWindow", `"sunday 19:00-20:00"`), "database.maintenanceWindow"},
	{"maintenance day capitalised", patch("database", "maintenanceWindow", `"Sun:19:00-Sun:20:00"`), "database.maintenanceWindow"},
	{"maintenance unknown day", patch("database", "maintenanceWindow", `"sud:19:00-sud:20:00"`), "database.maintenanceWindow"},
	// Names.
	{"username admin reserved on aurora-postgresql", patch("database", "masterUsername", `"admin"`), "database.masterUsername"},
	{"username rdsadmin", patch("database", "masterUsername", `"rdsadmin"`), "database.masterUsername"},
	{"username with pg_ prefix", patch("database", "masterUsername", `"pg_owner"`), "database.masterUsername"},
	{"username a reserved key word", patch("database", "masterUsername", `"user"`), "database.masterUsername"},
	{"username starting with a digit", patch("database", "masterUsername", `"1admin"`), "database.masterUsername"},
	{"username with a hyphen", patch("database", "masterUsername", `"db-admin"`), "database.masterUsername"},
	{"username too long", patch("database", "masterUsername", `"`+strings.Repeat("a", 64)+`"`), "database.masterUsername"},
	{"empty database name", patch("database", "databaseName", `""`), "database.databaseName"},
	{"database name postgres exists already", patch("database", "databaseName", `"postgres"`), "database.databaseName"},
	{"database name a key word", patch("database", "databaseName", `"select"`), "database.databaseName"},
	{"database name with a dot", patch("database", "databaseName", `"shop.db"`), "database.databaseName"},
	// Monitoring and logs.
	{"monitoring interval RDS does not offer", patch("database", "monitoringInterval", `45`), "database.monitoringInterval"},
	{"log retention CloudWatch does not offer", patch("database", "logRetentionDays", `10`), "database.logRetentionDays"},
	// Structure.
	{"misspelt database field", patch("database", "maxCapacityAcu", `16`), "database"},
	{"database not an object", set("database", `[1,2]`), "database"},
	// Optional secrets must be config secrets.
	{"plain MONGODB_URI", set("mongodbUri", "mongodb://x"), "mongodbUri"},
	{"plain DATADOG_API_KEY", set("datadogApiKey", "0123456789abcdef"), "datadogApiKey"},
	{"plain SENTRY_DSN", set("sentryDsn", "https://k@o1.ingest.sentry.io/1"), "sentryDsn"},
}

func TestBadConfigDatabase(t *testing.T) { runBadConfig(t, databaseCases) }

// TestGoodDatabaseWindowsAndNames: values next to the rejected ones are accepted, so
// the checks above reject what AWS rejects and not more.
func TestGoodDatabaseWindowsAndNames(t *testing.T) {
	for name, fields := range map[string]map[string]string{
		"windows across midnight":         {"backupWindow": `"23:30-00:30"`, "maintenanceWindow": `"sat:01:00-sat:02:00"`},
		"maintenance across the week":     {"backupWindow": `"17:00-18:00"`, "maintenanceWindow": `"sun:23:30-mon:00:30"`},
		"63-character username":           {"masterUsername": `"` + strings.Repeat("a", 63) + `"`},
		"username postgres":               {"masterUsername": `"postgres"`},
		"retention bounds":                {"backupRetentionDays": `35`},
		"max 256 ACU, auto-pause 1 d":     {"minCapacity": `0`, "maxCapacity": `256`, "secondsUntilAutoPause": `86400`},
		"max 1 ACU, the smallest maximum": {"minCapacity": `0`, "maxCapacity": `1`, "secondsUntilAutoPause": `300`},
		"first Aurora 17 release":         {"engineVersion": `"17.4"`},
	} {
		t.Run(name, func(t *testing.T) {
			r := programtest.Run("prod", pulumitest.Options{Config: map[string]string{
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
	r := programtest.Run("prod", pulumitest.Options{Config: map[string]string{
		programtest.Key(t, "database"):   `{"minCapacity":3,"maxCapacity":1.7,"instanceCount":40,"masterUsername":"admin","backupRetentionDays":0}`,
		programtest.Key(t, "mongodbUri"): "mongodb://x",
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
