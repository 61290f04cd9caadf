package compute_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/programtest"
)

// These tests feed the settings checks each value AWS or the program refuses, over valid
// defaults, and want a problem at the named key. The whole-program tests in program/ show
// that such a problem stops the stack before any resource is registered, and cover the
// checks that span keys (secrets against the stack's parameters, names, ports, paths and
// priorities unique across services), which stay in config.

func TestClusterSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "cluster", compute.DefaultClusterSettings, func(s compute.ClusterSettings, p *check.Problems) { s.Check(p) }, []programtest.SettingsCase{
		{"container insights mode ECS does not know", `{"containerInsights":"on"}`, "cluster.containerInsights"},
		{"exec log retention CloudWatch does not offer", `{"execLogRetentionDays":10}`, "cluster.execLogRetentionDays"},
		{"no images kept", `{"imagesToKeep":0}`, "cluster.imagesToKeep"},
		{"too many images kept", `{"imagesToKeep":1001}`, "cluster.imagesToKeep"},
		{"empty strategy", `{"capacityProviderStrategy":[]}`, "cluster.capacityProviderStrategy"},
		{"unknown capacity provider", `{"capacityProviderStrategy":[{"capacityProvider":"EC2","weight":1}]}`, "cluster.capacityProviderStrategy[0].capacityProvider"},
		{"capacity provider listed twice", `{"capacityProviderStrategy":[{"capacityProvider":"FARGATE","weight":1},{"capacityProvider":"FARGATE","weight":1}]}`, "cluster.capacityProviderStrategy[1].capacityProvider"},
		{"negative base", `{"capacityProviderStrategy":[{"capacityProvider":"FARGATE","base":-1,"weight":1}]}`, "cluster.capacityProviderStrategy[0].base"},
		{"base above 100000", `{"capacityProviderStrategy":[{"capacityProvider":"FARGATE","base":100001,"weight":1}]}`, "cluster.capacityProviderStrategy[0].base"},
		{"weight above 1000", `{"capacityProviderStrategy":[{"capacityProvider":"FARGATE","weight":1001}]}`, "cluster.capacityProviderStrategy[0].weight"},
		{"base on two providers", `{"capacityProviderStrategy":[{"capacityProvider":"FARGATE","base":1,"weight":1},{"capacityProvider":"FARGATE_SPOT","base":1,"weight":1}]}`, "cluster.capacityProviderStrategy"},
		{"no weight above 0 (an entry does not inherit the default weight)", `{"capacityProviderStrategy":[{"capacityProvider":"FARGATE","base":2}]}`, "cluster.capacityProviderStrategy"},
	})
}

func TestLoadBalancerSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "loadBalancer", compute.DefaultLoadBalancerSettings, func(s compute.LoadBalancerSettings, p *check.Problems) { s.Check(p) }, []programtest.SettingsCase{
		{"idle timeout 0", `{"idleTimeoutSeconds":0}`, "loadBalancer.idleTimeoutSeconds"},
		{"idle timeout too long", `{"idleTimeoutSeconds":4001}`, "loadBalancer.idleTimeoutSeconds"},
		{"negative deregistration delay", `{"deregistrationDelaySeconds":-1}`, "loadBalancer.deregistrationDelaySeconds"},
		{"deregistration delay above an hour", `{"deregistrationDelaySeconds":3601}`, "loadBalancer.deregistrationDelaySeconds"},
		{"access logs kept 0 days", `{"accessLogExpirationDays":0}`, "loadBalancer.accessLogExpirationDays"},
		{"access logs kept over ten years", `{"accessLogExpirationDays":3651}`, "loadBalancer.accessLogExpirationDays"},
	})
}

// testMaxServiceName is the service name limit with an environment of up to 8
// characters, as config passes it (config.MaxServiceNameLength).
const testMaxServiceName = compute.MaxAutoNamedLength - 8 - 1

// pinnedDefaultService is the default web service with an image tag: the defaults pin no
// image, which every stack must do.
func pinnedDefaultService() compute.ServiceSettings {
	s := compute.DefaultServiceNamed("web")
	s.Image.Tag = "1.0.0"
	return s
}

