package edge

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// CdnSettings is the CloudFront distribution in front of the load balancer; key "cdn".
type CdnSettings struct {
	// DomainName is the site's host name, e.g. shop.example.com. With HostedZoneID the
	// distribution serves it with a DNS-validated ACM certificate requested in us-east-1
	// and alias A and AAAA records in the zone. Optional. Defaults to none: viewers then
	// use the distribution's *.cloudfront.net name and CloudFront's default certificate,
	// still over HTTPS.
	DomainName string `json:"domainName"`
	// HostedZoneID is the public Route 53 hosted zone of DomainName; it gets the
	// certificate's validation record and the alias records. Optional; required with
	// DomainName.
	HostedZoneID string `json:"hostedZoneId"`
	// AssetPathPatterns are the request paths served from the assets bucket and cached,
	// one cache behaviour each, in this order; every other path goes to the load balancer,
	// uncached except ImagePathPattern. Optional. Defaults to ["/_next/static/*"]: the release uploads Next.js's
	// build output (.next/static) and nothing else, and Next.js serves public/ itself, so
	// routing any other path to the bucket would answer it with a cached 403.
	AssetPathPatterns []string `json:"assetPathPatterns"`
	// ImagePathPattern is the request path of Next.js's image optimizer (next/image),
	// forwarded to the load balancer and cached by a behaviour keyed on the optimizer's
	// query strings url, w and q and the Accept header. Optional. Defaults to
	// "/_next/image*"; empty removes the behaviour, and the optimizer then runs on the
	// web tasks for every request.
	ImagePathPattern string `json:"imagePathPattern"`
	// AccessLogs delivers the distribution's standard logs (v2) to the stack's log bucket
	// (the load balancer's access-log bucket, under cloudfront/), so it needs
	// loadBalancer.accessLogs. Optional. Defaults to true.
	AccessLogs bool `json:"accessLogs"`
	// PriceClass is the set of edge locations that serve the site: PriceClass_All,
	// PriceClass_200 or PriceClass_100. Optional. Defaults to PriceClass_200, which
	// includes Japan.
	PriceClass string `json:"priceClass"`
	// Hsts sends Strict-Transport-Security on every response. Optional. Defaults to true.
	Hsts bool `json:"hsts"`
	// HstsMaxAgeSeconds is the max-age of Strict-Transport-Security. Optional. Defaults
	// to 31536000 (one year).
	HstsMaxAgeSeconds int `json:"hstsMaxAgeSeconds"`
	// FrameOptions is the X-Frame-Options value, DENY or SAMEORIGIN. Optional. Defaults
	// to DENY.
	FrameOptions string `json:"frameOptions"`
	// ReferrerPolicy is the Referrer-Policy value. Optional. Defaults to
	// strict-origin-when-cross-origin.
	ReferrerPolicy string `json:"referrerPolicy"`
}

// CdnDefaults returns the production-safe CloudFront defaults.
func CdnDefaults() CdnSettings {
	return CdnSettings{
		DomainName:        "",
		HostedZoneID:      "",
		AssetPathPatterns: []string{"/_next/static/*"},
		ImagePathPattern:  "/_next/image*",
		AccessLogs:        true,
		PriceClass:        "PriceClass_200",
		Hsts:              true,
		HstsMaxAgeSeconds: 31536000,
		FrameOptions:      "DENY",
		ReferrerPolicy:    "strict-origin-when-cross-origin",
	}
}

// PriceClasses lists the values of cdn.priceClass. PriceClass_200 adds Japan, among
// others, to the North American and European edge locations of PriceClass_100
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PriceClass.html,
// https://aws.amazon.com/cloudfront/pricing/).
var PriceClasses = []string{"PriceClass_All", "PriceClass_200", "PriceClass_100"}

// FrameOptionValues lists the X-Frame-Options values a CloudFront response headers policy
// accepts
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyFrameOptions.html).
var FrameOptionValues = []string{"DENY", "SAMEORIGIN"}

// ReferrerPolicies lists the Referrer-Policy values a CloudFront response headers policy
// accepts
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyReferrerPolicy.html).
var ReferrerPolicies = []string{
	"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
	"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
}

