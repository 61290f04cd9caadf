package compute

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SSLPolicy is the HTTPS listener's security policy: TLS 1.3 and 1.2 only, the policy AWS
// recommends
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
const SSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// MaxLoadBalancerNameLength is AWS's limit on load balancer and target group names
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html).
const MaxLoadBalancerNameLength = 32

// MaxAutoNamedLength is the longest logical name whose auto-name (name, "-" and 7 random
// characters) fits AWS's 32-character limit on load balancer and target group names
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html).
const MaxAutoNamedLength = MaxLoadBalancerNameLength - 8

// LoadBalancerArgs configures a LoadBalancer.
type LoadBalancerArgs struct {
	// Required. The AWS account id; access logs are written under AWSLogs/<account>/.
	AccountID string
	// Required. The VPC of the target groups.
	VpcID pulumi.StringInput
	// Required. The public subnets the load balancer lives in.
	PublicSubnetIDs pulumi.StringArrayInput
	// Required. The load balancer's settings, checked with [LoadBalancerSettings.Check].
	Settings LoadBalancerSettings
	// Required. The services to route to: one target group each, the default service
	// (path pattern "/*") as the listener's default action, the others by listener rule.
	// Each is checked with [ServiceSettings.Check], whose name limit keeps
	// "<stem>-<service>" within MaxAutoNamedLength.
	Services []ServiceSettings
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
	defaultService, ok := defaultServiceOf(args.Services)
	if !ok {
		return nil, fmt.Errorf("load balancer %q: no service has the default path pattern %q", name, DefaultPathPattern)
	}
	lbName := name + "-lb"
	if len(lbName) > MaxAutoNamedLength {
		return nil, fmt.Errorf("load balancer %q: name %q is longer than %d characters", name, lbName, MaxAutoNamedLength)
	}
	cfg := args.Settings
	c := &LoadBalancer{Targets: map[string]Target{}, HTTPS: cfg.HTTPS()}
	if err := ctx.RegisterComponentResource("ecsite:compute:LoadBalancer", name, c, opts...); err != nil {
		return nil, fmt.Errorf("load balancer %s: %w", name, err)
	}
	parent := pulumi.Parent(c)

	sg, err := newLoadBalancerSecurityGroup(ctx, name, args.VpcID, c.HTTPS, parent)
	if err != nil {
		return nil, err
	}
	alb, accessLogBucket, err := newALB(ctx, name, lbName, args, sg, parent)
	if err != nil {
		return nil, err
	}
	c.AccessLogBucket = accessLogBucket
	groups, err := newTargetGroups(ctx, args, parent)
	if err != nil {
		return nil, err
	}
	traffic, err := newListeners(ctx, name, cfg, alb, groups[defaultService.Name], parent)
	if err != nil {
		return nil, err
	}
	if c.Targets, err = newRoutes(ctx, name, args.Services, traffic, groups, parent); err != nil {
		return nil, err
	}
	c.SiteURL = siteURL(cfg, c.HTTPS, alb)
	if err := newSiteRecord(ctx, name, cfg, alb, parent); err != nil {
		return nil, err
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
		return nil, fmt.Errorf("load balancer %s outputs: %w", name, err)
	}
	return c, nil
}

// defaultServiceOf returns the service with the default path pattern, the listener's
// default action.
func defaultServiceOf(services []ServiceSettings) (ServiceSettings, bool) {
	var def ServiceSettings
	found := false
	for _, s := range services {
		if s.IsDefault() {
			def, found = s, true
		}
	}
	return def, found
}

