package database

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// Aurora PostgreSQL major version and the parameter group family that goes with it. A
// major upgrade is a deliberate code change (see docs/design.md, "Database upgrades and drift
// guards"), so the major is a constant here rather than a stack value.
const (
	EngineMajor  = 17
	EngineFamily = "aurora-postgresql17"
)

// MinEngineMinor is the first Aurora PostgreSQL 17 release, 17.4. Aurora Serverless v2
// (db.serverless), auto-pause at 0 ACUs and 256 ACUs are available for every 17.x
// release from there on: auto-pause needs 13.15, 14.12, 15.7 or 16.3 and higher, and the
// Aurora PostgreSQL 17 releases are 17.4, 17.5, 17.6, 17.7
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Extensions.html,
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html,
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html).
const MinEngineMinor = 4

// Serverless v2 capacity limits: 0 to 256 ACUs in steps of 0.5, a maximum of at least
// 1 ACU ("The maximum capacity must be higher than 0.5 ACUs",
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-rds-dbcluster-serverlessv2scalingconfiguration.html),
// and auto-pause after 300 to 86,400 idle seconds, only with a minimum of 0 ACUs
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html).
const (
	MaxACU             = 256
	MinMaxACU          = 1
	MinAutoPauseSecond = 300
	MaxAutoPauseSecond = 86400
)

// MaxInstances is the writer plus Aurora's limit of 15 readers per cluster.
const MaxInstances = 16

// Backup retention AWS accepts for Aurora: 1 to 35 days
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html).
const MinBackupRetentionDays, MaxBackupRetentionDays = 1, 35

// CACertificates are the certificate authorities Aurora signs a server certificate with
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html#UsingWithRDS.SSL.RegionCertificateAuthorities).
// rds-ca-2019 expired in August 2024 and is not offered. Each is in the global bundle the
// images hold (CABundlePath); each region has its own certificate of each, named
// "Amazon RDS <region> Root CA RSA2048 G1" and so on.
var CACertificates = []string{"rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"}

// PerformanceInsightsMinACU is the minimum capacity AWS recommends with Performance
// Insights on (see Settings.PerformanceInsights).
const PerformanceInsightsMinACU = 2

// MonitoringIntervals are the enhanced-monitoring intervals RDS accepts, in seconds; 0
// turns enhanced monitoring off.
var MonitoringIntervals = []int{0, 1, 5, 10, 15, 30, 60}

