package compute

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ListenerHop is what of a listener decides the headers the load balancer sends to a
// target: its protocol and port (the recorded listener's protocol and port inputs).
type ListenerHop struct {
	// Protocol is the listener's protocol, HTTP or HTTPS.
	Protocol string
	// Port is the listener's port.
	Port int
}

// ForwardedHeaders returns the headers an Application Load Balancer sends to a target for
// a request with headers in that reached listener l from peerIP (the previous hop: with
// the VPC origin, a CloudFront address), as AWS documents them
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html)
// with the load balancer's default attributes, which the stack keeps:
//   - X-Forwarded-For: peerIP appended to the request's value, or peerIP alone
//     (routing.http.xff_header_processing.mode append, the default);
//   - X-Forwarded-Proto: the listener's protocol in lower case, replacing whatever the
//     request carried; behind the stack's HTTP listener it is always "http", whatever
//     scheme the viewer used;
//   - X-Forwarded-Port: the listener's port, replacing the request's;
//   - X-Amzn-Trace-Id: added with a Root field when the request has none, otherwise kept
//     with a Self field added or updated
//     (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html).
//
// Host and every other header pass unchanged: the listener's port is the default port of
// its protocol, so the load balancer has no port to add to Host
// (routing.http.preserve_host_header.enabled, off by default, only decides that). traceID
// is the id to write (1-<8 hex time>-<24 hex>).
func ForwardedHeaders(in http.Header, l ListenerHop, peerIP, traceID string) (http.Header, error) {
	proto := strings.ToLower(l.Protocol)
	if proto != "http" && proto != "https" {
		return nil, fmt.Errorf("listener protocol %q: an Application Load Balancer listens with HTTP or HTTPS", l.Protocol)
	}
	if l.Port < 1 || l.Port > 65535 {
		return nil, fmt.Errorf("listener port %d is not a TCP port", l.Port)
	}
	out := in.Clone()
	if out == nil {
		out = http.Header{}
	}
	xff := peerIP
	if prior := strings.Join(in.Values("X-Forwarded-For"), ", "); prior != "" {
		xff = prior + ", " + peerIP
	}
	out.Set("X-Forwarded-For", xff)
	out.Set("X-Forwarded-Proto", proto)
	out.Set("X-Forwarded-Port", strconv.Itoa(l.Port))
	if prior := in.Get("X-Amzn-Trace-Id"); strings.Contains(prior, "Root=") {
		var fields []string
		for _, f := range strings.Split(prior, ";") {
			if !strings.HasPrefix(strings.TrimSpace(f), "Self=") {
				fields = append(fields, f)
			}
		}
		out.Set("X-Amzn-Trace-Id", "Self="+traceID+";"+strings.Join(fields, ";"))
	} else {
		out.Set("X-Amzn-Trace-Id", "Root="+traceID)
	}
	return out, nil
}
