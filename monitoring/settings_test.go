package monitoring_test

import (
	"testing"

	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/monitoring"
)

// withEmail is the defaults with the alert email that production stacks must set.
func withEmail() monitoring.Settings {
	s := monitoring.Defaults()
	s.AlertEmail = "ops@example.com"
	return s
}

// TestSettingsCheck feeds the settings check each value AWS or the program refuses, over
// the code defaults, and wants a problem at the named key. The whole-program tests in
// program/ show that such a problem stops the stack before any resource is registered.
func TestSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "monitoring", withEmail, func(s monitoring.Settings, p *check.Problems) { s.Check(p) }, []programtest.SettingsCase{
		{"alert email malformed", `{"alertEmail":"oncall at example.com"}`, "monitoring.alertEmail"},
		{"CPU threshold above 100%", `{"ecsCpuPercent":120}`, "monitoring.ecsCpuPercent"},
		{"memory threshold zero", `{"ecsMemoryPercent":0}`, "monitoring.ecsMemoryPercent"},
		{"5xx rate threshold negative", `{"alb5xxPercent":-1}`, "monitoring.alb5xxPercent"},
		{"5xx guard of zero requests", `{"alb5xxMinRequests":0}`, "monitoring.alb5xxMinRequests"},
		{"p95 response time zero", `{"targetResponseTimeP95Seconds":0}`, "monitoring.targetResponseTimeP95Seconds"},
		{"connections above Aurora's cap", `{"dbConnections":6000}`, "monitoring.dbConnections"},
		{"ACU utilization above 100%", `{"dbAcuUtilizationPercent":101}`, "monitoring.dbAcuUtilizationPercent"},
		{"freeable memory threshold zero", `{"dbFreeableMemoryMiB":0}`, "monitoring.dbFreeableMemoryMiB"},
		{"replica lag threshold zero", `{"dbReplicaLagSeconds":0}`, "monitoring.dbReplicaLagSeconds"},
		{"blocked-request spike zero", `{"wafBlockedRequests":0}`, "monitoring.wafBlockedRequests"},
		{"topic key of another component", `{"topicKey":"database"}`, "monitoring.topicKey"},
		{"topic key empty", `{"topicKey":""}`, "monitoring.topicKey"},
		{"alert email missing where required", `{"alertEmail":"","requireAlertEmail":true}`, "monitoring.alertEmail"},
	})
}
