package compute

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/edge"
)

// Why the load balancer is internal, behind a CloudFront VPC origin, rather than public
// behind CloudFront with a secret origin header: with a VPC origin CloudFront reaches a
// load balancer in private subnets over AWS's network, so the load balancer has no
// public address and no path from the internet at all, and CloudFront (with its web
// ACL) is the only way in
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
// A public load balancer that checks a secret header still answers the whole internet:
// the header has to be rotated, can leak (and then bypasses the web ACL), and the load
// balancer keeps paying for its public IPv4 addresses. The security group admits only
// CloudFront's origin-facing prefix list on the HTTP port ([edge.CdnOriginHTTPPort]);
// that traffic stays inside the VPC, so the load balancer needs no certificate.

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
	// Required. The private subnets the internal load balancer lives in (CloudFront's
	// VPC origin creates its network interfaces there).
	PrivateSubnetIDs pulumi.StringArrayInput
	// Required. The load balancer's settings, checked with [LoadBalancerSettings.Check].
	Settings LoadBalancerSettings
	// Required. The services of the stack; the load balancer routes to those of kind web:
	// one target group each, the default service (path pattern "/*") as the listener's
	// default action, the others by listener rule. Backends and workers get nothing.
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

// LoadBalancer is the internal Application Load Balancer of the stack, the origin of the
// CloudFront distribution.
type LoadBalancer struct {
	pulumi.ResourceState

	// Arn is the load balancer's ARN (the VPC origin's endpoint).
	Arn pulumi.StringOutput `pulumi:"arn"`
	// ArnSuffix is the load balancer's ARN suffix, the CloudWatch dimension.
	ArnSuffix pulumi.StringOutput `pulumi:"arnSuffix"`
	// DnsName is the load balancer's internal DNS name, the origin domain name.
	DnsName pulumi.StringOutput `pulumi:"dnsName"`
	// ZoneId is the load balancer's Route 53 hosted zone, for alias records.
	ZoneId pulumi.StringOutput `pulumi:"zoneId"`
	// SecurityGroupID guards the load balancer.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// AccessLogBucket receives the access logs; empty when they are off.
	AccessLogBucket pulumi.StringOutput `pulumi:"accessLogBucket"`
	// AccessLogBucketArn is that bucket's ARN, where the CloudFront distribution's
	// standard logs go too (under CdnLogPrefix); empty when access logs are off.
	AccessLogBucketArn pulumi.StringOutput `pulumi:"accessLogBucketArn"`
	// AccessLogsReady are the bucket's policy and encryption, which a log delivery into
	// the bucket waits for.
	AccessLogsReady []pulumi.Resource

	// Targets are the web services' target groups by service name.
	Targets map[string]Target
}

// TargetGroupName is the logical name (and auto-name stem) of a service's target group.
func TargetGroupName(stem, service string) string { return stem + "-" + service }

// NewLoadBalancer creates the internal load balancer, its security group, the HTTP
// listener, target groups, listener rules and access-log bucket.
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
	c := &LoadBalancer{Targets: map[string]Target{}}
	if err := ctx.RegisterComponentResource("ecsite:compute:LoadBalancer", name, c, opts...); err != nil {
		return nil, fmt.Errorf("load balancer %s: %w", name, err)
	}
	parent := pulumi.Parent(c)

	sg, err := newLoadBalancerSecurityGroup(ctx, name, args.VpcID, parent)
	if err != nil {
		return nil, err
	}
	alb, logs, err := newALB(ctx, name, lbName, args, sg, parent)
	if err != nil {
		return nil, err
	}
	c.AccessLogBucket, c.AccessLogBucketArn, c.AccessLogsReady = logs.name, logs.arn, logs.ready
	groups, err := newTargetGroups(ctx, args, parent)
	if err != nil {
		return nil, err
	}
	traffic, err := newListener(ctx, name, alb, groups[defaultService.Name], parent)
	if err != nil {
		return nil, err
	}
	if c.Targets, err = newRoutes(ctx, name, args.Services, traffic, groups, parent); err != nil {
		return nil, err
	}

	c.Arn = alb.Arn
	c.ArnSuffix = alb.ArnSuffix
	c.DnsName = alb.DnsName
	c.ZoneId = alb.ZoneId
	c.SecurityGroupID = sg.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"arn":                c.Arn,
		"arnSuffix":          c.ArnSuffix,
		"dnsName":            c.DnsName,
		"zoneId":             c.ZoneId,
		"securityGroupId":    c.SecurityGroupID,
		"accessLogBucket":    c.AccessLogBucket,
		"accessLogBucketArn": c.AccessLogBucketArn,
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

