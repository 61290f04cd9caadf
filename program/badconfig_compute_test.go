package program_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// patchService overrides fields (JSON values) of element i of the prod stack's services.
func patchService(i int, kv ...string) func(t *testing.T) mockengine.Options {
	return editServices(func(t *testing.T, list []map[string]json.RawMessage) []map[string]json.RawMessage {
		if i >= len(list) {
			t.Fatalf("prod lists %d services; no element %d", len(list), i)
		}
		for j := 0; j < len(kv); j += 2 {
			list[i][kv[j]] = json.RawMessage(kv[j+1])
		}
		return list
	})
}

// addService appends one service (a JSON object) to the prod stack's services.
func addService(obj string) func(t *testing.T) mockengine.Options {
	return func(t *testing.T) mockengine.Options {
		cfg, err := mockengine.StackConfig("prod")
		if err != nil {
			t.Fatal(err)
		}
		key := programtest.Key(t, "services")
		list := strings.TrimSuffix(strings.TrimSpace(cfg[key]), "]") + "," + obj + "]"
		return mockengine.Options{Config: map[string]string{key: list}}
	}
}

var computeCases = []badConfigCase{
	{"cpu and memory Fargate does not offer", patchService(0, "cpu", `256`, "memory", `4096`), "services[0].memory"},
	{"cpu Fargate does not offer", patchService(1, "cpu", `300`), "services[1].cpu"},
	{"api at the smallest size, nothing left beside the Service Connect proxy", patchService(1, "cpu", `256`, "memory", `512`), "services[1].cpu"},
	{"web, which calls api, at the smallest size", patchService(0, "cpu", `256`, "memory", `1024`), "services[0].cpu"},
	{"image tag latest", patchService(0, "image", `{"tag":"latest"}`), "services[0].image.tag"},
	{"image without tag or digest", patchService(1, "image", `{"tag":""}`), "services[1].image.tag"},
	{"image with tag and digest", patchService(0, "image", `{"tag":"1.0.0","digest":"sha256:`+strings.Repeat("a", 64)+`"}`), "services[0].image.digest"},
	{"malformed digest", patchService(0, "image", `{"digest":"sha256:xyz"}`), "services[0].image.digest"},
	{"repository with a tag", patchService(0, "image", `{"repository":"public.ecr.aws/nginx/nginx:1.27","tag":"1"}`), "services[0].image.repository"},
	{"duplicate service name", patchService(1, "name", `"web"`), "services[1].name"},
	{"duplicate service port", patchService(1, "port", `3000`), "services[1].port"},
	{"duplicate path pattern", addService(`{"name":"admin","port":3002,"pathPattern":"/api/*","priority":5,"image":{"tag":"1"}}`), "services[2].pathPattern"},
	{"duplicate rule priority", addService(`{"name":"admin","port":3002,"pathPattern":"/admin/*","priority":100,"image":{"tag":"1"}}`), "services[2].priority"},
	{"non-default service without priority", addService(`{"name":"admin","port":3002,"pathPattern":"/admin/*","image":{"tag":"1"}}`), "services[2].priority"},
	{"no default service", patchService(0, "pathPattern", `"/web/*"`, "priority", `5`), "services"},
	{"service name too long for a target group", patchService(1, "name", `"`+strings.Repeat("a", config.MaxServiceNameLength+1)+`"`), "services[1].name"},
	{"service name with capitals", patchService(1, "name", `"Api"`), "services[1].name"},
	{"privileged port", patchService(0, "port", `80`), "services[0].port"},
	{"min above max", patchService(0, "minCount", `5`, "maxCount", `3`, "desiredCount", `4`), "services[0].minCount"},
	{"desired above max", patchService(0, "desiredCount", `11`), "services[0].desiredCount"},
	{"desired below min", patchService(1, "desiredCount", `1`), "services[1].desiredCount"},
	{"cpu target out of range", patchService(0, "cpuTarget", `100`), "services[0].cpuTarget"},
	{"unknown secret", patchService(1, "secrets", `["DATABASE_URL","STRIPE_KEY"]`), "services[1].secrets[1]"},
	{"app secret that is not set", patchService(1, "secrets", `["SENTRY_DSN"]`), "services[1].secrets[0]"},
	{"NODE_ENV overridden", patchService(0, "environment", `{"NODE_ENV":"development"}`), "services[0].environment.NODE_ENV"},
	{"variable both plain and secret", patchService(1, "environment", `{"DATABASE_URL":"postgres://x"}`), "services[1].environment.DATABASE_URL"},
	{"database access that does not exist", patchService(1, "database", `"readwrite"`), "services[1].database"},
	{"database parameter listed among the secrets, which database provides", patchService(1, "secrets", `["JWT_SECRET","PGPASSWORD"]`), "services[1].secrets[1]"},
	{"api on MongoDB's port without destinations", patchService(1, "outboundPorts", `[443,27017]`), "services[1].outboundPorts[1]"},
	{"api on MongoDB's port to a CIDR with host bits set", patchService(1, "outboundPorts", `[443,27017]`, "outboundDestinations", `{"27017":["203.0.113.1/24"]}`), "services[1].outboundDestinations.27017[0]"},
	{"destinations for a port the service does not open", patchService(0, "outboundDestinations", `{"27017":["pl-0123456789abcdef0"]}`), "services[0].outboundDestinations.27017"},
	{"root user", patchService(0, "user", `"root"`), "services[0].user"},
	{"uid 0", patchService(0, "user", `"0:0"`), "services[0].user"},
	{"cron with five fields", patchService(0, "schedules", `[{"name":"night","schedule":"cron(0 22 * * 1-5)","minCount":1,"maxCount":10}]`), "services[0].schedules[0].schedule"},
	{"cron hour 24", patchService(0, "schedules", `[{"name":"night","schedule":"cron(0 24 ? * MON-FRI *)","minCount":1,"maxCount":10}]`), "services[0].schedules[0].schedule"},
	{"cron with both day fields", patchService(0, "schedules", `[{"name":"night","schedule":"cron(0 22 * * MON *)","minCount":1,"maxCount":10}]`), "services[0].schedules[0].schedule"},
	{"schedule not cron at or rate", patchService(0, "schedules", `[{"name":"night","schedule":"every night","minCount":1,"maxCount":10}]`), "services[0].schedules[0].schedule"},
	{"schedule min above max", patchService(1, "schedules", `[{"name":"night","schedule":"cron(0 22 ? * MON-FRI *)","minCount":3,"maxCount":1}]`), "services[1].schedules[0].minCount"},
	{"schedule listed twice", patchService(1, "schedules", `[{"name":"n","schedule":"rate(1 day)","minCount":1,"maxCount":2},{"name":"n","schedule":"at(2027-01-01T00:00:00)","minCount":1,"maxCount":2}]`), "services[1].schedules[1].name"},
	{"health check timeout not below interval", patchService(0, "healthCheck", `{"path":"/api/health","intervalSeconds":5,"timeoutSeconds":5}`), "services[0].healthCheck.timeoutSeconds"},
	{"health check code an ALB does not accept", patchService(0, "healthCheck", `{"path":"/api/health","matcher":"500"}`), "services[0].healthCheck.matcher"},
	{"health check code range descending", patchService(1, "healthCheck", `{"path":"/health","matcher":"299-200"}`), "services[1].healthCheck.matcher"},
	{"health check path without slash", patchService(1, "healthCheck", `{"path":"health"}`), "services[1].healthCheck.path"},
	{"log retention CloudWatch does not offer", patchService(0, "logRetentionDays", `10`), "services[0].logRetentionDays"},
	{"max percent not above min healthy", patchService(0, "minHealthyPercent", `100`, "maxPercent", `100`), "services[0].maxPercent"},
	{"task permission for every action", patchService(1, "taskPermissions", `[{"actions":["*"],"resources":["*"]}]`), "services[1].taskPermissions[0].actions[0]"},
	{"task permission for every action of a service", patchService(1, "taskPermissions", `[{"actions":["s3:*"],"resources":["arn:aws:s3:::b/*"]}]`), "services[1].taskPermissions[0].actions[0]"},
	{"task permission without resources", patchService(0, "taskPermissions", `[{"actions":["s3:GetObject"]}]`), "services[0].taskPermissions[0].resources"},
	{"task permission on a resource that is no ARN", patchService(0, "taskPermissions", `[{"actions":["s3:GetObject"],"resources":["my-bucket"]}]`), "services[0].taskPermissions[0].resources[0]"},
	{"misspelt task permission field", patchService(0, "taskPermissions", `[{"action":["s3:GetObject"],"resources":["*"]}]`), "services[0]"},
	{"misspelt service field", patchService(0, "cpus", `512`), "services[0]"},
	{"call to a service the stack does not have", patchService(0, "calls", `["api","search"]`), "services[0].calls[1]"},
	{"call to a misspelt service", patchService(1, "calls", `["Web"]`), "services[1].calls[0]"},
	{"service calls itself", patchService(1, "calls", `["api"]`), "services[1].calls[0]"},
	{"service called twice", patchService(0, "calls", `["api","api"]`), "services[0].calls[1]"},
	{"internal URL of a called service set by hand", patchService(0, "environment", `{"API_INTERNAL_URL":"http://alb"}`), "services[0].environment.API_INTERNAL_URL"},
	{"SITE_URL set by hand", patchService(1, "environment", `{"SITE_URL":"https://x.example"}`), "services[1].environment.SITE_URL"},
	{"database TLS variable set by hand on a database client", patchService(1, "environment", `{"PGSSLMODE":"require"}`), "services[1].environment.PGSSLMODE"},
	{"CA bundle variable set by hand on a database client", patchService(1, "environment", `{"NODE_EXTRA_CA_CERTS":"/x.pem"}`), "services[1].environment.NODE_EXTRA_CA_CERTS"},
	{"writable path not absolute", patchService(0, "writablePaths", `["app/.next/cache"]`), "services[0].writablePaths[0]"},
	{"writable root", patchService(1, "writablePaths", `["/"]`), "services[1].writablePaths[0]"},
	{"writable path with ..", patchService(0, "writablePaths", `["/app/.next/../.."]`), "services[0].writablePaths[0]"},
	{"writable path listed twice", patchService(0, "writablePaths", `["/app/.next/cache","/app/.next/cache"]`), "services[0].writablePaths[1]"},
	{"writable path inside another", patchService(0, "writablePaths", `["/app/.next","/app/.next/cache"]`), "services[0].writablePaths[1]"},
	{"writable path inside /tmp", patchService(1, "writablePaths", `["/tmp/uploads"]`), "services[1].writablePaths[0]"},
	{"more than 10 writable paths", patchService(1, "writablePaths", `["/w0","/w1","/w2","/w3","/w4","/w5","/w6","/w7","/w8","/w9","/w10"]`), "services[1].writablePaths[10]"},
	{"services not a list", set("services", `{"name":"web"}`), "services"},
	{"empty services", set("services", `[]`), "services"},
	{"idle timeout too long", patch("loadBalancer", "idleTimeoutSeconds", `4001`), "loadBalancer.idleTimeoutSeconds"},
	{"misspelt load balancer field", patch("loadBalancer", "idleTimeout", `60`), "loadBalancer"},
	// The site's domain moved to the cdn key, and viewers always get HTTPS from
	// CloudFront: the old fields are unknown to the load balancer now.
	{"domain still on the load balancer", patch("loadBalancer", "domainName", `"www.example.com"`), "loadBalancer"},
	{"requireHttps still on the load balancer", patch("loadBalancer", "requireHttps", `true`), "loadBalancer"},
	{"certificate on the load balancer", patch("loadBalancer", "certificateArn", `"arn:aws:acm:ap-northeast-1:123456789012:certificate/0f1e2d3c-4b5a-4697-8877-665544332211"`), "loadBalancer"},
	{"unknown capacity provider", patch("cluster", "capacityProviderStrategy", `[{"capacityProvider":"EC2","weight":1}]`), "cluster.capacityProviderStrategy[0].capacityProvider"},
	{"capacity provider listed twice", patch("cluster", "capacityProviderStrategy", `[{"capacityProvider":"FARGATE","weight":1},{"capacityProvider":"FARGATE","weight":1}]`), "cluster.capacityProviderStrategy[1].capacityProvider"},
	{"base on two providers", patch("cluster", "capacityProviderStrategy", `[{"capacityProvider":"FARGATE","base":1,"weight":1},{"capacityProvider":"FARGATE_SPOT","base":1,"weight":1}]`), "cluster.capacityProviderStrategy"},
	{"strategy entry does not inherit the default weight", patch("cluster", "capacityProviderStrategy", `[{"capacityProvider":"FARGATE","base":2}]`), "cluster.capacityProviderStrategy"},
	{"arm64 service on Fargate Spot", both(
		patch("cluster", "capacityProviderStrategy", `[{"capacityProvider":"FARGATE","base":1,"weight":0},{"capacityProvider":"FARGATE_SPOT","weight":1}]`),
		patchService(1, "architecture", `"arm64"`)), "services[1].architecture"},
	{"container insights mode ECS does not know", patch("cluster", "containerInsights", `"on"`), "cluster.containerInsights"},
	{"no images kept", patch("cluster", "imagesToKeep", `0`), "cluster.imagesToKeep"},
}