// Settings is the Aurora PostgreSQL Serverless v2 cluster; key "database".
type Settings struct {
	// EngineVersion is the Aurora PostgreSQL version the cluster is created with, 17.x
	// with x >= 4. AWS applies later minor versions itself (auto minor version upgrade).
	// Optional. Defaults to 17.7.
	EngineVersion string `json:"engineVersion"`
	// ApplyEngineVersion makes the next `pulumi up` apply EngineVersion to the running
	// cluster immediately (a deliberate upgrade); normally the running version is left
	// to AWS. Optional. Defaults to false.
	ApplyEngineVersion bool `json:"applyEngineVersion"`
	// MinCapacity is the Serverless v2 minimum in ACUs; 0 lets idle instances pause.
	// Optional. Defaults to 0.5.
	MinCapacity float64 `json:"minCapacity"`
	// MaxCapacity is the Serverless v2 maximum in ACUs, at least 1. Optional. Defaults to 16.
	MaxCapacity float64 `json:"maxCapacity"`
	// SecondsUntilAutoPause is the idle time before an instance pauses; 0 means never,
	// and it must be 300-86400 when MinCapacity is 0. Optional. Defaults to 0.
	SecondsUntilAutoPause int `json:"secondsUntilAutoPause"`
	// InstanceCount is the number of db.serverless instances: one writer and the rest
	// readers, spread over the availability zones. Optional. Defaults to 2.
	InstanceCount int `json:"instanceCount"`
	// MasterUsername is the cluster's master user. Optional. Defaults to dbadmin.
	MasterUsername string `json:"masterUsername"`
	// DatabaseName is the application database created with the cluster. Optional.
	// Defaults to ecsite.
	DatabaseName string `json:"databaseName"`
	// BackupRetentionDays is how long automated backups are kept. Optional. Defaults to 30.
	BackupRetentionDays int `json:"backupRetentionDays"`
	// BackupWindow is the daily backup window, hh24:mi-hh24:mi in UTC. Optional.
	// Defaults to 17:00-18:00 (02:00-03:00 JST).
	BackupWindow string `json:"backupWindow"`
	// MaintenanceWindow is the weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi in UTC.
	// Optional. Defaults to sun:19:00-sun:20:00 (Monday 04:00-05:00 JST).
	MaintenanceWindow string `json:"maintenanceWindow"`
	// DeletionProtection makes AWS refuse to delete the cluster. Optional. Defaults to true.
	DeletionProtection bool `json:"deletionProtection"`
	// FinalSnapshot takes a snapshot when the cluster is deleted and keeps its KMS key.
	// Optional. Defaults to true.
	FinalSnapshot bool `json:"finalSnapshot"`
	// Protect makes Pulumi refuse to delete or replace the cluster and its KMS key.
	// Optional. Defaults to true.
	Protect bool `json:"protect"`
	// MonitoringInterval is the enhanced-monitoring interval in seconds; 0 turns it off.
	// Optional. Defaults to 60.
	MonitoringInterval int `json:"monitoringInterval"`
	// LogRetentionDays is the retention of the exported logs (LogExports). Optional.
	// Defaults to 90.
	LogRetentionDays int `json:"logRetentionDays"`
	// PerformanceInsights turns on Performance Insights (the free 7-day tier) on every
	// instance. AWS recommends a minimum capacity of 2 ACUs with it, and notes that it
	// can keep an instance from scaling down or pausing
	// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.min_capacity_considerations),
	// so it needs MinCapacity of at least PerformanceInsightsMinACU. Prod's 0.5 ACU
	// minimum keeps it off: raising both instances to 2 ACUs would cost about $438 a month
	// (1.5 ACU × 2 × 730 h × $0.20), for a diagnosis that enhanced monitoring, the
	// exported PostgreSQL log and pg_stat_statements cover. Optional. Defaults to false.
	PerformanceInsights bool `json:"performanceInsights"`
	// CACertIdentifier is the certificate authority of every instance's server certificate,
	// pinned so that it cannot change under the clients (docs/images.md names the file a
	// client that trusts a single CA needs). Changing it restarts each instance unless the
	// engine version rotates certificates without a restart
	// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL-certificate-rotation.html).
	// Optional. Defaults to rds-ca-rsa2048-g1, AWS's default for new instances.
	CACertIdentifier string `json:"caCertIdentifier"`
	// IamAuthentication turns on IAM database authentication. Nothing in the stack logs
	// in with IAM, and it adds overhead a small instance feels, so it is off unless a
	// stack needs it. Optional. Defaults to false.
	IamAuthentication bool `json:"iamAuthentication"`
}

// DefaultSettings returns the production-safe database defaults.
func DefaultSettings() Settings {
	return Settings{
		EngineVersion:       "17.7",
		MinCapacity:         0.5,
		MaxCapacity:         16,
		InstanceCount:       2,
		MasterUsername:      "dbadmin",
		DatabaseName:        "ecsite",
		BackupRetentionDays: 30,
		BackupWindow:        "17:00-18:00",
		MaintenanceWindow:   "sun:19:00-sun:20:00",
		DeletionProtection:  true,
		FinalSnapshot:       true,
		Protect:             true,
		MonitoringInterval:  60,
		LogRetentionDays:    90,
		PerformanceInsights: false,
		CACertIdentifier:    "rds-ca-rsa2048-g1",
		IamAuthentication:   false,
	}
}

// AutoPause reports whether idle instances pause (minimum capacity 0).
func (d Settings) AutoPause() bool { return d.MinCapacity == 0 }

// maxConnectionsByMaxACU is Aurora PostgreSQL's default max_connections on a
// Serverless v2 instance by the cluster's maximum capacity, from the table in the Aurora
// User Guide
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections).
// The value follows the memory of the maximum capacity, LEAST(DBInstanceClassMemory/9531392,
// 5000), so it is linear between the rows and 5,000 from 32 ACUs on.
var maxConnectionsByMaxACU = []struct {
	acu         float64
	connections int
}{{1, 189}, {4, 823}, {8, 1669}, {16, 3360}, {32, 5000}}

// LowMinimumConnectionCap is the max_connections Aurora PostgreSQL allows whatever the
// maximum capacity when the minimum capacity is 0 or 0.5 ACUs (same page, the note under
// the table; AWS re:Post "Working of max_connections for Amazon Aurora PostgreSQL
// Serverless" shows 2,000 at 0.5-16 ACUs and 3,360 at 1-16).
const LowMinimumConnectionCap = 2000

