package program_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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
// scheduled job and an app secret.
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
	secrets := programtest.AppSecrets(t, localStack, map[string]string{"MONGODB_URI": "local-mongodb"}, map[string][]string{"MONGODB_URI": {"api"}})
	for k, v := range secrets.Config {
		opts.Config[k] = v
	}
	opts.SecretKeys = secrets.SecretKeys
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

// localMayDiffer lists what Pulumi.local.yaml may set, each with the reason: keys, or
// object fields ("key.field") when only some fields of an object key may differ. The
// stack follows Pulumi.dev.yaml (baseStack) for everything else, so a dev change reaches
// it without a second edit.
var localMayDiffer = map[string]string{
	"aws:region":                  "provider keys are not inherited: the CLI reads them before the program runs",
	"ecsite:baseStack":            "follows dev",
	"ecsite:environment":          "its own names and SSM path",
	"ecsite:costCenter":           "its own cost-center tag",
	"ecsite:awsEndpoint":          "only the local stack talks to an emulator",
	"ecsite:cdn.imagePathPattern": "the emulator answers CreateCachePolicy with 404, so the local stack has no cached image behaviour",
}

// TestLocalStackIsDevSized: Pulumi.local.yaml sets only the listed differences, and the
// configuration the program sees for the local stack is dev's but for those.
func TestLocalStackIsDevSized(t *testing.T) {
	path, err := mockengine.StackFile(localStack)
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range keysBeyond(t, path, localMayDiffer) {
		t.Errorf("Pulumi.local.yaml sets %s, which it takes from Pulumi.dev.yaml (baseStack: dev); remove it, or list the difference with its reason in localMayDiffer", extra)
	}
	dev := programtest.Config(t, "dev", mockengine.Options{})
	local := programtest.Config(t, localStack, mockengine.Options{})
	if local.BaseStack != "dev" {
		t.Fatalf("Pulumi.local.yaml: baseStack = %q; want dev", local.BaseStack)
	}
	for _, d := range configDifferences(dev, local) {
		t.Errorf("the local stack differs from dev at %s", d)
	}
	// Both checks fire: a key copied into the local file, and a local stack whose
	// configuration drifted from dev's.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Pulumi.local.yaml"), "config:\n  ecsite:baseStack: dev\n  ecsite:environment: local\n  ecsite:network: {natGateways: single}\n  ecsite:cdn: {hsts: true, imagePathPattern: \"\"}\n")
	if got := keysBeyond(t, filepath.Join(dir, "Pulumi.local.yaml"), localMayDiffer); !reflect.DeepEqual(got, []string{"ecsite:cdn.hsts", "ecsite:network"}) {
		t.Errorf("copied keys reported as %v", got)
	}
	drifted := *local
	drifted.Network.NatGateways = "single"
	if got := configDifferences(dev, &drifted); !reflect.DeepEqual(got, []string{"Network"}) {
		t.Errorf("a changed natGateways was reported as %v", got)
	}
}

