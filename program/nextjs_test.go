package program_test

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/internal/realtools"
)

// Type tokens of the recorded CloudFront resources the edge path needs.
const (
	typeDistribution = "aws:cloudfront/distribution:Distribution"
	typeCachePolicy  = "aws:cloudfront/cachePolicy:CachePolicy"
)

// Addresses the modelled hops use: a viewer on the internet and the CloudFront VPC
// origin's network interface in a private subnet (documentation and private ranges).
const (
	testViewerIP = "203.0.113.7"
	testVpcHopIP = "10.0.11.200"
)

// edgePath is the recorded path from a viewer to the web tasks: the distribution's
// behaviours in match order (default last) and the load balancer's listener.
type edgePath struct {
	publicHost string
	behaviours []edgeBehaviour
	listener   compute.ListenerHop
}

// edgeBehaviour is one recorded cache behaviour.
type edgeBehaviour struct {
	pathPattern string // "" for the default behaviour
	toALB       bool   // false: the assets bucket, not modelled here
	origin      edge.OriginBehaviour
}

// recordedEdgePath runs the dev stack under the mock engine and reads the path from what
// the program registered.
func recordedEdgePath(t *testing.T) edgePath {
	t.Helper()
	r := programtest.MustRun(t, "dev", mockengine.Options{})
	dist := r.Only(t, typeDistribution)
	listener := r.Only(t, programtest.TypeListener)

	var p edgePath
	if aliases := dist.In("aliases").Strs(); len(aliases) > 0 {
		p.publicHost = aliases[0]
	} else if e, ok := r.Exports.Get("siteUrl"); ok {
		u, err := url.Parse(fmt.Sprint(e.Value))
		if err != nil {
			t.Fatalf("siteUrl %v: %v", e.Value, err)
		}
		p.publicHost = u.Host
	}
	if p.publicHost == "" {
		t.Fatal("no public host: the distribution has no alias and siteUrl is not resolved")
	}
	p.listener = compute.ListenerHop{Protocol: listener.In("protocol").Str(), Port: int(listener.In("port").Num())}

	albOrigin := ""
	originDomain := map[string]string{}
	origins, _ := dist.In("origins").Plain().([]any)
	for _, o := range origins {
		o := o.(map[string]any)
		id := fmt.Sprint(o["originId"])
		originDomain[id] = fmt.Sprint(o["domainName"])
		if o["vpcOriginConfig"] != nil {
			albOrigin = id
		}
	}
	if albOrigin == "" {
		t.Fatalf("no VPC origin among %v", origins)
	}
	cacheKeyHeaders := map[string][]string{}
	for _, cp := range r.ByType(typeCachePolicy) {
		cacheKeyHeaders[cp.ID] = cp.In("parametersInCacheKeyAndForwardedToOrigin.headersConfig.headers.items").Strs()
	}
	behaviour := func(b map[string]any) edgeBehaviour {
		target := fmt.Sprint(b["targetOriginId"])
		policy, _ := b["originRequestPolicyId"].(string)
		cachePolicy, _ := b["cachePolicyId"].(string)
		pattern, _ := b["pathPattern"].(string)
		return edgeBehaviour{
			pathPattern: pattern,
			toALB:       target == albOrigin,
			origin: edge.OriginBehaviour{
				OriginRequestPolicyID: policy,
				CacheKeyHeaders:       cacheKeyHeaders[cachePolicy],
				OriginDomain:          originDomain[target],
			},
		}
	}
	ordered, _ := dist.In("orderedCacheBehaviors").Plain().([]any)
	for _, b := range ordered {
		p.behaviours = append(p.behaviours, behaviour(b.(map[string]any)))
	}
	def, _ := dist.In("defaultCacheBehavior").Plain().(map[string]any)
	p.behaviours = append(p.behaviours, behaviour(def))
	return p
}

// pathPatternMatches reports whether a CloudFront path pattern matches path: * any run
// of characters, ? one character, case-sensitive, the leading / optional
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern).
func pathPatternMatches(pattern, path string) bool {
	if !strings.HasPrefix(pattern, "/") {
		pattern = "/" + pattern
	}
	expr := regexp.QuoteMeta(pattern)
	expr = strings.ReplaceAll(expr, `\*`, ".*")
	expr = strings.ReplaceAll(expr, `\?`, ".")
	return regexp.MustCompile("^" + expr + "$").MatchString(path)
}