func TestServiceSettingsCheck(t *testing.T) {
	// rule makes the service a non-default one with the given listener rule priority.
	rule := func(priority int) string { return fmt.Sprintf(`{"pathPattern":"/admin/*","priority":%d}`, priority) }
	// schedule is one scheduled action with the given expression and counts.
	schedule := func(expr string, min, max int) string {
		return fmt.Sprintf(`{"schedules":[{"name":"night","schedule":%q,"minCount":%d,"maxCount":%d}]}`, expr, min, max)
	}
	// egress opens 27017 besides 443 with the given destinations (a JSON list).
	egress := func(dests string) string {
		return `{"outboundPorts":[443,27017],"outboundDestinations":{"27017":` + dests + `}}`
	}
	programtest.CheckSettings(t, "services[0]", pinnedDefaultService, func(s compute.ServiceSettings, p *check.Problems) { s.Check(p, testMaxServiceName) }, []programtest.SettingsCase{
		{"empty name", `{"name":""}`, "services[0].name"},
		{"name with capitals", `{"name":"Api"}`, "services[0].name"},
		{"name ending with a hyphen", `{"name":"api-"}`, "services[0].name"},
		{"name too long for a target group", `{"name":"` + strings.Repeat("a", testMaxServiceName+1) + `"}`, "services[0].name"},
		{"privileged port", `{"port":80}`, "services[0].port"},
		{"port above 65535", `{"port":65536}`, "services[0].port"},
		{"path pattern without slash", `{"pathPattern":"api/*","priority":5}`, "services[0].pathPattern"},
		{"path pattern longer than 128 characters", `{"pathPattern":"/` + strings.Repeat("a", 128) + `","priority":5}`, "services[0].pathPattern"},
		{"non-default service without priority", rule(0), "services[0].priority"},
		{"priority above 50000", rule(50001), "services[0].priority"},
		{"cpu Fargate does not offer", `{"cpu":300}`, "services[0].cpu"},
		{"cpu and memory Fargate does not offer", `{"cpu":256,"memory":4096}`, "services[0].memory"},
		{"memory off the 1 GiB steps", `{"cpu":1024,"memory":2500}`, "services[0].memory"},
		{"image without tag or digest", `{"image":{"tag":""}}`, "services[0].image.tag"},
		{"image with tag and digest", `{"image":{"tag":"1.0.0","digest":"sha256:` + strings.Repeat("a", 64) + `"}}`, "services[0].image.digest"},
		{"image tag latest", `{"image":{"tag":"latest"}}`, "services[0].image.tag"},
		{"image tag with a slash", `{"image":{"tag":"v1/2"}}`, "services[0].image.tag"},
		{"malformed digest", `{"image":{"tag":"","digest":"sha256:xyz"}}`, "services[0].image.digest"},
		{"repository with a tag", `{"image":{"repository":"public.ecr.aws/nginx/nginx:1.27","tag":"1"}}`, "services[0].image.repository"},
		{"root user", `{"user":"root"}`, "services[0].user"},
		{"architecture Fargate does not run", `{"architecture":"aarch64"}`, "services[0].architecture"},
		{"uid 0", `{"user":"0"}`, "services[0].user"},
		{"uid 0 with a group", `{"user":"0:0"}`, "services[0].user"},
		{"max count 0", `{"minCount":0,"desiredCount":0,"maxCount":0}`, "services[0].maxCount"},
		{"max count above 1000", `{"maxCount":1001}`, "services[0].maxCount"},
		{"min above max", `{"minCount":5,"maxCount":3,"desiredCount":4}`, "services[0].minCount"},
		{"desired above max", `{"desiredCount":11}`, "services[0].desiredCount"},
		{"desired below min", `{"desiredCount":1}`, "services[0].desiredCount"},
		{"cpu target out of range", `{"cpuTarget":100}`, "services[0].cpuTarget"},
		{"memory target out of range", `{"memoryTarget":5}`, "services[0].memoryTarget"},
		{"scale-in cooldown above an hour", `{"scaleInCooldownSeconds":3601}`, "services[0].scaleInCooldownSeconds"},
		{"negative scale-out cooldown", `{"scaleOutCooldownSeconds":-1}`, "services[0].scaleOutCooldownSeconds"},
		{"schedule name with capitals", `{"schedules":[{"name":"Night","schedule":"rate(1 day)","minCount":1,"maxCount":2}]}`, "services[0].schedules[0].name"},
		{"schedule listed twice", `{"schedules":[{"name":"n","schedule":"rate(1 day)","minCount":1,"maxCount":2},{"name":"n","schedule":"at(2027-01-01T00:00:00)","minCount":1,"maxCount":2}]}`, "services[0].schedules[1].name"},
		{"schedule not cron at or rate", schedule("every night", 1, 2), "services[0].schedules[0].schedule"},
		{"cron with five fields", schedule("cron(0 22 * * 1-5)", 1, 2), "services[0].schedules[0].schedule"},
		{"cron hour 24", schedule("cron(0 24 ? * MON-FRI *)", 1, 2), "services[0].schedules[0].schedule"},
		{"cron with both day fields", schedule("cron(0 22 * * MON *)", 1, 2), "services[0].schedules[0].schedule"},
		{"cron with neither day field", schedule("cron(0 22 ? * ? *)", 1, 2), "services[0].schedules[0].schedule"},
		{"cron with an invalid month", schedule("cron(0 22 ? FOO MON *)", 1, 2), "services[0].schedules[0].schedule"},
		{"at with month 13", schedule("at(2027-13-01T00:00:00)", 1, 2), "services[0].schedules[0].schedule"},
		{"at on February 30", schedule("at(2027-02-30T00:00:00)", 1, 2), "services[0].schedules[0].schedule"},
		{"at on February 29 of a common year", schedule("at(2027-02-29T09:00:00)", 1, 2), "services[0].schedules[0].schedule"},
		{"rate of 0 minutes", schedule("rate(0 minutes)", 1, 2), "services[0].schedules[0].schedule"},
		{"schedule max above 1000", schedule("cron(0 22 ? * MON-FRI *)", 1, 1001), "services[0].schedules[0].maxCount"},
		{"schedule min above max", schedule("cron(0 22 ? * MON-FRI *)", 3, 2), "services[0].schedules[0].minCount"},
		{"min healthy above 100", `{"minHealthyPercent":101}`, "services[0].minHealthyPercent"},
		{"max percent not above min healthy", `{"minHealthyPercent":100,"maxPercent":100}`, "services[0].maxPercent"},
		{"max percent above 400", `{"maxPercent":401}`, "services[0].maxPercent"},
		{"health check path without slash", `{"healthCheck":{"path":"health"}}`, "services[0].healthCheck.path"},
		{"health check code an ALB does not accept", `{"healthCheck":{"matcher":"500"}}`, "services[0].healthCheck.matcher"},
		{"health check code range descending", `{"healthCheck":{"matcher":"299-200"}}`, "services[0].healthCheck.matcher"},
		{"health check matcher not codes", `{"healthCheck":{"matcher":"ok"}}`, "services[0].healthCheck.matcher"},
		{"health check interval below 5", `{"healthCheck":{"intervalSeconds":4,"timeoutSeconds":2}}`, "services[0].healthCheck.intervalSeconds"},
		{"health check timeout not below interval", `{"healthCheck":{"intervalSeconds":5,"timeoutSeconds":5}}`, "services[0].healthCheck.timeoutSeconds"},
		{"healthy threshold 1", `{"healthCheck":{"healthyThreshold":1}}`, "services[0].healthCheck.healthyThreshold"},
		{"unhealthy threshold 11", `{"healthCheck":{"unhealthyThreshold":11}}`, "services[0].healthCheck.unhealthyThreshold"},
		{"grace period above an hour", `{"healthCheckGracePeriodSeconds":3601}`, "services[0].healthCheckGracePeriodSeconds"},
		{"log retention CloudWatch does not offer", `{"logRetentionDays":10}`, "services[0].logRetentionDays"},
		{"environment variable name with a hyphen", `{"environment":{"MY-VAR":"x"}}`, "services[0].environment.MY-VAR"},
		{"NODE_ENV overridden", `{"environment":{"NODE_ENV":"development"}}`, "services[0].environment.NODE_ENV"},
		{"variable both plain and secret", `{"environment":{"JWT_SECRET":"x"}}`, "services[0].environment.JWT_SECRET"},
		{"task permission without actions", `{"taskPermissions":[{"resources":["*"]}]}`, "services[0].taskPermissions[0].actions"},
		{"task permission for every action", `{"taskPermissions":[{"actions":["*"],"resources":["*"]}]}`, "services[0].taskPermissions[0].actions[0]"},
		{"task permission for every action of a service", `{"taskPermissions":[{"actions":["s3:*"],"resources":["arn:aws:s3:::b/*"]}]}`, "services[0].taskPermissions[0].actions[0]"},
		{"task permission without resources", `{"taskPermissions":[{"actions":["s3:GetObject"]}]}`, "services[0].taskPermissions[0].resources"},
		{"task permission on a resource that is no ARN", `{"taskPermissions":[{"actions":["s3:GetObject"],"resources":["my-bucket"]}]}`, "services[0].taskPermissions[0].resources[0]"},
		{"task permission passing any role", `{"taskPermissions":[{"actions":["s3:GetObject","iam:PassRole"],"resources":["arn:aws:s3:::b/*","*"]}]}`, "services[0].taskPermissions[0].resources[1]"},
		{"task permission passing every role by ARN", `{"taskPermissions":[{"actions":["iam:passrole"],"resources":["arn:aws:iam::123456789012:role/*"]}]}`, "services[0].taskPermissions[0].resources[0]"},
		{"outbound port 0", `{"outboundPorts":[0]}`, "services[0].outboundPorts[0]"},
		{"outbound port listed twice", `{"outboundPorts":[443,443]}`, "services[0].outboundPorts[1]"},
		{"outbound port other than 443 without destinations", `{"outboundPorts":[443,27017]}`, "services[0].outboundPorts[1]"},
		{"destinations of a port not in outboundPorts", `{"outboundDestinations":{"27017":["203.0.113.0/24"]}}`, "services[0].outboundDestinations.27017"},
		{"destinations keyed by a name", `{"outboundDestinations":{"https":["203.0.113.0/24"]}}`, "services[0].outboundDestinations.https"},
		{"destinations keyed by a port with a leading zero", `{"outboundPorts":[443],"outboundDestinations":{"0443":["203.0.113.0/24"]}}`, "services[0].outboundDestinations.0443"},
		{"empty destinations", egress(`[]`), "services[0].outboundDestinations.27017"},
		{"destination with host bits set", egress(`["203.0.113.1/24"]`), "services[0].outboundDestinations.27017[0]"},
		{"IPv6 destination with host bits set", egress(`["2001:db8::1/32"]`), "services[0].outboundDestinations.27017[0]"},
		{"destination that is a host name", egress(`["cluster0.example.mongodb.net"]`), "services[0].outboundDestinations.27017[0]"},
		{"destination that is an address without a prefix length", egress(`["203.0.113.10"]`), "services[0].outboundDestinations.27017[0]"},
		{"prefix list id too short", egress(`["pl-123"]`), "services[0].outboundDestinations.27017[0]"},
		{"prefix list id in capitals", egress(`["pl-0123456789ABCDEF0"]`), "services[0].outboundDestinations.27017[0]"},
		{"destination listed twice", egress(`["203.0.113.0/24","198.51.100.0/24","203.0.113.0/24"]`), "services[0].outboundDestinations.27017[2]"},
		{"prefix list listed twice", egress(`["pl-0123456789abcdef0","pl-0123456789abcdef0"]`), "services[0].outboundDestinations.27017[1]"},
		{"anywhere with other destinations", egress(`["anywhere","203.0.113.0/24"]`), "services[0].outboundDestinations.27017[0]"},
		{"0.0.0.0/0 written as a CIDR", egress(`["0.0.0.0/0"]`), "services[0].outboundDestinations.27017[0]"},
		{"::/0 written as a CIDR", egress(`["::/0"]`), "services[0].outboundDestinations.27017[0]"},
		{"anywhere in capitals", egress(`["Anywhere"]`), "services[0].outboundDestinations.27017[0]"},
		{"more destinations than the security group holds", egress(manyCIDRs(compute.MaxOutboundDestinations + 1)), "services[0].outboundDestinations"},
		{"SITE_URL set by hand", `{"environment":{"SITE_URL":"https://x.example"}}`, "services[0].environment.SITE_URL"},
		{"internal URL of a called service set by hand", `{"environment":{"API_INTERNAL_URL":"http://x"}}`, "services[0].environment.API_INTERNAL_URL"},
		{"service calls itself", `{"calls":["web"]}`, "services[0].calls[0]"},
		{"service called twice", `{"calls":["api","api"]}`, "services[0].calls[1]"},
		{"writable path not absolute", `{"writablePaths":["app/.next/cache"]}`, "services[0].writablePaths[0]"},
		{"writable root", `{"writablePaths":["/"]}`, "services[0].writablePaths[0]"},
		{"writable path with ..", `{"writablePaths":["/app/../etc"]}`, "services[0].writablePaths[0]"},
		{"writable path with a trailing slash", `{"writablePaths":["/app/cache/"]}`, "services[0].writablePaths[0]"},
		{"writable path with //", `{"writablePaths":["/app//cache"]}`, "services[0].writablePaths[0]"},
		{"writable path with a space", `{"writablePaths":["/app/my cache"]}`, "services[0].writablePaths[0]"},
		{"writable path listed twice", `{"writablePaths":["/app/cache","/app/cache"]}`, "services[0].writablePaths[1]"},
		{"writable path inside another", `{"writablePaths":["/app","/app/.next/cache"]}`, "services[0].writablePaths[1]"},
		{"writable path around another", `{"writablePaths":["/app/.next/cache","/app"]}`, "services[0].writablePaths[1]"},
		{"writable path inside /tmp", `{"writablePaths":["/tmp/cache"]}`, "services[0].writablePaths[0]"},
		{"writable path equal to /tmp", `{"writablePaths":["/tmp"]}`, "services[0].writablePaths[0]"},
		{"writable path around the SSM agent's directories", `{"writablePaths":["/var"]}`, "services[0].writablePaths[0]"},
		{"writable path inside the SSM agent's logs", `{"writablePaths":["/var/log/amazon/ssm"]}`, "services[0].writablePaths[0]"},
		{"more than 10 writable paths", `{"writablePaths":["/w0","/w1","/w2","/w3","/w4","/w5","/w6","/w7","/w8","/w9","/w10"]}`, "services[0].writablePaths[10]"},
	})
}

