package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsite/infra/edge"
)

// The edge: TLS of listeners and viewers, the web ACL and origin access of the distribution.

// tlsPolicy matches the ELB security policies that allow only TLS 1.2 and newer.
var tlsPolicy = regexp.MustCompile(`^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)`)

func checkListenersTLS(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/listener:Listener")
	internal := map[string]bool{} // ids and ARNs of internal load balancers
	for _, lb := range g.OfType("aws:lb/loadBalancer:LoadBalancer") {
		if g.In(lb, "internal").Bool() {
			internal[lb.ID] = true
			if arn := lb.Out("arn").Str(); arn != "" {
				internal[arn] = true
			}
		}
	}
	for _, r := range rs {
		if strings.ToUpper(g.In(r, "protocol").Str()) == "HTTP" && internal[g.In(r, "loadBalancerArn").Str()] {
			continue // reached only from inside the VPC (CloudFront's VPC origin)
		}
		switch strings.ToUpper(g.In(r, "protocol").Str()) {
		case "HTTPS", "TLS":
			if p := g.In(r, "sslPolicy").Str(); !tlsPolicy.MatchString(p) {
				fs = append(fs, g.finding(r, "port %v uses TLS policy %q, not a TLS 1.2+ policy", g.In(r, "port").Num(), p))
			}
			if g.In(r, "certificateArn").Str() == "" {
				fs = append(fs, g.finding(r, "port %v has no certificate", g.In(r, "port").Num()))
			}
		default:
			actions := g.In(r, "defaultActions")
			for i := 0; i < actions.Len(); i++ {
				a := fmt.Sprintf("defaultActions[%d].", i)
				if g.In(r, a+"type").Str() != "redirect" || strings.ToUpper(g.In(r, a+"redirect.protocol").Str()) != "HTTPS" {
					fs = append(fs, g.finding(r, "plain %s listener on port %v does %q instead of redirecting to HTTPS",
						g.In(r, "protocol").Str(), g.In(r, "port").Num(), g.In(r, a+"type").Str()))
				}
			}
			if actions.Len() == 0 {
				fs = append(fs, g.finding(r, "plain listener without a redirect"))
			}
		}
	}
	return len(rs), fs
}

// viewerTLSPolicy matches the CloudFront viewer security policies of TLS 1.2 and newer
// with forward-secret ciphers only
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html).
var viewerTLSPolicy = regexp.MustCompile(`^TLSv1\.(2_2021|2_2025|3_2025)$`)

func checkDistributionTLS(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:cloudfront/distribution:Distribution")
	for _, r := range rs {
		behaviours := []string{"defaultCacheBehavior"}
		for i := 0; i < g.In(r, "orderedCacheBehaviors").Len(); i++ {
			behaviours = append(behaviours, fmt.Sprintf("orderedCacheBehaviors[%d]", i))
		}
		for _, b := range behaviours {
			switch p := g.In(r, b+".viewerProtocolPolicy").Str(); p {
			case "redirect-to-https", "https-only":
			default:
				fs = append(fs, g.finding(r, "%s lets viewers use plain HTTP (viewerProtocolPolicy %q)", b, p))
			}
		}
		if g.In(r, "viewerCertificate.cloudfrontDefaultCertificate").Bool() {
			continue
		}
		if p := g.In(r, "viewerCertificate.minimumProtocolVersion").Str(); !viewerTLSPolicy.MatchString(p) {
			fs = append(fs, g.finding(r, "custom certificate with viewer security policy %q; use TLSv1.2_2021 or newer", p))
		}
	}
	return len(rs), fs
}

func checkDistributionWAF(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:cloudfront/distribution:Distribution")
	for _, r := range rs {
		if g.In(r, "webAclId").Str() == "" {
			fs = append(fs, g.finding(r, "no web ACL (webAclId); set waf.enabled: true"))
		}
	}
	return len(rs), fs
}

// checkDistributionOAC finds origins that point at an S3 bucket endpoint without origin
// access control (an origin access identity or a public bucket instead).
func checkDistributionOAC(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:cloudfront/distribution:Distribution")
	for _, r := range rs {
		for i := 0; i < g.In(r, "origins").Len(); i++ {
			o := fmt.Sprintf("origins[%d]", i)
			domain := g.In(r, o+".domainName").Str()
			if !strings.Contains(domain, ".s3.") && !strings.HasSuffix(domain, ".s3.amazonaws.com") {
				continue
			}
			if g.In(r, o+".originAccessControlId").Str() == "" {
				fs = append(fs, g.finding(r, "S3 origin %s without origin access control", domain))
			}
		}
	}
	return len(rs), fs
}