// MaxAssetPathPatterns is how many asset path patterns cdn.assetPathPatterns holds. One
// distribution takes 75 cache behaviours by default
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-web-distributions);
// the lower cap here keeps the distribution small and leaves room for behaviours added
// by hand later.
const MaxAssetPathPatterns = 24

// MaxPathPatternLength is the longest path pattern CloudFront accepts
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern).
const MaxPathPatternLength = 255

// pathPatternChars are the characters CloudFront accepts in a path pattern: A-Z, a-z,
// 0-9, _ - . * $ / ~ " ' @ : + (same page as [MaxPathPatternLength]). & is also
// accepted there but only XML-escaped, so it is left out.
var pathPatternChars = regexp.MustCompile(`^[A-Za-z0-9_\-.*$/~"'@:+]+$`)

var (
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	zoneIDPattern = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
)

// Check records every problem of c in p, which is scoped under the "cdn" key.
func (c CdnSettings) Check(p *check.Problems) {
	if c.DomainName != "" && (len(c.DomainName) > 253 || !domainPattern.MatchString(c.DomainName)) {
		p.Addf("domainName", "%q is not a lowercase DNS host name such as shop.example.com", c.DomainName)
	}
	if strings.HasSuffix(c.DomainName, ".cloudfront.net") {
		p.Addf("domainName", "%q is a CloudFront name; leave domainName empty to use the distribution's own name", c.DomainName)
	}
	if c.HostedZoneID != "" && !zoneIDPattern.MatchString(c.HostedZoneID) {
		p.Addf("hostedZoneId", "%q is not a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ", c.HostedZoneID)
	}
	switch {
	case c.HostedZoneID != "" && c.DomainName == "":
		p.Addf("hostedZoneId", "is set without cdn.domainName; set the domain that the zone serves")
	case c.DomainName != "" && c.HostedZoneID == "":
		p.Addf("hostedZoneId", "must be set to validate the certificate for %q by DNS and to add its alias records", c.DomainName)
	}
	switch n := len(c.AssetPathPatterns); {
	case n == 0:
		p.Addf("assetPathPatterns", "is empty; list at least one path served from the assets bucket, e.g. /_next/static/*")
	case n > MaxAssetPathPatterns:
		p.Addf("assetPathPatterns", "has %d patterns; at most %d (one cache behaviour each)", n, MaxAssetPathPatterns)
	}
	seen := map[string]bool{}
	for i, pattern := range c.AssetPathPatterns {
		key := fmt.Sprintf("assetPathPatterns[%d]", i)
		switch {
		case !checkPathPattern(p, key, pattern):
		case pattern == "/*":
			p.Addf(key, "%q matches every path and would send the whole site to the assets bucket", pattern)
		case seen[pattern]:
			p.Addf(key, "%q is listed twice", pattern)
		}
		seen[pattern] = true
	}
	if c.ImagePathPattern != "" && checkPathPattern(p, "imagePathPattern", c.ImagePathPattern) && c.ImagePathPattern == "/*" {
		p.Addf("imagePathPattern", "%q matches every path and would cache the whole site by the image optimizer's keys; use /_next/image*", c.ImagePathPattern)
	}
	p.Allowed("priceClass", c.PriceClass, PriceClasses)
	if c.HstsMaxAgeSeconds < 0 {
		p.Addf("hstsMaxAgeSeconds", "%d is negative; use 0 or more seconds (31536000 is one year)", c.HstsMaxAgeSeconds)
	}
	p.Allowed("frameOptions", c.FrameOptions, FrameOptionValues)
	p.Allowed("referrerPolicy", c.ReferrerPolicy, ReferrerPolicies)
}

// checkPathPattern records in p, under key, what CloudFront refuses in a path pattern and
// reports whether pattern passed.
func checkPathPattern(p *check.Problems, key, pattern string) bool {
	switch {
	case len(pattern) == 0 || pattern[0] != '/':
		p.Addf(key, "%q must start with /, e.g. /static/*", pattern)
	case len(pattern) > MaxPathPatternLength:
		p.Addf(key, "is %d characters long; CloudFront accepts at most %d", len(pattern), MaxPathPatternLength)
	case !pathPatternChars.MatchString(pattern):
		p.Addf(key, "%q has a character CloudFront does not accept in a path pattern; use A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : +", pattern)
	default:
		return true
	}
	return false
}
