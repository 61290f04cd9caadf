package edge

import (
	"fmt"
	"regexp"

	"github.com/ecsite/infra/internal/check"
)

// CdnSettings is the CloudFront distribution in front of the load balancer; key "cdn".
type CdnSettings struct {
	// AssetPathPatterns are the request paths served from the assets bucket and cached,
	// one cache behaviour each, in this order; every other path goes to the load balancer
	// uncached. Optional. Defaults to ["/_next/static/*", "/static/*"].
	AssetPathPatterns []string `json:"assetPathPatterns"`
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
		AssetPathPatterns: []string{"/_next/static/*", "/static/*"},
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

// Check records every problem of c in p, which is scoped under the "cdn" key.
func (c CdnSettings) Check(p *check.Problems) {
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
		case len(pattern) == 0 || pattern[0] != '/':
			p.Addf(key, "%q must start with /, e.g. /static/*", pattern)
		case len(pattern) > MaxPathPatternLength:
			p.Addf(key, "is %d characters long; CloudFront accepts at most %d", len(pattern), MaxPathPatternLength)
		case !pathPatternChars.MatchString(pattern):
			p.Addf(key, "%q has a character CloudFront does not accept in a path pattern; use A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : +", pattern)
		case pattern == "/*":
			p.Addf(key, "%q matches every path and would send the whole site to the assets bucket", pattern)
		case seen[pattern]:
			p.Addf(key, "%q is listed twice", pattern)
		}
		seen[pattern] = true
	}
	p.Allowed("priceClass", c.PriceClass, PriceClasses)
	if c.HstsMaxAgeSeconds < 0 {
		p.Addf("hstsMaxAgeSeconds", "%d is negative; use 0 or more seconds (31536000 is one year)", c.HstsMaxAgeSeconds)
	}
	p.Allowed("frameOptions", c.FrameOptions, FrameOptionValues)
	p.Allowed("referrerPolicy", c.ReferrerPolicy, ReferrerPolicies)
}
