package edge_test

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// Type tokens of the CloudFront resources, which programtest does not list (yet).
const (
	typeCdn                   = "ecsite:edge:Cdn"
	typeDistribution          = "aws:cloudfront/distribution:Distribution"
	typeVpcOrigin             = "aws:cloudfront/vpcOrigin:VpcOrigin"
	typeOriginAccessControl   = "aws:cloudfront/originAccessControl:OriginAccessControl"
	typeResponseHeadersPolicy = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
	typeCachePolicy           = "aws:cloudfront/cachePolicy:CachePolicy"
	typeBucketPolicy          = "aws:s3/bucketPolicy:BucketPolicy"
	typePublicAccessBlock     = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typeOwnershipControls     = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	typeBucketEncryption      = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)

// Values the CDN test runs use.
const (
	testLoadBalancerArn = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/web/0123456789abcdef"
	testLoadBalancerDNS = "internal-web-1234567890.ap-northeast-1.elb.amazonaws.com"
	testWebAclArn       = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/web-edge/0123abcd"
	testDomain          = "shop.example.com"
	testZone            = "Z0123456789EXAMPLE"
	// Answers of the distribution the shared mock does not produce: its cloudfront.net
	// name and CloudFront's fixed Route 53 zone for aliases
	// (https://docs.aws.amazon.com/general/latest/gr/cf_region.html).
	testDistributionDomain = "d111111abcdef8.cloudfront.net"
	testCloudFrontZone     = "Z2FDTNDATAQYW2"
)

// cdnMocks adds the distribution's domainName and hostedZoneId to the shared recording
// mock's answers (the recorded outputs share the map, so tests see them too).
type cdnMocks struct{ *mockengine.Mocks }

func (m cdnMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id, out, err := m.Mocks.NewResource(args)
	if err == nil && args.TypeToken == typeDistribution {
		out["domainName"] = resource.NewStringProperty(testDistributionDomain)
		out["hostedZoneId"] = resource.NewStringProperty(testCloudFrontZone)
	}
	return id, out, err
}

// cdnRun is one run of the Cdn component alone.
type cdnRun struct {
	*mockengine.Mocks
	exports *mockengine.Exports
	usEast1 string // URN of the us-east-1 provider passed in
	err     error
}

// runCdn runs NewCdn with complete args, changed by mutate, under the mock engine.
func runCdn(mutate func(*edge.CdnArgs)) cdnRun {
	m := mockengine.NewMocks("ecsite", "test")
	run := cdnRun{Mocks: m, exports: mockengine.NewExports()}
	run.err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		usEast1, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		run.exports.Record("providerUrn", usEast1.URN())
		args := &edge.CdnArgs{
			Settings:            edge.CdnDefaults(),
			LoadBalancerArn:     pulumi.String(testLoadBalancerArn),
			LoadBalancerDnsName: pulumi.String(testLoadBalancerDNS),
			WebAclArn:           pulumi.String(testWebAclArn),
			UsEast1:             usEast1,
			LogBucketArn:        pulumi.String("arn:aws:s3:::test-logs"),
			LogPrefix:           "cloudfront",
		}
		mutate(args)
		cdn, err := edge.NewCdn(ctx, "web", args)
		if err != nil {
			return err
		}
		for name, out := range map[string]pulumi.StringOutput{
			"distributionId":   cdn.DistributionId,
			"distributionArn":  cdn.DistributionArn,
			"domainName":       cdn.DomainName,
			"assetsBucketName": cdn.AssetsBucketName,
			"siteUrl":          cdn.SiteURL,
		} {
			run.exports.Record(name, out)
		}
		return nil
	}, pulumi.WithMocks("ecsite", "test", cdnMocks{m}))
	if urn, ok := run.exports.Get("providerUrn"); ok && urn.Value != nil {
		run.usEast1 = fmt.Sprint(urn.Value)
	}
	return run
}

func withDomain(a *edge.CdnArgs) { a.DomainName, a.HostedZoneID = testDomain, testZone }

func (r cdnRun) only(t *testing.T, typ string) *mockengine.Resource {
	t.Helper()
	rs := r.ByType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s; want 1", len(rs), typ)
	}
	return rs[0]
}

func (r cdnRun) output(t *testing.T, name string) string {
	t.Helper()
	e, ok := r.exports.Get(name)
	if !ok {
		t.Fatalf("output %s not resolved (%v)", name, r.exports.Errors())
	}
	s, _ := e.Value.(string)
	return s
}

// behaviors returns the default cache behaviour first, then the ordered ones.
func behaviors(dist *mockengine.Resource) []map[string]any {
	out := []map[string]any{}
	if d, ok := dist.In("defaultCacheBehavior").Plain().(map[string]any); ok {
		out = append(out, d)
	}
	ordered, _ := dist.In("orderedCacheBehaviors").Plain().([]any)
	for _, b := range ordered {
		out = append(out, b.(map[string]any))
	}
	return out
}