// MaxConnections is the max_connections every instance of the cluster gets from its
// capacity range with the default parameter group. It is a static parameter: a change of
// minCapacity or maxCapacity takes effect only when the instances reboot.
func (d Settings) MaxConnections() int {
	rows := maxConnectionsByMaxACU
	n := rows[len(rows)-1].connections
	switch {
	case d.MaxCapacity <= rows[0].acu:
		n = rows[0].connections
	case d.MaxCapacity < rows[len(rows)-1].acu:
		for i := 1; i < len(rows); i++ {
			if d.MaxCapacity <= rows[i].acu {
				lo, hi := rows[i-1], rows[i]
				n = lo.connections + int(float64(hi.connections-lo.connections)*(d.MaxCapacity-lo.acu)/(hi.acu-lo.acu))
				break
			}
		}
	}
	if d.MinCapacity <= 0.5 && n > LowMinimumConnectionCap {
		n = LowMinimumConnectionCap
	}
	return n
}

var (
	engineVersionPattern = regexp.MustCompile(`^([0-9]+)\.([0-9]+)$`)
	identifierPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	backupWindowPattern  = regexp.MustCompile(`^([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$`)
	maintWindowPattern   = regexp.MustCompile(`^([a-z]{3}):([0-9]{2}):([0-9]{2})-([a-z]{3}):([0-9]{2}):([0-9]{2})$`)
)

// reservedRoleNames are master usernames RDS refuses for aurora-postgresql, or that
// PostgreSQL itself reserves for roles:
//   - admin: "reserved word used by the engine" on aurora-postgresql, verified against
//     CloudFormation (https://github.com/aws-cloudformation/cfn-lint/pull/4425,
//     https://github.com/aws/aws-cdk/pull/10597);
//   - rdsadmin and the other roles RDS creates in every cluster
//     (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.html);
//   - public, none and the session-user keywords, which PostgreSQL rejects as role names
//     (https://www.postgresql.org/docs/17/sql-createrole.html).
//
// Names starting with pg_ are reserved too (checked separately), as is every SQL key word
// PostgreSQL marks reserved (reservedKeywords).
var reservedRoleNames = []string{
	"admin", "rdsadmin", "rdsrepladmin", "rdstopmgr",
	"rds_superuser", "rds_replication", "rds_password", "rds_iam", "rds_ad",
	"public", "none", "current_role", "current_user", "session_user", "system_user",
}

// reservedDatabaseNames already exist in every Aurora PostgreSQL cluster.
var reservedDatabaseNames = []string{"postgres", "template0", "template1", "rdsadmin"}

// reservedKeywords are the key words PostgreSQL 17 marks "reserved"
// (https://www.postgresql.org/docs/17/sql-keywords-appendix.html, src/include/parser/kwlist.h
// RESERVED_KEYWORD). RDS refuses them as master user and database names ("can't be a
// reserved word for the chosen database engine",
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html).
var reservedKeywords = []string{
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
	"case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
	"current_date", "current_role", "current_time", "current_timestamp", "current_user",
	"default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
	"fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
	"intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
	"null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
	"returning", "select", "session_user", "some", "symmetric", "system_user", "table", "then",
	"to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
	"window", "with",
}

