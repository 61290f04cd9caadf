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