// origins returns the distribution's origins by origin id.
func origins(dist *mockengine.Resource) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := dist.In("origins").Plain().([]any)
	for _, o := range list {
		o := o.(map[string]any)
		out[fmt.Sprint(o["originId"])] = o
	}
	return out
}

var cdnVariants = map[string]func(*edge.CdnArgs){
	"cloudfront.net": func(*edge.CdnArgs) {},
	"custom domain":  withDomain,
}

func TestCdnRoutesTheSiteAndTheAssets(t *testing.T) {
	for variant, mutate := range cdnVariants {
		t.Run(variant, func(t *testing.T) {
			r := runCdn(mutate)
			if r.err != nil {
				t.Fatal(r.err)
			}
			dist := r.only(t, typeDistribution)
			if parent := r.ByURN(dist.Parent); parent == nil || parent.Type != typeCdn {
				t.Errorf("distribution is not under an %s component", typeCdn)
			}
			for _, c := range r.Resources() {
				if c.Custom && !c.IsProvider() && r.ByURN(c.Parent) == nil {
					t.Errorf("%s %s is not under the component", c.Type, c.Name)
				}
			}
			if got := dist.In("httpVersion").Str(); got != "http2and3" {
				t.Errorf("httpVersion %q; want http2and3", got)
			}
			if !dist.In("isIpv6Enabled").Bool() || !dist.In("enabled").Bool() {
				t.Errorf("distribution enabled=%v ipv6=%v; want both", dist.In("enabled").Bool(), dist.In("isIpv6Enabled").Bool())
			}
			if got := dist.In("priceClass").Str(); got != "PriceClass_200" {
				t.Errorf("price class %q; want the default PriceClass_200", got)
			}
			if got := dist.In("webAclId").Str(); got != testWebAclArn {
				t.Errorf("webAclId %q; want the CLOUDFRONT web ACL %q", got, testWebAclArn)
			}

			bs := behaviors(dist)
			patterns := edge.CdnDefaults().AssetPathPatterns
			if len(bs) != 2+len(patterns) {
				t.Fatalf("%d cache behaviours; want the default, one per asset pattern %v and the image optimizer's", len(bs), patterns)
			}
			for i, b := range bs {
				if b["viewerProtocolPolicy"] != "redirect-to-https" {
					t.Errorf("behaviour %d (%v): viewer protocol %v; want redirect-to-https", i, b["pathPattern"], b["viewerProtocolPolicy"])
				}
				if b["compress"] != true {
					t.Errorf("behaviour %d (%v) does not compress", i, b["pathPattern"])
				}
			}
			headers := r.only(t, typeResponseHeadersPolicy)
			for i, b := range bs {
				if b["responseHeadersPolicyId"] != headers.ID {
					t.Errorf("behaviour %d uses response headers policy %v; want %s", i, b["responseHeadersPolicyId"], headers.ID)
				}
			}

			byID := origins(dist)
			if len(byID) != 2 {
				t.Fatalf("origins %v; want the load balancer and the bucket", byID)
			}
			vpcOrigin := r.only(t, typeVpcOrigin)
			app := byID[fmt.Sprint(bs[0]["targetOriginId"])]
			if app == nil {
				t.Fatalf("default behaviour targets %v, not an origin", bs[0]["targetOriginId"])
			}
			if cfg, _ := app["vpcOriginConfig"].(map[string]any); cfg["vpcOriginId"] != vpcOrigin.ID || app["domainName"] != testLoadBalancerDNS {
				t.Errorf("default origin %v; want VPC origin %s at %s", app, vpcOrigin.ID, testLoadBalancerDNS)
			}
			if app["s3OriginConfig"] != nil || app["customOriginConfig"] != nil || app["originAccessControlId"] != nil {
				t.Errorf("default origin %v mixes in another origin type", app)
			}
			if got := vpcOrigin.In("vpcOriginEndpointConfig.arn").Str(); got != testLoadBalancerArn {
				t.Errorf("VPC origin points at %q; want the load balancer", got)
			}
			if p, port := vpcOrigin.In("vpcOriginEndpointConfig.originProtocolPolicy").Str(), vpcOrigin.In("vpcOriginEndpointConfig.httpPort").Num(); p != "http-only" || port != edge.CdnOriginHTTPPort {
				t.Errorf("VPC origin %s on %v; want http-only on %d", p, port, edge.CdnOriginHTTPPort)
			}
			def := bs[0]
			if def["cachePolicyId"] != edge.CachingDisabledPolicyID || def["originRequestPolicyId"] != edge.AllViewerAndCloudFrontHeadersPolicyID {
				t.Errorf("default behaviour policies %v/%v; want CachingDisabled and AllViewerAndCloudFrontHeaders-2022-06", def["cachePolicyId"], def["originRequestPolicyId"])
			}
			if got := methods(def["allowedMethods"]); !reflect.DeepEqual(got, []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}) {
				t.Errorf("default behaviour allows %v; want every method", got)
			}

			bucket := r.only(t, programtest.TypeBucket)
			oac := r.only(t, typeOriginAccessControl)
			if oac.In("originAccessControlOriginType").Str() != "s3" || oac.In("signingProtocol").Str() != "sigv4" || oac.In("signingBehavior").Str() != "always" {
				t.Errorf("origin access control %v; want s3, sigv4, always", oac.Inputs)
			}
			for i, pattern := range patterns {
				b := bs[1+i]
				if b["pathPattern"] != pattern {
					t.Errorf("ordered behaviour %d matches %v; want %s in the settings' order", i, b["pathPattern"], pattern)
				}
				o := byID[fmt.Sprint(b["targetOriginId"])]
				if o == nil || o["originAccessControlId"] != oac.ID || o["domainName"] != bucket.Out("bucketRegionalDomainName").Str() || o["vpcOriginConfig"] != nil {
					t.Errorf("%s targets origin %v; want the assets bucket through origin access control %s", pattern, o, oac.ID)
				}
				if b["cachePolicyId"] != edge.CachingOptimizedPolicyID || b["originRequestPolicyId"] != nil {
					t.Errorf("%s cache policy %v (origin request %v); want CachingOptimized alone", pattern, b["cachePolicyId"], b["originRequestPolicyId"])
				}
				if got := methods(b["allowedMethods"]); !reflect.DeepEqual(got, []string{"GET", "HEAD"}) {
					t.Errorf("%s allows %v; want GET and HEAD only", pattern, got)
				}
			}

			wantURL := "https://" + testDistributionDomain
			if variant == "custom domain" {
				wantURL = "https://" + testDomain
			}
			for name, want := range map[string]string{
				"distributionId":   dist.ID,
				"distributionArn":  dist.Out("arn").Str(),
				"domainName":       testDistributionDomain,
				"assetsBucketName": bucket.Out("bucket").Str(),
				"siteUrl":          wantURL,
			} {
				if got := r.output(t, name); got != want || got == "" {
					t.Errorf("output %s = %q; want %q", name, got, want)
				}
			}
		})
	}
}

