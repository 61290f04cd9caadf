package program_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/network"
)

// The local emulator stack (Pulumi.local.yaml) is not in programtest.Stacks, whose tests
// assert dev and prod specifics; these tests cover it.
const localStack = "local"

// endpointKeyFor maps an AWS resource type or function token to the pulumi-aws provider
// endpoint key whose API it calls (the canonical keys of the provider's `endpoints`
// block). noCall is true for functions the provider answers without calling AWS. A token
// it does not know is reported by the caller, so a new AWS module added to the program
// cannot slip past the coverage test.
func endpointKeyFor(token string) (key string, noCall bool, known bool) {
	switch token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return "sts", false, true
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return "ec2", false, true
	case "aws:index/getRegion:getRegion", "aws:index/getPartition:getPartition",
		"aws:iam/getPolicyDocument:getPolicyDocument", "aws:elb/getServiceAccount:getServiceAccount":
		// Answered from the provider's configuration or built-in tables.
		return "", true, true
	}
	rest, ok := strings.CutPrefix(token, "aws:")
	if !ok {
		return "", false, false
	}
	module, member, _ := strings.Cut(rest, "/")
	member, _, _ = strings.Cut(member, ":")
	switch module {
	case "ec2", "vpc", "ec2transitgateway":
		return "ec2", false, true
	case "lb", "alb", "elasticloadbalancingv2":
		return "elbv2", false, true
	case "cloudwatch":
		// One Pulumi module, three AWS APIs: CloudWatch Logs, EventBridge, CloudWatch.
		switch {
		case strings.HasPrefix(member, "log"):
			return "logs", false, true
		case strings.HasPrefix(member, "event"):
			return "events", false, true
		default:
			return "cloudwatch", false, true
		}
	case "rds", "kms", "ssm", "iam", "ecs", "ecr", "appautoscaling", "sns", "sqs", "wafv2",
		"s3", "acm", "route53", "secretsmanager", "servicediscovery", "cloudfront", "efs",
		"backup", "autoscaling", "sts", "lambda", "scheduler":
		return module, false, true
	}
	return "", false, false
}

// uncoveredServices runs through every AWS resource type and function call the run
// recorded and returns, by endpoint key, the tokens whose service is not in services,
// plus the tokens endpointKeyFor does not know.
func uncoveredServices(r programtest.Result, services []string) (missing map[string][]string, unknown []string) {
	have := map[string]bool{}
	for _, s := range services {
		have[s] = true
	}
	tokens := map[string]bool{}
	for _, typ := range r.Types() {
		tokens[typ] = true
	}
	for _, c := range r.Calls() {
		tokens[c.Token] = true
	}
	missing = map[string][]string{}
	for token := range tokens {
		if !strings.HasPrefix(token, "aws:") {
			continue // random:…, and the provider itself
		}
		key, noCall, known := endpointKeyFor(token)
		switch {
		case !known:
			unknown = append(unknown, token)
		case !noCall && !have[key]:
			missing[key] = append(missing[key], token)
		}
	}
	for k := range missing {
		sort.Strings(missing[k])
	}
	sort.Strings(unknown)
	return missing, unknown
}

// TestLocalStackCoversEveryAWSService: awsEndpoint.services in Pulumi.local.yaml sends
// every AWS API the program calls to the emulator. A service left out would make
// `pulumi up --stack local` call real AWS with dummy credentials and fail half-way. The
// check runs on the stack as committed and with every optional feature switched on (a
// user may turn one on locally), so services used only by those are covered too.
func TestLocalStackCoversEveryAWSService(t *testing.T) {
	cfg := programtest.Config(t, localStack, mockengine.Options{})
	for _, variant := range []struct {
		name string
		opts func(t *testing.T) mockengine.Options
	}{
		{"as committed", func(t *testing.T) mockengine.Options { return mockengine.Options{} }},
		{"every optional feature on", everyOptionalFeature},
	} {
		t.Run(variant.name, func(t *testing.T) {
			r := programtest.MustRun(t, localStack, variant.opts(t))
			missing, unknown := uncoveredServices(r, cfg.AwsEndpoint.Services)
			for _, token := range unknown {
				t.Errorf("no provider endpoint key known for %s: add its module to endpointKeyFor in program/local_stack_test.go", token)
			}
			keys := make([]string, 0, len(missing))
			for k := range missing {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				t.Errorf("Pulumi.local.yaml: awsEndpoint.services lacks %q, which %s call(s)", k, strings.Join(missing[k], ", "))
			}
			if len(r.Types()) < 10 {
				t.Fatalf("the local stack registered only %v; the coverage check needs the whole program", r.Types())
			}
			// Endpoints apply only to the explicit providers: a function called through the
			// default provider would reach real AWS from the local stack.
			providers := r.ByType("pulumi:providers:aws")
			if len(providers) != 2 {
				t.Fatalf("want two aws providers (the stack's region and us-east-1), got %d", len(providers))
			}
			var refs []string
			for _, p := range providers {
				refs = append(refs, p.URN+"::"+p.ID)
			}
			for _, token := range callsBypassing(r.Calls(), refs...) {
				t.Errorf("%s is called without an explicit provider; pass pulumi.Provider(provider) or pulumi.Parent(component) to the invoke", token)
			}
			// Every AWS resource uses one of them, so none reaches real AWS either.
			for _, res := range r.Resources() {
				if strings.HasPrefix(res.Type, "aws:") && res.Custom && !slices.Contains(refs, res.Provider) {
					t.Errorf("%s %s uses the default provider", res.Type, res.Name)
				}
			}
		})
	}
}

