package network

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// VpcArgs configures a Vpc.
type VpcArgs struct {
	// Required. The AWS region, used for endpoint service names.
	Region string
	// Required. The AWS account id, used to scope the flow-log role's trust policy.
	AccountID string
	// Required. The network settings, checked by [Settings.Check]. Their AZ count and
	// NAT strategy decide how many subnets, route tables and NAT gateways or NAT
	// instances exist.
	Settings Settings
	// Optional. The ARN of a KMS key whose policy lets CloudWatch Logs of the region use
	// it (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html):
	// the flow-log group is encrypted with it. Flow logs name every address the VPC talks
	// to. Without it the group has CloudWatch's own encryption, which policy rule ENC-LOGS
	// refuses.
	FlowLogKeyArn pulumi.StringInput
	// Optional. Tags copied onto the NAT instances and their volumes, which the Auto
	// Scaling group launches and the provider's default tags therefore do not reach
	// (typically the stack's cost tags).
	InstanceTags map[string]string
}

// Vpc is the network of one stack.
type Vpc struct {
	pulumi.ResourceState

	// VpcID is the VPC's id.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// CidrBlock is the VPC's IPv4 range.
	CidrBlock pulumi.StringOutput `pulumi:"cidrBlock"`
	// PublicSubnetIDs are the public subnets, in availability-zone order.
	PublicSubnetIDs pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	// PrivateSubnetIDs are the private subnets, in availability-zone order.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// PrivateRouteTableIDs are the private route tables, in availability-zone order.
	PrivateRouteTableIDs pulumi.StringArrayOutput `pulumi:"privateRouteTableIds"`
	// EndpointSecurityGroupID guards the interface endpoints; empty when none are configured.
	EndpointSecurityGroupID pulumi.StringOutput `pulumi:"endpointSecurityGroupId"`
	// FlowLogGroupName is the CloudWatch log group receiving the VPC flow logs.
	FlowLogGroupName pulumi.StringOutput `pulumi:"flowLogGroupName"`
	// EgressIPs are the public addresses the private subnets reach the internet from
	// (the NAT gateways' or NAT instances' Elastic IPs), for partners' allow-lists.
	EgressIPs pulumi.StringArrayOutput `pulumi:"egressIps"`

	// AvailabilityZones are the zones of the subnets, in order (plain values for callers
	// that place one resource per zone).
	AvailabilityZones []string
	// NatGatewayCount is how many NAT gateways exist.
	NatGatewayCount int
	// NatInstanceCount is how many NAT instances (Auto Scaling groups of one) exist.
	NatInstanceCount int
}

