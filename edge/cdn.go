package edge

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Managed CloudFront policies the distribution uses, by their fixed IDs.
const (
	// CachingDisabledPolicyID is the managed cache policy CachingDisabled (TTL 0, nothing
	// in the cache key)
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html#managed-cache-policy-caching-disabled).
	CachingDisabledPolicyID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	// CachingOptimizedPolicyID is the managed cache policy CachingOptimized (no query
	// strings or cookies in the cache key, default TTL one day)
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html#managed-cache-caching-optimized).
	CachingOptimizedPolicyID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	// AllViewerExceptHostHeaderPolicyID is the managed origin request policy
	// AllViewerExceptHostHeader: every viewer header, cookie and query string except Host,
	// so the load balancer sees its own name as Host
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html#managed-origin-request-policy-all-viewer-except-host-header).
	// The default behaviour used it until the app needed the public host: behind it,
	// Next.js refuses every Server Action (Origin names the public host, Host the load
	// balancer) and cannot tell that the viewer used https. Kept for the header model's
	// table and the tests that show why it was replaced.
	AllViewerExceptHostHeaderPolicyID = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

// CloudFrontPrefixListName is the AWS-managed prefix list of CloudFront's origin-facing
// IPv4 addresses
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/LocationsOfEdgeServers.html#managed-prefix-list).
//
// What the caller must do for the load balancer's security group: with a VPC origin,
// CloudFront reaches the internal load balancer through network interfaces it creates in
// the load balancer's subnets, so the load balancer's security group must admit TCP
// [CdnOriginHTTPPort] from this prefix list (look its id up with
// ec2.GetManagedPrefixList by name) and from nothing on the internet. AWS also creates a
// security group named CloudFront-VPCOrigins-Service-SG in the VPC with the first VPC
// origin; once it exists, the rule may be narrowed to that group as the source. Never
// edit that group: CloudFront manages it
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
// A rule that references the prefix list counts as many rules as the list's maximum
// size against the security group's rule quota (the first page above).
const CloudFrontPrefixListName = "com.amazonaws.global.cloudfront.origin-facing"

// CdnOriginHTTPPort is the load balancer port the VPC origin connects to, over plain HTTP.
//
// Why HTTP: a VPC origin connects from inside the VPC over AWS's private network to a
// load balancer in private subnets
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html),
// so the traffic never crosses the internet. HTTPS to the origin would need a certificate
// on the load balancer matching the origin domain name CloudFront connects to
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-cloudfront-to-custom-origin.html),
// and no public certificate can name the internal load balancer's
// internal-*.elb.amazonaws.com DNS name. The load balancer therefore needs an HTTP
// listener on this port that forwards (not one that redirects to HTTPS).
const CdnOriginHTTPPort = 80

// Origin ids inside the distribution.
const (
	cdnAppOriginID    = "alb"
	cdnAssetsOriginID = "assets"
)

// CdnArgs configures a Cdn.
type CdnArgs struct {
	// Required. The CloudFront settings, checked by [CdnSettings.Check].
	Settings CdnSettings
	// Required. The ARN of the internal Application Load Balancer (in private subnets)
	// that serves every path except the asset paths.
	LoadBalancerArn pulumi.StringInput
	// Required. The load balancer's DNS name, the origin domain name.
	LoadBalancerDnsName pulumi.StringInput
	// Optional. The ARN of the CLOUDFRONT-scope web ACL (a [WebAcl] with
	// Scope: ScopeCloudFront, created in us-east-1) the distribution uses. Defaults to
	// none: nil leaves the distribution without a web ACL (no WebAclId).
	WebAclArn pulumi.StringInput
	// Optional. Defaults to none. DomainName is the site's domain, e.g.
	// shop.example.com; without one the site is served on the distribution's
	// *.cloudfront.net name with CloudFront's default certificate. With HostedZoneID, the
	// component requests an ACM certificate in us-east-1, validates it in the zone and
	// adds alias A and AAAA records.
	DomainName string
	// Optional; required with DomainName. The public Route 53 hosted zone of DomainName.
	HostedZoneID string
	// Optional; required with DomainName. An AWS provider for us-east-1 with the stack's
	// default tags, used for the certificate only: CloudFront only uses ACM certificates
	// from that region
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html).
	UsEast1 pulumi.ProviderResource
	// Required with Settings.AccessLogs. The ARN of the S3 bucket that receives the
	// standard logs, under LogPrefix; its policy must let CloudWatch Logs' delivery
	// service write there (compute.AccessLogBucketPolicy), and LogsReady are the
	// resources (that policy) the delivery waits for. The delivery source, destination
	// and delivery live in us-east-1 (UsEast1), where CloudFront delivers its logs.
	LogBucketArn pulumi.StringInput
	LogPrefix    string
	LogsReady    []pulumi.Resource
	// Optional. Defaults to none. Where a stack deployed before this component existed
	// registered the site's records: the load balancer component, with the A record
	// "<stem>-site" and the certificate's validation record "<stem>-site-validation".
	// The same records in Route 53 now belong to this component; the aliases keep them
	// one resource each, updated in place. Without them the engine would create the A
	// record (which Route 53 refuses: the record set exists) and, after the new
	// validation record had overwritten the old one, delete the old one, taking the
	// validation CNAME that the certificate's renewal needs with it.
	PreviousRecords *PreviousRecords
}

