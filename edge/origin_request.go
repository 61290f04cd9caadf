package edge

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The headers CloudFront sends to the load balancer, derived from AWS's documentation of
// the managed origin request policies
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html)
// and of what CloudFront does to every request it forwards to a custom origin
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html).
// Tests put [OriginRequestHeaders] between a viewer and a real app to see what the app
// sees behind the distribution.

// OriginRequestPolicy is what one managed origin request policy forwards to the origin.
type OriginRequestPolicy struct {
	// ID is the policy's fixed id, the value of a behaviour's originRequestPolicyId.
	ID string
	// Name is the policy's name in the CloudFront console (Managed-<Name> in the API's
	// list of policies).
	Name string
	// AllViewerHeaders is true when every header of the viewer request is forwarded.
	AllViewerHeaders bool
	// ForwardsHost is true when the viewer's Host header is forwarded; otherwise
	// CloudFront sets Host to the origin's domain name.
	ForwardsHost bool
	// CloudFrontHeaders are the CloudFront headers the policy adds to the origin request.
	CloudFrontHeaders []string
}

// AllViewerAndCloudFrontHeadersPolicyID is the managed origin request policy
// AllViewerAndCloudFrontHeaders-2022-06: every viewer header (Host included), cookie and
// query string, plus the CloudFront headers released through June 2022, among them
// CloudFront-Forwarded-Proto (the viewer's scheme) and CloudFront-Viewer-Address
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html#managed-origin-request-policy-all-viewer-and-cloudfront).
const AllViewerAndCloudFrontHeadersPolicyID = "33f36d7e-f396-46d9-90e0-52428a34d9dc"

// cloudFrontHeaders2022 are the CloudFront headers AllViewerAndCloudFrontHeaders-2022-06
// adds that a viewer request alone determines, and so that the model can fill in: the
// viewer's scheme and address. The policy adds more (the device, location, TLS and
// header-order headers, described in
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html),
// whose values need CloudFront's own data; the apps rely on none of them.
var cloudFrontHeaders2022 = []string{
	"CloudFront-Forwarded-Proto",
	"CloudFront-Viewer-Address",
}

// OriginRequestPolicies are the managed origin request policies the program uses or
// used, by id, as documented in
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html.
var OriginRequestPolicies = map[string]OriginRequestPolicy{
	AllViewerAndCloudFrontHeadersPolicyID: {
		ID:                AllViewerAndCloudFrontHeadersPolicyID,
		Name:              "AllViewerAndCloudFrontHeaders-2022-06",
		AllViewerHeaders:  true,
		ForwardsHost:      true,
		CloudFrontHeaders: cloudFrontHeaders2022,
	},
	AllViewerExceptHostHeaderPolicyID: {
		ID:               AllViewerExceptHostHeaderPolicyID,
		Name:             "AllViewerExceptHostHeader",
		AllViewerHeaders: true,
		ForwardsHost:     false,
	},
}

// ViewerRequest is a request as a viewer sent it to the distribution.
type ViewerRequest struct {
	// Method is the HTTP method.
	Method string
	// Host is the host name the viewer asked for (its Host header).
	Host string
	// Header holds the viewer's other headers.
	Header http.Header
	// ClientIP is the viewer's address as CloudFront saw it.
	ClientIP string
	// ClientPort is the viewer's source port (CloudFront-Viewer-Address carries it).
	ClientPort int
	// Scheme is the viewer's scheme: every behaviour redirects http to https, so a
	// request that reaches the origin was made over https.
	Scheme string
}

// OriginBehaviour is what of a cache behaviour decides the origin request's headers.
type OriginBehaviour struct {
	// OriginRequestPolicyID is the behaviour's originRequestPolicyId; empty for none.
	OriginRequestPolicyID string
	// CacheKeyHeaders are the headers of the behaviour's cache policy; CloudFront
	// forwards the cache key's values whatever the origin request policy says
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html).
	CacheKeyHeaders []string
	// OriginDomain is the origin's domain name, the Host CloudFront sends when the
	// viewer's is not forwarded.
	OriginDomain string
}