// TestDevChangesReachTheLocalStack: a release in Pulumi.dev.yaml (a new image tag) and
// a resizing reach the local stack with no edit of Pulumi.local.yaml, its own settings
// stay on top, and the committed stacks' inheritance is what the program sees.
func TestDevChangesReachTheLocalStack(t *testing.T) {
	dev, err := os.ReadFile(stackFilePath(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	released := strings.Replace(string(dev), `image: {tag: "0.1.0"}`, `image: {tag: "0.2.0"}`, 1)
	released = strings.Replace(released, "flowLogRetentionDays: 14", "flowLogRetentionDays: 30", 1)
	if released == string(dev) || strings.Count(released, `tag: "0.2.0"`) != 1 {
		t.Fatal("Pulumi.dev.yaml no longer has the web image line this test edits")
	}
	dir := stackDir(t, map[string]string{"dev": released})
	local := localConfig(t, dir, mockengine.Options{})
	web := local.Services[0]
	if web.Name != "web" || web.Image.Tag != "0.2.0" {
		t.Errorf("local web image after dev's release = %+v; want dev's new tag 0.2.0", web.Image)
	}
	if local.Network.FlowLogRetentionDays != 30 {
		t.Errorf("local flowLogRetentionDays = %d; want dev's new 30", local.Network.FlowLogRetentionDays)
	}
	if local.Cdn.ImagePathPattern != "" || local.Cdn.Hsts {
		t.Errorf("local cdn = %+v; want its own imagePathPattern \"\" over dev's hsts false", local.Cdn)
	}
	if local.Environment != "local" || local.AwsEndpoint.URL == "" {
		t.Errorf("local environment %q, awsEndpoint %q: its own settings were lost", local.Environment, local.AwsEndpoint.URL)
	}
	// A test override of a key the local file does not set is merged over dev's value.
	opts := programtest.Patched(t, localStack, "loadBalancer", map[string]string{"accessLogs": "true"})
	patched := localConfig(t, dir, opts)
	if !patched.LoadBalancer.AccessLogs || patched.LoadBalancer.DeletionProtection {
		t.Errorf("patched loadBalancer = %+v; want accessLogs on over dev's deletionProtection false", patched.LoadBalancer)
	}
}

// TestBaseStackMisuseIsRefused: each way of misusing baseStack is refused before any
// resource, naming the key.
func TestBaseStackMisuseIsRefused(t *testing.T) {
	dev, err := os.ReadFile(stackFilePath(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	local, err := os.ReadFile(stackFilePath(t, localStack))
	if err != nil {
		t.Fatal(err)
	}
	withSecret := strings.Replace(string(dev), "config:\n", "config:\n  ecsite:appSecrets:\n    STRIPE_SECRET_KEY:\n      secure: AAABAKx0c2VjcmV0\n", 1)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"base stack is itself", map[string]string{localStack: strings.Replace(string(local), "ecsite:baseStack: dev", "ecsite:baseStack: local", 1)}, []string{`baseStack: "local" is this stack itself`}},
		{"base stack file missing", map[string]string{localStack: strings.Replace(string(local), "ecsite:baseStack: dev", "ecsite:baseStack: staging", 1)}, []string{`baseStack: "staging": open`}},
		{"bad stack name", map[string]string{localStack: strings.Replace(string(local), "ecsite:baseStack: dev", "ecsite:baseStack: ../dev", 1)}, []string{`baseStack: "../dev" is not a stack name`}},
		{"chain", map[string]string{"dev": strings.Replace(string(dev), "config:\n", "config:\n  ecsite:baseStack: prod\n", 1)}, []string{`baseStack: "dev" sets baseStack itself`}},
		{"same environment", map[string]string{localStack: strings.Replace(string(local), "ecsite:environment: local", "ecsite:environment: dev", 1)}, []string{`environment: must be set in this stack's file and differ from stack "dev"'s ("dev")`}},
		{"encrypted key of the base", map[string]string{"dev": withSecret}, []string{"appSecrets: is encrypted in Pulumi.dev.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := stackDir(t, tc.files)
			_, err := mockengine.RunFile(loadOnly, localStack, filepath.Join(dir, "Pulumi.local.yaml"), mockengine.Options{})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func loadOnly(ctx *pulumi.Context) error {
	_, err := config.Load(ctx)
	return err
}

// localConfig loads the local stack's configuration from the stack files in dir.
func localConfig(t *testing.T, dir string, opts mockengine.Options) *config.Config {
	t.Helper()
	return programtest.ConfigFile(t, localStack, filepath.Join(dir, "Pulumi.local.yaml"), opts)
}

// stackDir copies the committed dev and local stack files into a temporary directory,
// with the given stacks' contents replaced, and returns it.
func stackDir(t *testing.T, replace map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, stack := range []string{"dev", localStack} {
		content, ok := replace[stack]
		if !ok {
			b, err := os.ReadFile(stackFilePath(t, stack))
			if err != nil {
				t.Fatal(err)
			}
			content = string(b)
		}
		writeFile(t, filepath.Join(dir, "Pulumi."+stack+".yaml"), content)
	}
	return dir
}

func stackFilePath(t *testing.T, stack string) string {
	t.Helper()
	path, err := mockengine.StackFile(stack)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// keysBeyond returns the keys, and the fields of object keys listed by field, that the
// stack file at path sets beyond allowed.
func keysBeyond(t *testing.T, path string, allowed map[string]string) []string {
	t.Helper()
	var out []string
	for key, v := range programtest.StackFileValues(t, path) {
		if _, ok := allowed[key]; ok {
			continue
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			out = append(out, key)
			continue
		}
		for f := range obj {
			if _, ok := allowed[key+"."+f]; !ok {
				out = append(out, key+"."+f)
			}
		}
		// An object key that no field of is allowed is reported whole.
		whole := true
		for a := range allowed {
			whole = whole && !strings.HasPrefix(a, key+".")
		}
		if whole {
			out = slices.DeleteFunc(out, func(s string) bool { return strings.HasPrefix(s, key+".") })
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// configDifferences names the top-level fields of the validated configuration in which
// local differs from dev, after setting the allowed differences (localMayDiffer) to dev's.
func configDifferences(dev, local *config.Config) []string {
	l := *local
	l.Environment, l.CostCenter, l.AwsEndpoint, l.BaseStack = dev.Environment, dev.CostCenter, dev.AwsEndpoint, dev.BaseStack
	l.Cdn.ImagePathPattern = dev.Cdn.ImagePathPattern
	var out []string
	dv, lv := reflect.ValueOf(*dev), reflect.ValueOf(l)
	for i := 0; i < dv.NumField(); i++ {
		if !reflect.DeepEqual(dv.Field(i).Interface(), lv.Field(i).Interface()) {
			out = append(out, dv.Type().Field(i).Name)
		}
	}
	return out
}
