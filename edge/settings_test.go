package edge_test

import (
	"testing"

	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/programtest"
)

// TestWafSettingsCheck feeds the settings check each value AWS or the program refuses, over
// the code defaults, and wants a problem at the named key. The whole-program tests in
// program/ show that such a problem stops the stack before any resource is registered.
func TestWafSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "waf", edge.WafDefaults, func(s edge.WafSettings, p *check.Problems) { s.Check(p) }, []programtest.SettingsCase{
		{"country code in lower case", `{"blockedCountries":["cn"]}`, "waf.blockedCountries[0]"},
		{"country listed twice", `{"blockedCountries":["RU","RU"]}`, "waf.blockedCountries[1]"},
		{"allowed CIDR not an address", `{"allowedCidrs":["203.0.113.300/24"]}`, "waf.allowedCidrs[0]"},
		{"blocked CIDR with host bits", `{"blockedCidrs":["198.51.100.7/24"]}`, "waf.blockedCidrs[0]"},
		{"blocked CIDR covering everything", `{"blockedCidrs":["::/0"]}`, "waf.blockedCidrs[0]"},
		{"allowed CIDR listed twice", `{"allowedCidrs":["2001:db8::/32","2001:db8::/32"]}`, "waf.allowedCidrs[1]"},
		{"excluded rule listed twice", `{"managedRules":{"commonRuleSet":{"excludedRules":["SizeRestrictions_BODY","SizeRestrictions_BODY"]}}}`, "waf.managedRules.commonRuleSet.excludedRules[1]"},
		{"CIDR both allowed and blocked", `{"allowedCidrs":["203.0.113.0/24"],"blockedCidrs":["203.0.113.0/24"]}`, "waf.blockedCidrs[0]"},
		{"rate limit below AWS's minimum of 10", `{"rateLimit":9}`, "waf.rateLimit"},
		{"rate limit window AWS does not offer", `{"rateLimitWindowSeconds":30}`, "waf.rateLimitWindowSeconds"},
		{"managed group mode", `{"managedRules":{"commonRuleSet":{"mode":"off"}}}`, "waf.managedRules.commonRuleSet.mode"},
		{"excluded rule name", `{"managedRules":{"sqlDatabase":{"excludedRules":["SQLi BODY"]}}}`, "waf.managedRules.sqlDatabase.excludedRules[0]"},
		{"WAF log retention CloudWatch does not offer", `{"logRetentionDays":45}`, "waf.logRetentionDays"},
		{"large-body prefix without a leading slash", `{"largeBodyPathPrefix":"api/"}`, "waf.largeBodyPathPrefix"},
		{"large-body prefix with a wildcard", `{"largeBodyPathPrefix":"/api/*"}`, "waf.largeBodyPathPrefix"},
		{"large-body maximum above what CloudFront forwards to WAF", `{"largeBodyMaxBytes":65537}`, "waf.largeBodyMaxBytes"},
		{"large-body maximum of zero", `{"largeBodyMaxBytes":0}`, "waf.largeBodyMaxBytes"},
		{"country code ISO does not assign", `{"blockedCountries":["JP","XX"]}`, "waf.blockedCountries[1]"},
		// A stack with the web ACL off still has its rules checked, so turning it on for a
		// test cannot fail on a value nobody looked at.
		{"bad rate limit with the web ACL off", `{"enabled":false,"rateLimit":9}`, "waf.rateLimit"},
	})
	t.Run("production default is on", func(t *testing.T) {
		if !edge.WafDefaults().Enabled {
			t.Error("waf.enabled defaults to false; production needs the web ACL")
		}
	})
}

// TestBodyInspectionSettingRoundTrips: the setting the web ACL gets for a maximum body
// covers it, in the smallest 16 KB step, and reads back as its size in bytes.
func TestBodyInspectionSettingRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		max   int
		limit string
	}{{1, "KB_16"}, {16 * 1024, "KB_16"}, {16*1024 + 1, "KB_32"}, {48 * 1024, "KB_48"}, {64 * 1024, "KB_64"}} {
		got := edge.BodyInspectionLimit(tc.max)
		if got != tc.limit || edge.BodyInspectionBytes(got) < tc.max {
			t.Errorf("%d bytes: %s (%d bytes); want %s", tc.max, got, edge.BodyInspectionBytes(got), tc.limit)
		}
	}
	if got := edge.BodyInspectionBytes(""); got != 16*1024 {
		t.Errorf("no setting reads as %d bytes; want CloudFront's default 16384", got)
	}
}
