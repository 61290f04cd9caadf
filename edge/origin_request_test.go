package edge_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/ecsite/infra/edge"
)

// TestOriginRequestPoliciesTable: the table holds what AWS documents for each managed
// policy the program uses
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html).
func TestOriginRequestPoliciesTable(t *testing.T) {
	cases := []struct {
		id, name      string
		forwardsHost  bool
		cloudFront    bool
		mustAddHeader string
	}{
		{"33f36d7e-f396-46d9-90e0-52428a34d9dc", "AllViewerAndCloudFrontHeaders-2022-06", true, true, "CloudFront-Forwarded-Proto"},
		{"b689b0a8-53d0-40ab-baf2-68738e2966ac", "AllViewerExceptHostHeader", false, false, ""},
	}
	if len(edge.OriginRequestPolicies) != len(cases) {
		t.Errorf("%d policies in the table; want the %d documented here", len(edge.OriginRequestPolicies), len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := edge.OriginRequestPolicies[tc.id]
			if !ok {
				t.Fatalf("policy %s (%s) not in the table", tc.id, tc.name)
			}
			if p.ID != tc.id || p.Name != tc.name || !p.AllViewerHeaders || p.ForwardsHost != tc.forwardsHost || (len(p.CloudFrontHeaders) > 0) != tc.cloudFront {
				t.Errorf("policy %+v; want %s %s, all viewer headers, host forwarded %v, CloudFront headers %v", p, tc.id, tc.name, tc.forwardsHost, tc.cloudFront)
			}
			if tc.mustAddHeader != "" && !slices.Contains(p.CloudFrontHeaders, tc.mustAddHeader) {
				t.Errorf("policy %s does not add %s", tc.name, tc.mustAddHeader)
			}
		})
	}
}

// TestOriginRequestHeaders: the model applies each documented rule, and each rule is
// shown to make a difference by a case where it must.
func TestOriginRequestHeaders(t *testing.T) {
	const alb = "internal-web-1234567890.ap-northeast-1.elb.amazonaws.com"
	viewer := func() edge.ViewerRequest {
		return edge.ViewerRequest{
			Method: "POST",
			Host:   "shop.example.com",
			Header: http.Header{
				"Origin":     {"https://shop.example.com"},
				"User-Agent": {"Mozilla/5.0"},
				"Cookie":     {"session=1"},
				"Accept":     {"image/avif,image/webp,*/*"},
				"Connection": {"keep-alive"},
			},
			ClientIP:   "203.0.113.7",
			ClientPort: 54321,
			Scheme:     "https",
		}
	}
	cases := []struct {
		name      string
		behaviour edge.OriginBehaviour
		mutate    func(*edge.ViewerRequest)
		want      map[string]string // "" means absent
	}{
		{
			name:      "AllViewerAndCloudFrontHeaders: public host and scheme",
			behaviour: edge.OriginBehaviour{OriginRequestPolicyID: edge.AllViewerAndCloudFrontHeadersPolicyID, OriginDomain: alb},
			want: map[string]string{
				"Host": "shop.example.com", "Origin": "https://shop.example.com", "Cookie": "session=1", "User-Agent": "Mozilla/5.0",
				"Cloudfront-Forwarded-Proto": "https", "Cloudfront-Viewer-Address": "203.0.113.7:54321",
				"X-Forwarded-For": "203.0.113.7", "Via": "1.1 d111111abcdef8.cloudfront.net (CloudFront)", "Connection": "",
			},
		},
		{
			name:      "AllViewerExceptHostHeader: the origin's name as Host, no scheme",
			behaviour: edge.OriginBehaviour{OriginRequestPolicyID: edge.AllViewerExceptHostHeaderPolicyID, OriginDomain: alb},
			want: map[string]string{
				"Host": alb, "Origin": "https://shop.example.com", "Cookie": "session=1",
				"Cloudfront-Forwarded-Proto": "", "Cloudfront-Viewer-Address": "", "X-Forwarded-For": "203.0.113.7",
			},
		},
		{
			name:      "no policy: the cache key's headers only",
			behaviour: edge.OriginBehaviour{CacheKeyHeaders: []string{"accept"}, OriginDomain: alb},
			want: map[string]string{
				"Host": alb, "Accept": "image/avif,image/webp,*/*", "Cookie": "", "Origin": "", "User-Agent": "Amazon CloudFront",
				"Cloudfront-Forwarded-Proto": "", "X-Forwarded-For": "203.0.113.7",
			},
		},
		{
			name:      "a viewer's X-Forwarded-For and Via are appended to",
			behaviour: edge.OriginBehaviour{OriginRequestPolicyID: edge.AllViewerAndCloudFrontHeadersPolicyID, OriginDomain: alb},
			mutate: func(v *edge.ViewerRequest) {
				v.Header.Set("X-Forwarded-For", "198.51.100.1")
				v.Header.Set("Via", "1.1 corporate-proxy")
			},
			want: map[string]string{
				"X-Forwarded-For": "198.51.100.1, 203.0.113.7",
				"Via":             "1.1 corporate-proxy, 1.1 d111111abcdef8.cloudfront.net (CloudFront)",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := viewer()
			if tc.mutate != nil {
				tc.mutate(&v)
			}
			got, err := edge.OriginRequestHeaders(tc.behaviour, v)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if g := got.Get(name); g != want {
					t.Errorf("%s = %q; want %q", name, g, want)
				}
			}
			if got.Get("X-Amz-Cf-Id") == "" {
				t.Error("no X-Amz-Cf-Id")
			}
		})
	}
	t.Run("unknown policy", func(t *testing.T) {
		if _, err := edge.OriginRequestHeaders(edge.OriginBehaviour{OriginRequestPolicyID: "216adef6-5c7f-47e4-b989-5492eafa07d3"}, viewer()); err == nil {
			t.Error("a policy outside the table was modelled; want an error")
		}
	})
}