// PreviousRecords names where the site's Route 53 records were registered before.
type PreviousRecords struct {
	// Parent is the component the records were children of.
	Parent pulumi.Resource
	// Stem is the name the records' names started with.
	Stem string
}

// aliasFor returns the alias option of the record now named suffix whose previous name
// was previous under args.PreviousRecords, or no option.
func (args *CdnArgs) aliasFor(previous string) []pulumi.ResourceOption {
	if args.PreviousRecords == nil {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.Aliases([]pulumi.Alias{{
		Name:   pulumi.String(args.PreviousRecords.Stem + previous),
		Parent: args.PreviousRecords.Parent,
	}})}
}

// Cdn is the CloudFront distribution in front of the internal load balancer: the
// application through a VPC origin, uncached except the image optimizer's responses, and
// static assets from a private S3 bucket through origin access control, cached.
type Cdn struct {
	pulumi.ResourceState

	// DistributionId is the distribution's id (for invalidations).
	DistributionId pulumi.StringOutput `pulumi:"distributionId"`
	// DistributionArn is the distribution's ARN.
	DistributionArn pulumi.StringOutput `pulumi:"distributionArn"`
	// DomainName is the distribution's own name, d1234abcd.cloudfront.net.
	DomainName pulumi.StringOutput `pulumi:"domainName"`
	// AssetsBucketName is the name of the bucket the asset paths are served from.
	AssetsBucketName pulumi.StringOutput `pulumi:"assetsBucketName"`
	// SiteURL is https:// and the site's domain, or the cloudfront.net name without one.
	SiteURL pulumi.StringOutput `pulumi:"siteUrl"`
}

