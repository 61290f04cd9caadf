package program_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/program"
)

// badConfigCase is one invalid configuration and the key its error must name.
type badConfigCase struct {
	name    string
	opts    func(t *testing.T) mockengine.Options
	wantKey string
}

// set overrides whole keys of the prod stack.
func set(kv ...string) func(t *testing.T) mockengine.Options {
	return func(t *testing.T) mockengine.Options {
		cfg := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			k := kv[i]
			if !strings.Contains(k, ":") {
				k = programtest.Key(t, k)
			}
			cfg[k] = kv[i+1]
		}
		return mockengine.Options{Config: cfg}
	}
}

// patch overrides fields of an object key of the prod stack (values are JSON).
func patch(key string, kv ...string) func(t *testing.T) mockengine.Options {
	return func(t *testing.T) mockengine.Options {
		fields := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			fields[kv[i]] = kv[i+1]
		}
		return programtest.Patched(t, "prod", key, fields)
	}
}

// coreAndNetworkCases are whole-program cases for the top-level keys and the network key
// (network/settings_test.go holds the network package's full table).
var coreAndNetworkCases = []badConfigCase{
	{"vpc cidr not a cidr", patch("network", "vpcCidr", `"10.0.0.0/33"`), "network.vpcCidr"},
	{"misspelt network field", patch("network", "natGateway", `"single"`), "network"},
	{"network not an object", set("network", `["10.0.0.0/16"]`), "network"},
	// encoding/json alone would accept these: it matches field names case-insensitively.
	{"network field in the wrong case", patch("network", "natgateways", `"single"`), "network"},
	{"nested field in the wrong case", set("services", `[{"name":"web","Port":3000,"image":{"tag":"1.0.0"}}]`), "services[0]"},
	{"empty environment", set("environment", ""), "environment"},
	{"environment with capitals", set("environment", "Production"), "environment"},
	{"environment too long", set("environment", "production1"), "environment"},
	{"cost center with a character tags reject", set("costCenter", "shop#1"), "costCenter"},
	{"missing region", set("aws:region", ""), "aws:region"},
	{"malformed region", set("aws:region", "tokyo"), "aws:region"},
	{"empty project name", func(t *testing.T) mockengine.Options { return mockengine.Options{Project: "-"} }, "project"},
	{"project name with two hyphens in a row, which RDS identifiers refuse", func(t *testing.T) mockengine.Options {
		return mockengine.Options{Project: "ec--site"}
	}, "project"},
	{"project name too long for AWS name limits", func(t *testing.T) mockengine.Options {
		return mockengine.Options{Project: "a-very-long-shop"}
	}, "project"},
}

// runBadConfig checks that each case fails validation naming its key and that the
// program registered nothing at all.
func runBadConfig(t *testing.T, cases []badConfigCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := programtest.Run("prod", tc.opts(t))
			if r.Err == nil {
				t.Fatalf("want a configuration error naming %s, got none", tc.wantKey)
			}
			ve, ok := config.AsValidationError(r.Err)
			if !ok {
				t.Fatalf("want a *config.ValidationError, got %T: %v", r.Err, r.Err)
			}
			if !ve.Has(tc.wantKey) {
				t.Errorf("error does not name %s:\n%v", tc.wantKey, r.Err)
			}
			if !strings.Contains(r.Err.Error(), tc.wantKey) {
				t.Errorf("message does not mention %s:\n%v", tc.wantKey, r.Err)
			}
			if n := r.Count(); n != 0 {
				t.Errorf("bad configuration registered %d resources; want 0", n)
			}
		})
	}
}