// newLoadBalancerSecurityGroup creates the load balancer's group: TCP
// [edge.CdnOriginHTTPPort] from CloudFront's origin-facing prefix list only, nothing from
// the internet. Egress to each service's port is added by the service (it knows its own
// group).
func newLoadBalancerSecurityGroup(ctx *pulumi.Context, name string, vpcID pulumi.StringInput, parent pulumi.ResourceOrInvokeOption) (*ec2.SecurityGroup, error) {
	// The parent passes the stack's provider on to the lookup.
	prefixList, err := ec2.LookupManagedPrefixList(ctx, &ec2.LookupManagedPrefixListArgs{
		Name: pulumi.StringRef(edge.CloudFrontPrefixListName),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("looking up the managed prefix list %s: %w", edge.CloudFrontPrefixListName, err)
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       vpcID,
		Description: pulumi.String("ALB: HTTP from CloudFront only; out only to the services' ports"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name + "-alb")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("security group %s-alb: %w", name, err)
	}
	port := edge.CdnOriginHTTPPort
	ruleName := fmt.Sprintf("%s-alb-in-%d", name, port)
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, ruleName, &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: sg.ID(),
		Description:     pulumi.Sprintf("Port %d from CloudFront's origin-facing servers (VPC origin)", port),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(port),
		ToPort:          pulumi.Int(port),
		PrefixListId:    pulumi.String(prefixList.Id),
	}, parent); err != nil {
		return nil, fmt.Errorf("ingress rule %s: %w", ruleName, err)
	}
	return sg, nil
}

// newALB creates the load balancer itself and, when access logs are on, their bucket,
// which the load balancer waits for. It returns the load balancer and the bucket (name
// and ARN empty when access logs are off).
func newALB(ctx *pulumi.Context, name, lbName string, args *LoadBalancerArgs, sg *ec2.SecurityGroup, parent pulumi.ResourceOrInvokeOption) (*lb.LoadBalancer, accessLogs, error) {
	cfg := args.Settings
	lbArgs := &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(true),
		IpAddressType:            pulumi.String("ipv4"),
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		Subnets:                  args.PrivateSubnetIDs,
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableHttp2:              pulumi.Bool(true),
		IdleTimeout:              pulumi.Int(cfg.IdleTimeoutSeconds),
		EnableDeletionProtection: pulumi.Bool(cfg.DeletionProtection),
	}
	lbOpts := []pulumi.ResourceOption{parent}
	logs := accessLogs{name: pulumi.String("").ToStringOutput(), arn: pulumi.String("").ToStringOutput()}
	if cfg.AccessLogs {
		bucket, ready, err := newAccessLogBucket(ctx, name, args, parent)
		if err != nil {
			return nil, logs, fmt.Errorf("access log bucket: %w", err)
		}
		lbArgs.AccessLogs = &lb.LoadBalancerAccessLogsArgs{
			Bucket:  bucket.Bucket,
			Prefix:  pulumi.String(accessLogPrefix),
			Enabled: pulumi.Bool(true),
		}
		// The ALB checks that it may write to the bucket when logging is switched on.
		lbOpts = append(lbOpts, pulumi.DependsOn(ready))
		logs = accessLogs{name: bucket.Bucket, arn: bucket.Arn, ready: ready}
	}
	alb, err := lb.NewLoadBalancer(ctx, lbName, lbArgs, lbOpts...)
	if err != nil {
		return nil, logs, fmt.Errorf("load balancer %s: %w", lbName, err)
	}
	return alb, logs, nil
}

// newTargetGroups creates one target group per web service, by service name. They are
// auto-named so that a replacement (a port change, say) is created, attached and only
// then is the old group deleted.
func newTargetGroups(ctx *pulumi.Context, args *LoadBalancerArgs, parent pulumi.ResourceOption) (map[string]*lb.TargetGroup, error) {
	groups := map[string]*lb.TargetGroup{}
	for _, s := range args.Services {
		if !s.IsWeb() {
			continue
		}
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

// accessLogs is the access-log bucket as newALB returns it: name and ARN (empty when
// access logs are off) and the resources a writer waits for.
type accessLogs struct {
	name, arn pulumi.StringOutput
	ready     []pulumi.Resource
}