// NewCdn creates the distribution, its VPC origin, the assets bucket with its policy, the
// origin access control, the response headers policy and, with a domain, the certificate
// and the DNS records.
func NewCdn(ctx *pulumi.Context, name string, args *CdnArgs, opts ...pulumi.ResourceOption) (*Cdn, error) {
	switch {
	case args == nil || args.LoadBalancerArn == nil || args.LoadBalancerDnsName == nil:
		return nil, errors.New("edge: CDN args with a LoadBalancerArn and LoadBalancerDnsName are required")
	case (args.DomainName == "") != (args.HostedZoneID == ""):
		return nil, fmt.Errorf("cdn %q: DomainName and HostedZoneID go together (got %q and %q)", name, args.DomainName, args.HostedZoneID)
	case args.DomainName != "" && args.UsEast1 == nil:
		return nil, fmt.Errorf("cdn %q: a custom domain needs the UsEast1 provider for its certificate", name)
	case len(args.Settings.AssetPathPatterns) == 0:
		return nil, fmt.Errorf("cdn %q: no asset path patterns", name)
	case args.Settings.AccessLogs && (args.LogBucketArn == nil || args.LogPrefix == "" || args.UsEast1 == nil):
		return nil, fmt.Errorf("cdn %q: access logs need a LogBucketArn, a LogPrefix and the UsEast1 provider", name)
	}

	c := &Cdn{}
	if err := ctx.RegisterComponentResource("ecsite:edge:Cdn", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	s := args.Settings

	vpcOrigin, err := cloudfront.NewVpcOrigin(ctx, name+"-alb", &cloudfront.VpcOriginArgs{
		VpcOriginEndpointConfig: &cloudfront.VpcOriginVpcOriginEndpointConfigArgs{
			Name:                 pulumi.String(name + "-alb"),
			Arn:                  args.LoadBalancerArn,
			HttpPort:             pulumi.Int(CdnOriginHTTPPort),
			HttpsPort:            pulumi.Int(443),
			OriginProtocolPolicy: pulumi.String("http-only"),
			// Unused with http-only, but the API requires the block.
			OriginSslProtocols: &cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs{
				Items:    pulumi.StringArray{pulumi.String("TLSv1.2")},
				Quantity: pulumi.Int(1),
			},
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cdn %q VPC origin: %w", name, err)
	}

	assets, err := newAssetsBucket(ctx, name, parent)
	if err != nil {
		return nil, err
	}

	// Origin access control signs every request to the bucket with SigV4, so the bucket
	// can stay private
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html).
	oac, err := cloudfront.NewOriginAccessControl(ctx, name+"-assets", &cloudfront.OriginAccessControlArgs{
		Description:                   pulumi.String("Signs " + name + " requests to its assets bucket"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cdn %q origin access control: %w", name, err)
	}

	headers, err := newResponseHeadersPolicy(ctx, name, s, parent)
	if err != nil {
		return nil, err
	}

	viewerCert := &cloudfront.DistributionViewerCertificateArgs{
		// With the default *.cloudfront.net certificate CloudFront applies its own
		// security policy, whatever is set here
		// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html).
		CloudfrontDefaultCertificate: pulumi.Bool(true),
	}
	var aliases pulumi.StringArray
	if args.DomainName != "" {
		certArn, err := cdnCertificate(ctx, name, args, parent)
		if err != nil {
			return nil, err
		}
		aliases = pulumi.StringArray{pulumi.String(args.DomainName)}
		viewerCert = &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn: certArn,
			// TLS 1.2 and newer with forward-secret ciphers
			// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html).
			MinimumProtocolVersion: pulumi.String("TLSv1.2_2021"),
			SslSupportMethod:       pulumi.String("sni-only"),
		}
	}

	var orderedBehaviors cloudfront.DistributionOrderedCacheBehaviorArray
	for _, pattern := range s.AssetPathPatterns {
		orderedBehaviors = append(orderedBehaviors, &cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern:             pulumi.String(pattern),
			TargetOriginId:          pulumi.String(cdnAssetsOriginID),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			Compress:                pulumi.Bool(true),
			CachePolicyId:           pulumi.String(CachingOptimizedPolicyID),
			ResponseHeadersPolicyId: headers.ID().ToStringOutput(),
		})
	}
	// The image optimizer's behaviour comes after the asset behaviours (the configuration
	// refuses an asset pattern that would take its paths) and before the default.
	if s.ImagePathPattern != "" {
		images, err := newImageCachePolicy(ctx, name, parent)
		if err != nil {
			return nil, err
		}
		orderedBehaviors = append(orderedBehaviors, &cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern:          pulumi.String(s.ImagePathPattern),
			TargetOriginId:       pulumi.String(cdnAppOriginID),
			ViewerProtocolPolicy: pulumi.String("redirect-to-https"),
			AllowedMethods:       pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachedMethods:        pulumi.ToStringArray([]string{"GET", "HEAD"}),
			Compress:             pulumi.Bool(true),
			CachePolicyId:        images.ID().ToStringOutput(),
			// No origin request policy: the optimizer gets the cache key's values (url,
			// w, q, Accept) and nothing else, so no cookie or other per-viewer value can
			// shape a response that every viewer is then served.
			ResponseHeadersPolicyId: headers.ID().ToStringOutput(),
		})
	}

	dist, err := cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled:       pulumi.Bool(true),
		Comment:       pulumi.String(name),
		Aliases:       aliases,
		HttpVersion:   pulumi.String("http2and3"),
		IsIpv6Enabled: pulumi.Bool(true),
		PriceClass:    pulumi.String(s.PriceClass),
		WebAclId:      args.WebAclArn,
		Origins: cloudfront.DistributionOriginArray{
			&cloudfront.DistributionOriginArgs{
				OriginId:        pulumi.String(cdnAppOriginID),
				DomainName:      args.LoadBalancerDnsName,
				VpcOriginConfig: &cloudfront.DistributionOriginVpcOriginConfigArgs{VpcOriginId: vpcOrigin.ID().ToStringOutput()},
			},
			&cloudfront.DistributionOriginArgs{
				OriginId:              pulumi.String(cdnAssetsOriginID),
				DomainName:            assets.BucketRegionalDomainName,
				OriginAccessControlId: oac.ID().ToStringOutput(),
			},
		},
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:       pulumi.String(cdnAppOriginID),
			ViewerProtocolPolicy: pulumi.String("redirect-to-https"),
			AllowedMethods:       pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}),
			CachedMethods:        pulumi.ToStringArray([]string{"GET", "HEAD"}),
			Compress:             pulumi.Bool(true),
			CachePolicyId:        pulumi.String(CachingDisabledPolicyID),
			// The app sees the public site: the viewer's Host, and the viewer's scheme in
			// CloudFront-Forwarded-Proto (the load balancer overwrites X-Forwarded-Proto
			// with its listener's protocol, http). See [AllViewerAndCloudFrontHeadersPolicyID]
			// and docs/images.md.
			OriginRequestPolicyId:   pulumi.String(AllViewerAndCloudFrontHeadersPolicyID),
			ResponseHeadersPolicyId: headers.ID().ToStringOutput(),
		},
		OrderedCacheBehaviors: orderedBehaviors,
		// Countries are blocked by the web ACL, which logs what it blocks.
		Restrictions: &cloudfront.DistributionRestrictionsArgs{
			GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")},
		},
		ViewerCertificate: viewerCert,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cdn %q distribution: %w", name, err)
	}

	if err := assets.allowDistribution(ctx, name, dist.Arn, parent); err != nil {
		return nil, err
	}

	c.SiteURL = pulumi.Sprintf("https://%s", dist.DomainName)
	if args.DomainName != "" {
		c.SiteURL = pulumi.String("https://" + args.DomainName).ToStringOutput()
		// A and AAAA aliases: the distribution has IPv6 enabled
		// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-cloudfront-distribution.html).
		for _, typ := range []string{"A", "AAAA"} {
			var opts []pulumi.ResourceOption
			if typ == "A" {
				opts = args.aliasFor("-site")
			}
			if _, err := route53.NewRecord(ctx, name+"-site-"+typ, &route53.RecordArgs{
				ZoneId: pulumi.String(args.HostedZoneID),
				Name:   pulumi.String(args.DomainName),
				Type:   pulumi.String(typ),
				Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
					Name:                 dist.DomainName,
					ZoneId:               dist.HostedZoneId,
					EvaluateTargetHealth: pulumi.Bool(false),
				}},
			}, append(opts, parent)...); err != nil {
				return nil, fmt.Errorf("cdn %q %s record: %w", name, typ, err)
			}
		}
	}

	if args.Settings.AccessLogs {
		if err := newAccessLogDelivery(ctx, name, dist, args, parent); err != nil {
			return nil, fmt.Errorf("cdn %q access logs: %w", name, err)
		}
	}

	c.DistributionId = dist.ID().ToStringOutput()
	c.DistributionArn = dist.Arn
	c.DomainName = dist.DomainName
	c.AssetsBucketName = assets.Bucket
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"distributionId":   c.DistributionId,
		"distributionArn":  c.DistributionArn,
		"domainName":       c.DomainName,
		"assetsBucketName": c.AssetsBucketName,
		"siteUrl":          c.SiteURL,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// cdnCertificate requests the site's certificate in us-east-1, validates it with a DNS