// TestCdnCachesTheImageOptimizer: the image optimizer's path has its own behaviour, after
// the asset behaviours and before the default, to the load balancer, keyed on exactly
// what Next.js varies its answer on; an empty pattern removes behaviour and policy.
func TestCdnCachesTheImageOptimizer(t *testing.T) {
	r := runCdn(func(*edge.CdnArgs) {})
	if r.err != nil {
		t.Fatal(r.err)
	}
	dist := r.only(t, typeDistribution)
	bs := behaviors(dist)
	assets := edge.CdnDefaults().AssetPathPatterns
	var image map[string]any
	for i, b := range bs[1:] {
		if b["pathPattern"] == "/_next/image*" {
			image = b
			if i != len(bs)-2 || i < len(assets) {
				t.Errorf("image behaviour is ordered behaviour %d of %d; want it after the %d asset behaviours, last before the default", i, len(bs)-1, len(assets))
			}
		}
	}
	if image == nil {
		t.Fatalf("no behaviour for /_next/image* in %v", bs)
	}
	if image["targetOriginId"] != bs[0]["targetOriginId"] {
		t.Errorf("image behaviour targets %v; want the load balancer origin %v", image["targetOriginId"], bs[0]["targetOriginId"])
	}
	if image["originRequestPolicyId"] != nil {
		t.Errorf("image behaviour forwards by origin request policy %v; want only the cache key", image["originRequestPolicyId"])
	}
	if got := methods(image["allowedMethods"]); !reflect.DeepEqual(got, []string{"GET", "HEAD"}) {
		t.Errorf("image behaviour allows %v; want GET and HEAD", got)
	}
	policy := r.only(t, typeCachePolicy)
	if image["cachePolicyId"] != policy.ID {
		t.Errorf("image behaviour cache policy %v; want %s", image["cachePolicyId"], policy.ID)
	}
	key := "parametersInCacheKeyAndForwardedToOrigin."
	for path, want := range map[string]any{
		key + "queryStringsConfig.queryStringBehavior": "whitelist",
		key + "queryStringsConfig.queryStrings.items":  []string{"q", "url", "w"},
		key + "headersConfig.headerBehavior":           "whitelist",
		key + "headersConfig.headers.items":            []string{"Accept"},
		key + "cookiesConfig.cookieBehavior":           "none",
		key + "enableAcceptEncodingGzip":               true,
		key + "enableAcceptEncodingBrotli":             true,
		"minTtl":                                       float64(0),
	} {
		var got any
		switch want.(type) {
		case []string:
			g := policy.In(path).Strs()
			sort.Strings(g)
			got = g
		case bool:
			got = policy.In(path).Bool()
		case float64:
			got = policy.In(path).Num()
		default:
			got = policy.In(path).Str()
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("image cache policy %s = %v; want %v", path, got, want)
		}
	}
	if def, max := policy.In("defaultTtl").Num(), policy.In("maxTtl").Num(); def <= 0 || max < def {
		t.Errorf("image cache policy TTLs default %v max %v; want 0 < default <= max", def, max)
	}

	off := runCdn(func(a *edge.CdnArgs) { a.Settings.ImagePathPattern = "" })
	if off.err != nil {
		t.Fatal(off.err)
	}
	if n := len(behaviors(off.only(t, typeDistribution))); n != len(bs)-1 {
		t.Errorf("%d behaviours with imagePathPattern empty; want %d", n, len(bs)-1)
	}
	if n := len(off.ByType(typeCachePolicy)); n != 0 {
		t.Errorf("%d cache policies with imagePathPattern empty; want none", n)
	}
}