// TestWritableVolumeNames: a writable path's volume name depends on the path alone, is a
// valid ECS volume name (letters, digits, hyphens, underscores, at most 255) and keeps
// paths apart that differ only in separators.
func TestWritableVolumeNames(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	long := "/" + strings.Repeat("a", 250) + "/b"
	names := map[string]string{}
	for _, p := range []string{"/app/.next/cache", "/app/a-b", "/app/a/b", long, "/w10"} {
		n := compute.WritableVolumeName(p)
		if !valid.MatchString(n) {
			t.Errorf("%s: volume name %q is not a valid ECS volume name", p, n)
		}
		if n != compute.WritableVolumeName(p) {
			t.Errorf("%s: the volume name is not stable", p)
		}
		if prev, dup := names[n]; dup {
			t.Errorf("%s and %s share the volume name %q", prev, p, n)
		}
		names[n] = p
	}
	if got := compute.WritableVolumeName("/app/.next/cache"); !strings.HasPrefix(got, "rw-app-_next-cache-") {
		t.Errorf("volume name %q does not show its path", got)
	}
}

// TestDefaultServicesPass: the web and api defaults pinned to an image, and the generic
// service defaults with the fields a stack must set, pass the check.
func TestDefaultServicesPass(t *testing.T) {
	worker := compute.DefaultServiceSettings()
	worker.Name, worker.Port, worker.PathPattern, worker.Priority = "worker", 3002, "/worker/*", 200
	for i, s := range append(compute.DefaultServices(), worker) {
		s.Image.Tag = "1.0.0"
		p := check.NewProblems()
		s.Check(p.Under("services").Under("[0]"), testMaxServiceName)
		if err := p.Err(); err != nil {
			t.Errorf("default service %d (%s): %v", i, s.Name, err)
		}
	}
}