// Check records every invalid value of d in p, which is scoped under the config key
// ("database"), so keys read "database.maxCapacity".
func (d Settings) Check(p *check.Problems) {
	if m := engineVersionPattern.FindStringSubmatch(d.EngineVersion); m == nil {
		p.Addf("engineVersion", "%q is not an Aurora PostgreSQL version such as 17.7", d.EngineVersion)
	} else if major, _ := strconv.Atoi(m[1]); major != EngineMajor {
		p.Addf("engineVersion", "%q has major version %d; this program runs Aurora PostgreSQL %d (family %s). A major upgrade is a code change: see docs/design.md, \"Database upgrades and drift guards\"", d.EngineVersion, major, EngineMajor, EngineFamily)
	} else if minor, _ := strconv.Atoi(m[2]); minor < MinEngineMinor {
		p.Addf("engineVersion", "%q does not exist; Aurora PostgreSQL %d starts at %d.%d", d.EngineVersion, EngineMajor, EngineMajor, MinEngineMinor)
	}

	if d.PerformanceInsights && d.MinCapacity < PerformanceInsightsMinACU {
		p.Addf("performanceInsights", "is on with minCapacity %v; AWS recommends at least %d ACUs with Performance Insights, which can keep an instance from scaling down or pausing: raise minCapacity to %d, or turn it off", d.MinCapacity, PerformanceInsightsMinACU, PerformanceInsightsMinACU)
	}
	if !slices.Contains(CACertificates, d.CACertIdentifier) {
		p.Addf("caCertIdentifier", "%q is not a certificate authority Aurora offers; use one of %s", d.CACertIdentifier, strings.Join(CACertificates, ", "))
	}

	validCapacity := func(key string, v float64) bool {
		switch {
		case math.IsNaN(v) || v < 0 || v > MaxACU:
			p.Addf(key, "%v ACUs is outside 0-%d", v, MaxACU)
		case math.Mod(v*2, 1) != 0:
			p.Addf(key, "%v ACUs is not a multiple of 0.5", v)
		default:
			return true
		}
		return false
	}
	minOK := validCapacity("minCapacity", d.MinCapacity)
	maxOK := validCapacity("maxCapacity", d.MaxCapacity)
	if maxOK && d.MaxCapacity < MinMaxACU {
		p.Addf("maxCapacity", "%v ACUs is below the %d ACU AWS requires of a maximum; use %d-%d", d.MaxCapacity, MinMaxACU, MinMaxACU, MaxACU)
	} else if minOK && maxOK && d.MaxCapacity < d.MinCapacity {
		p.Addf("maxCapacity", "%v ACUs is below minCapacity %v", d.MaxCapacity, d.MinCapacity)
	}
	switch {
	case minOK && d.MinCapacity > 0 && d.SecondsUntilAutoPause != 0:
		p.Addf("secondsUntilAutoPause", "%d is set but minCapacity is %v; instances pause only with minCapacity 0, so use 0 here", d.SecondsUntilAutoPause, d.MinCapacity)
	case minOK && d.MinCapacity == 0 && (d.SecondsUntilAutoPause < MinAutoPauseSecond || d.SecondsUntilAutoPause > MaxAutoPauseSecond):
		p.Addf("secondsUntilAutoPause", "%d is outside %d-%d; minCapacity 0 pauses idle instances and needs the idle time before pausing", d.SecondsUntilAutoPause, MinAutoPauseSecond, MaxAutoPauseSecond)
	}

	if d.InstanceCount < 1 || d.InstanceCount > MaxInstances {
		p.Addf("instanceCount", "%d is outside 1-%d (one writer and up to 15 readers)", d.InstanceCount, MaxInstances)
	}

	if msg := checkIdentifier(d.MasterUsername, reservedRoleNames); msg != "" {
		p.Addf("masterUsername", "%q %s", d.MasterUsername, msg)
	} else if !masterUsernamePattern.MatchString(d.MasterUsername) {
		// Aurora's own limit is tighter than PostgreSQL's 63 characters: CreateDBCluster
		// takes "1 to 16 letters or numbers", the first a letter
		// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html).
		p.Addf("masterUsername", "%q must be 1-16 letters or digits, starting with a letter (Aurora's limit for the master user)", d.MasterUsername)
	}
	if msg := checkIdentifier(d.DatabaseName, reservedDatabaseNames); msg != "" {
		p.Addf("databaseName", "%q %s", d.DatabaseName, msg)
	}

	if d.BackupRetentionDays < MinBackupRetentionDays || d.BackupRetentionDays > MaxBackupRetentionDays {
		p.Addf("backupRetentionDays", "%d is outside %d-%d days", d.BackupRetentionDays, MinBackupRetentionDays, MaxBackupRetentionDays)
	}
	backup, backupErr := parseBackupWindow(d.BackupWindow)
	if backupErr != "" {
		p.Addf("backupWindow", "%q %s", d.BackupWindow, backupErr)
	}
	maint, maintErr := parseMaintenanceWindow(d.MaintenanceWindow)
	if maintErr != "" {
		p.Addf("maintenanceWindow", "%q %s", d.MaintenanceWindow, maintErr)
	}
	if backupErr == "" && maintErr == "" && windowsOverlap(backup, maint) {
		p.Addf("maintenanceWindow", "%q overlaps the daily backup window %q (%s); AWS requires them apart", d.MaintenanceWindow, d.BackupWindow, p.Key("backupWindow"))
	}

	if !check.OneOf(d.MonitoringInterval, MonitoringIntervals) {
		p.Addf("monitoringInterval", "%d is not an enhanced-monitoring interval; use one of %s (0 turns it off)", d.MonitoringInterval, check.Join(MonitoringIntervals))
	}
	p.Retention("logRetentionDays", d.LogRetentionDays)
}