func methods(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, m := range list {
		out = append(out, fmt.Sprint(m))
	}
	sort.Strings(out)
	return out
}

func TestCdnCertificateAndRecords(t *testing.T) {
	t.Run("custom domain", func(t *testing.T) {
		r := runCdn(withDomain)
		if r.err != nil {
			t.Fatal(r.err)
		}
		dist := r.only(t, typeDistribution)
		cert := r.only(t, programtest.TypeCertificate)
		validation := r.only(t, programtest.TypeCertificateValidation)
		if r.usEast1 == "" {
			t.Fatal("the us-east-1 provider's URN was not resolved")
		}
		for _, res := range []*mockengine.Resource{cert, validation} {
			if !strings.HasPrefix(res.Provider, r.usEast1+"::") {
				t.Errorf("%s uses provider %q; want the us-east-1 provider passed in (%s)", res.Type, res.Provider, r.usEast1)
			}
		}
		for _, res := range r.Resources() {
			logDelivery := strings.HasPrefix(res.Type, "aws:cloudwatch/logDelivery")
			if res.Custom && res != cert && res != validation && !logDelivery && res.Provider != "" {
				t.Errorf("%s %s uses provider %q; only the certificate and the log delivery go to us-east-1", res.Type, res.Name, res.Provider)
			}
		}
		if cert.In("domainName").Str() != testDomain || cert.In("validationMethod").Str() != "DNS" {
			t.Errorf("certificate for %q by %q; want %s by DNS", cert.In("domainName").Str(), cert.In("validationMethod").Str(), testDomain)
		}
		if got := validation.In("certificateArn").Str(); got != cert.Out("arn").Str() {
			t.Errorf("validation of %q; want the certificate", got)
		}
		vc := dist.In("viewerCertificate")
		if got := vc.Plain().(map[string]any); got["acmCertificateArn"] != validation.Out("certificateArn").Str() ||
			got["minimumProtocolVersion"] != "TLSv1.2_2021" || got["sslSupportMethod"] != "sni-only" || got["cloudfrontDefaultCertificate"] == true {
			t.Errorf("viewer certificate %v; want the validated certificate, TLSv1.2_2021, sni-only", got)
		}
		if got := dist.In("aliases").Strs(); !reflect.DeepEqual(got, []string{testDomain}) {
			t.Errorf("aliases %v; want [%s]", got, testDomain)
		}

		records := map[string]*mockengine.Resource{}
		for _, rec := range r.ByType(programtest.TypeRecord) {
			if rec.In("zoneId").Str() != testZone {
				t.Errorf("record %s in zone %q; want %s", rec.Name, rec.In("zoneId").Str(), testZone)
			}
			if rec.In("aliases").Null() {
				records["validation"] = rec
				continue
			}
			records[rec.In("type").Str()] = rec
		}
		if v := records["validation"]; v == nil || !reflect.DeepEqual(validation.In("validationRecordFqdns").Strs(), []string{v.Out("fqdn").Str()}) {
			t.Errorf("certificate validation does not wait for the validation record")
		}
		for _, typ := range []string{"A", "AAAA"} {
			rec := records[typ]
			if rec == nil {
				t.Errorf("no alias %s record", typ)
				continue
			}
			if rec.In("name").Str() != testDomain || rec.In("aliases[0].name").Str() != testDistributionDomain || rec.In("aliases[0].zoneId").Str() != testCloudFrontZone {
				t.Errorf("%s record %v; want %s aliased to the distribution %s in zone %s", typ, rec.Inputs, testDomain, testDistributionDomain, testCloudFrontZone)
			}
		}
		if len(records) != 3 {
			t.Errorf("%d records; want the validation record, A and AAAA", len(records))
		}
	})
	t.Run("cloudfront.net", func(t *testing.T) {
		r := runCdn(func(*edge.CdnArgs) {})
		if r.err != nil {
			t.Fatal(r.err)
		}
		for _, typ := range []string{programtest.TypeCertificate, programtest.TypeCertificateValidation, programtest.TypeRecord} {
			if n := len(r.ByType(typ)); n != 0 {
				t.Errorf("%d %s without a domain; want none", n, typ)
			}
		}
		dist := r.only(t, typeDistribution)
		vc := dist.In("viewerCertificate").Plain().(map[string]any)
		if vc["cloudfrontDefaultCertificate"] != true || vc["acmCertificateArn"] != nil {
			t.Errorf("viewer certificate %v; want CloudFront's default certificate", vc)
		}
		if n := dist.In("aliases").Len(); n != 0 {
			t.Errorf("%d aliases without a domain", n)
		}
	})
}