// manyCIDRs is a JSON list of n distinct /32 destinations.
func manyCIDRs(n int) string {
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf(`"10.0.%d.%d/32"`, i/256, i%256)
	}
	return "[" + strings.Join(list, ",") + "]"
}

// TestOutboundProblemsAtOnce: one service with several outbound mistakes hears of each.
func TestOutboundProblemsAtOnce(t *testing.T) {
	s := pinnedDefaultService()
	fields := `{"outboundPorts":[443,27017,5439],"outboundDestinations":{"27017":["203.0.113.1/24","pl-xyz","anywhere"],"6379":["10.0.0.0/8"]}}`
	if err := check.DecodeStrict(fields, &s); err != nil {
		t.Fatal(err)
	}
	p := check.NewProblems()
	s.Check(p.Under("services[1]"), testMaxServiceName)
	ve, ok := check.AsValidationError(p.Err())
	if !ok {
		t.Fatal("accepted")
	}
	want := []string{
		"services[1].outboundDestinations.27017[0]",
		"services[1].outboundDestinations.27017[1]",
		"services[1].outboundDestinations.27017[2]",
		"services[1].outboundDestinations.6379",
		"services[1].outboundPorts[2]",
	}
	if got := ve.Keys(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems at %v; want %v", got, want)
	}
	for _, f := range ve.Fields {
		if f.Key == "services[1].outboundPorts[2]" && (!strings.Contains(f.Message, "anywhere") || !strings.Contains(f.Message, "CIDRs or prefix lists")) {
			t.Errorf("%s: %q does not say to list destinations or state anywhere", f.Key, f.Message)
		}
	}
}

