package access

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// AMIParameter is the public SSM parameter holding the latest Amazon Linux 2023 AMI for
// arm64 (Graviton), which ships with the SSM Agent
// (https://docs.aws.amazon.com/linux/al2023/ug/ec2.html).
const AMIParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

// SSMManagedInstanceCore is the only policy the instance role gets: what the SSM Agent
// needs to register and serve Session Manager sessions
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html).
const SSMManagedInstanceCore = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

// PortForwardingDocument is the Session Manager document that forwards a local port to a
// host reachable from the instance
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-sessions-start.html#sessions-remote-port-forwarding).
const PortForwardingDocument = "AWS-StartPortForwardingSessionToRemoteHost"

// DefaultDatabasePort is the PostgreSQL port.
const DefaultDatabasePort = 5432

// BastionArgs configures a Bastion.
type BastionArgs struct {
	// Required. The AWS region of the instance. The start-session command names it, so it
	// works whatever the operator's default region is.
	Region string
	// Required. The VPC of the instance's security group.
	VpcID pulumi.StringInput
	// Required. The VPC's IPv4 range: the database egress rule is limited to it.
	VpcCidr pulumi.StringInput
	// Required. The private subnet the instance runs in.
	SubnetID pulumi.StringInput
	// Required. The bastion settings, checked by [Settings.Check]: the instance type is a
	// Graviton (arm64) type such as t4g.nano.
	Settings Settings
	// Required. The Aurora writer endpoint the port-forwarding command targets.
	DatabaseEndpoint pulumi.StringInput
	// Optional. Defaults to 5432. The database port, forwarded to the same local port.
	DatabasePort int
}

// Bastion is a Session Manager port-forwarding host: no public IP, no key pair, no
// inbound rule.
type Bastion struct {
	pulumi.ResourceState

	// InstanceID is the EC2 instance id, the start-session target.
	InstanceID pulumi.StringOutput `pulumi:"instanceId"`
	// SecurityGroupID is the instance's security group; admit it into the database with
	// (*database.Cluster).AllowFrom.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// StartSessionCommand is the exact command that forwards localhost:<port> to the
	// writer endpoint through the instance.
	StartSessionCommand pulumi.StringOutput `pulumi:"startSessionCommand"`
}

// portForwardParameters are the parameters of PortForwardingDocument, in the documented order.
type portForwardParameters struct {
	Host            []string `json:"host"`
	PortNumber      []string `json:"portNumber"`
	LocalPortNumber []string `json:"localPortNumber"`
}

// StartSessionCommand returns the aws CLI command that forwards localhost:port to host
// through instance, in region.
func StartSessionCommand(region, instance, host string, port int) (string, error) {
	p := strconv.Itoa(port)
	params, err := json.Marshal(portForwardParameters{Host: []string{host}, PortNumber: []string{p}, LocalPortNumber: []string{p}})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("aws ssm start-session --target %s --document-name %s --parameters '%s' --region %s", instance, PortForwardingDocument, params, region), nil
}

// NewBastion creates the security group, the instance role and profile, and the
// instance. The AMI is resolved once from AMIParameter; later AMI releases do not replace
// the instance (ignoreChanges on ami), since dnf keeps it patched.
func NewBastion(ctx *pulumi.Context, name string, args *BastionArgs, opts ...pulumi.ResourceOption) (*Bastion, error) {
	if args == nil || args.Region == "" || args.VpcID == nil || args.VpcCidr == nil || args.SubnetID == nil || args.DatabaseEndpoint == nil || args.Settings.InstanceType == "" {
		return nil, errors.New("access: bastion args with Region, VpcID, VpcCidr, SubnetID, Settings.InstanceType and DatabaseEndpoint are required")
	}
	port := args.DatabasePort
	if port == 0 {
		port = DefaultDatabasePort
	}
	c := &Bastion{}
	if err := ctx.RegisterComponentResource("ecsite:access:Bastion", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	tags := pulumi.StringMap{"Name": pulumi.String(name)}

	// No ingress rule at all: Session Manager sessions are opened by the SSM Agent from
	// the inside. Egress: HTTPS to Systems Manager (through the NAT or the endpoints) and
	// PostgreSQL inside the VPC.
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("Session Manager bastion: no inbound; HTTPS out to SSM, PostgreSQL within the VPC"),
		Tags:        tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("bastion %q security group: %w", name, err)
	}
	for _, e := range []struct {
		key, description string
		port             int
		cidr             pulumi.StringInput
	}{
		{"https", "HTTPS to Systems Manager", 443, pulumi.String("0.0.0.0/0")},
		{"postgres", "PostgreSQL to the database", port, args.VpcCidr},
	} {
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-"+e.key, &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.String(e.description),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(e.port),
			ToPort:          pulumi.Int(e.port),
			CidrIpv4:        e.cidr,
		}, parent); err != nil {
			return nil, fmt.Errorf("bastion %q egress %s: %w", name, e.key, err)
		}
	}

	trust, err := iamdoc.AssumeRole("ec2.amazonaws.com", "").JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String("Session Manager only, for the " + name + " instance"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("bastion %q role: %w", name, err)
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, name+"-ssm-core", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(SSMManagedInstanceCore),
	}, parent); err != nil {
		return nil, fmt.Errorf("bastion %q role policy: %w", name, err)
	}
	profile, err := iam.NewInstanceProfile(ctx, name, &iam.InstanceProfileArgs{Role: role.Name}, parent)
	if err != nil {
		return nil, fmt.Errorf("bastion %q instance profile: %w", name, err)
	}

	ami, err := ssm.LookupParameter(ctx, &ssm.LookupParameterArgs{Name: AMIParameter}, parent)
	if err != nil {
		return nil, fmt.Errorf("bastion %q: looking up %s: %w", name, AMIParameter, err)
	}
	instance, err := ec2.NewInstance(ctx, name, &ec2.InstanceArgs{
		Ami:                      pulumi.String(ami.InsecureValue),
		InstanceType:             pulumi.String(args.Settings.InstanceType),
		SubnetId:                 args.SubnetID,
		VpcSecurityGroupIds:      pulumi.StringArray{sg.ID()},
		IamInstanceProfile:       profile.Name,
		AssociatePublicIpAddress: pulumi.Bool(false),
		MetadataOptions: &ec2.InstanceMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"), // IMDSv2 only
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		RootBlockDevice: &ec2.InstanceRootBlockDeviceArgs{
			Encrypted:           pulumi.Bool(true),
			VolumeType:          pulumi.String("gp3"),
			DeleteOnTermination: pulumi.Bool(true),
		},
		Tags: tags,
	}, parent, pulumi.IgnoreChanges([]string{"ami"}))
	if err != nil {
		return nil, fmt.Errorf("bastion %q instance: %w", name, err)
	}

	c.InstanceID = instance.ID().ToStringOutput()
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.StartSessionCommand = pulumi.All(instance.ID().ToStringOutput(), args.DatabaseEndpoint).ApplyT(func(v []any) (string, error) {
		return StartSessionCommand(args.Region, v[0].(string), v[1].(string), port)
	}).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"instanceId":          c.InstanceID,
		"securityGroupId":     c.SecurityGroupID,
		"startSessionCommand": c.StartSessionCommand,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