// checkAssetsPolicy returns what is wrong with an assets bucket policy: it must let only
// the CloudFront service principal get objects, only for distributionArn, and deny every
// request without TLS.
func checkAssetsPolicy(doc iamdoc.Document, bucketArn, distributionArn string) []string {
	var problems []string
	allows, denies := 0, 0
	for _, st := range doc.Statement {
		switch st.Effect {
		case "Allow":
			allows++
			cond, _ := st.Condition["StringEquals"]["AWS:SourceArn"].(string)
			if !reflect.DeepEqual(st.Principal, map[string]any{"Service": "cloudfront.amazonaws.com"}) ||
				!reflect.DeepEqual(st.Action, []string{"s3:GetObject"}) ||
				!reflect.DeepEqual(st.Resource, []string{bucketArn + "/*"}) ||
				cond != distributionArn || len(st.Condition) != 1 {
				problems = append(problems, fmt.Sprintf("allow statement %+v is not CloudFront reading objects for %s", st, distributionArn))
			}
		case "Deny":
			denies++
			tls, _ := st.Condition["Bool"]["aws:SecureTransport"].(string)
			if tls != "false" || !reflect.DeepEqual(st.Action, []string{"s3:*"}) ||
				!reflect.DeepEqual(st.Resource, []string{bucketArn, bucketArn + "/*"}) || fmt.Sprint(st.Principal) != "map[AWS:*]" {
				problems = append(problems, fmt.Sprintf("deny statement %+v is not a deny of every request without TLS", st))
			}
		}
	}
	if allows != 1 || denies != 1 {
		problems = append(problems, fmt.Sprintf("%d allow and %d deny statements; want one of each", allows, denies))
	}
	return problems
}

func TestAssetsBucketIsPrivateToTheDistribution(t *testing.T) {
	r := runCdn(func(*edge.CdnArgs) {})
	if r.err != nil {
		t.Fatal(r.err)
	}
	bucket := r.only(t, programtest.TypeBucket)
	dist := r.only(t, typeDistribution)
	if bucket.Provider != "" {
		t.Errorf("bucket uses provider %q; it stays in the stack's region", bucket.Provider)
	}
	policy := r.only(t, typeBucketPolicy)
	if policy.In("bucket").Str() != bucket.ID {
		t.Errorf("policy on %q; want the assets bucket", policy.In("bucket").Str())
	}
	var doc iamdoc.Document
	if err := policy.In("policy").JSON(&doc); err != nil {
		t.Fatal(err)
	}
	if problems := checkAssetsPolicy(doc, bucket.Out("arn").Str(), dist.Out("arn").Str()); len(problems) > 0 || dist.Out("arn").Str() == "" {
		t.Errorf("bucket policy:\n%s", strings.Join(problems, "\n"))
	}
	block := r.only(t, typePublicAccessBlock)
	if !slices.Contains(policy.DependsOn, block.URN) {
		t.Errorf("the bucket policy does not wait for the public access block (depends on %v)", policy.DependsOn)
	}
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if !block.In(k).Bool() {
			t.Errorf("public access block %s is not true", k)
		}
	}
	if got := r.only(t, typeOwnershipControls).In("rule.objectOwnership").Str(); got != "BucketOwnerEnforced" {
		t.Errorf("object ownership %q; want BucketOwnerEnforced", got)
	}
	sse := r.only(t, typeBucketEncryption)
	if got := sse.In("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm").Str(); got != "AES256" || sse.In("bucket").Str() != bucket.ID {
		t.Errorf("encryption %q on %q; want SSE-S3 (AES256) on the assets bucket", got, sse.In("bucket").Str())
	}
	for _, res := range []*mockengine.Resource{block, r.only(t, typeOwnershipControls)} {
		if res.In("bucket").Str() != bucket.ID {
			t.Errorf("%s on %q; want the assets bucket", res.Type, res.In("bucket").Str())
		}
	}

	t.Run("check catches another distribution and a missing TLS deny", func(t *testing.T) {
		other := edge.AssetsBucketPolicy("arn:aws:s3:::b", "arn:aws:cloudfront::123456789012:distribution/OTHER")
		if got := checkAssetsPolicy(other, "arn:aws:s3:::b", "arn:aws:cloudfront::123456789012:distribution/MINE"); len(got) != 1 {
			t.Errorf("checkAssetsPolicy found %v; want the wrong source ARN", got)
		}
		onlyAllow := edge.AssetsBucketPolicy("arn:aws:s3:::b", "d")
		onlyAllow.Statement = onlyAllow.Statement[:1]
		if got := checkAssetsPolicy(onlyAllow, "arn:aws:s3:::b", "d"); len(got) != 1 {
			t.Errorf("checkAssetsPolicy found %v; want the missing deny", got)
		}
	})
}

