package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/check"
)

// covers reports whether every path pattern b matches is matched by pattern a too, for
// the patterns both CloudFront behaviours and ALB path conditions use (`*` any run of
// characters, `?` one character, case-sensitive). It decides the two shapes a stack
// writes, a literal path and a literal prefix followed by one `*`, and answers false
// for anything else, so it never refuses a pattern it cannot judge.
func covers(a, b string) bool {
	if !strings.ContainsAny(a, "*?") {
		return a == b
	}
	prefix, ok := strings.CutSuffix(a, "*")
	if !ok || strings.ContainsAny(prefix, "*?") {
		return false
	}
	literal := b
	if i := strings.IndexAny(b, "*?"); i >= 0 {
		literal = b[:i]
	}
	return strings.HasPrefix(literal, prefix)
}

// checkReachability refuses a path that can never be reached because an earlier match
// takes every request it would get: CloudFront matches the asset behaviours in their
// order, then the image optimizer's behaviour, before the default behaviour that goes to
// the load balancer
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-web-values-specify.html#DownloadDistValuesPathPattern),
// and the load balancer evaluates its rules from the lowest priority number up, the
// default service last
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html).
func checkReachability(p *check.Problems, cdn edge.CdnSettings, services []compute.ServiceSettings) {
	// Asset behaviours: an earlier one shadows a later one; any shadows a service's path.
	for i, a := range cdn.AssetPathPatterns {
		for j := 0; j < i; j++ {
			if covers(cdn.AssetPathPatterns[j], a) {
				p.Addf(fmt.Sprintf("cdn.assetPathPatterns[%d]", i), "%q is never matched: assetPathPatterns[%d] %q comes first and matches every path it would", a, j, cdn.AssetPathPatterns[j])
			}
		}
		for j, s := range services {
			if s.IsWeb() && covers(a, s.PathPattern) {
				p.Addf(fmt.Sprintf("cdn.assetPathPatterns[%d]", i), "%q sends every path of services[%d] (%s, %q) to the assets bucket, so CloudFront never forwards them to the service", a, j, s.Name, s.PathPattern)
			}
		}
	}
	// The image behaviour comes after the asset behaviours and goes to the load balancer,
	// which must give its paths to the default service (Next.js, whose optimizer it
	// caches); a service's own paths under it would be cached by the optimizer's keys
	// alone, whatever cookie or header the service's answer depends on.
	if img := cdn.ImagePathPattern; img != "" {
		for j, a := range cdn.AssetPathPatterns {
			if covers(a, img) {
				p.Addf("cdn.imagePathPattern", "%q is never matched: assetPathPatterns[%d] %q comes first and sends its paths to the assets bucket", img, j, a)
			}
		}
		for j, s := range services {
			switch {
			case s.IsDefault() || !s.IsWeb():
			case covers(img, s.PathPattern):
				p.Addf("cdn.imagePathPattern", "%q takes every path of services[%d] (%s, %q) and would cache its answers by the image optimizer's keys alone", img, j, s.Name, s.PathPattern)
			case covers(s.PathPattern, img):
				p.Addf("cdn.imagePathPattern", "%q is routed by the load balancer to services[%d] (%s, %q), not to the default service that runs the image optimizer", img, j, s.Name, s.PathPattern)
			}
		}
	}
	// Listener rules by priority; the default service takes only what no rule matches.
	// Backends and workers have no path.
	order := make([]int, 0, len(services))
	for i, s := range services {
		if s.IsWeb() && !s.IsDefault() {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(x, y int) bool { return services[order[x]].Priority < services[order[y]].Priority })
	for x, j := range order {
		for _, i := range order[:x] {
			if covers(services[i].PathPattern, services[j].PathPattern) {
				p.Addf(fmt.Sprintf("services[%d].pathPattern", j), "%q is never reached: services[%d] (%s, %q) has the lower priority %d and matches every path it would; give this service a lower priority than %d",
					services[j].PathPattern, i, services[i].Name, services[i].PathPattern, services[i].Priority, services[i].Priority)
			}
		}
	}
}