// record in the hosted zone and returns the validated certificate's ARN, so that the
// distribution waits for the certificate to be issued.
func cdnCertificate(ctx *pulumi.Context, name string, args *CdnArgs, parent pulumi.ResourceOption) (pulumi.StringInput, error) {
	usEast1 := pulumi.Provider(args.UsEast1)
	cert, err := acm.NewCertificate(ctx, name+"-site", &acm.CertificateArgs{
		DomainName:       pulumi.String(args.DomainName),
		ValidationMethod: pulumi.String("DNS"),
	}, parent, usEast1)
	if err != nil {
		return nil, fmt.Errorf("cdn %q certificate: %w", name, err)
	}
	opt := cert.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(ctx, name+"-site-validation", &route53.RecordArgs{
		ZoneId:         pulumi.String(args.HostedZoneID),
		Name:           opt.ResourceRecordName().Elem(),
		Type:           opt.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(300),
		AllowOverwrite: pulumi.Bool(true),
	}, append(args.aliasFor("-site-validation"), parent)...)
	if err != nil {
		return nil, fmt.Errorf("cdn %q certificate validation record: %w", name, err)
	}
	validation, err := acm.NewCertificateValidation(ctx, name+"-site", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, parent, usEast1)
	if err != nil {
		return nil, fmt.Errorf("cdn %q certificate validation: %w", name, err)
	}
	return validation.CertificateArn, nil
}