// cloudFrontUserAgent is the User-Agent CloudFront sends when the viewer's is not
// forwarded (RequestAndResponseBehaviorCustomOrigin.html, "User-Agent").
const cloudFrontUserAgent = "Amazon CloudFront"

// OriginRequestHeaders returns the headers CloudFront sends to the origin for viewer
// request v under behaviour b:
//   - the viewer's headers the policy forwards (all of them, or only the cache key's
//     without a policy), without the hop-by-hop ones;
//   - Host: the viewer's when the policy forwards it, otherwise the origin's domain;
//   - User-Agent: the viewer's when forwarded, otherwise "Amazon CloudFront";
//   - of the CloudFront headers the policy adds, those a viewer request determines:
//     CloudFront-Forwarded-Proto (the viewer's scheme), CloudFront-Viewer-Address
//     (ip:port); the geolocation, device and TLS headers need CloudFront's databases
//     or the viewer's connection and are left out;
//   - X-Forwarded-For: the viewer's value with the viewer's address appended, or the
//     address alone (RequestAndResponseBehaviorCustomOrigin.html, "Client IP addresses");
//   - Via: "1.1 <id>.cloudfront.net (CloudFront)" appended to any the viewer sent, and
//     X-Amz-Cf-Id, the request's id (same page, "HTTP request headers and CloudFront
//     behavior").
//
// An origin request policy id not in [OriginRequestPolicies] is an error: the model only
// knows the policies whose documentation it encodes.
func OriginRequestHeaders(b OriginBehaviour, v ViewerRequest) (http.Header, error) {
	var policy OriginRequestPolicy
	if b.OriginRequestPolicyID != "" {
		p, ok := OriginRequestPolicies[b.OriginRequestPolicyID]
		if !ok {
			return nil, fmt.Errorf("origin request policy %q is not in the documented table", b.OriginRequestPolicyID)
		}
		policy = p
	}
	out := http.Header{}
	for name, values := range v.Header {
		canonical := http.CanonicalHeaderKey(name)
		if hopByHop[canonical] || canonical == "Host" || canonical == "X-Forwarded-For" || canonical == "Via" || canonical == "X-Amz-Cf-Id" {
			continue
		}
		if !policy.AllViewerHeaders && !slices.ContainsFunc(b.CacheKeyHeaders, func(h string) bool { return strings.EqualFold(h, canonical) }) {
			continue
		}
		out[canonical] = slices.Clone(values)
	}

	out.Set("Host", b.OriginDomain)
	if policy.ForwardsHost {
		out.Set("Host", v.Host)
	}
	if out.Get("User-Agent") == "" {
		out.Set("User-Agent", cloudFrontUserAgent)
	}
	for _, h := range policy.CloudFrontHeaders {
		switch h {
		case "CloudFront-Forwarded-Proto":
			out.Set(h, v.Scheme)
		case "CloudFront-Viewer-Address":
			out.Set(h, fmt.Sprintf("%s:%d", v.ClientIP, v.ClientPort))
		}
	}
	xff := v.ClientIP
	if prior := strings.Join(v.Header.Values("X-Forwarded-For"), ", "); prior != "" {
		xff = prior + ", " + v.ClientIP
	}
	out.Set("X-Forwarded-For", xff)
	via := "1.1 d111111abcdef8.cloudfront.net (CloudFront)"
	if prior := strings.Join(v.Header.Values("Via"), ", "); prior != "" {
		via = prior + ", " + via
	}
	out.Set("Via", via)
	out.Set("X-Amz-Cf-Id", "modelled-request-id")
	return out, nil
}

// hopByHop are the headers that belong to one connection and are never forwarded
// (https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1).
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}