// match returns the behaviour CloudFront picks for path: the first ordered one whose
// pattern matches, else the default.
func (p edgePath) match(path string) edgeBehaviour {
	for _, b := range p.behaviours[:len(p.behaviours)-1] {
		if pathPatternMatches(b.pathPattern, path) {
			return b
		}
	}
	return p.behaviours[len(p.behaviours)-1]
}

// proxy serves viewer requests (as if CloudFront had ended the viewer's TLS) and forwards
// each to target with the headers the edge model and then the load balancer model give
// it. policyOverride, when set, replaces the origin request policy of every behaviour
// that has one, to show what an earlier policy did.
func (p edgePath) proxy(t *testing.T, target *url.URL, policyOverride string) *httptest.Server {
	t.Helper()
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			b := p.match(pr.In.URL.Path)
			origin := b.origin
			if policyOverride != "" && origin.OriginRequestPolicyID != "" {
				origin.OriginRequestPolicyID = policyOverride
			}
			viewer := edge.ViewerRequest{
				Method: pr.In.Method, Host: pr.In.Host, Header: pr.In.Header,
				ClientIP: testViewerIP, ClientPort: 50000, Scheme: "https",
			}
			h, err := edge.OriginRequestHeaders(origin, viewer)
			if err == nil {
				h, err = compute.ForwardedHeaders(h, p.listener, testVpcHopIP, "1-00000000-000000000000000000000000")
			}
			if err != nil || !b.toALB {
				t.Errorf("%s %s: behaviour %q (to the load balancer: %v): %v", pr.In.Method, pr.In.URL, b.pathPattern, b.toALB, err)
				pr.Out.URL = &url.URL{Scheme: "http", Host: "127.0.0.1:1"} // refused
				return
			}
			pr.SetURL(target)
			pr.Out.Host = h.Get("Host")
			h.Del("Host")
			pr.Out.Header = h
		},
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv
}

