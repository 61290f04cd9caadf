package database_test

import (
	"strings"
	"testing"

	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/programtest"
)

// TestSettingsCheck feeds the settings check each value AWS or the program refuses, over
// the code defaults, and wants a problem at the named key. The whole-program tests in
// program/ show that such a problem stops the stack before any resource is registered.
func TestSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "database", database.DefaultSettings, func(s database.Settings, p *check.Problems) { s.Check(p) }, []programtest.SettingsCase{
		{"capacity not a half step", `{"maxCapacity":16.25}`, "database.maxCapacity"},
		{"min capacity not a half step", `{"minCapacity":0.3}`, "database.minCapacity"},
		{"max above 256", `{"maxCapacity":300}`, "database.maxCapacity"},
		{"negative min", `{"minCapacity":-0.5}`, "database.minCapacity"},
		{"zero max", `{"minCapacity":0,"maxCapacity":0,"secondsUntilAutoPause":300}`, "database.maxCapacity"},
		{"max 0.5, which AWS refuses as a maximum", `{"minCapacity":0,"maxCapacity":0.5,"secondsUntilAutoPause":300}`, "database.maxCapacity"},
		{"auto-pause with min above 0", `{"secondsUntilAutoPause":300}`, "database.secondsUntilAutoPause"},
		{"auto-pause below 300 s", `{"minCapacity":0,"secondsUntilAutoPause":60}`, "database.secondsUntilAutoPause"},
		{"auto-pause above a day", `{"minCapacity":0,"secondsUntilAutoPause":86401}`, "database.secondsUntilAutoPause"},
		{"min 0 without auto-pause time", `{"minCapacity":0}`, "database.secondsUntilAutoPause"},
		{"engine major 16", `{"engineVersion":"16.4"}`, "database.engineVersion"},
		{"engine major 18", `{"engineVersion":"18.1"}`, "database.engineVersion"},
		{"Performance Insights at a 0.5 ACU minimum", `{"performanceInsights":true,"minCapacity":0.5}`, "database.performanceInsights"},
		{"expired certificate authority", `{"caCertIdentifier":"rds-ca-2019"}`, "database.caCertIdentifier"},
		{"certificate authority misspelt", `{"caCertIdentifier":"rds-ca-rds2048-g1"}`, "database.caCertIdentifier"},
		{"engine 17 before Aurora's first 17 release", `{"engineVersion":"17.2"}`, "database.engineVersion"},
		{"engine version without minor", `{"engineVersion":"17"}`, "database.engineVersion"},
		{"no instances", `{"instanceCount":0}`, "database.instanceCount"},
		{"more instances than Aurora allows", `{"instanceCount":17}`, "database.instanceCount"},
		{"retention 0", `{"backupRetentionDays":0}`, "database.backupRetentionDays"},
		{"retention above 35", `{"backupRetentionDays":36}`, "database.backupRetentionDays"},
		{"maintenance overlaps backup", `{"maintenanceWindow":"mon:17:30-mon:18:30"}`, "database.maintenanceWindow"},
		{"maintenance across midnight overlaps backup", `{"backupWindow":"23:30-00:30","maintenanceWindow":"sun:23:45-mon:00:45"}`, "database.maintenanceWindow"},
		{"maintenance wrapping the week overlaps backup", `{"backupWindow":"00:00-00:30","maintenanceWindow":"sun:23:00-mon:01:00"}`, "database.maintenanceWindow"},
		{"malformed backup window", `{"backupWindow":"17:00~18:00"}`, "database.backupWindow"},
		{"backup window hour 24", `{"backupWindow":"24:00-01:00"}`, "database.backupWindow"},
		{"backup window under 30 minutes", `{"backupWindow":"17:00-17:15"}`, "database.backupWindow"},
		{"malformed maintenance window", `{"maintenanceWindow":"sunday 19:00-20:00"}`, "database.maintenanceWindow"},
		{"maintenance day capitalised", `{"maintenanceWindow":"Sun:19:00-Sun:20:00"}`, "database.maintenanceWindow"},
		{"maintenance unknown day", `{"maintenanceWindow":"sud:19:00-sud:20:00"}`, "database.maintenanceWindow"},
		{"username admin reserved on aurora-postgresql", `{"masterUsername":"admin"}`, "database.masterUsername"},
		{"username rdsadmin", `{"masterUsername":"rdsadmin"}`, "database.masterUsername"},
		{"username with pg_ prefix", `{"masterUsername":"pg_owner"}`, "database.masterUsername"},
		{"username a reserved key word", `{"masterUsername":"user"}`, "database.masterUsername"},
		{"username starting with a digit", `{"masterUsername":"1admin"}`, "database.masterUsername"},
		{"username with a hyphen", `{"masterUsername":"db-admin"}`, "database.masterUsername"},
		{"username too long", `{"masterUsername":"` + strings.Repeat("a", 64) + `"}`, "database.masterUsername"},
		{"username over Aurora's 16 characters", `{"masterUsername":"` + strings.Repeat("a", 17) + `"}`, "database.masterUsername"},
		{"username with an underscore", `{"masterUsername":"db_admin"}`, "database.masterUsername"},
		{"empty database name", `{"databaseName":""}`, "database.databaseName"},
		{"database name postgres exists already", `{"databaseName":"postgres"}`, "database.databaseName"},
		{"database name a key word", `{"databaseName":"select"}`, "database.databaseName"},
		{"database name with a dot", `{"databaseName":"shop.db"}`, "database.databaseName"},
		{"monitoring interval RDS does not offer", `{"monitoringInterval":45}`, "database.monitoringInterval"},
		{"log retention CloudWatch does not offer", `{"logRetentionDays":10}`, "database.logRetentionDays"},
	})
}

// TestMaxConnections checks the connection limit against the rows AWS publishes for
// Aurora PostgreSQL Serverless v2 and the 2,000 cap of a 0 or 0.5 ACU minimum.
func TestMaxConnections(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		want     int
	}{
		{0, 1, 189}, {0.5, 1, 189}, {1, 4, 823}, {2, 8, 1669}, {1, 16, 3360},
		{0.5, 16, 2000}, {0, 16, 2000}, {0.5, 8, 1669}, {1, 32, 5000}, {4, 256, 5000},
		{0.5, 256, 2000}, {1, 12, 2514}, // between rows: linear in memory
	} {
		s := database.DefaultSettings()
		s.MinCapacity, s.MaxCapacity = c.min, c.max
		if got := s.MaxConnections(); got != c.want {
			t.Errorf("%v-%v ACUs: max_connections %d; want %d", c.min, c.max, got, c.want)
		}
	}
}