func TestBadConfigCoreAndNetwork(t *testing.T) { runBadConfig(t, coreAndNetworkCases) }

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	r := programtest.Run("prod", mockengine.Options{Config: map[string]string{
		programtest.Key(t, "environment"): "Prod!",
		programtest.Key(t, "costCenter"):  "#",
		programtest.Key(t, "network"):     `{"natGateways":"many","vpcCidr":"10.0.0.0/40","flowLogRetentionDays":2}`,
	}})
	ve, ok := config.AsValidationError(r.Err)
	if !ok {
		t.Fatalf("want a *config.ValidationError, got %v", r.Err)
	}
	want := []string{"costCenter", "environment", "network.flowLogRetentionDays", "network.natGateways", "network.vpcCidr"}
	for _, k := range want {
		if !ve.Has(k) {
			t.Errorf("missing %s in %v", k, ve.Keys())
		}
	}
	if r.Count() != 0 {
		t.Errorf("registered %d resources; want 0", r.Count())
	}
	// The message names the value as well as the key.
	if !strings.Contains(r.Err.Error(), `"many"`) {
		t.Errorf("message does not quote the bad value: %v", r.Err)
	}
}

// TestCommittedStacksRun runs both committed stacks end to end.
func TestCommittedStacksRun(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, mockengine.Options{})
			if len(r.Resources()) < 20 {
				t.Fatalf("only %d resources registered", len(r.Resources()))
			}
			for _, name := range []string{"vpcId", "vpcCidr", "publicSubnetIds", "privateSubnetIds", "privateRouteTableIds", "endpointSecurityGroupId"} {
				if _, ok := r.Exports.Get(name); !ok {
					t.Errorf("output %s not exported", name)
				}
			}
		})
	}
}

// TestEveryResourceHasAComponentParent: every cloud resource belongs to a component of
// this project, and every component sits at the top of the stack or inside another one.
func TestEveryResourceHasAComponentParent(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, mockengine.Options{})
			for _, res := range r.Resources() {
				// The stack reference reads the stack's own last outputs (program/images.go);
				// it is no cloud resource.
				if res.IsProvider() || res.Type == mockengine.StackReferenceType {
					continue
				}
				parent := r.ByURN(res.Parent)
				if res.Custom {
					if parent == nil || parent.Custom || !strings.HasPrefix(parent.Type, r.Project+":") {
						t.Errorf("%s (%s) is not parented to a %s component (parent %q)", res.Name, res.Type, r.Project, res.Parent)
					}
				} else if !strings.HasPrefix(res.Type, r.Project+":") {
					t.Errorf("component %s has type %s; want the %s: prefix", res.Name, res.Type, r.Project)
				}
			}
		})
	}
}

// TestProviderCarriesRegionAndTags: two explicit providers, "aws" in the stack's region
// and "aws-us-east-1", both with the common tags as default tags; every AWS resource uses
// one of them, and us-east-1 holds exactly what CloudFront needs there (the web ACL with
// its children, the site's certificate) and the WAF alarm with its topic.
func TestProviderCarriesRegionAndTags(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			providers := r.ByType("pulumi:providers:aws")
			if len(providers) != 2 {
				t.Fatalf("want two aws providers, got %d", len(providers))
			}
			wantRegion := map[string]string{"aws": cfg.Region, "aws-us-east-1": program.UsEast1}
			refs := map[string]string{} // provider reference -> name
			for _, p := range providers {
				want, ok := wantRegion[p.Name]
				if !ok {
					t.Fatalf("unexpected provider %s", p.Name)
				}
				if got := p.In("region").Str(); got != want || (p.Name == "aws" && got != "ap-northeast-1") {
					t.Errorf("provider %s region %q; want %q", p.Name, got, want)
				}
				tags := p.In("defaultTags.tags").Map()
				wantTags := map[string]string{"project": r.Project, "environment": stack, "managed-by": "pulumi", "cost-center": cfg.CostCenter}
				if !reflect.DeepEqual(tags, wantTags) {
					t.Errorf("provider %s default tags %v; want %v", p.Name, tags, wantTags)
				}
				refs[p.URN+"::"+p.ID] = p.Name
			}
			// Without waf.enabled (dev) there is no web ACL, and so no WAF alarm or topic
			// in us-east-1 either.
			waf := r.Named("ecsite:edge:WebAcl", cfg.Prefix()+"-waf")
			if (waf != nil) != cfg.Waf.Enabled {
				t.Fatalf("web ACL component present = %v with waf.enabled %v", waf != nil, cfg.Waf.Enabled)
			}
			for _, res := range r.Resources() {
				if !res.Custom || !strings.HasPrefix(res.Type, "aws:") {
					continue
				}
				name, ok := refs[res.Provider]
				if !ok {
					t.Errorf("%s (%s) uses provider %q; want one of the explicit providers", res.Name, res.Type, res.Provider)
					continue
				}
				global := (waf != nil && res.Parent == waf.URN) || strings.HasPrefix(res.Type, "aws:acm/") ||
					res.Name == cfg.Prefix()+"-waf-blocked-spike" || strings.HasSuffix(res.Name, "-alarms-us-east-1") || strings.HasSuffix(res.Name, "-alarms-us-east-1-email") ||
					strings.HasPrefix(res.Type, "aws:cloudwatch/logDelivery")
				if want := map[bool]string{true: "aws-us-east-1", false: "aws"}[global]; name != want {
					t.Errorf("%s (%s) uses provider %s; want %s", res.Name, res.Type, name, want)
				}
			}
		})
	}
}

