package edge

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// ManagedRuleMode says what an AWS managed rule group does with the requests its rules match.
type ManagedRuleMode string

// Managed rule group modes.
const (
	// ManagedRuleBlock lets the group's rules act as AWS defines them (mostly block).
	ManagedRuleBlock ManagedRuleMode = "block"
	// ManagedRuleCount only counts and labels matches, to tune false positives without
	// removing the group.
	ManagedRuleCount ManagedRuleMode = "count"
)

// ManagedRuleModes lists the allowed values of waf.managedRules.<group>.mode.
var ManagedRuleModes = []string{string(ManagedRuleBlock), string(ManagedRuleCount)}

// ManagedRuleGroup configures one AWS managed rule group.
type ManagedRuleGroup struct {
	// Mode is block or count. Optional. Defaults to block.
	Mode ManagedRuleMode `json:"mode"`
	// ExcludedRules are rules of the group whose action is overridden to count (their
	// matches are still logged and labelled). Optional. Defaults to none.
	ExcludedRules []string `json:"excludedRules"`
}

// ManagedRules configures the AWS managed rule groups of the web ACL. Every group is
// always present; a group can only be switched to count.
type ManagedRules struct {
	// IPReputation is AWSManagedRulesAmazonIpReputationList.
	IPReputation ManagedRuleGroup `json:"ipReputation"`
	// CommonRuleSet is AWSManagedRulesCommonRuleSet (the core rule set).
	CommonRuleSet ManagedRuleGroup `json:"commonRuleSet"`
	// KnownBadInputs is AWSManagedRulesKnownBadInputsRuleSet.
	KnownBadInputs ManagedRuleGroup `json:"knownBadInputs"`
	// SQLDatabase is AWSManagedRulesSQLiRuleSet.
	SQLDatabase ManagedRuleGroup `json:"sqlDatabase"`
}

// ManagedRuleGroupRef pairs a configured group with its config key and its AWS name.
type ManagedRuleGroupRef struct {
	// Key is the field name under waf.managedRules, e.g. "commonRuleSet".
	Key string
	// AWSName is the managed rule group's name, e.g. "AWSManagedRulesCommonRuleSet".
	AWSName string
	// Group is the configuration.
	Group ManagedRuleGroup
}

// Groups returns the four groups in a fixed order with their keys and AWS names.
func (m ManagedRules) Groups() []ManagedRuleGroupRef {
	return []ManagedRuleGroupRef{
		{"ipReputation", "AWSManagedRulesAmazonIpReputationList", m.IPReputation},
		{"commonRuleSet", "AWSManagedRulesCommonRuleSet", m.CommonRuleSet},
		{"knownBadInputs", "AWSManagedRulesKnownBadInputsRuleSet", m.KnownBadInputs},
		{"sqlDatabase", "AWSManagedRulesSQLiRuleSet", m.SQLDatabase},
	}
}