// NewVpc creates the VPC and everything in it. Child names are derived from name and
// keyed by availability zone or service, never by list position, so that reordering
// configuration does not replace subnets.
func NewVpc(ctx *pulumi.Context, name string, args *VpcArgs, opts ...pulumi.ResourceOption) (*Vpc, error) {
	if args == nil {
		return nil, errors.New("network: args are required")
	}
	n := args.Settings
	c := &Vpc{AvailabilityZones: append([]string(nil), n.AvailabilityZones...)}
	if err := ctx.RegisterComponentResource("ecsite:network:Vpc", name, c, opts...); err != nil {
		return nil, fmt.Errorf("vpc component: %w", err)
	}
	parent := pulumi.Parent(c)
	tags := func(n string) pulumi.StringMap { return pulumi.StringMap{"Name": pulumi.String(n)} }

	v, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(n.VpcCidr),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               tags(name + "-vpc"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("vpc: %w", err)
	}

	// The default security group of every VPC allows all traffic between its members.
	// Adopting it with no rules removes them, so nothing can fall back on it.
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: v.ID(),
		Tags:  tags(name + "-default-sg-unused"),
	}, parent); err != nil {
		return nil, fmt.Errorf("default security group: %w", err)
	}

	igw, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
		VpcId: v.ID(),
		Tags:  tags(name + "-igw"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("internet gateway: %w", err)
	}
	publicRT, err := ec2.NewRouteTable(ctx, name+"-public-rt", &ec2.RouteTableArgs{
		VpcId: v.ID(),
		Tags:  tags(name + "-public-rt"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("public route table: %w", err)
	}
	if _, err := ec2.NewRoute(ctx, name+"-public-default", &ec2.RouteArgs{
		RouteTableId:         publicRT.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            igw.ID(),
	}, parent); err != nil {
		return nil, fmt.Errorf("public default route: %w", err)
	}

	publicIDs := pulumi.StringArray{}
	privateIDs := pulumi.StringArray{}
	privateRTIDs := pulumi.StringArray{}
	publicSubnets := map[string]*ec2.Subnet{}
	for i, az := range n.AvailabilityZones {
		sub, err := ec2.NewSubnet(ctx, name+"-public-"+az, &ec2.SubnetArgs{
			VpcId:            v.ID(),
			CidrBlock:        pulumi.String(n.PublicSubnetCidrs[i]),
			AvailabilityZone: pulumi.String(az),
			// Nothing launched here needs a public IP by default: the ALB, the NAT
			// gateways and the NAT instances get theirs explicitly.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags(name + "-public-" + az),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("public subnet %s: %w", az, err)
		}
		publicSubnets[az] = sub
		publicIDs = append(publicIDs, sub.ID())
		if _, err := ec2.NewRouteTableAssociation(ctx, name+"-public-"+az, &ec2.RouteTableAssociationArgs{
			SubnetId:     sub.ID(),
			RouteTableId: publicRT.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("public route table association %s: %w", az, err)
		}
	}

	nats := map[string]*ec2.NatGateway{}
	// egress are the Elastic IPs the private subnets reach the internet from.
	var egress pulumi.StringArray
	for _, az := range n.NatGatewayAZs() {
		eip, err := ec2.NewEip(ctx, name+"-nat-"+az, &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   tags(name + "-nat-" + az),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("nat gateway %s elastic ip: %w", az, err)
		}
		nat, err := ec2.NewNatGateway(ctx, name+"-nat-"+az, &ec2.NatGatewayArgs{
			AllocationId: eip.ID(),
			SubnetId:     publicSubnets[az].ID(),
			Tags:         tags(name + "-nat-" + az),
		}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return nil, fmt.Errorf("nat gateway %s: %w", az, err)
		}
		nats[az] = nat
		egress = append(egress, eip.PublicIp)
	}
	c.NatGatewayCount = len(nats)

	// NAT instances (strategies instance and instancePerAz): see natinstance.go.
	natENIs := map[string]*ec2.NetworkInterface{}
	if azs := n.NatInstanceAZs(); len(azs) > 0 {
		sg, err := newNatInstanceSecurityGroup(ctx, name, n, v.ID(), parent)
		if err != nil {
			return nil, err
		}
		for _, az := range azs {
			eni, eip, err := newNatInstance(ctx, name, natInstanceArgs{
				region:          args.Region,
				accountID:       args.AccountID,
				az:              az,
				settings:        n,
				vpcID:           v.ID(),
				subnetID:        publicSubnets[az].ID(),
				securityGroupID: sg.ID(),
				tags:            args.InstanceTags,
				dependsOn:       []pulumi.Resource{igw},
			}, parent)
			if err != nil {
				return nil, err
			}
			natENIs[az] = eni
			egress = append(egress, eip.PublicIp)
		}
	}
	c.NatInstanceCount = len(natENIs)

	for i, az := range n.AvailabilityZones {
		sub, err := ec2.NewSubnet(ctx, name+"-private-"+az, &ec2.SubnetArgs{
			VpcId:            v.ID(),
			CidrBlock:        pulumi.String(n.PrivateSubnetCidrs[i]),
			AvailabilityZone: pulumi.String(az),
			Tags:             tags(name + "-private-" + az),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("private subnet %s: %w", az, err)
		}
		privateIDs = append(privateIDs, sub.ID())
		rt, err := ec2.NewRouteTable(ctx, name+"-private-rt-"+az, &ec2.RouteTableArgs{
			VpcId: v.ID(),
			Tags:  tags(name + "-private-rt-" + az),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("private route table %s: %w", az, err)
		}
		privateRTIDs = append(privateRTIDs, rt.ID())
		if _, err := ec2.NewRouteTableAssociation(ctx, name+"-private-"+az, &ec2.RouteTableAssociationArgs{
			SubnetId:     sub.ID(),
			RouteTableId: rt.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("private route table association %s: %w", az, err)
		}
		// Route through the NAT gateway of the subnet's own AZ, or the single shared
		// one; with no NAT the subnet reaches AWS only through endpoints.
		nat := nats[az]
		if nat == nil && n.NatGateways == NatSingle {
			nat = nats[n.AvailabilityZones[0]]
		}
		if nat != nil {
			if _, err := ec2.NewRoute(ctx, name+"-private-default-"+az, &ec2.RouteArgs{
				RouteTableId:         rt.ID(),
				DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
				NatGatewayId:         nat.ID(),
			}, parent); err != nil {
				return nil, fmt.Errorf("private default route %s: %w", az, err)
			}
		}
		// Likewise through the static ENI of the AZ's NAT instance, or the shared one.
		eni := natENIs[az]
		if eni == nil && n.NatGateways == NatInstance {
			eni = natENIs[n.AvailabilityZones[0]]
		}
		if eni != nil {
			if _, err := ec2.NewRoute(ctx, name+"-private-default-"+az, &ec2.RouteArgs{
				RouteTableId:         rt.ID(),
				DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
				NetworkInterfaceId:   eni.ID(),
			}, parent); err != nil {
				return nil, fmt.Errorf("private default route %s: %w", az, err)
			}
		}
	}

	// The S3 gateway endpoint is free and keeps ECR image layers (served from S3) off
	// the NAT gateways.
	if _, err := ec2.NewVpcEndpoint(ctx, name+"-s3", &ec2.VpcEndpointArgs{
		VpcId:           v.ID(),
		ServiceName:     pulumi.String("com.amazonaws." + args.Region + ".s3"),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   privateRTIDs,
		Tags:            tags(name + "-s3"),
	}, parent); err != nil {
		return nil, fmt.Errorf("s3 gateway endpoint: %w", err)
	}

	c.EndpointSecurityGroupID = pulumi.String("").ToStringOutput()
	if len(n.InterfaceEndpoints) > 0 {
		sg, err := ec2.NewSecurityGroup(ctx, name+"-endpoints", &ec2.SecurityGroupArgs{
			VpcId:       v.ID(),
			Description: pulumi.String("Interface VPC endpoints: HTTPS from inside the VPC only"),
			Tags:        tags(name + "-endpoints"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("endpoint security group: %w", err)
		}
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-endpoints-https", &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.String("HTTPS from the VPC"),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(443),
			ToPort:          pulumi.Int(443),
			CidrIpv4:        v.CidrBlock,
		}, parent); err != nil {
			return nil, fmt.Errorf("endpoint security group ingress: %w", err)
		}
		for _, svc := range n.InterfaceEndpoints {
			if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+strings.ReplaceAll(svc, ".", "-"), &ec2.VpcEndpointArgs{
				VpcId:             v.ID(),
				ServiceName:       pulumi.String("com.amazonaws." + args.Region + "." + svc),
				VpcEndpointType:   pulumi.String("Interface"),
				PrivateDnsEnabled: pulumi.Bool(true),
				SubnetIds:         privateIDs,
				SecurityGroupIds:  pulumi.StringArray{sg.ID()},
				Tags:              tags(name + "-" + svc),
			}, parent); err != nil {
				return nil, fmt.Errorf("interface endpoint %s: %w", svc, err)
			}
		}
		c.EndpointSecurityGroupID = sg.ID().ToStringOutput()
	}

	flowLogs, err := newFlowLogs(ctx, name, v, args, parent)
	if err != nil {
		return nil, fmt.Errorf("flow logs: %w", err)
	}

	c.VpcID = v.ID().ToStringOutput()
	c.CidrBlock = v.CidrBlock
	c.PublicSubnetIDs = publicIDs.ToStringArrayOutput()
	c.PrivateSubnetIDs = privateIDs.ToStringArrayOutput()
	c.PrivateRouteTableIDs = privateRTIDs.ToStringArrayOutput()
	c.FlowLogGroupName = flowLogs.Name
	c.EgressIPs = append(pulumi.StringArray{}, egress...).ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vpcId":                   c.VpcID,
		"cidrBlock":               c.CidrBlock,
		"publicSubnetIds":         c.PublicSubnetIDs,
		"privateSubnetIds":        c.PrivateSubnetIDs,
		"privateRouteTableIds":    c.PrivateRouteTableIDs,
		"endpointSecurityGroupId": c.EndpointSecurityGroupID,
		"flowLogGroupName":        c.FlowLogGroupName,
		"egressIps":               c.EgressIPs,
	}); err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	return c, nil
}

// sortedKeys returns the keys of m in order, so that list inputs built from maps are
// deterministic.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// newFlowLogs sends all VPC traffic records to a CloudWatch log group through a role
// that may only write to that group.
func newFlowLogs(ctx *pulumi.Context, name string, v *ec2.Vpc, args *VpcArgs, parent pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/vpc/" + name + "/flow-logs"),
		RetentionInDays: pulumi.Int(args.Settings.FlowLogRetentionDays),
		KmsKeyId:        args.FlowLogKeyArn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("log group: %w", err)
	}
	trust, err := iamdoc.AssumeRole("vpc-flow-logs.amazonaws.com", args.AccountID).JSON()
	if err != nil {
		return nil, fmt.Errorf("trust policy: %w", err)
	}
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Description:      pulumi.String("Lets VPC Flow Logs write to " + name + "'s flow-log group"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("role: %w", err)
	}
	policy := group.Arn.ApplyT(func(arn string) (string, error) {
		return iamdoc.New(iamdoc.Statement{
			Sid:      "WriteFlowLogs",
			Action:   []string{"logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"},
			Resource: []string{arn, arn + ":*"},
		}).JSON()
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, parent); err != nil {
		return nil, fmt.Errorf("role policy: %w", err)
	}
	if _, err := ec2.NewFlowLog(ctx, name+"-flow-logs", &ec2.FlowLogArgs{
		VpcId:              v.ID(),
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     group.Arn,
		IamRoleArn:         role.Arn,
		Tags:               pulumi.StringMap{"Name": pulumi.String(name + "-flow-logs")},
	}, parent); err != nil {
		return nil, fmt.Errorf("flow log: %w", err)
	}
	return group, nil
}