// callsBypassing returns the AWS functions called through any provider but refs.
func callsBypassing(calls []mockengine.Call, refs ...string) []string {
	var out []string
	for _, c := range calls {
		if strings.HasPrefix(c.Token, "aws:") && !slices.Contains(refs, c.Provider) {
			out = append(out, c.Token)
		}
	}
	return out
}

// everyOptionalFeature switches on, over the local stack, the features that add AWS
// services or resource types: the site's domain on the distribution (a DNS-validated
// certificate and alias records), ALB access logs, every interface endpoint, the bastion, a
// scheduled job and the optional third-party secrets.
func everyOptionalFeature(t *testing.T) mockengine.Options {
	endpoints, err := json.Marshal(network.InterfaceEndpointServices)
	if err != nil {
		t.Fatal(err)
	}
	opts := mockengine.Options{Config: map[string]string{
		programtest.Key(t, "loadBalancer"): programtest.Patch(t, localStack, "loadBalancer", map[string]string{"accessLogs": "true"}),
		programtest.Key(t, "cdn"): programtest.Patch(t, localStack, "cdn", map[string]string{
			"domainName": `"shop.example.com"`, "hostedZoneId": `"Z0123456789ABCDEFGHIJ"`,
			"accessLogs": "true", "imagePathPattern": `"/_next/image*"`,
		}),
		programtest.Key(t, "network"): programtest.Patch(t, localStack, "network", map[string]string{"interfaceEndpoints": string(endpoints)}),
		programtest.Key(t, "bastion"): programtest.Patch(t, localStack, "bastion", map[string]string{"enabled": "true"}),
		// A scheduled job: EventBridge Scheduler runs it, an EventBridge rule watches it.
		programtest.Key(t, "jobs"): `[{"name":"nightly","service":"api","command":["node","nightly.js"],"schedule":"cron(0 3 * * ? *)","database":"writer"}]`,
	}}
	for _, s := range config.OptionalSecrets {
		key := programtest.Key(t, s.Key)
		opts.Config[key] = "local-" + s.Key
		opts.SecretKeys = append(opts.SecretKeys, key)
	}
	return opts
}

// TestCoverageCheckCatchesAGap shows the coverage rule failing: the local stack with a
// service removed from awsEndpoint.services, and a token of a module nobody mapped.
func TestCoverageCheckCatchesAGap(t *testing.T) {
	cfg := programtest.Config(t, localStack, mockengine.Options{})
	for _, drop := range []string{"ec2", "logs", "sts", "iam"} {
		t.Run("without "+drop, func(t *testing.T) {
			var services []string
			for _, s := range cfg.AwsEndpoint.Services {
				if s != drop {
					services = append(services, s)
				}
			}
			b, err := json.Marshal(services)
			if err != nil {
				t.Fatal(err)
			}
			opts := mockengine.Options{Config: map[string]string{
				programtest.Key(t, "awsEndpoint"): programtest.Patch(t, localStack, "awsEndpoint", map[string]string{"services": string(b)}),
			}}
			r := programtest.MustRun(t, localStack, opts)
			missing, _ := uncoveredServices(r, services)
			if len(missing[drop]) == 0 {
				t.Errorf("removing %q from awsEndpoint.services went unnoticed (missing: %v)", drop, missing)
			}
		})
	}
	t.Run("function on the default provider", func(t *testing.T) {
		calls := []mockengine.Call{
			{Token: "aws:index/getCallerIdentity:getCallerIdentity", Provider: "urn:p::id"},
			{Token: "aws:ssm/getParameter:getParameter"},
		}
		if got := callsBypassing(calls, "urn:p::id"); !reflect.DeepEqual(got, []string{"aws:ssm/getParameter:getParameter"}) {
			t.Errorf("callsBypassing = %v", got)
		}
	})
	t.Run("unmapped module", func(t *testing.T) {
		if _, _, known := endpointKeyFor("aws:newservice/widget:Widget"); known {
			t.Error("an unknown module was mapped to an endpoint key")
		}
	})
	for token, want := range map[string]string{
		"aws:cloudwatch/logGroup:LogGroup":              "logs",
		"aws:cloudwatch/metricAlarm:MetricAlarm":        "cloudwatch",
		"aws:cloudwatch/eventRule:EventRule":            "events",
		"aws:lb/loadBalancer:LoadBalancer":              "elbv2",
		"aws:vpc/securityGroupIngressRule:X":            "ec2",
		"aws:appautoscaling/policy:Policy":              "appautoscaling",
		"aws:index/getCallerIdentity:getCallerIdentity": "sts",
	} {
		if got, _, _ := endpointKeyFor(token); got != want {
			t.Errorf("endpointKeyFor(%s) = %q; want %q", token, got, want)
		}
	}
}