func TestBadConfigCompute(t *testing.T) { runBadConfig(t, computeCases) }

// TestComputeProblemsAreReportedAtOnce: several bad compute keys, one error naming each.
func TestComputeProblemsAreReportedAtOnce(t *testing.T) {
	opts := patchService(0, "cpu", `256`, "memory", `8192`, "image", `{"tag":"latest"}`, "schedules", `[{"name":"x","schedule":"cron(bad)","minCount":0,"maxCount":0}]`)(t)
	opts.Config[programtest.Key(t, "cluster")] = `{"capacityProviderStrategy":[{"capacityProvider":"SPOT","weight":1}]}`
	r := programtest.Run("prod", opts)
	ve, ok := config.AsValidationError(r.Err)
	if !ok {
		t.Fatalf("want a *config.ValidationError, got %v", r.Err)
	}
	for _, k := range []string{"services[0].memory", "services[0].image.tag", "services[0].schedules[0].schedule", "cluster.capacityProviderStrategy[0].capacityProvider"} {
		if !ve.Has(k) {
			t.Errorf("missing %s in %v", k, ve.Keys())
		}
	}
	for _, want := range []string{"8192", `"latest"`, `"SPOT"`} {
		if !strings.Contains(r.Err.Error(), want) {
			t.Errorf("message does not quote the bad value %s: %v", want, r.Err)
		}
	}
	if r.Count() != 0 {
		t.Errorf("registered %d resources; want 0", r.Count())
	}
}