// WafSettings is the web ACL of the CloudFront distribution; key "waf".
type WafSettings struct {
	// Enabled creates the CLOUDFRONT-scope web ACL (in us-east-1) with its IP sets, its
	// log group, the WAF blocked-requests alarm with the us-east-1 alarm topic and key it
	// notifies, and the dashboard's WAF widget, and attaches the ACL to the distribution.
	// Without it the distribution has no web ACL and none of these exist (about $13 a
	// month less: the ACL, its seven rules and the us-east-1 key). The other waf keys are still
	// checked, so turning it on later needs no other change. Optional. Defaults to true.
	Enabled bool `json:"enabled"`
	// ManagedRules switches AWS managed rule groups to count and excludes rules. Optional.
	// Defaults to every group blocking with no exclusions.
	ManagedRules ManagedRules `json:"managedRules"`
	// RateLimit is the most requests one client IP may send per evaluation window before
	// it is blocked. Optional. Defaults to 2000.
	RateLimit int `json:"rateLimit"`
	// RateLimitWindowSeconds is the evaluation window of the rate limit. Optional.
	// Defaults to 300.
	RateLimitWindowSeconds int `json:"rateLimitWindowSeconds"`
	// BlockedCountries are ISO 3166-1 alpha-2 codes whose requests are blocked. Optional.
	// Defaults to none (no geo rule).
	BlockedCountries []string `json:"blockedCountries"`
	// AllowedCidrs are IPv4 or IPv6 ranges that are always allowed, before any other
	// rule. Optional. Defaults to none.
	AllowedCidrs []string `json:"allowedCidrs"`
	// BlockedCidrs are IPv4 or IPv6 ranges that are always blocked. Optional. Defaults to none.
	BlockedCidrs []string `json:"blockedCidrs"`
	// LogRetentionDays is the retention of the WAF log group. Optional. Defaults to 90.
	LogRetentionDays int `json:"logRetentionDays"`
	// LargeBodyPathPrefix is the path prefix (the API's routes) whose requests may carry
	// bodies up to LargeBodyMaxBytes. The Core rule set blocks every body over 8 KB
	// (SizeRestrictions_BODY); under this prefix that rule only counts and the web ACL's
	// own size rule applies, everywhere else it still blocks. Empty keeps the 8 KB limit on
	// every path. Optional. Defaults to /api/.
	LargeBodyPathPrefix string `json:"largeBodyPathPrefix"`
	// LargeBodyMaxBytes is the largest request body accepted under LargeBodyPathPrefix:
	// 1 to 65536 (64 KB, the most CloudFront forwards to WAF). The web ACL inspects bodies
	// up to the next 16 KB step above it. Optional. Defaults to 65536.
	LargeBodyMaxBytes int `json:"largeBodyMaxBytes"`
}

// WafDefaults returns the production-safe WAF defaults.
func WafDefaults() WafSettings {
	group := func() ManagedRuleGroup { return ManagedRuleGroup{Mode: ManagedRuleBlock, ExcludedRules: []string{}} }
	return WafSettings{
		Enabled: true,
		ManagedRules: ManagedRules{
			IPReputation:   group(),
			CommonRuleSet:  group(),
			KnownBadInputs: group(),
			SQLDatabase:    group(),
		},
		RateLimit:              2000,
		RateLimitWindowSeconds: 300,
		BlockedCountries:       []string{},
		AllowedCidrs:           []string{},
		BlockedCidrs:           []string{},
		LogRetentionDays:       90,
		LargeBodyPathPrefix:    "/api/",
		LargeBodyMaxBytes:      MaxBodyInspectionBytes,
	}
}

// Body inspection of a CLOUDFRONT web ACL: CloudFront forwards the first 16 KB of a body
// to WAF by default, and up to 64 KB in 16 KB steps when the web ACL asks for it
// (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-setting-body-inspection-limit.html).
const (
	BodyInspectionStepBytes = 16 * 1024
	MaxBodyInspectionBytes  = 64 * 1024
)

// BodyInspectionLimit is the web ACL's body inspection setting (KB_16, KB_32, KB_48 or
// KB_64) that covers bodies of maxBytes: the smallest step at or above it.
func BodyInspectionLimit(maxBytes int) string {
	steps := (maxBytes + BodyInspectionStepBytes - 1) / BodyInspectionStepBytes
	steps = max(1, min(steps, MaxBodyInspectionBytes/BodyInspectionStepBytes))
	return fmt.Sprintf("KB_%d", steps*16)
}

// BodyInspectionLimitPath is the web ACL input that holds the body inspection setting of
// the distributions it protects (absent: CloudFront's default, 16 KB).
const BodyInspectionLimitPath = "associationConfig.requestBodies[0].cloudfronts[0].defaultSizeInspectionLimit"