func TestCdnSecurityHeadersFollowSettings(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*edge.CdnSettings)
		hsts   bool
	}{
		{"defaults", func(*edge.CdnSettings) {}, true},
		{"HSTS off, SAMEORIGIN, no-referrer", func(s *edge.CdnSettings) {
			s.Hsts, s.FrameOptions, s.ReferrerPolicy = false, "SAMEORIGIN", "no-referrer"
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := edge.CdnDefaults()
			tc.mutate(&s)
			r := runCdn(func(a *edge.CdnArgs) { a.Settings = s })
			if r.err != nil {
				t.Fatal(r.err)
			}
			h := r.only(t, typeResponseHeadersPolicy)
			cfg := "securityHeadersConfig."
			if !h.In(cfg + "contentTypeOptions.override").Bool() {
				t.Errorf("X-Content-Type-Options nosniff is not set with override")
			}
			if h.In(cfg+"frameOptions.frameOption").Str() != s.FrameOptions || !h.In(cfg+"frameOptions.override").Bool() {
				t.Errorf("frame options %v; want %s with override", h.In(cfg+"frameOptions").Plain(), s.FrameOptions)
			}
			if h.In(cfg+"referrerPolicy.referrerPolicy").Str() != s.ReferrerPolicy || !h.In(cfg+"referrerPolicy.override").Bool() {
				t.Errorf("referrer policy %v; want %s with override", h.In(cfg+"referrerPolicy").Plain(), s.ReferrerPolicy)
			}
			hsts := h.In(cfg + "strictTransportSecurity")
			if hsts.Null() == tc.hsts {
				t.Fatalf("HSTS present = %v; setting hsts = %v", !hsts.Null(), tc.hsts)
			}
			if tc.hsts {
				if got := h.In(cfg + "strictTransportSecurity.accessControlMaxAgeSec").Num(); got != float64(s.HstsMaxAgeSeconds) ||
					!h.In(cfg+"strictTransportSecurity.includeSubdomains").Bool() || !h.In(cfg+"strictTransportSecurity.override").Bool() {
					t.Errorf("HSTS %v; want max-age %d, includeSubDomains, override", hsts.Plain(), s.HstsMaxAgeSeconds)
				}
			}
		})
	}
}

// TestCdnWithoutWebAcl: WebAclArn is optional; nil (waf.enabled: false) builds the same
// distribution with no webAclId input at all, rather than an empty one.
func TestCdnWithoutWebAcl(t *testing.T) {
	for variant, mutate := range cdnVariants {
		t.Run(variant, func(t *testing.T) {
			r := runCdn(func(a *edge.CdnArgs) { mutate(a); a.WebAclArn = nil })
			if r.err != nil {
				t.Fatalf("no web ACL: %v", r.err)
			}
			dist := r.only(t, typeDistribution)
			if v := dist.In("webAclId"); !v.Null() || v.Str() != "" {
				t.Errorf("webAclId %v; want none without a web ACL", v.Plain())
			}
			with := runCdn(mutate)
			if with.err != nil {
				t.Fatal(with.err)
			}
			if got, want := len(r.Resources()), len(with.Resources()); got != want {
				t.Errorf("%d resources without a web ACL, %d with one; want the same", got, want)
			}
		})
	}
}

// TestCdnRejectsIncompleteArgs: the component refuses arguments it cannot build from,
// before it registers anything. The first case is the control that passes.
func TestCdnRejectsIncompleteArgs(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*edge.CdnArgs)
		want   string
	}{
		{"complete", func(*edge.CdnArgs) {}, ""},
		{"no load balancer", func(a *edge.CdnArgs) { a.LoadBalancerArn = nil }, "LoadBalancerArn"},
		{"no load balancer DNS name", func(a *edge.CdnArgs) { a.LoadBalancerDnsName = nil }, "LoadBalancerDnsName"},
		{"domain without zone", func(a *edge.CdnArgs) { a.DomainName = testDomain }, "HostedZoneID"},
		{"domain without us-east-1 provider", func(a *edge.CdnArgs) { withDomain(a); a.UsEast1 = nil }, "UsEast1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCdn(tc.mutate)
			if tc.want == "" {
				if r.err != nil || len(r.ByType(typeDistribution)) != 1 {
					t.Fatalf("control case failed (%v)", r.err)
				}
				return
			}
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("error %v; want one naming %s", r.err, tc.want)
			}
			for _, res := range r.Resources() {
				if !res.IsProvider() {
					t.Errorf("registered %s %s before refusing", res.Type, res.Name)
				}
			}
		})
	}
}