// newLoadBalancerSecurityGroup creates the load balancer's group: HTTP, and with TLS
// HTTPS, from the internet. Egress to each service's port is added by the service (it
// knows its own group).
func newLoadBalancerSecurityGroup(ctx *pulumi.Context, name string, vpcID pulumi.StringInput, https bool, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(ctx, name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       vpcID,
		Description: pulumi.String("ALB: HTTP and HTTPS from the internet; out only to the services' ports"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name + "-alb")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("security group %s-alb: %w", name, err)
	}
	ports := []int{80}
	if https {
		ports = append(ports, 443)
	}
	for _, port := range ports {
		ruleName := fmt.Sprintf("%s-alb-in-%d", name, port)
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, ruleName, &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.Sprintf("Port %d from the internet", port),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(port),
			ToPort:          pulumi.Int(port),
			CidrIpv4:        pulumi.String("0.0.0.0/0"),
		}, parent); err != nil {
			return nil, fmt.Errorf("ingress rule %s: %w", ruleName, err)
		}
	}
	return sg, nil
}

// newALB creates the load balancer itself and, when access logs are on, their bucket,
// which the load balancer waits for. It returns the load balancer and the bucket's name
// ("" when access logs are off).
func newALB(ctx *pulumi.Context, name, lbName string, args *LoadBalancerArgs, sg *ec2.SecurityGroup, parent pulumi.ResourceOrInvokeOption) (*lb.LoadBalancer, pulumi.StringOutput, error) {
	cfg := args.Settings
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
	bucketName := pulumi.String("").ToStringOutput()
	if cfg.AccessLogs {
		bucket, ready, err := newAccessLogBucket(ctx, name, args, parent)
		if err != nil {
			return nil, pulumi.StringOutput{}, fmt.Errorf("access log bucket: %w", err)
		}
		lbArgs.AccessLogs = &lb.LoadBalancerAccessLogsArgs{
			Bucket:  bucket.Bucket,
			Prefix:  pulumi.String(accessLogPrefix),
			Enabled: pulumi.Bool(true),
		}
		// The ALB checks that it may write to the bucket when logging is switched on.
		lbOpts = append(lbOpts, pulumi.DependsOn(ready))
		bucketName = bucket.Bucket
	}
	alb, err := lb.NewLoadBalancer(ctx, lbName, lbArgs, lbOpts...)
	if err != nil {
		return nil, pulumi.StringOutput{}, fmt.Errorf("load balancer %s: %w", lbName, err)
	}
	return alb, bucketName, nil
}

// newTargetGroups creates one target group per service, by service name. They are
// auto-named so that a replacement (a port change, say) is created, attached and only
// then is the old group deleted.
func newTargetGroups(ctx *pulumi.Context, args *LoadBalancerArgs, parent pulumi.ResourceOption) (map[string]*lb.TargetGroup, error) {
	groups := map[string]*lb.TargetGroup{}
	for _, s := range args.Services {
		hc := s.HealthCheck
		name := TargetGroupName(args.TargetGroupStem, s.Name)
		tg, err := lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
			VpcId:               args.VpcID,
			TargetType:          pulumi.String("ip"),
			Protocol:            pulumi.String("HTTP"),
			Port:                pulumi.Int(s.Port),
			DeregistrationDelay: pulumi.Int(args.Settings.DeregistrationDelaySeconds),
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
			return nil, fmt.Errorf("target group %s: %w", name, err)
		}
		groups[s.Name] = tg
	}
	return groups, nil
}

// siteURL is https://<domain>, https://<DNS name> or, without a certificate, http://<DNS name>.
func siteURL(cfg LoadBalancerSettings, https bool, alb *lb.LoadBalancer) pulumi.StringOutput {
	switch {
	case cfg.DomainName != "":
		return pulumi.String("https://" + cfg.DomainName).ToStringOutput()
	case https:
		return pulumi.Sprintf("https://%s", alb.DnsName)
	default:
		return pulumi.Sprintf("http://%s", alb.DnsName)
	}
}

// newSiteRecord points the domain at the load balancer with an alias A record in the
// hosted zone, when both are configured.
func newSiteRecord(ctx *pulumi.Context, name string, cfg LoadBalancerSettings, alb *lb.LoadBalancer, parent pulumi.ResourceOption) error {
	if cfg.DomainName == "" || cfg.HostedZoneID == "" {
		return nil
	}
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
		return fmt.Errorf("site record %s-site: %w", name, err)
	}
	return nil
}
