package compute

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/iamdoc"
)

// SSLPolicy is the HTTPS listener's security policy: TLS 1.3 and 1.2 only, the policy AWS
// recommends
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
const SSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// MaxAutoNamedLength is the longest logical name whose auto-name (name, "-" and 7 random
// characters) fits AWS's 32-character limit on load balancer and target group names
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html).
const MaxAutoNamedLength = 32 - 8

// accessLogPrefix is the key prefix of the access logs in their bucket.
const accessLogPrefix = "alb"

// LoadBalancerArgs configures a LoadBalancer.
type LoadBalancerArgs struct {
	// Required. The AWS account id; access logs are written under AWSLogs/<account>/.
	AccountID string
	// Required. The VPC of the target groups.
	VpcID pulumi.StringInput
	// Required. The public subnets the load balancer lives in.
	PublicSubnetIDs pulumi.StringArrayInput
	// Required. The validated loadBalancer section of the stack configuration.
	Config config.LoadBalancer
	// Required. The services to route to: one target group each, the default service
	// (path pattern "/*") as the listener's default action, the others by listener rule.
	Services []config.Service
	// Required. The stem of target group names, "<stem>-<service>" (the program passes the
	// environment); with the service name it must fit MaxAutoNamedLength.
	TargetGroupStem string
}

// Target is the target group of one service and what routes traffic to it.
type Target struct {
	// Arn is the target group's ARN.
	Arn pulumi.StringOutput
	// ArnSuffix is the target group's ARN suffix, the CloudWatch dimension.
	ArnSuffix pulumi.StringOutput
	// Routing are the listener and, for a non-default service, the listener rule that
	// attach the group to the load balancer. A service must depend on them: ECS refuses
	// a target group that no load balancer uses.
	Routing []pulumi.Resource
}

// LoadBalancer is the internet-facing Application Load Balancer of the stack.
type LoadBalancer struct {
	pulumi.ResourceState

	// Arn is the load balancer's ARN (the WAF association target).
	Arn pulumi.StringOutput `pulumi:"arn"`
	// ArnSuffix is the load balancer's ARN suffix, the CloudWatch dimension.
	ArnSuffix pulumi.StringOutput `pulumi:"arnSuffix"`
	// DnsName is the load balancer's DNS name.
	DnsName pulumi.StringOutput `pulumi:"dnsName"`
	// ZoneId is the load balancer's Route 53 hosted zone, for alias records.
	ZoneId pulumi.StringOutput `pulumi:"zoneId"`
	// SecurityGroupID guards the load balancer.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// SiteURL is https://<domain>, https://<DNS name> or, without a certificate, http://<DNS name>.
	SiteURL pulumi.StringOutput `pulumi:"siteUrl"`
	// AccessLogBucket receives the access logs; empty when they are off.
	AccessLogBucket pulumi.StringOutput `pulumi:"accessLogBucket"`

	// Targets are the services' target groups by service name.
	Targets map[string]Target
	// HTTPS reports whether the load balancer terminates TLS.
	HTTPS bool
}

// TargetGroupName is the logical name (and auto-name stem) of a service's target group.
func TargetGroupName(stem, service string) string { return stem + "-" + service }

