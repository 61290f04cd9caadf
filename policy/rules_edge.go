package policy

import (
	"fmt"
	"regexp"
	"strings"
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