// TestCdnSettingsCheck feeds the settings check each value CloudFront or the component
// refuses, over the code defaults, and wants a problem at the named key.
func TestCdnSettingsCheck(t *testing.T) {
	tooMany := make([]string, edge.MaxAssetPathPatterns+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf(`"/assets%d/*"`, i)
	}
	programtest.CheckSettings(t, "cdn", edge.CdnDefaults, func(s edge.CdnSettings, p *check.Problems) { s.Check(p) }, []programtest.SettingsCase{
		{"pattern without a leading slash", `{"assetPathPatterns":["static/*"]}`, "cdn.assetPathPatterns[0]"},
		{"pattern with a space", `{"assetPathPatterns":["/static/*","/my assets/*"]}`, "cdn.assetPathPatterns[1]"},
		{"pattern with a query string", `{"assetPathPatterns":["/static/*?v=1"]}`, "cdn.assetPathPatterns[0]"},
		{"pattern listed twice", `{"assetPathPatterns":["/static/*","/static/*"]}`, "cdn.assetPathPatterns[1]"},
		{"pattern matching everything", `{"assetPathPatterns":["/*"]}`, "cdn.assetPathPatterns[0]"},
		{"pattern longer than CloudFront accepts", `{"assetPathPatterns":["/` + strings.Repeat("a", edge.MaxPathPatternLength) + `"]}`, "cdn.assetPathPatterns[0]"},
		{"no patterns", `{"assetPathPatterns":[]}`, "cdn.assetPathPatterns"},
		{"more patterns than the cap", `{"assetPathPatterns":[` + strings.Join(tooMany, ",") + `]}`, "cdn.assetPathPatterns"},
		{"image pattern without a leading slash", `{"imagePathPattern":"_next/image*"}`, "cdn.imagePathPattern"},
		{"image pattern with a query string", `{"imagePathPattern":"/_next/image?url=*"}`, "cdn.imagePathPattern"},
		{"image pattern matching everything", `{"imagePathPattern":"/*"}`, "cdn.imagePathPattern"},
		{"price class CloudFront does not offer", `{"priceClass":"PriceClass_300"}`, "cdn.priceClass"},
		{"negative HSTS max-age", `{"hstsMaxAgeSeconds":-1}`, "cdn.hstsMaxAgeSeconds"},
		{"frame option CloudFront does not accept", `{"frameOptions":"ALLOW-FROM https://example.com"}`, "cdn.frameOptions"},
		{"referrer policy CloudFront does not accept", `{"referrerPolicy":"strict"}`, "cdn.referrerPolicy"},
		{"malformed domain", `{"domainName":"shop_example.com","hostedZoneId":"Z0123456789ABCDEFGHIJ"}`, "cdn.domainName"},
		{"domain longer than 253 characters", `{"domainName":"` + strings.Repeat("a.", 127) + `com","hostedZoneId":"Z0123456789ABCDEFGHIJ"}`, "cdn.domainName"},
		{"domain that is a cloudfront.net name", `{"domainName":"d111111abcdef8.cloudfront.net","hostedZoneId":"Z0123456789ABCDEFGHIJ"}`, "cdn.domainName"},
		{"malformed hosted zone id", `{"domainName":"shop.example.com","hostedZoneId":"zone-1"}`, "cdn.hostedZoneId"},
		{"hosted zone without domain", `{"hostedZoneId":"Z0123456789ABCDEFGHIJ"}`, "cdn.hostedZoneId"},
		{"domain without zone", `{"domainName":"shop.example.com"}`, "cdn.hostedZoneId"},
	})
	t.Run("defaults are production-safe", func(t *testing.T) {
		d := edge.CdnDefaults()
		if !d.Hsts || d.HstsMaxAgeSeconds < 31536000 || d.FrameOptions != "DENY" || d.PriceClass != "PriceClass_200" {
			t.Errorf("defaults %+v; want HSTS for a year, DENY framing, PriceClass_200 (serves Japan)", d)
		}
	})
}