// TestWafIsASetting: prod (the default waf.enabled: true) puts the CLOUDFRONT web ACL on
// the distribution, with the WAF alarm, the us-east-1 topic and key it notifies, and their
// outputs. dev as committed (waf.enabled: false) has no wafv2 resource, nothing in
// us-east-1 (it has no domain, so no certificate either), a distribution without a
// webAclId and none of those outputs; turned on, dev gets what prod has.
func TestWafIsASetting(t *testing.T) {
	wafOutputs := []string{"webAclArn", "wafLogGroupName", "globalAlarmTopicArn"}
	cases := []struct {
		name, stack string
		opts        func(*testing.T) mockengine.Options
		on          bool
	}{
		{"prod", "prod", func(*testing.T) mockengine.Options { return mockengine.Options{} }, true},
		{"dev as committed", "dev", func(*testing.T) mockengine.Options { return mockengine.Options{} }, false},
		{"dev with the web ACL on", "dev", func(t *testing.T) mockengine.Options {
			return programtest.Patched(t, "dev", "waf", map[string]string{"enabled": "true"})
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts(t)
			cfg := programtest.Config(t, tc.stack, opts)
			if cfg.Waf.Enabled != tc.on {
				t.Fatalf("waf.enabled %v; want %v", cfg.Waf.Enabled, tc.on)
			}
			r := programtest.MustRun(t, tc.stack, opts)
			var wafv2 []string
			for _, res := range r.Resources() {
				if strings.HasPrefix(res.Type, "aws:wafv2/") {
					wafv2 = append(wafv2, res.Name)
				}
			}
			dist := r.Only(t, "aws:cloudfront/distribution:Distribution")
			usEast1 := r.Named("pulumi:providers:aws", "aws-us-east-1")
			if usEast1 == nil {
				t.Fatal("no us-east-1 provider")
			}
			inUsEast1 := map[string]int{}
			for _, res := range r.Resources() {
				if res.Custom && res.Provider == usEast1.URN+"::"+usEast1.ID {
					inUsEast1[res.Type]++
				}
			}
			if !tc.on {
				if len(wafv2) != 0 {
					t.Errorf("wafv2 resources %v with the web ACL off", wafv2)
				}
				if len(inUsEast1) != 0 {
					t.Errorf("resources in us-east-1 %v with the web ACL off and no domain", inUsEast1)
				}
				if v := dist.In("webAclId"); !v.Null() || v.Str() != "" {
					t.Errorf("distribution webAclId %v; want none", v.Plain())
				}
				for _, o := range wafOutputs {
					if _, ok := r.Exports.Get(o); ok {
						t.Errorf("output %s exported with the web ACL off", o)
					}
				}
				return
			}
			acl := r.Only(t, programtest.TypeWebAcl)
			if got := dist.In("webAclId").Str(); got == "" || got != acl.Out("arn").Str() {
				t.Errorf("distribution webAclId %q; want the web ACL %q", got, acl.Out("arn").Str())
			}
			if inUsEast1[programtest.TypeTopic] != 1 || inUsEast1[programtest.TypeKey] != 1 || inUsEast1[programtest.TypeAlarm] != 1 {
				t.Errorf("us-east-1 holds %v; want one topic, one key and one alarm besides the web ACL", inUsEast1)
			}
			for _, o := range wafOutputs {
				if got, ok := r.Exports.Get(o); !ok || fmt.Sprint(got.Value) == "" {
					t.Errorf("output %s missing", o)
				}
			}
		})
	}
}