// startNext runs `next start` from the built app dir on a free port and waits until it
// answers; cleanup kills its process group.
func startNext(t *testing.T, dir string) *url.URL {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	bin := filepath.Join(dir, "node_modules", ".bin", "next")
	cmd := exec.Command(bin, "start", "-p", fmt.Sprint(port), "-H", "127.0.0.1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NEXT_TELEMETRY_DISABLED=1", "NODE_ENV=production")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("next start: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("next start output:\n%s", logs.String())
		}
	})
	u := &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(u.String() + "/target")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return u
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("next start did not answer within 30 s (last error %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// viewerClient sends requests to the proxy as a browser would send them to the public
// host, and never follows redirects.
type viewerClient struct {
	t      *testing.T
	proxy  string
	host   string
	client *http.Client
}

func (c viewerClient) do(method, path string, header http.Header, body io.Reader) (*http.Response, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.proxy+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Host = c.host
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

var actionIDField = regexp.MustCompile(`name="(\$ACTION_ID_[0-9a-f]+)"`)

// serverAction renders the form page and posts its Server Action the way a browser
// posts the form without JavaScript (multipart, the action id as a hidden field's name),
// with the Origin the browser sets on the public site.
func (c viewerClient) serverAction(value string) (*http.Response, string) {
	c.t.Helper()
	_, page := c.do("GET", "/", nil, nil)
	m := actionIDField.FindStringSubmatch(page)
	if m == nil {
		c.t.Fatalf("no $ACTION_ID_ field in the form page:\n%s", page)
	}
	var body strings.Builder
	w := multipart.NewWriter(&body)
	for name, v := range map[string]string{m[1]: "", "value": value} {
		if err := w.WriteField(name, v); err != nil {
			c.t.Fatal(err)
		}
	}
	w.Close()
	return c.do("POST", "/", http.Header{
		"Origin":       {"https://" + c.host},
		"Content-Type": {w.FormDataContentType()},
		"Accept":       {"text/html"},
	}, strings.NewReader(body.String()))
}

// TestNextJSBehindTheEdge serves a real Next.js app (program/testdata/nextapp, built by
// .ci/real-tools) through the recorded distribution and listener, modelled by
// edge.OriginRequestHeaders and compute.ForwardedHeaders, and checks what the app needs
// to see the public site: a Server Action is accepted, redirects name the public site,
// and the page sees https. With the origin request policy the default behaviour used
// before, AllViewerExceptHostHeader, the same requests fail.
func TestNextJSBehindTheEdge(t *testing.T) {
	dir := realtools.Require(t, "ECSITE_NEXT_APP", "the Next.js test app")
	path := recordedEdgePath(t)
	if got := path.match("/").origin.OriginRequestPolicyID; got != edge.AllViewerAndCloudFrontHeadersPolicyID {
		t.Fatalf("default behaviour's origin request policy %q; want AllViewerAndCloudFrontHeaders-2022-06", got)
	}
	if b := path.match("/_next/image"); b.pathPattern == "" || !b.toALB {
		t.Errorf("/_next/image takes behaviour %q (to the load balancer: %v); want the image optimizer's", b.pathPattern, b.toALB)
	}
	next := startNext(t, dir)
	albHost := path.match("/").origin.OriginDomain

	viewer := func(policyOverride string) viewerClient {
		return viewerClient{
			t:     t,
			proxy: path.proxy(t, next, policyOverride).URL,
			host:  path.publicHost,
			client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}},
		}
	}

	t.Run("recorded policy", func(t *testing.T) {
		c := viewer("")
		c.t = t
		// (a) The Server Action runs: Origin's host equals X-Forwarded-Host, which
		// Next.js sets from Host, the public host the policy forwards.
		resp, body := c.serverAction("edge-check")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/action-done?echo=edge-check" {
			t.Errorf("Server Action: %s, Location %q; want 303 to /action-done?echo=edge-check\n%s", resp.Status, resp.Header.Get("Location"), body)
		}
		// (b) Redirects: built from the forwarded headers they name https and the public
		// host; Next.js's own redirect() and the proxy's are relative, which the
		// browser resolves against the public URL; request.url in a route handler
		// names localhost and the port next start listens on, never the public host.
		for p, want := range map[string]string{
			"/go-public": "https://" + path.publicHost + "/target",
			"/moved":     "/target",
			"/mw":        "/target",
		} {
			resp, _ := c.do("GET", p, nil, nil)
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusTemporaryRedirect || got != want {
				t.Errorf("GET %s: %s, Location %q; want 307 to %q", p, resp.Status, got, want)
			}
		}
		resp, _ = c.do("GET", "/go", nil, nil)
		if got, want := resp.Header.Get("Location"), "http://localhost:"+next.Port()+"/target"; got != want {
			t.Errorf("GET /go (request.url): Location %q; want %q: Next.js 16.5 builds request.url from localhost and the port it listens on", got, want)
		}
		// (c) The page sees https and the public host; X-Forwarded-Proto is the load
		// balancer's listener protocol.
		_, page := c.do("GET", "/scheme", nil, nil)
		for _, want := range []string{"scheme=https", "host=" + path.publicHost, "x-forwarded-proto=http"} {
			if !strings.Contains(page, ">"+want+"<") {
				t.Errorf("/scheme page lacks %q:\n%s", want, page)
			}
		}
	})

	t.Run("AllViewerExceptHostHeader", func(t *testing.T) {
		c := viewer(edge.AllViewerExceptHostHeaderPolicyID)
		c.t = t
		resp, _ := c.serverAction("edge-check")
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("Server Action with the load balancer's name as Host: %s; want 500 (Next.js refuses the action)", resp.Status)
		}
		resp, _ = c.do("GET", "/go-public", nil, nil)
		if got, want := resp.Header.Get("Location"), "http://"+albHost+"/target"; got != want {
			t.Errorf("GET /go-public: Location %q; want %q (the internal name, plain http)", got, want)
		}
		_, page := c.do("GET", "/scheme", nil, nil)
		for _, want := range []string{"scheme=http", "host=" + albHost} {
			if !strings.Contains(page, ">"+want+"<") {
				t.Errorf("/scheme page lacks %q:\n%s", want, page)
			}
		}
	})
}