// NewLoadBalancer creates the load balancer, its security group, listeners, target groups,
// listener rules, certificate and access-log bucket.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		return nil, errors.New("compute: load balancer args are required")
	}
	var defaultService *config.Service
	for i, s := range args.Services {
		if n := TargetGroupName(args.TargetGroupStem, s.Name); len(n) > MaxAutoNamedLength {
			return nil, fmt.Errorf("load balancer %q: target group name %q is longer than %d characters", name, n, MaxAutoNamedLength)
		}
		if s.IsDefault() {
			defaultService = &args.Services[i]
		}
	}
	if defaultService == nil {
		return nil, fmt.Errorf("load balancer %q: no service has the default path pattern %q", name, config.DefaultPathPattern)
	}
	lbName := name + "-lb"
	if len(lbName) > MaxAutoNamedLength {
		return nil, fmt.Errorf("load balancer %q: name %q is longer than %d characters", name, lbName, MaxAutoNamedLength)
	}
	cfg := args.Config
	c := &LoadBalancer{Targets: map[string]Target{}, HTTPS: cfg.HTTPS()}
	if err := ctx.RegisterComponentResource("ecsite:compute:LoadBalancer", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	sg, err := ec2.NewSecurityGroup(ctx, name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("ALB: HTTP and HTTPS from the internet; out only to the services' ports"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name + "-alb")},
	}, parent)
	if err != nil {
		return nil, err
	}
	ports := []int{80}
	if c.HTTPS {
		ports = append(ports, 443)
	}
	for _, port := range ports {
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-alb-in-%d", name, port), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.Sprintf("Port %d from the internet", port),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(port),
			ToPort:          pulumi.Int(port),
			CidrIpv4:        pulumi.String("0.0.0.0/0"),
		}, parent); err != nil {
			return nil, err
		}
	}
	// Egress to each service's port is added by the service (it knows its own group).

	lbArgs := &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		IpAddressType:            pulumi.String("ipv4"),
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		Subnets:                  args.PublicSubnetIDs,
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableHttp2:              pulumi.Bool(true),
		IdleTimeout:              pulumi.Int(cfg.IdleTimeoutSeconds),
		EnableDeletionProtection: pulumi.Bool(cfg.DeletionProtection),
	}
	lbOpts := []pulumi.ResourceOption{parent}
	c.AccessLogBucket = pulumi.String("").ToStringOutput()
	if cfg.AccessLogs {
		bucket, ready, err := newAccessLogBucket(ctx, name, args, parent)
		if err != nil {
			return nil, err
		}
		lbArgs.AccessLogs = &lb.LoadBalancerAccessLogsArgs{
			Bucket:  bucket.Bucket,
			Prefix:  pulumi.String(accessLogPrefix),
			Enabled: pulumi.Bool(true),
		}
		// The ALB checks that it may write to the bucket when logging is switched on.
		lbOpts = append(lbOpts, pulumi.DependsOn(ready))
		c.AccessLogBucket = bucket.Bucket
	}
	alb, err := lb.NewLoadBalancer(ctx, lbName, lbArgs, lbOpts...)
	if err != nil {
		return nil, err
	}

	// Target groups: auto-named so that a replacement (a port change, say) is created,
	// attached and only then is the old group deleted.
	groups := map[string]*lb.TargetGroup{}
	for _, s := range args.Services {
		hc := s.HealthCheck
		tg, err := lb.NewTargetGroup(ctx, TargetGroupName(args.TargetGroupStem, s.Name), &lb.TargetGroupArgs{
			VpcId:               args.VpcID,
			TargetType:          pulumi.String("ip"),
			Protocol:            pulumi.String("HTTP"),
			Port:                pulumi.Int(s.Port),
			DeregistrationDelay: pulumi.Int(cfg.DeregistrationDelaySeconds),
			HealthCheck: &lb.TargetGroupHealthCheckArgs{
				Enabled:            pulumi.Bool(true),
				Protocol:           pulumi.String("HTTP"),
				Port:               pulumi.String("traffic-port"),
				Path:               pulumi.String(hc.Path),
				Matcher:            pulumi.String(hc.Matcher),
				Interval:           pulumi.Int(hc.IntervalSeconds),
				Timeout:            pulumi.Int(hc.TimeoutSeconds),
				HealthyThreshold:   pulumi.Int(hc.HealthyThreshold),
				UnhealthyThreshold: pulumi.Int(hc.UnhealthyThreshold),
			},
			Tags: pulumi.StringMap{"service": pulumi.String(s.Name)},
		}, parent)
		if err != nil {
			return nil, err
		}
		groups[s.Name] = tg
	}
	forward := func(tg *lb.TargetGroup) lb.ListenerDefaultActionArray {
		return lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: tg.Arn,
		}}
	}

	// The listener that carries the traffic: HTTPS with a certificate, otherwise HTTP.
	var traffic *lb.Listener
	if c.HTTPS {
		certArn, err := certificate(ctx, name, cfg, parent)
		if err != nil {
			return nil, err
		}
		if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
				Type: pulumi.String("redirect"),
				Redirect: &lb.ListenerDefaultActionRedirectArgs{
					Protocol:   pulumi.String("HTTPS"),
					Port:       pulumi.String("443"),
					StatusCode: pulumi.String("HTTP_301"),
				},
			}},
		}, parent); err != nil {
			return nil, err
		}
		traffic, err = lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(443),
			Protocol:        pulumi.String("HTTPS"),
			SslPolicy:       pulumi.String(SSLPolicy),
			CertificateArn:  certArn,
			DefaultActions:  forward(groups[defaultService.Name]),
		}, parent)
		if err != nil {
			return nil, err
		}
	} else {
		traffic, err = lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward(groups[defaultService.Name]),
		}, parent)
		if err != nil {
			return nil, err
		}
	}

	for _, s := range args.Services {
		tg := groups[s.Name]
		t := Target{Arn: tg.Arn, ArnSuffix: tg.ArnSuffix, Routing: []pulumi.Resource{traffic}}
		if !s.IsDefault() {
			rule, err := lb.NewListenerRule(ctx, name+"-"+s.Name, &lb.ListenerRuleArgs{
				ListenerArn: traffic.Arn,
				Priority:    pulumi.Int(s.Priority),
				Conditions: lb.ListenerRuleConditionArray{lb.ListenerRuleConditionArgs{
					PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.StringArray{pulumi.String(s.PathPattern)}},
				}},
				Actions: lb.ListenerRuleActionArray{lb.ListenerRuleActionArgs{
					Type:           pulumi.String("forward"),
					TargetGroupArn: tg.Arn,
				}},
			}, parent)
			if err != nil {
				return nil, err
			}
			t.Routing = append(t.Routing, rule)
		}
		c.Targets[s.Name] = t
	}

	switch {
	case cfg.DomainName != "":
		c.SiteURL = pulumi.String("https://" + cfg.DomainName).ToStringOutput()
	case c.HTTPS:
		c.SiteURL = pulumi.Sprintf("https://%s", alb.DnsName)
	default:
		c.SiteURL = pulumi.Sprintf("http://%s", alb.DnsName)
	}
	if cfg.DomainName != "" && cfg.HostedZoneID != "" {
		if _, err := route53.NewRecord(ctx, name+"-site", &route53.RecordArgs{
			ZoneId: pulumi.String(cfg.HostedZoneID),
			Name:   pulumi.String(cfg.DomainName),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name:                 alb.DnsName,
				ZoneId:               alb.ZoneId,
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, parent); err != nil {
			return nil, err
		}
	}

	c.Arn = alb.Arn
	c.ArnSuffix = alb.ArnSuffix
	c.DnsName = alb.DnsName
	c.ZoneId = alb.ZoneId
	c.SecurityGroupID = sg.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"arn":             c.Arn,
		"arnSuffix":       c.ArnSuffix,
		"dnsName":         c.DnsName,
		"zoneId":          c.ZoneId,
		"securityGroupId": c.SecurityGroupID,
		"siteUrl":         c.SiteURL,
		"accessLogBucket": c.AccessLogBucket,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// certificate returns the ARN of the configured certificate, or requests one for the
// domain and validates it with DNS records in the hosted zone.
func certificate(ctx *pulumi.Context, name string, cfg config.LoadBalancer, parent pulumi.ResourceOption) (pulumi.StringInput, error) {
	if cfg.CertificateArn != "" {
		return pulumi.String(cfg.CertificateArn), nil
	}
	cert, err := acm.NewCertificate(ctx, name+"-site", &acm.CertificateArgs{
		DomainName:       pulumi.String(cfg.DomainName),
		ValidationMethod: pulumi.String("DNS"),
	}, parent)
	if err != nil {
		return nil, err
	}
	opt := cert.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(ctx, name+"-site-validation", &route53.RecordArgs{
		ZoneId:         pulumi.String(cfg.HostedZoneID),
		Name:           opt.ResourceRecordName().Elem(),
		Type:           opt.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(300),
		AllowOverwrite: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	validation, err := acm.NewCertificateValidation(ctx, name+"-site", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, parent)
	if err != nil {
		return nil, err
	}
	// The listener uses the validation's ARN so that it waits for the certificate to be issued.
	return validation.CertificateArn, nil
}

// newAccessLogBucket creates the access-log bucket: SSE-S3 encryption (the only kind ALB
// log delivery supports), public access blocked, objects owned by the bucket owner,
// expiry, and a policy that admits only TLS requests and lets the region's Elastic Load
// Balancing account write under <prefix>/AWSLogs/<account>/ (for ap-northeast-1, account
// 582318560864; https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
// It returns the bucket and the resources the load balancer must wait for.
func newAccessLogBucket(ctx *pulumi.Context, name string, args *LoadBalancerArgs, parent pulumi.ResourceOrInvokeOption) (*s3.BucketV2, []pulumi.Resource, error) {
	bucket, err := s3.NewBucketV2(ctx, name+"-alb-logs", &s3.BucketV2Args{}, parent)
	if err != nil {
		return nil, nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name+"-alb-logs", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name+"-alb-logs", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, nil, err
	}
	sse, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-alb-logs", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-alb-logs", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("expire-access-logs"),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(accessLogPrefix + "/")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.Config.AccessLogExpirationDays)},
		}},
	}, parent); err != nil {
		return nil, nil, err
	}
	delivery, err := elb.GetServiceAccount(ctx, nil, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("looking up the Elastic Load Balancing account: %w", err)
	}
	policyJSON := bucket.Arn.ApplyT(func(arn string) (string, error) {
		return AccessLogBucketPolicy(arn, delivery.Arn, args.AccountID).JSON()
	}).(pulumi.StringOutput)
	policy, err := s3.NewBucketPolicy(ctx, name+"-alb-logs", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policyJSON,
	}, parent, pulumi.DependsOn([]pulumi.Resource{block}))
	if err != nil {
		return nil, nil, err
	}
	return bucket, []pulumi.Resource{policy, sse}, nil
}

// AccessLogBucketPolicy is the access-log bucket's policy: the ELB account of the region
// may put objects under alb/AWSLogs/<account>/, and every request must use TLS.
func AccessLogBucketPolicy(bucketArn, elbAccountArn, accountID string) iamdoc.Document {
	return iamdoc.New(
		iamdoc.Statement{
			Sid:       "ElbLogDelivery",
			Principal: map[string]any{"AWS": elbAccountArn},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucketArn + "/" + accessLogPrefix + "/AWSLogs/" + accountID + "/*"},
		},
		iamdoc.Statement{
			Sid:       "DenyInsecureTransport",
			Effect:    "Deny",
			Principal: map[string]any{"AWS": "*"},
			Action:    []string{"s3:*"},
			Resource:  []string{bucketArn, bucketArn + "/*"},
			Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
		},
	)
}