// TestCloudFrontWebAcl: with the CLOUDFRONT scope the web ACL and its IP sets carry that
// scope, nothing is associated (the distribution attaches the ACL), and every child uses
// the provider passed in, so the whole ACL lands in us-east-1.
func TestCloudFrontWebAcl(t *testing.T) {
	waf := edge.WafDefaults()
	waf.AllowedCidrs = []string{"203.0.113.0/24", "2001:db8::/32"}
	waf.BlockedCidrs = []string{"198.51.100.0/24"}
	run := func(args *edge.WebAclArgs) (*mockengine.Mocks, string, error) {
		m := mockengine.NewMocks("ecsite", "test")
		exports := mockengine.NewExports()
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			usEast1, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
			if err != nil {
				return err
			}
			exports.Record("provider", usEast1.URN())
			_, err = edge.NewWebAcl(ctx, "web-edge", args, pulumi.Provider(usEast1))
			return err
		}, pulumi.WithMocks("ecsite", "test", m))
		if urn, ok := exports.Get("provider"); ok && urn.Value != nil {
			return m, fmt.Sprint(urn.Value), err
		}
		return m, "", err
	}

	m, provider, err := run(&edge.WebAclArgs{Settings: waf, Scope: edge.ScopeCloudFront})
	if err != nil {
		t.Fatal(err)
	}
	acls := m.ByType(programtest.TypeWebAcl)
	if len(acls) != 1 || acls[0].In("scope").Str() != "CLOUDFRONT" {
		t.Fatalf("web ACLs %d, scope %q; want one CLOUDFRONT ACL", len(acls), acls[0].In("scope").Str())
	}
	sets := m.ByType(programtest.TypeIPSet)
	if len(sets) != 3 {
		t.Errorf("%d IP sets; want 3 (allow IPv4 and IPv6, block IPv4)", len(sets))
	}
	for _, s := range sets {
		if got := s.In("scope").Str(); got != "CLOUDFRONT" {
			t.Errorf("IP set %s has scope %q; want the ACL's CLOUDFRONT", s.Name, got)
		}
	}
	if n := len(m.ByType(programtest.TypeWebAclAssociation)); n != 0 {
		t.Errorf("%d web ACL associations; a CLOUDFRONT ACL is attached by the distribution", n)
	}
	if provider == "" {
		t.Fatal("provider URN not resolved")
	}
	for _, r := range m.Resources() {
		if r.Custom && !r.IsProvider() && !strings.HasPrefix(r.Provider, provider+"::") {
			t.Errorf("%s %s uses provider %q; want the us-east-1 provider", r.Type, r.Name, r.Provider)
		}
	}
	if n := len(m.ByType(programtest.TypeWebAclLogging)); n != 1 {
		t.Errorf("%d logging configurations; want 1", n)
	}

	for name, tc := range map[string]struct {
		args *edge.WebAclArgs
		want string
	}{
		"CLOUDFRONT with a load balancer": {&edge.WebAclArgs{Settings: waf, Scope: edge.ScopeCloudFront, LoadBalancerArn: pulumi.String(testLoadBalancerArn)}, "LoadBalancerArn"},
		"unknown scope":                   {&edge.WebAclArgs{Settings: waf, Scope: "GLOBAL", LoadBalancerArn: pulumi.String(testLoadBalancerArn)}, "GLOBAL"},
	} {
		t.Run(name, func(t *testing.T) {
			m, _, err := run(tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one naming %s", err, tc.want)
			}
			for _, r := range m.Resources() {
				if !r.IsProvider() {
					t.Errorf("registered %s %s before refusing", r.Type, r.Name)
				}
			}
		})
	}
}

// TestCdnDeliversStandardLogs: with cdn.accessLogs the distribution's standard logs (v2)
// go to the log bucket under the prefix through a delivery source, destination and
// delivery in us-east-1; without it none of the three exist; without a bucket the
// component refuses.
func TestCdnDeliversStandardLogs(t *testing.T) {
	r := runCdn(func(*edge.CdnArgs) {})
	if r.err != nil {
		t.Fatal(r.err)
	}
	src := r.only(t, "aws:cloudwatch/logDeliverySource:LogDeliverySource")
	dst := r.only(t, "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
	del := r.only(t, "aws:cloudwatch/logDelivery:LogDelivery")
	dist := r.only(t, "aws:cloudfront/distribution:Distribution")
	if src.In("logType").Str() != "ACCESS_LOGS" || src.In("resourceArn").Str() != dist.Out("arn").Str() {
		t.Errorf("delivery source %v; want ACCESS_LOGS of %s", src.Inputs, dist.Out("arn").Str())
	}
	if got := dst.In("deliveryDestinationConfiguration.destinationResourceArn").Str(); got != "arn:aws:s3:::test-logs/cloudfront" {
		t.Errorf("destination %q; want the bucket under cloudfront", got)
	}
	if del.In("deliverySourceName").Str() != src.In("name").Str() || del.In("deliveryDestinationArn").Str() != dst.Out("arn").Str() {
		t.Errorf("delivery %v does not pair the source and the destination", del.Inputs)
	}
	for _, res := range []*mockengine.Resource{src, dst, del} {
		if !strings.Contains(res.Provider, "us-east-1") {
			t.Errorf("%s uses provider %s; want us-east-1", res.Type, res.Provider)
		}
	}
	off := runCdn(func(a *edge.CdnArgs) { a.Settings.AccessLogs = false })
	if off.err != nil || len(off.ByType("aws:cloudwatch/logDelivery:LogDelivery")) != 0 {
		t.Errorf("with accessLogs off: err %v, deliveries %d", off.err, len(off.ByType("aws:cloudwatch/logDelivery:LogDelivery")))
	}
	if noBucket := runCdn(func(a *edge.CdnArgs) { a.LogBucketArn = nil }); noBucket.err == nil {
		t.Error("access logs without a bucket were accepted")
	}
}