// TestSiteIsServedByCloudFront: siteUrl is the distribution's (https and the domain in
// prod, https and the *.cloudfront.net name in dev, which sets no domain), and the
// distribution id and the assets bucket are exported for releases.
func TestSiteIsServedByCloudFront(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			dist := r.Only(t, "aws:cloudfront/distribution:Distribution")
			want := "https://" + dist.Out("domainName").Str()
			if cfg.Cdn.DomainName != "" {
				want = "https://" + cfg.Cdn.DomainName
			}
			if stack == "prod" && cfg.Cdn.DomainName == "" {
				t.Error("prod serves no domain of its own")
			}
			exports := map[string]string{
				"siteUrl":          want,
				"distributionId":   dist.ID,
				"assetsBucketName": r.Named("aws:s3/bucketV2:BucketV2", cfg.Prefix()+"-cdn-assets").Out("bucket").Str(),
			}
			for name, w := range exports {
				got, ok := r.Exports.Get(name)
				if !ok || fmt.Sprint(got.Value) != w || w == "" || w == "https://" {
					t.Errorf("output %s = %v; want %q", name, got.Value, w)
				}
			}
		})
	}
}

// TestRunsAreDeterministic: two runs register identical resources with identical inputs,
// so previews in pull requests show no phantom diffs.
func TestRunsAreDeterministic(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			a := fingerprint(programtest.MustRun(t, stack, mockengine.Options{}))
			b := fingerprint(programtest.MustRun(t, stack, mockengine.Options{}))
			if len(a) != len(b) {
				t.Fatalf("runs registered %d and %d resources", len(a), len(b))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Errorf("run 1 registered\n%s\nrun 2 registered\n%s", a[i], b[i])
				}
			}
		})
	}
}

func fingerprint(r programtest.Result) []string {
	var out []string
	for _, res := range r.Resources() {
		out = append(out, fmt.Sprintf("%s parent=%s protect=%v ignore=%v deps=%v dbr=%v inputs=%#v",
			res.URN, res.Parent, res.Protect, res.IgnoreChanges, res.DependsOn, res.DeleteBeforeReplace,
			mockengine.Value{V: resourceInputs(res)}.Plain()))
	}
	return out
}