// TestLocalStackProviderPointsAtEmulator: both providers (the stack's region and
// us-east-1) send each listed service to the emulator, skip the checks that need real
// AWS and keep the dummy keys secret.
func TestLocalStackProviderPointsAtEmulator(t *testing.T) {
	cfg := programtest.Config(t, localStack, mockengine.Options{})
	r := programtest.MustRun(t, localStack, mockengine.Options{})
	providers := r.ByType("pulumi:providers:aws")
	if len(providers) != 2 {
		t.Fatalf("want two aws providers, got %d", len(providers))
	}
	wantRegion := map[string]string{"aws": "ap-northeast-1", "aws-us-east-1": "us-east-1"}
	for _, p := range providers {
		t.Run(p.Name, func(t *testing.T) { checkEmulatorProvider(t, p, cfg.AwsEndpoint, wantRegion[p.Name]) })
	}
}

func checkEmulatorProvider(t *testing.T, p *mockengine.Resource, e config.AwsEndpoint, region string) {
	t.Helper()
	if !e.Enabled() || !strings.HasPrefix(e.URL, "http://localhost:") {
		t.Fatalf("Pulumi.local.yaml: awsEndpoint.url = %q; want the emulator on localhost", e.URL)
	}
	if n := p.In("endpoints").Len(); n != 1 {
		t.Fatalf("provider has %d endpoint blocks; want 1", n)
	}
	for _, s := range e.Services {
		if got := p.In("endpoints[0]." + s).Str(); got != e.URL {
			t.Errorf("endpoints[0].%s = %q; want %q", s, got, e.URL)
		}
	}
	if set := len(p.In("endpoints[0]").Map()); set != len(e.Services) {
		t.Errorf("provider sets %d endpoints; awsEndpoint.services lists %d", set, len(e.Services))
	}
	for _, flag := range []string{"skipCredentialsValidation", "skipRequestingAccountId", "skipMetadataApiCheck", "s3UsePathStyle"} {
		if !p.In(flag).Bool() {
			t.Errorf("provider %s is not true", flag)
		}
	}
	for _, key := range []string{"accessKey", "secretKey"} {
		v := p.In(key)
		if v.Str() != "test" || !v.Secret() {
			t.Errorf("provider %s = %q (secret %v); want the dummy value, secret", key, v.Str(), v.Secret())
		}
	}
	if got := p.In("region").Str(); got == "" || got != region {
		t.Errorf("provider region %q; want %q", got, region)
	}
}

// emulatorProviderInputs are the provider inputs only an emulator stack may set.
var emulatorProviderInputs = []string{"endpoints", "accessKey", "secretKey", "skipRequestingAccountId", "skipMetadataApiCheck", "s3UsePathStyle"}

// TestCommittedStacksTalkToRealAWS: awsEndpoint is unset in dev and prod, so their
// provider inputs carry no endpoint, credential or skip setting (the SDK's own default
// skipCredentialsValidation=false aside).
func TestCommittedStacksTalkToRealAWS(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			if cfg := programtest.Config(t, stack, mockengine.Options{}); cfg.AwsEndpoint.Enabled() {
				t.Errorf("Pulumi.%s.yaml sets awsEndpoint.url %q", stack, cfg.AwsEndpoint.URL)
			}
			r := programtest.MustRun(t, stack, mockengine.Options{})
			for _, p := range r.ByType("pulumi:providers:aws") {
				if bad := emulatorInputs(p); len(bad) > 0 {
					t.Errorf("provider %s sets %v; a stack on real AWS must not", p.Name, bad)
				}
			}
		})
	}
	// The check fires on providers that do carry them.
	r := programtest.MustRun(t, localStack, mockengine.Options{})
	for _, p := range r.ByType("pulumi:providers:aws") {
		if bad := emulatorInputs(p); len(bad) != len(emulatorProviderInputs)+1 {
			t.Errorf("the local provider %s shows only %v; the check is blind", p.Name, bad)
		}
	}
}

