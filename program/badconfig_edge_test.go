package program_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// both applies several option functions to one run (each overrides different keys).
func both(fs ...func(t *testing.T) mockengine.Options) func(t *testing.T) mockengine.Options {
	return func(t *testing.T) mockengine.Options {
		cfg := map[string]string{}
		for _, f := range fs {
			for k, v := range f(t).Config {
				cfg[k] = v
			}
		}
		return mockengine.Options{Config: cfg}
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

// edgeCases are whole-program cases for the WAF, monitoring and bastion keys: one rule of
// each package's own table (edge/, monitoring/, access/ settings_test.go), what only
// decoding or the whole list catches, and the bastion's cross-key rule.
var edgeCases = []badConfigCase{
	// WAF
	{"country code ISO does not assign", patch("waf", "blockedCountries", `["JP","XX"]`), "waf.blockedCountries[1]"},
	{"more ranges than one IP set holds", patch("waf", "blockedCidrs", tooManyRanges()), "waf.blockedCidrs"},
	{"unknown managed group", patch("waf", "managedRules", `{"botControl":{"mode":"count"}}`), "waf"},
	{"misspelt waf field", patch("waf", "rateLimt", `100`), "waf"},
	// CDN
	{"CloudFront standard logs without the log bucket they go to", patch("loadBalancer", "accessLogs", `false`), "cdn.accessLogs"},
	{"malformed domain", patch("cdn", "domainName", `"shop_example.com"`), "cdn.domainName"},
	{"domain without zone", patch("cdn", "hostedZoneId", `""`), "cdn.hostedZoneId"},
	{"zone without domain", patch("cdn", "domainName", `""`), "cdn.hostedZoneId"},
	{"malformed hosted zone id", patch("cdn", "hostedZoneId", `"zone-1"`), "cdn.hostedZoneId"},
	{"asset pattern matching everything", patch("cdn", "assetPathPatterns", `["/*"]`), "cdn.assetPathPatterns[0]"},
	{"asset pattern taking the API's paths", patch("cdn", "assetPathPatterns", `["/_next/static/*","/api/*"]`), "cdn.assetPathPatterns[1]"},
	{"asset pattern an earlier one shadows", patch("cdn", "assetPathPatterns", `["/static/*","/static/img/*"]`), "cdn.assetPathPatterns[1]"},
	{"image pattern an asset pattern shadows", patch("cdn", "assetPathPatterns", `["/_next/*"]`), "cdn.imagePathPattern"},
	{"image pattern taking the API's paths", patch("cdn", "imagePathPattern", `"/api/*"`), "cdn.imagePathPattern"},
	{"image pattern the API's rule takes", patch("cdn", "imagePathPattern", `"/api/images/*"`), "cdn.imagePathPattern"},
	{"image pattern matching everything", patch("cdn", "imagePathPattern", `"/*"`), "cdn.imagePathPattern"},
	{"price class CloudFront does not offer", patch("cdn", "priceClass", `"PriceClass_300"`), "cdn.priceClass"},
	{"misspelt cdn field", patch("cdn", "certificateArn", `"arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-4697-8877-665544332211"`), "cdn"},
	{"cdn not an object", set("cdn", `["www.example.com"]`), "cdn"},
	// Monitoring
	{"alert email missing where required", patch("monitoring", "alertEmail", `""`, "requireAlertEmail", `true`), "monitoring.alertEmail"},
	{"misspelt monitoring field", patch("monitoring", "alertEmails", `["a@example.com"]`), "monitoring"},
	{"alarm topic key of an unknown component", patch("monitoring", "topicKey", `"shared"`), "monitoring.topicKey"},
	// The service alarms must lie above the scaling targets (80% memory, 70% CPU).
	{"memory alarm at the memory scaling target", patch("monitoring", "ecsMemoryPercent", `80`), "monitoring.ecsMemoryPercent"},
	{"CPU alarm below the CPU scaling target", patch("monitoring", "ecsCpuPercent", `65`), "monitoring.ecsCpuPercent"},
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

// TestBastionWithNatInstanceIsAccepted: a NAT instance is a path to Systems Manager, so
// the bastion needs no endpoints with natGateways instance.
func TestBastionWithNatInstanceIsAccepted(t *testing.T) {
	opts := both(
		patch("network", "natGateways", `"instance"`, "interfaceEndpoints", `[]`),
		patch("bastion", "enabled", `true`),
	)(t)
	r := programtest.Run("prod", opts)
	if r.Err != nil {
		t.Fatalf("bastion behind a NAT instance rejected: %v", r.Err)
	}
	if len(r.ByType("ecsite:access:Bastion")) != 1 || len(r.ByType("aws:autoscaling/group:Group")) != 1 {
		t.Errorf("bastion or NAT instance not created")
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