func BenchmarkProdStack(b *testing.B) {
	for i := 0; i < b.N; i++ {
		r := programtest.Run("prod", mockengine.Options{})
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// TestHostedZonePreflight: a zone that does not exist, a private zone, or a zone that
// serves another domain,
// stops the program before any cloud resource exists (only the provider is registered),
// with an error naming the key; the prod stack's own zone passes.
func TestHostedZonePreflight(t *testing.T) {
	for _, c := range []struct{ zone, key string }{
		{mockengine.MockZoneMissing, "cdn.hostedZoneId"},
		{mockengine.MockZoneElsewhere, "cdn.domainName"},
		{mockengine.MockZonePrivate, "cdn.hostedZoneId"},
	} {
		r := programtest.Run("prod", patch("cdn", "hostedZoneId", `"`+c.zone+`"`)(t))
		ve, ok := config.AsValidationError(r.Err)
		if !ok || !ve.Has(c.key) {
			t.Errorf("zone %s: %v; want a problem at %s", c.zone, r.Err, c.key)
		}
		for _, res := range r.Resources() {
			if !res.IsProvider() {
				t.Errorf("zone %s: %s %s registered before the preflight failed", c.zone, res.Type, res.Name)
			}
		}
	}
	if !program.InZone("www.example.com", "example.com.") || !program.InZone("Example.COM", "example.com") ||
		program.InZone("www.example.com.evil.net", "example.com") || program.InZone("notexample.com", "example.com") {
		t.Error("InZone misjudges a name")
	}
	programtest.MustRun(t, "prod", mockengine.Options{})
}

// TestReplacementOfNamedResources pins the decision for every resource with a fixed
// physical name. Pulumi replaces create-before-delete by default, so a replacement of a
// resource whose name stays the same fails with "already exists":
//   - the web ACL is deleted first (deleteBeforeReplace): WAF names are unique per
//     scope, the gap is seconds and it holds no data;
//   - the Aurora cluster keeps create-before-delete: its identifier names the log groups
//     RDS writes to, and deleting first would delete the database; a replacement failing
//     with "already exists" is the safe outcome, and prod's protect refuses it anyway;
//   - ECR repositories keep create-before-delete: CI pushes to them by name, and deleting
//     first would delete the images the running tasks pull;
//   - log groups and KMS aliases are replaced only when their name changes, so the new
//     name never collides; deleting first would only lose logs earlier.
func TestReplacementOfNamedResources(t *testing.T) {
	for _, stack := range programtest.Stacks {
		r := programtest.MustRun(t, stack, mockengine.Options{})
		p := "ecsite-" + stack
		// dev runs without the web ACL (waf.enabled: false); turn it on to see it.
		acl := programtest.MustRun(t, stack, programtest.Patched(t, stack, "waf", map[string]string{"enabled": "true"})).One(t, programtest.TypeWebAcl, p+"-waf")
		if !acl.DeleteBeforeReplace || acl.In("name").Str() == "" {
			t.Errorf("%s: web ACL %q deleteBeforeReplace %v; want true with its fixed name", stack, acl.In("name").Str(), acl.DeleteBeforeReplace)
		}
		db := r.One(t, programtest.TypeDBCluster, p+"-db-cluster")
		if db.DeleteBeforeReplace || db.In("clusterIdentifier").Str() != p+"-db" {
			t.Errorf("%s: database deleteBeforeReplace %v, identifier %q", stack, db.DeleteBeforeReplace, db.In("clusterIdentifier").Str())
		}
		if stack == "prod" && !db.Protect {
			t.Error("prod's database is not protected against a replacement")
		}
		for _, typ := range []string{programtest.TypeRepository, programtest.TypeLogGroup, "aws:kms/alias:Alias", programtest.TypeDBInstance} {
			names := map[string]bool{}
			for _, res := range r.ByType(typ) {
				if res.DeleteBeforeReplace {
					t.Errorf("%s: %s %s is deleted before its replacement", stack, typ, res.Name)
				}
				n := res.In("name").Str()
				if n == "" {
					n = res.In("identifier").Str()
				}
				// Names are unique per region, that is per provider.
				if key := res.Provider + " " + n; n != "" && names[key] {
					t.Errorf("%s: two %s named %s in one region", stack, typ, n)
				} else {
					names[key] = true
				}
			}
		}
	}
}

// TestSiteRecordsKeepTheirIdentityFromBeforeTheEdge: a stack deployed before the
// CloudFront edge held the site's A record and the certificate's validation record under
// the load balancer component. The same Route 53 records now belong to the Cdn
// component; each carries an alias to its earlier URN, so an upgrade updates them in
// place instead of creating a record set Route 53 already holds (and then deleting it).
func TestSiteRecordsKeepTheirIdentityFromBeforeTheEdge(t *testing.T) {
	r := programtest.MustRun(t, "prod", mockengine.Options{})
	lb := "urn:pulumi:prod::ecsite::ecsite:compute:LoadBalancer$aws:route53/record:Record::"
	want := map[string]string{
		"ecsite-prod-cdn-site-A":          lb + "ecsite-prod-site",
		"ecsite-prod-cdn-site-validation": lb + "ecsite-prod-site-validation",
		"ecsite-prod-cdn-site-AAAA":       "",
	}
	for name, old := range want {
		rec := r.One(t, programtest.TypeRecord, name)
		var wantURNs []string
		if old != "" {
			wantURNs = []string{old}
		}
		if !reflect.DeepEqual(rec.AliasURNs, wantURNs) {
			t.Errorf("%s aliases %v; want %v", name, rec.AliasURNs, wantURNs)
		}
	}
}

// TestUsEast1KeyKeepsItsIdentityAndEncryptsTheWafLogs: the stack's one key in us-east-1
// moved from the alarm component to the web ACL when the WAF logs needed it. The key and
// its alias alias their URNs under the alarm component, so an upgrade updates them in
// place; the WAF log group and the us-east-1 alarm topic both use the key.
func TestUsEast1KeyKeepsItsIdentityAndEncryptsTheWafLogs(t *testing.T) {
	r := programtest.MustRun(t, "prod", mockengine.Options{})
	old := "urn:pulumi:prod::ecsite::ecsite:monitoring:Alarms$"
	key := r.One(t, "aws:kms/key:Key", "ecsite-prod-alarms-us-east-1")
	alias := r.One(t, "aws:kms/alias:Alias", "ecsite-prod-alarms-us-east-1")
	for res, want := range map[*mockengine.Resource]string{
		key:   old + "aws:kms/key:Key::ecsite-prod-alarms-us-east-1",
		alias: old + "aws:kms/alias:Alias::ecsite-prod-alarms-us-east-1",
	} {
		if !reflect.DeepEqual(res.AliasURNs, []string{want}) {
			t.Errorf("%s %s aliases %v; want [%s]", res.Type, res.Name, res.AliasURNs, want)
		}
		if !strings.Contains(res.URN, "ecsite:edge:WebAcl$") {
			t.Errorf("%s is not the web ACL's: %s", res.Name, res.URN)
		}
	}
	arn := key.Out("arn").Str()
	if g := r.One(t, programtest.TypeLogGroup, "ecsite-prod-waf-logs"); g.In("kmsKeyId").Str() != arn {
		t.Errorf("WAF log group key %q; want %s", g.In("kmsKeyId").Str(), arn)
	}
	if topic := r.One(t, "aws:sns/topic:Topic", "ecsite-prod-alarms-us-east-1"); topic.In("kmsMasterKeyId").Str() != arn {
		t.Errorf("us-east-1 alarm topic key %q; want %s", topic.In("kmsMasterKeyId").Str(), arn)
	}
	if n := len(r.ByType("aws:kms/key:Key")); n != 4 {
		t.Errorf("prod has %d keys; want 4 (database, compute, alarm topic, us-east-1)", n)
	}
	policy := key.In("policy").Str()
	for _, want := range []string{`"logs.us-east-1.amazonaws.com"`, `log-group:aws-waf-logs-ecsite-prod-waf"`, `"cloudwatch.amazonaws.com"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("key policy lacks %s: %s", want, policy)
		}
	}
}

// TestUsEast1ResourcesHaveUsEast1Arns: the mock gives every resource of the us-east-1
// provider ARNs of that region (the reports show them), and a CLOUDFRONT web ACL a global
// ARN.
func TestUsEast1ResourcesHaveUsEast1Arns(t *testing.T) {
	r := programtest.MustRun(t, "prod", mockengine.Options{})
	provider := ""
	for _, p := range r.ByType("pulumi:providers:aws") {
		if p.In("region").Str() == "us-east-1" {
			provider = p.URN + "::" + p.ID
		}
	}
	checked := 0
	for _, res := range r.Resources() {
		arn := res.Out("arn").Str()
		if res.Provider != provider || arn == "" || strings.HasPrefix(arn, "arn:aws:iam::") {
			continue
		}
		checked++
		if !strings.Contains(arn, ":us-east-1:") {
			t.Errorf("%s (%s) in us-east-1 has ARN %s", res.Name, res.Type, arn)
		}
		if res.Type == "aws:wafv2/webAcl:WebAcl" && !strings.Contains(arn, ":global/webacl/") {
			t.Errorf("CLOUDFRONT web ACL ARN %s is not global", arn)
		}
	}
	if checked < 3 {
		t.Errorf("only %d us-east-1 resources with an ARN; the provider was not found", checked)
	}
}