// newResponseHeadersPolicy creates the security headers every response carries, replacing
// whatever the origin sent (override true)
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html).
func newResponseHeadersPolicy(ctx *pulumi.Context, name string, s CdnSettings, parent pulumi.ResourceOption) (*cloudfront.ResponseHeadersPolicy, error) {
	security := &cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
		ContentTypeOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{Override: pulumi.Bool(true)},
		FrameOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{
			FrameOption: pulumi.String(s.FrameOptions),
			Override:    pulumi.Bool(true),
		},
		ReferrerPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
			ReferrerPolicy: pulumi.String(s.ReferrerPolicy),
			Override:       pulumi.Bool(true),
		},
	}
	if s.Hsts {
		security.StrictTransportSecurity = &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
			AccessControlMaxAgeSec: pulumi.Int(s.HstsMaxAgeSeconds),
			IncludeSubdomains:      pulumi.Bool(true),
			Override:               pulumi.Bool(true),
		}
	}
	policy, err := cloudfront.NewResponseHeadersPolicy(ctx, name+"-security", &cloudfront.ResponseHeadersPolicyArgs{
		Comment:               pulumi.String("Security headers of " + name),
		SecurityHeadersConfig: security,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cdn %q response headers policy: %w", name, err)
	}
	return policy, nil
}

// newAccessLogDelivery sends the distribution's standard logs (v2) to args.LogBucketArn
// under args.LogPrefix, through CloudWatch Logs' vended log delivery: a delivery source
// for the distribution (log type ACCESS_LOGS), an S3 delivery destination, and the
// delivery that pairs them, all in us-east-1
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html).
// Standard logging (v2) needs no bucket ACLs, which standard logging (legacy) does and
// which the stack's buckets disable.
func newAccessLogDelivery(ctx *pulumi.Context, name string, dist *cloudfront.Distribution, args *CdnArgs, parent pulumi.ResourceOption) error {
	opts := []pulumi.ResourceOption{parent, pulumi.Provider(args.UsEast1)}
	source, err := cloudwatch.NewLogDeliverySource(ctx, name+"-logs", &cloudwatch.LogDeliverySourceArgs{
		Name:        pulumi.String(name),
		LogType:     pulumi.String("ACCESS_LOGS"),
		ResourceArn: dist.Arn,
	}, opts...)
	if err != nil {
		return fmt.Errorf("delivery source: %w", err)
	}
	destination, err := cloudwatch.NewLogDeliveryDestination(ctx, name+"-logs", &cloudwatch.LogDeliveryDestinationArgs{
		Name:         pulumi.String(name),
		OutputFormat: pulumi.String("json"),
		DeliveryDestinationConfiguration: &cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs{
			DestinationResourceArn: pulumi.Sprintf("%s/%s", args.LogBucketArn, args.LogPrefix),
		},
	}, opts...)
	if err != nil {
		return fmt.Errorf("delivery destination: %w", err)
	}
	if _, err := cloudwatch.NewLogDelivery(ctx, name+"-logs", &cloudwatch.LogDeliveryArgs{
		DeliverySourceName:     source.Name,
		DeliveryDestinationArn: destination.Arn,
	}, append(opts, pulumi.DependsOn(args.LogsReady))...); err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	return nil
}