// BodyInspectionBytes is how many bytes of a body CloudFront forwards to a web ACL whose
// setting is limit (KB_16, KB_32, KB_48 or KB_64): the inverse of BodyInspectionLimit.
// An empty or unreadable setting is CloudFront's default, 16 KB.
func BodyInspectionBytes(limit string) int {
	var kb int
	if _, err := fmt.Sscanf(limit, "KB_%d", &kb); err != nil || kb <= 0 {
		return BodyInspectionStepBytes
	}
	return kb * 1024
}

// MaxSearchStringBytes is the longest search string of a byte match statement
// (https://docs.aws.amazon.com/waf/latest/APIReference/API_ByteMatchStatement.html).
const MaxSearchStringBytes = 200

// Limits of a rate-based rule: the limit is 10 to 2,000,000,000 requests and the window
// one of 60, 120, 300 or 600 seconds
// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html,
// https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html).
const (
	MinRateLimit = 10
	MaxRateLimit = 2_000_000_000
)

// RateLimitWindows lists the evaluation windows AWS WAF accepts, in seconds.
var RateLimitWindows = []int{60, 120, 300, 600}

// MaxIPSetAddresses is how many ranges one WAF IP set holds
// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-ipset-match.html).
const MaxIPSetAddresses = 10000

// ruleNamePattern is the pattern of a managed rule name in a rule action override
// (https://docs.aws.amazon.com/waf/latest/APIReference/API_RuleActionOverride.html). Names
// are not checked against a list: AWS adds rules in new group versions.
var ruleNamePattern = regexp.MustCompile(`^[\w-]{1,128}$`)

// IPv4Cidrs returns the IPv4 ranges of cidrs, in the order given.
func IPv4Cidrs(cidrs []string) []string { return cidrsOfFamily(cidrs, true) }

// IPv6Cidrs returns the IPv6 ranges of cidrs, in the order given.
func IPv6Cidrs(cidrs []string) []string { return cidrsOfFamily(cidrs, false) }

func cidrsOfFamily(cidrs []string, v4 bool) []string {
	out := []string{}
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Addr().Is4() == v4 {
			out = append(out, c)
		}
	}
	return out
}

// Check records every problem of w in p, which is scoped under the "waf" key.
func (w WafSettings) Check(p *check.Problems) {
	for _, g := range w.ManagedRules.Groups() {
		key := "managedRules." + g.Key
		p.Allowed(key+".mode", string(g.Group.Mode), ManagedRuleModes)
		seen := map[string]bool{}
		for i, rule := range g.Group.ExcludedRules {
			k := fmt.Sprintf("%s.excludedRules[%d]", key, i)
			switch {
			case !ruleNamePattern.MatchString(rule):
				p.Addf(k, "%q is not a rule name of %s (1-128 letters, digits, _ or -, e.g. SizeRestrictions_BODY)", rule, g.AWSName)
			case seen[rule]:
				p.Addf(k, "%q is listed twice", rule)
			}
			seen[rule] = true
		}
	}

	if w.RateLimit < MinRateLimit || w.RateLimit > MaxRateLimit {
		p.Addf("rateLimit", "%d is outside what AWS WAF accepts: %d to %d requests per window", w.RateLimit, MinRateLimit, MaxRateLimit)
	}
	if !check.OneOf(w.RateLimitWindowSeconds, RateLimitWindows) {
		p.Addf("rateLimitWindowSeconds", "%d is not an evaluation window AWS WAF accepts; use one of %s", w.RateLimitWindowSeconds, check.Join(RateLimitWindows))
	}
	p.Retention("logRetentionDays", w.LogRetentionDays)
	switch prefix := w.LargeBodyPathPrefix; {
	case prefix == "":
	case !strings.HasPrefix(prefix, "/") || strings.ContainsAny(prefix, "*? \t"):
		p.Addf("largeBodyPathPrefix", "%q is not a path prefix such as /api/ (a leading /, no wildcard, no space); empty keeps the 8 KB limit everywhere", prefix)
	case len(prefix) > MaxSearchStringBytes:
		p.Addf("largeBodyPathPrefix", "%q is longer than the %d bytes a WAF string match takes", prefix, MaxSearchStringBytes)
	}
	if w.LargeBodyMaxBytes < 1 || w.LargeBodyMaxBytes > MaxBodyInspectionBytes {
		p.Addf("largeBodyMaxBytes", "%d is outside 1-%d: CloudFront forwards at most %d bytes of a body to WAF, and a larger body would be blocked unseen", w.LargeBodyMaxBytes, MaxBodyInspectionBytes, MaxBodyInspectionBytes)
	}

	seenCountry := map[string]bool{}
	for i, c := range w.BlockedCountries {
		key := fmt.Sprintf("blockedCountries[%d]", i)
		switch {
		case isoCountries[c]:
			if seenCountry[c] {
				p.Addf(key, "%q is listed twice", c)
			}
			seenCountry[c] = true
		case isoCountries[strings.ToUpper(c)]:
			p.Addf(key, "%q must be upper case: %s", c, strings.ToUpper(c))
		default:
			p.Addf(key, "%q is not an ISO 3166-1 alpha-2 country code such as CN, KP or RU", c)
		}
	}

	allowed := checkCidrs(p, "allowedCidrs", w.AllowedCidrs)
	blocked := checkCidrs(p, "blockedCidrs", w.BlockedCidrs)
	for i, c := range w.BlockedCidrs {
		if pr, ok := blocked[c]; ok {
			if _, both := allowed[c]; both {
				p.Addf(fmt.Sprintf("blockedCidrs[%d]", i), "%s is also in waf.allowedCidrs; the allow list is evaluated first, so the block would never apply", pr)
			}
		}
	}
}