// TestServiceEgress: each outbound port becomes one rule per destination, in order; 443
// without an entry and an explicit anywhere keep the name <service>-out-<port> and go to
// 0.0.0.0/0; named destinations become cidrIpv4, cidrIpv6 or prefixListId rules.
func TestServiceEgress(t *testing.T) {
	s := pinnedDefaultService()
	s.OutboundPorts = []int{443, 27017, 5439}
	s.OutboundDestinations = map[string][]string{
		"27017": {"203.0.113.0/24", "2001:DB8::/32", "pl-0123456789abcdef0"},
		"5439":  {compute.Anywhere},
	}
	p := check.NewProblems()
	s.Check(p.Under("services[0]"), testMaxServiceName)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	want := []compute.Egress{
		{Port: 443, CidrIpv4: "0.0.0.0/0", Suffix: "out-443"},
		{Port: 27017, CidrIpv4: "203.0.113.0/24", Suffix: "out-27017-203-0-113-0-24"},
		{Port: 27017, CidrIpv6: "2001:db8::/32", Suffix: "out-27017-2001-db8---32"},
		{Port: 27017, PrefixListID: "pl-0123456789abcdef0", Suffix: "out-27017-pl-0123456789abcdef0"},
		{Port: 5439, CidrIpv4: "0.0.0.0/0", Suffix: "out-5439"},
	}
	got := s.Egress()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("egress\n%+v\nwant\n%+v", got, want)
	}
	if d := got[0].Description(); d != "Port 443 to the internet" {
		t.Errorf("the 443 rule's description changed to %q", d)
	}
	// The defaults: 443 to anywhere only, for every service.
	for _, svc := range compute.DefaultServices() {
		if e := svc.Egress(); len(e) != 1 || e[0].Suffix != "out-443" || e[0].CidrIpv4 != "0.0.0.0/0" {
			t.Errorf("default %s egress %+v; want 443 to 0.0.0.0/0 only", svc.Name, e)
		}
	}
}