// checkWAFBodyLimit finds web ACLs whose body size limits let a body through unseen: the
// Core rule set's SizeRestrictions_BODY counted (it then only labels) with no rule of the
// web ACL blocking its label, and a body size rule that a body can escape by being larger
// than WAF inspects (oversize handling other than MATCH, or a size above the inspection
// limit: 16 KB unless the web ACL's association config raises it, 8 KB for REGIONAL).
func checkWAFBodyLimit(g *Graph) (int, []Finding) {
	var fs []Finding
	acls := g.OfType("aws:wafv2/webAcl:WebAcl")
	for _, acl := range acls {
		rules, _ := g.In(acl, "rules").Plain().([]any)
		limit := edge.BodyInspectionBytes(g.In(acl, edge.BodyInspectionLimitPath).Str())
		if g.In(acl, "scope").Str() == "REGIONAL" {
			limit = edge.RegionalBodyInspectionBytes
		}
		countedBodyRule, labelBlocked := false, false
		for _, r := range rules {
			rule, _ := r.(map[string]any)
			st, _ := rule["statement"].(map[string]any)
			if group, ok := st["managedRuleGroupStatement"].(map[string]any); ok {
				override, _ := rule["overrideAction"].(map[string]any)
				if group["name"] != "AWSManagedRulesCommonRuleSet" || override["count"] != nil {
					continue // a group in count mode is a deliberate dry run of all its rules
				}
				overrides, _ := group["ruleActionOverrides"].([]any)
				for _, o := range overrides {
					countedBodyRule = countedBodyRule || o.(map[string]any)["name"] == edge.SizeRestrictionsBodyRule
				}
				continue
			}
			action, _ := rule["action"].(map[string]any)
			walkStatements(st, func(s map[string]any) {
				if m, ok := s["labelMatchStatement"].(map[string]any); ok && action["block"] != nil &&
					m["key"] == edge.SizeRestrictionsBodyLabel {
					labelBlocked = true
				}
				m, ok := s["sizeConstraintStatement"].(map[string]any)
				field, _ := m["fieldToMatch"].(map[string]any)
				body, isBody := field["body"].(map[string]any)
				if !ok || !isBody {
					return
				}
				size, _ := m["size"].(float64)
				switch {
				case body["oversizeHandling"] != "MATCH":
					fs = append(fs, g.finding(acl, "rule %v lets a body larger than the %d bytes WAF inspects through (oversizeHandling %v; want MATCH)", rule["name"], limit, body["oversizeHandling"]))
				case int(size) > limit:
					fs = append(fs, g.finding(acl, "rule %v compares bodies with %v bytes, above the %d bytes WAF inspects; raise the inspection limit", rule["name"], size, limit))
				}
			})
		}
		if countedBodyRule && !labelBlocked {
			fs = append(fs, g.finding(acl, "counts the Core rule set's SizeRestrictions_BODY and no rule blocks its label: no body size limit applies anywhere"))
		}
	}
	return len(acls), fs
}

// walkStatements calls f on st and on every statement nested in it.
func walkStatements(st map[string]any, f func(map[string]any)) {
	if st == nil {
		return
	}
	f(st)
	for _, v := range st {
		inner, _ := v.(map[string]any)
		if list, ok := inner["statements"].([]any); ok {
			for _, s := range list {
				m, _ := s.(map[string]any)
				walkStatements(m, f)
			}
		}
	}
}

// checkDistributionLogging finds distributions without standard logging: neither legacy
// logging to a bucket (loggingConfig) nor a standard logging (v2) delivery source of type
// ACCESS_LOGS for the distribution that a delivery sends somewhere.
func checkDistributionLogging(g *Graph) (int, []Finding) {
	delivered := map[string]bool{} // delivery source names with a delivery
	for _, d := range g.OfType("aws:cloudwatch/logDelivery:LogDelivery") {
		delivered[g.In(d, "deliverySourceName").Str()] = true
	}
	logged := map[string]bool{} // distribution ARNs
	for _, s := range g.OfType("aws:cloudwatch/logDeliverySource:LogDeliverySource") {
		if g.In(s, "logType").Str() == "ACCESS_LOGS" && delivered[g.name(s, "name")] {
			logged[g.In(s, "resourceArn").Str()] = true
		}
	}
	var fs []Finding
	ds := g.OfType("aws:cloudfront/distribution:Distribution")
	for _, d := range ds {
		if g.In(d, "loggingConfig.bucket").Str() != "" || logged[d.Out("arn").Str()] {
			continue
		}
		fs = append(fs, g.finding(d, "has no standard logging: no loggingConfig bucket and no ACCESS_LOGS delivery source with a delivery"))
	}
	return len(ds), fs
}