func emulatorInputs(p *mockengine.Resource) []string {
	var bad []string
	for _, k := range emulatorProviderInputs {
		if !p.In(k).Null() {
			bad = append(bad, k)
		}
	}
	if p.In("skipCredentialsValidation").Bool() {
		bad = append(bad, "skipCredentialsValidation")
	}
	return bad
}

// localMayDiffer lists the keys (or object fields, "key.field") where Pulumi.local.yaml
// may differ from Pulumi.dev.yaml, each with the reason. Everything else must match, so
// the local stack stays dev-sized as dev changes.
var localMayDiffer = map[string]string{
	"ecsite:environment":          "its own names and SSM path",
	"ecsite:costCenter":           "its own cost-center tag",
	"ecsite:awsEndpoint":          "only the local stack talks to an emulator",
	"ecsite:cdn.imagePathPattern": "the emulator answers CreateCachePolicy with 404, so the local stack has no cached image behaviour",
}

// TestLocalStackIsDevSized: the local stack sets what dev sets, with dev's values,
// except the listed differences, and only keys Pulumi.yaml declares.
func TestLocalStackIsDevSized(t *testing.T) {
	dev, err := mockengine.StackConfig("dev")
	if err != nil {
		t.Fatal(err)
	}
	local, err := mockengine.StackConfig(localStack)
	if err != nil {
		t.Fatal(err)
	}
	defaults := projectDefaults(t)
	for _, d := range stackDifferences(defaults, dev, local, localMayDiffer) {
		t.Errorf("Pulumi.local.yaml differs from Pulumi.dev.yaml at %s; copy dev's value or list the difference with its reason in localMayDiffer", d)
	}
	proj, err := mockengine.ReadProject()
	if err != nil {
		t.Fatal(err)
	}
	for key := range local {
		if ns, name, _ := strings.Cut(key, ":"); ns == proj.Name {
			if _, ok := proj.Config[name]; !ok {
				t.Errorf("Pulumi.local.yaml sets undeclared key %s", key)
			}
		}
	}
	// The comparison fires on a stack that drifted from dev.
	drifted := map[string]string{}
	for k, v := range dev {
		drifted[k] = v
	}
	network := map[string]any{}
	if err := json.Unmarshal([]byte(dev["ecsite:network"]), &network); err != nil {
		t.Fatal(err)
	}
	network["natGateways"] = "prod-like"
	b, err := json.Marshal(network)
	if err != nil {
		t.Fatal(err)
	}
	drifted["ecsite:network"] = string(b)
	if got := stackDifferences(defaults, dev, drifted, localMayDiffer); !reflect.DeepEqual(got, []string{"ecsite:network.natGateways"}) {
		t.Errorf("a changed natGateways was reported as %v", got)
	}
}

// stackDifferences compares two stacks' configuration key by key, and object keys field
// by field, skipping the allowed differences. A field a stack file omits takes its value
// from the key's default object in Pulumi.yaml (defaults, JSON by qualified key), as the
// program does.
func stackDifferences(defaults, a, b map[string]string, allowed map[string]string) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if _, ok := allowed[k]; ok {
			continue
		}
		av, bv := a[k], b[k]
		var ao, bo, do map[string]any
		if json.Unmarshal([]byte(av), &ao) == nil && json.Unmarshal([]byte(bv), &bo) == nil && ao != nil && bo != nil {
			_ = json.Unmarshal([]byte(defaults[k]), &do)
			fields := map[string]bool{}
			for _, m := range []map[string]any{ao, bo, do} {
				for f := range m {
					fields[f] = true
				}
			}
			field := func(m map[string]any, f string) any {
				if v, ok := m[f]; ok {
					return v
				}
				return do[f]
			}
			for f := range fields {
				path := k + "." + f
				if _, ok := allowed[path]; ok {
					continue
				}
				if !reflect.DeepEqual(field(ao, f), field(bo, f)) {
					diffs = append(diffs, path)
				}
			}
			continue
		}
		if av != bv {
			diffs = append(diffs, k)
		}
	}
	sort.Strings(diffs)
	return diffs
}

// projectDefaults returns Pulumi.yaml's declared defaults as JSON, by qualified key.
func projectDefaults(t *testing.T) map[string]string {
	t.Helper()
	proj, err := mockengine.ReadProject()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, decl := range proj.Config {
		if decl.Default == nil {
			continue
		}
		b, err := json.Marshal(decl.Default)
		if err != nil {
			t.Fatalf("Pulumi.yaml default of %s: %v", name, err)
		}
		out[proj.Name+":"+name] = string(b)
	}
	return out
}
