package program_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/internal/pulumitest"
)

// both applies several option functions to one run (each overrides different keys).
func both(fs ...func(t *testing.T) pulumitest.Options) func(t *testing.T) pulumitest.Options {
	return func(t *testing.T) pulumitest.Options {
		cfg := map[string]string{}
		for _, f := range fs {
			for k, v := range f(t).Config {
				cfg[k] = v
			}
		}
		return pulumitest.Options{Config: cfg}
	}
}

// tooManyRanges is a JSON list of 10,001 distinct IPv4 /32s, one more than a WAF IP set holds.
func tooManyRanges() string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i <= 10000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"10.%d.%d.%d/32"`, i/65536, i/256%256, i%256)
	}
	b.WriteString("]")
	return b.String()
}

var edgeCases = []badConfigCase{
	// WAF
	{"country code ISO does not assign", patch("waf", "blockedCountries", `["JP","XX"]`), "waf.blockedCountries[1]"},
	{"country code in lower case", patch("waf", "blockedCountries", `["cn"]`), "waf.blockedCountries[0]"},
	{"country listed twice", patch("waf", "blockedCountries", `["RU","RU"]`), "waf.blockedCountries[1]"},
	{"allowed CIDR not an address", patch("waf", "allowedCidrs", `["203.0.113.300/24"]`), "waf.allowedCidrs[0]"},
	{"blocked CIDR with host bits", patch("waf", "blockedCidrs", `["198.51.100.7/24"]`), "waf.blockedCidrs[0]"},
	{"blocked CIDR covering everything", patch("waf", "blockedCidrs", `["::/0"]`), "waf.blockedCidrs[0]"},
	{"allowed CIDR listed twice", patch("waf", "allowedCidrs", `["2001:db8::/32","2001:db8::/32"]`), "waf.allowedCidrs[1]"},
	{"more ranges than one IP set holds", patch("waf", "blockedCidrs", tooManyRanges()), "waf.blockedCidrs"},
	{"excluded rule listed twice", patch("waf", "managedRules", `{"commonRuleSet":{"excludedRules":["SizeRestrictions_BODY","SizeRestrictions_BODY"]}}`), "waf.managedRules.commonRuleSet.excludedRules[1]"},
	{"CIDR both allowed and blocked", patch("waf", "allowedCidrs", `["203.0.113.0/24"]`, "blockedCidrs", `["203.0.113.0/24"]`), "waf.blockedCidrs[0]"},
	{"rate limit below AWS's minimum of 10", patch("waf", "rateLimit", `9`), "waf.rateLimit"},
	{"rate limit window AWS does not offer", patch("waf", "rateLimitWindowSeconds", `30`), "waf.rateLimitWindowSeconds"},
	{"managed group mode", patch("waf", "managedRules", `{"commonRuleSet":{"mode":"off"}}`), "waf.managedRules.commonRuleSet.mode"},
	{"excluded rule name", patch("waf", "managedRules", `{"sqlDatabase":{"excludedRules":["SQLi BODY"]}}`), "waf.managedRules.sqlDatabase.excludedRules[0]"},
	{"unknown managed group", patch("waf", "managedRules", `{"botControl":{"mode":"count"}}`), "waf"},
	{"WAF log retention CloudWatch does not offer", patch("waf", "logRetentionDays", `45`), "waf.logRetentionDays"},
	{"misspelt waf field", patch("waf", "rateLimt", `100`), "waf"},
	// Monitoring
	{"alert email missing where required", patch("monitoring", "alertEmail", `""`, "requireAlertEmail", `true`), "monitoring.alertEmail"},
	{"alert email malformed", patch("monitoring", "alertEmail", `"oncall at example.com"`), "monitoring.alertEmail"},
	{"CPU threshold above 100%", patch("monitoring", "ecsCpuPercent", `120`), "monitoring.ecsCpuPercent"},
	{"memory threshold zero", patch("monitoring", "ecsMemoryPercent", `0`), "monitoring.ecsMemoryPercent"},
	{"5xx rate threshold negative", patch("monitoring", "alb5xxPercent", `-1`), "monitoring.alb5xxPercent"},
	{"5xx guard of zero requests", patch("monitoring", "alb5xxMinRequests", `0`), "monitoring.alb5xxMinRequests"},
	{"p95 response time zero", patch("monitoring", "targetResponseTimeP95Seconds", `0`), "monitoring.targetResponseTimeP95Seconds"},
	{"connections above Aurora's cap", patch("monitoring", "dbConnections", `6000`), "monitoring.dbConnections"},
	{"ACU utilization above 100%", patch("monitoring", "dbAcuUtilizationPercent", `101`), "monitoring.dbAcuUtilizationPercent"},
	{"freeable memory threshold zero", patch("monitoring", "dbFreeableMemoryMiB", `0`), "monitoring.dbFreeableMemoryMiB"},
	{"replica lag threshold zero", patch("monitoring", "dbReplicaLagSeconds", `0`), "monitoring.dbReplicaLagSeconds"},
	{"blocked-request spike zero", patch("monitoring", "wafBlockedRequests", `0`), "monitoring.wafBlockedRequests"},
	{"misspelt monitoring field", patch("monitoring", "alertEmails", `["a@example.com"]`), "monitoring"},
	// Bastion
	{"bastion without a path to SSM", both(
		patch("network", "natGateways", `"none"`, "interfaceEndpoints", `["ssm","ecr.api"]`),
		patch("bastion", "enabled", `true`),
	), "bastion.enabled"},
	{"bastion on a non-Graviton type", patch("bastion", "instanceType", `"t3.micro"`), "bastion.instanceType"},
}

func TestBadConfigEdgeMonitoringBastion(t *testing.T) { runBadConfig(t, edgeCases) }

// TestBastionWithEndpointsIsAccepted is the other side of the SSM-path rule: without a NAT
// gateway, the three Session Manager endpoints are enough for the bastion (the others are
// the ones the ECS tasks need, config.TaskEndpoints).
func TestBastionWithEndpointsIsAccepted(t *testing.T) {
	opts := both(
		patch("network", "natGateways", `"none"`, "interfaceEndpoints", `["ecr.api","ecr.dkr","logs","ssm","ssmmessages","ec2messages"]`),
		patch("bastion", "enabled", `true`),
	)(t)
	r := programtest.Run("prod", opts)
	if r.Err != nil {
		t.Fatalf("bastion with the SSM endpoints rejected: %v", r.Err)
	}
	if len(r.ByType("ecsite:access:Bastion")) != 1 {
		t.Errorf("bastion not created")
	}
}

// TestEdgeProblemsAreReportedTogether: bad WAF, monitoring and bastion values in one run
// are all reported, and nothing is registered.
func TestEdgeProblemsAreReportedTogether(t *testing.T) {
	opts := both(
		patch("waf", "rateLimit", `5`, "blockedCountries", `["ZZ"]`),
		patch("monitoring", "ecsCpuPercent", `150`),
		patch("bastion", "instanceType", `"m5.large"`),
	)(t)
	r := programtest.Run("prod", opts)
	ve, ok := config.AsValidationError(r.Err)
	if !ok {
		t.Fatalf("want a *config.ValidationError, got %v", r.Err)
	}
	for _, k := range []string{"waf.rateLimit", "waf.blockedCountries[0]", "monitoring.ecsCpuPercent", "bastion.instanceType"} {
		if !ve.Has(k) {
			t.Errorf("missing %s in %v", k, ve.Keys())
		}
	}
	if r.Count() != 0 {
		t.Errorf("registered %d resources; want 0", r.Count())
	}
}
