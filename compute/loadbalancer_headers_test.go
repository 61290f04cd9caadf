package compute_test

import (
	"net/http"
	"testing"

	"github.com/ecsite/infra/compute"
)

// TestForwardedHeaders: the load balancer model follows
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
// and load-balancer-request-tracing.html; each case shows one rule making a difference.
func TestForwardedHeaders(t *testing.T) {
	http80 := compute.ListenerHop{Protocol: "HTTP", Port: 80}
	cases := []struct {
		name     string
		in       http.Header
		listener compute.ListenerHop
		want     map[string]string
	}{
		{
			name:     "X-Forwarded-For appended with the previous hop",
			in:       http.Header{"X-Forwarded-For": {"203.0.113.7"}, "Host": {"shop.example.com"}},
			listener: http80,
			want:     map[string]string{"X-Forwarded-For": "203.0.113.7, 10.0.11.5", "Host": "shop.example.com"},
		},
		{
			name:     "X-Forwarded-For created when absent",
			in:       http.Header{},
			listener: http80,
			want:     map[string]string{"X-Forwarded-For": "10.0.11.5"},
		},
		{
			name:     "X-Forwarded-Proto and Port replaced by the listener's",
			in:       http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Port": {"443"}, "Cloudfront-Forwarded-Proto": {"https"}},
			listener: http80,
			want:     map[string]string{"X-Forwarded-Proto": "http", "X-Forwarded-Port": "80", "Cloudfront-Forwarded-Proto": "https"},
		},
		{
			name:     "an HTTPS listener says https",
			in:       http.Header{},
			listener: compute.ListenerHop{Protocol: "HTTPS", Port: 443},
			want:     map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"},
		},
		{
			name:     "trace id added with a Root field",
			in:       http.Header{},
			listener: http80,
			want:     map[string]string{"X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678"},
		},
		{
			name:     "an existing trace id keeps its Root and gets a Self field",
			in:       http.Header{"X-Amzn-Trace-Id": {"Root=1-11111111-111111111111111111111111;Self=1-0-0"}},
			listener: http80,
			want:     map[string]string{"X-Amzn-Trace-Id": "Self=1-67891233-abcdef012345678912345678;Root=1-11111111-111111111111111111111111"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.in.Clone()
			got, err := compute.ForwardedHeaders(tc.in, tc.listener, "10.0.11.5", "1-67891233-abcdef012345678912345678")
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if g := got.Get(name); g != want {
					t.Errorf("%s = %q; want %q", name, g, want)
				}
			}
			if len(tc.in) != len(before) || tc.in.Get("X-Forwarded-For") != before.Get("X-Forwarded-For") {
				t.Errorf("the request's headers were changed in place: %v", tc.in)
			}
		})
	}
	for _, l := range []compute.ListenerHop{{Protocol: "TCP", Port: 80}, {Protocol: "HTTP", Port: 0}} {
		if _, err := compute.ForwardedHeaders(http.Header{}, l, "10.0.11.5", "1-0-0"); err == nil {
			t.Errorf("listener %+v accepted; want an error", l)
		}
	}
}