// checkIdentifier applies the RDS rules for master usernames and database names on
// aurora-postgresql: 1-63 letters, digits or underscores, starting with a letter, not a
// reserved word (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html#RDS_Limits.Constraints).
// It returns what is wrong, or "".
func checkIdentifier(name string, reserved []string) string {
	lower := strings.ToLower(name)
	switch {
	case !identifierPattern.MatchString(name):
		return "must be 1-63 letters, digits or underscores, starting with a letter"
	case strings.HasPrefix(lower, "pg_"):
		return "starts with pg_, which PostgreSQL reserves"
	case check.OneOf(lower, reserved):
		return "is reserved by RDS or PostgreSQL"
	case check.OneOf(lower, reservedKeywords):
		return "is a reserved PostgreSQL key word"
	}
	return ""
}

// masterUsernamePattern is what CreateDBCluster accepts as the master user name.
var masterUsernamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,15}$`)

// Minutes in a day and a week, for window arithmetic.
const dayMinutes, weekMinutes = 24 * 60, 7 * 24 * 60

// window is a half-open interval of minutes; start is in [0, period) and end may run
// past the period when the window wraps (midnight, or Sunday to Monday).
type window struct{ start, end int }

// minWindowMinutes is the shortest backup or maintenance window AWS accepts.
const minWindowMinutes = 30

func clock(h, m string) (int, bool) {
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	return hh*60 + mm, hh < 24 && mm < 60
}

// parseBackupWindow reads hh24:mi-hh24:mi (UTC) as minutes of the day.
func parseBackupWindow(s string) (window, string) {
	m := backupWindowPattern.FindStringSubmatch(s)
	if m == nil {
		return window{}, "is not a daily window hh24:mi-hh24:mi in UTC, such as 17:00-18:00"
	}
	start, ok1 := clock(m[1], m[2])
	end, ok2 := clock(m[3], m[4])
	if !ok1 || !ok2 {
		return window{}, "has a time that does not exist; use 00:00 to 23:59"
	}
	if end <= start {
		end += dayMinutes
	}
	if end-start < minWindowMinutes {
		return window{}, fmt.Sprintf("lasts %d minutes; AWS needs at least %d", end-start, minWindowMinutes)
	}
	return window{start, end}, ""
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// parseMaintenanceWindow reads ddd:hh24:mi-ddd:hh24:mi (UTC) as minutes of the week.
// Days are lowercase because RDS reports them so; another spelling would show as a
// change on every preview.
func parseMaintenanceWindow(s string) (window, string) {
	m := maintWindowPattern.FindStringSubmatch(s)
	if m == nil {
		return window{}, "is not a weekly window ddd:hh24:mi-ddd:hh24:mi in UTC with lowercase days, such as sun:19:00-sun:20:00"
	}
	var at [2]int
	for i, part := range [][]string{m[1:4], m[4:7]} {
		day := -1
		for d, name := range weekdays {
			if part[0] == name {
				day = d
			}
		}
		t, ok := clock(part[1], part[2])
		if day < 0 || !ok {
			return window{}, fmt.Sprintf("has %s:%s:%s, which is not a day (%s) and time (00:00-23:59)", part[0], part[1], part[2], strings.Join(weekdays, ", "))
		}
		at[i] = day*dayMinutes + t
	}
	start, end := at[0], at[1]
	if end <= start {
		end += weekMinutes
	}
	if end-start < minWindowMinutes {
		return window{}, fmt.Sprintf("lasts %d minutes; AWS needs at least %d", end-start, minWindowMinutes)
	}
	return window{start, end}, ""
}

// windowsOverlap reports whether the weekly maintenance window meets any day's backup
// window. Touching ends (18:00-19:00 and 19:00-19:30) do not overlap.
func windowsOverlap(backup, maint window) bool {
	for _, shift := range []int{-weekMinutes, 0, weekMinutes} {
		ms, me := maint.start+shift, maint.end+shift
		for day := -1; day <= 7; day++ {
			bs, be := backup.start+day*dayMinutes, backup.end+day*dayMinutes
			if bs < me && ms < be {
				return true
			}
		}
	}
	return false
}