// TestGoodOneOffSchedule: an at(...) schedule on a date that exists, a leap day included,
// is accepted (the refused dates are in the bad-config table).
func TestGoodOneOffSchedule(t *testing.T) {
	opts := patchService(1, "schedules", `[{"name":"sale","schedule":"at(2028-02-29T09:00:00)","minCount":2,"maxCount":4}]`)(t)
	if r := programtest.Run("prod", opts); r.Err != nil {
		t.Errorf("a leap-day schedule was refused: %v", r.Err)
	}
}

// TestShadowedServicePath: a service whose path lies inside the path of a service with a
// lower priority number is never reached and is refused with its key named; given the
// lower priority it is accepted.
func TestShadowedServicePath(t *testing.T) {
	services := func(adminPriority int) mockengine.Options {
		return mockengine.Options{Config: map[string]string{programtest.Key(t, "services"): fmt.Sprintf(
			`[{"name":"web","image":{"tag":"1.0.0"}},{"name":"api","image":{"tag":"1.0.0"}},`+
				`{"name":"admin","port":3002,"pathPattern":"/api/admin/*","priority":%d,"image":{"tag":"1.0.0"},"calls":[]}]`, adminPriority)}}
	}
	r := programtest.Run("prod", services(200))
	ve, ok := config.AsValidationError(r.Err)
	if !ok || !ve.Has("services[2].pathPattern") {
		t.Errorf("a shadowed path was accepted: %v", r.Err)
	}
	if r := programtest.Run("prod", services(50)); r.Err != nil {
		t.Errorf("a path inside another with a lower priority number was refused: %v", r.Err)
	}
}