// checkCidrs validates a list of WAF IP ranges and returns the valid ones by value.
func checkCidrs(p *check.Problems, key string, cidrs []string) map[string]netip.Prefix {
	valid := map[string]netip.Prefix{}
	v4, v6 := 0, 0
	for i, c := range cidrs {
		k := fmt.Sprintf("%s[%d]", key, i)
		prefix, err := netip.ParsePrefix(c)
		switch {
		case err != nil:
			p.Addf(k, "%q is not an IPv4 or IPv6 CIDR block such as 203.0.113.0/24 or 2001:db8::/32", c)
			continue
		case prefix.Addr().Zone() != "" || prefix.Addr().Is4In6():
			p.Addf(k, "%q is not a plain IPv4 or IPv6 CIDR block", c)
			continue
		case prefix.Masked() != prefix:
			p.Addf(k, "%q has host bits set; did you mean %s?", c, prefix.Masked())
			continue
		case prefix.Bits() == 0:
			// AWS WAF supports every range except /0
			// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-ipset-match.html).
			p.Addf(k, "%q covers every address; AWS WAF does not accept /0", c)
			continue
		}
		if _, dup := valid[c]; dup {
			p.Addf(k, "%q is listed twice", c)
			continue
		}
		valid[c] = prefix
		if prefix.Addr().Is4() {
			v4++
		} else {
			v6++
		}
	}
	if v4 > MaxIPSetAddresses || v6 > MaxIPSetAddresses {
		p.Addf(key, "has %d IPv4 and %d IPv6 ranges; one AWS WAF IP set holds at most %d", v4, v6, MaxIPSetAddresses)
	}
	return valid
}

// isoCountries holds the 249 officially assigned ISO 3166-1 alpha-2 codes
// (https://www.iso.org/iso-3166-country-codes.html), which AWS WAF geo match statements use
// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-geo-match.html).
var isoCountries = func() map[string]bool {
	const codes = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW`
	m := map[string]bool{}
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// CountryCodes returns the ISO 3166-1 alpha-2 codes waf.blockedCountries accepts, sorted.
func CountryCodes() []string {
	out := make([]string, 0, len(isoCountries))
	for c := range isoCountries {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
