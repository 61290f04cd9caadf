package monitoring

import (
	"net/mail"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// Settings is the alarm topic and the alarm thresholds; key "monitoring".
type Settings struct {
	// AlertEmail receives every alarm and recovery through an SNS email subscription.
	// Optional. Defaults to none.
	AlertEmail string `json:"alertEmail"`
	// RequireAlertEmail rejects a stack without AlertEmail, so that production alarms always
	// reach someone. Optional. Defaults to true.
	RequireAlertEmail bool `json:"requireAlertEmail"`

	// EcsCPUPercent is the per-service average CPU utilization that alarms; it must lie
	// above every service's cpuTarget, where scaling holds the average. Optional.
	// Defaults to 80.
	EcsCPUPercent float64 `json:"ecsCpuPercent"`
	// EcsMemoryPercent is the per-service average memory utilization that alarms; it must
	// lie above every service's memoryTarget (80 by default), where target tracking holds
	// the average during a normal scale-out, so it fires only when scaling cannot keep up.
	// Optional. Defaults to 90.
	EcsMemoryPercent float64 `json:"ecsMemoryPercent"`
	// Alb5xxPercent is the share of requests answered with a 5xx (target or load balancer)
	// that alarms. Optional. Defaults to 5.
	Alb5xxPercent float64 `json:"alb5xxPercent"`
	// Alb5xxMinRequests is the fewest requests in 5 minutes for the 5xx rate to count, so a
	// handful of requests cannot trigger it. Optional. Defaults to 100.
	Alb5xxMinRequests int `json:"alb5xxMinRequests"`
	// TargetResponseTimeP95Seconds is the p95 target response time that alarms. Optional.
	// Defaults to 1.5.
	TargetResponseTimeP95Seconds float64 `json:"targetResponseTimeP95Seconds"`
	// DbCPUPercent is the Aurora CPU utilization that alarms. Optional. Defaults to 80.
	DbCPUPercent float64 `json:"dbCpuPercent"`
	// DbConnections is the Aurora connection count that alarms; 0 derives
	// DbConnectionsPercent of the max_connections of the cluster's capacity range.
	// Optional. Defaults to 0.
	DbConnections int `json:"dbConnections"`
	// DbAcuUtilizationPercent is the Aurora Serverless v2 ACU utilization (capacity used
	// relative to the maximum) that alarms. Optional. Defaults to 90.
	DbAcuUtilizationPercent float64 `json:"dbAcuUtilizationPercent"`
	// DbFreeableMemoryMiB is the freeable memory below which Aurora alarms. Optional. Defaults to 256.
	DbFreeableMemoryMiB int `json:"dbFreeableMemoryMiB"`
	// DbReplicaLagSeconds is the reader replica lag that alarms (only when a reader
	// exists). Optional. Defaults to 5.
	DbReplicaLagSeconds float64 `json:"dbReplicaLagSeconds"`
	// Dashboard creates the CloudWatch dashboard of the stack's services, load balancer,
	// database and WAF ($3 a month); the alarms do not need it. Optional. Defaults to true.
	Dashboard bool `json:"dashboard"`
	// TopicKey is the KMS key that encrypts the alarm topic in the stack's region:
	// dedicated gives the topic a key of its own; compute encrypts it with the compute key
	// (container logs, ECS Exec), whose policy then also lets CloudWatch alarms use it,
	// one key ($1 a month) fewer. The us-east-1 topic of the WAF alarm
	// always has its own key, because a topic's key must be in the topic's region.
	// Optional. Defaults to dedicated.
	TopicKey string `json:"topicKey"`
	// WafBlockedRequests is the number of requests the WAF blocks in 5 minutes that alarms
	// as an attack spike. Optional. Defaults to 1000.
	WafBlockedRequests int `json:"wafBlockedRequests"`
}

// Defaults returns the production-safe monitoring defaults.
func Defaults() Settings {
	return Settings{
		AlertEmail:                   "",
		RequireAlertEmail:            true,
		EcsCPUPercent:                80,
		EcsMemoryPercent:             90,
		Alb5xxPercent:                5,
		Alb5xxMinRequests:            100,
		TargetResponseTimeP95Seconds: 1.5,
		DbCPUPercent:                 80,
		DbConnections:                0,
		DbAcuUtilizationPercent:      90,
		DbFreeableMemoryMiB:          256,
		DbReplicaLagSeconds:          5,
		WafBlockedRequests:           1000,
		Dashboard:                    true,
		TopicKey:                     TopicKeyDedicated,
	}
}

// Values of Settings.TopicKey.
const (
	// TopicKeyDedicated gives the regional alarm topic its own customer managed key.
	TopicKeyDedicated = "dedicated"
	// TopicKeyCompute encrypts the regional alarm topic with the compute key.
	TopicKeyCompute = "compute"
)

// TopicKeys lists the allowed values of monitoring.topicKey.
var TopicKeys = []string{TopicKeyDedicated, TopicKeyCompute}

// Bounds of the thresholds. Aurora PostgreSQL's default max_connections is
// LEAST(DBInstanceClassMemory/9531392, 5000)
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Managing.html#AuroraPostgreSQL.Managing.MaxConnections),
// so a connection threshold above 5000 would never fire with the default parameter group.
const (
	// DbConnectionsPercent is the share of max_connections the derived connection
	// threshold alarms at.
	DbConnectionsPercent      = 80
	MaxDbConnections          = 5000
	MaxTargetResponseTime     = 60.0
	MaxDbReplicaLagSeconds    = 3600.0
	MaxAlb5xxMinRequests      = 1_000_000
	MaxDbFreeableMemoryMiB    = 256 * 2 * 1024 // 256 ACU of about 2 GiB each
	MaxWafBlockedRequestCount = 100_000_000
)

// Check records every problem of s in p, which is scoped under the "monitoring" key.
func (m Settings) Check(p *check.Problems) {
	switch {
	case m.AlertEmail == "" && m.RequireAlertEmail:
		p.Addf("alertEmail", "must be set while %s is true: alarms would reach nobody (set requireAlertEmail: false to opt out)", p.Key("requireAlertEmail"))
	case m.AlertEmail != "":
		addr, err := mail.ParseAddress(m.AlertEmail)
		if err != nil || addr.Address != m.AlertEmail || !strings.Contains(addr.Address[strings.LastIndex(addr.Address, "@")+1:], ".") {
			p.Addf("alertEmail", "%q is not a plain email address such as ops@example.com", m.AlertEmail)
		}
	}

	percent := func(key string, v float64) {
		if v <= 0 || v > 100 {
			p.Addf(key, "%v is not a percentage above 0 and at most 100", v)
		}
	}
	percent("ecsCpuPercent", m.EcsCPUPercent)
	percent("ecsMemoryPercent", m.EcsMemoryPercent)
	percent("alb5xxPercent", m.Alb5xxPercent)
	percent("dbCpuPercent", m.DbCPUPercent)
	percent("dbAcuUtilizationPercent", m.DbAcuUtilizationPercent)

	if m.Alb5xxMinRequests < 1 || m.Alb5xxMinRequests > MaxAlb5xxMinRequests {
		p.Addf("alb5xxMinRequests", "%d is outside 1 to %d requests per 5 minutes", m.Alb5xxMinRequests, MaxAlb5xxMinRequests)
	}
	if m.TargetResponseTimeP95Seconds <= 0 || m.TargetResponseTimeP95Seconds > MaxTargetResponseTime {
		p.Addf("targetResponseTimeP95Seconds", "%v is outside (0, %v] seconds", m.TargetResponseTimeP95Seconds, MaxTargetResponseTime)
	}
	if m.DbConnections < 0 || m.DbConnections > MaxDbConnections {
		p.Addf("dbConnections", "%d is outside 0 to %d connections (Aurora PostgreSQL's default max_connections cap; 0 derives the threshold from the capacity range)", m.DbConnections, MaxDbConnections)
	}
	if m.DbFreeableMemoryMiB < 1 || m.DbFreeableMemoryMiB > MaxDbFreeableMemoryMiB {
		p.Addf("dbFreeableMemoryMiB", "%d is outside 1 to %d MiB", m.DbFreeableMemoryMiB, MaxDbFreeableMemoryMiB)
	}
	if m.DbReplicaLagSeconds <= 0 || m.DbReplicaLagSeconds > MaxDbReplicaLagSeconds {
		p.Addf("dbReplicaLagSeconds", "%v is outside (0, %v] seconds", m.DbReplicaLagSeconds, MaxDbReplicaLagSeconds)
	}
	p.Allowed("topicKey", m.TopicKey, TopicKeys)
	if m.WafBlockedRequests < 1 || m.WafBlockedRequests > MaxWafBlockedRequestCount {
		p.Addf("wafBlockedRequests", "%d is outside 1 to %d blocked requests per 5 minutes", m.WafBlockedRequests, MaxWafBlockedRequestCount)
	}
}
