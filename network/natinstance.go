package network

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// NAT instances: the cheap alternative to NAT gateways (strategies instance and
// instancePerAz). AWS documents the recipe in "NAT instances"
// (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html): an instance in
// a public subnet with a public or Elastic IP address, source/destination checking
// disabled, IP forwarding on and iptables/nftables masquerading, and private route tables
// whose default route targets it. AWS's own NAT AMI is built on the retired Amazon Linux
// AMI 2018.03, so this program configures a stock Amazon Linux 2023 AMI from user data.
//
// Self-healing: each NAT instance is an Auto Scaling group of exactly one. Routes cannot
// point at the instance itself, since every replacement has a new instance id and a route
// to a terminated instance is a black hole. Two fixes are common: user data that rewrites
// the private routes (ec2:ReplaceRoute) to the new instance, or a static elastic network
// interface (ENI) that the private routes target and that each new instance attaches to
// itself. This program uses the static ENI, as the widely used fck-nat project does in
// its high-availability mode (https://fck-nat.dev/stable/deploying):
//   - Pulumi owns the routes and their target never changes, so `pulumi up` and the
//     instance never fight over a route, and a preview after a replacement shows no drift;
//   - the Elastic IP is associated with the ENI, not the instance, so the egress address
//     that partners allow-list survives every replacement;
//   - the instance role may attach that one ENI and nothing else (no route-table
//     permissions at all).
//
// An Auto Scaling launch template cannot name an existing ENI, so the instance attaches
// it as device index 1 from user data. To reach the EC2 API before that, the instance's
// own primary interface gets an ephemeral public IPv4 address (priced by the estimator);
// once the ENI is up, the default route and the masquerading move to it. Between the loss
// of an instance and the attachment by its replacement (a few minutes) the private
// subnets have no egress: acceptable for the stacks that choose NAT instances, and the
// reason prod keeps NAT gateways.
//
// The AMI is the launch template's `resolve:ssm:` reference to the public Amazon Linux
// 2023 arm64 parameter, resolved by EC2 at each launch
// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html).
// The template's inputs never change when Amazon publishes an AMI, so a new AMI neither
// shows a diff nor replaces a running NAT instance; the next instance the group launches
// (after a failure, or an instance refresh an operator starts) gets the latest AMI. A
// lookup with ssm.LookupParameter would instead put a new image id in the template on the
// first `pulumi up` after each release and, with the group's instance refresh, replace
// the instance: an egress outage nobody asked for.

// NatInstanceAMIParameter is the public SSM parameter the NAT instances' AMI is resolved
// from at launch: the latest Amazon Linux 2023 AMI for arm64 (Graviton).
const NatInstanceAMIParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

// NatInstanceSSMPolicy is the managed policy that makes the NAT instances SSM-managed
// (Session Manager, patching) without a key pair or an inbound rule
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html).
const NatInstanceSSMPolicy = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

// natInstanceDevice is the root device name of the Amazon Linux 2023 AMIs.
const natInstanceDevice = "/dev/xvda"

// natInstanceArgs are the inputs of one NAT instance.
type natInstanceArgs struct {
	region, accountID, az string
	settings              Settings
	vpcID                 pulumi.StringInput
	subnetID              pulumi.StringInput
	securityGroupID       pulumi.StringInput
	tags                  map[string]string
	dependsOn             []pulumi.Resource
}

// newNatInstanceSecurityGroup creates the group shared by the NAT instances and their
// ENIs: all traffic in from the private subnets only (nothing from the internet), all
// traffic out.
func newNatInstanceSecurityGroup(ctx *pulumi.Context, name string, n Settings, vpcID pulumi.StringInput, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	sgName := name + "-nat-instance"
	sg, err := ec2.NewSecurityGroup(ctx, sgName, &ec2.SecurityGroupArgs{
		VpcId:       vpcID,
		Description: pulumi.String("NAT instances: all traffic from the private subnets, all egress; nothing from the internet"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(sgName)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("nat instance security group: %w", err)
	}
	for i, az := range n.AvailabilityZones {
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, sgName+"-from-"+az, &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.String("All traffic from the private subnet in " + az),
			IpProtocol:      pulumi.String("-1"),
			CidrIpv4:        pulumi.String(n.PrivateSubnetCidrs[i]),
		}, parent); err != nil {
			return nil, fmt.Errorf("nat instance ingress %s: %w", az, err)
		}
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, sgName+"-all", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		Description:     pulumi.String("All egress: the NAT forwards the private subnets' traffic anywhere"),
		IpProtocol:      pulumi.String("-1"),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
	}, parent); err != nil {
		return nil, fmt.Errorf("nat instance egress: %w", err)
	}
	return sg, nil
}

// newNatInstance creates the static ENI with its Elastic IP, the instance role and
// profile, the launch template and the Auto Scaling group of one for the AZ. It returns
// the ENI, the private routes' target.
func newNatInstance(ctx *pulumi.Context, name string, a natInstanceArgs, parent pulumi.ResourceOption) (*ec2.NetworkInterface, *ec2.Eip, error) {
	nat := name + "-nat-instance-" + a.az
	tags := func() pulumi.StringMap {
		m := pulumi.StringMap{}
		for k, v := range a.tags {
			m[k] = pulumi.String(v)
		}
		m["Name"] = pulumi.String(nat)
		return m
	}

	eni, err := ec2.NewNetworkInterface(ctx, nat, &ec2.NetworkInterfaceArgs{
		SubnetId:       a.subnetID,
		SecurityGroups: pulumi.StringArray{a.securityGroupID},
		// Forwarded packets carry other hosts' addresses.
		SourceDestCheck: pulumi.Bool(false),
		Description:     pulumi.String("Static NAT interface in " + a.az + ": the private routes' target, attached by the current NAT instance"),
		Tags:            pulumi.StringMap{"Name": pulumi.String(nat)},
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("nat instance %s interface: %w", a.az, err)
	}
	eip, err := ec2.NewEip(ctx, nat, &ec2.EipArgs{
		Domain:           pulumi.String("vpc"),
		NetworkInterface: eni.ID(),
		Tags:             pulumi.StringMap{"Name": pulumi.String(nat)},
	}, parent, pulumi.DependsOn(a.dependsOn))
	if err != nil {
		return nil, nil, fmt.Errorf("nat instance %s elastic ip: %w", a.az, err)
	}

	trust, err := iamdoc.AssumeRole("ec2.amazonaws.com", "").JSON()
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, nat, &iam.RoleArgs{
		Description:      pulumi.String("NAT instance in " + a.az + ": SSM-managed, may attach its static interface only"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("nat instance %s role: %w", a.az, err)
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, nat+"-ssm-core", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(NatInstanceSSMPolicy),
	}, parent); err != nil {
		return nil, nil, fmt.Errorf("nat instance %s ssm policy: %w", a.az, err)
	}
	profile, err := iam.NewInstanceProfile(ctx, nat, &iam.InstanceProfileArgs{Role: role.Name}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("nat instance %s instance profile: %w", a.az, err)
	}
	// AttachNetworkInterface is authorized on both the interface and the instance: this
	// ENI only, and only to an instance that carries this NAT's instance profile.
	policy := pulumi.All(eni.Arn, profile.Arn).ApplyT(func(v []any) (string, error) {
		return NatInstancePolicy(a.region, a.accountID, v[0].(string), v[1].(string)).JSON()
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, nat+"-attach-eni", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, parent); err != nil {
		return nil, nil, fmt.Errorf("nat instance %s role policy: %w", a.az, err)
	}

	userData := eni.ID().ToStringOutput().ApplyT(func(id string) string {
		script := NatInstanceUserData(id, a.region, a.settings.PrivateSubnetCidrs)
		return base64.StdEncoding.EncodeToString([]byte(script))
	}).(pulumi.StringOutput)
	lt, err := ec2.NewLaunchTemplate(ctx, nat, &ec2.LaunchTemplateArgs{
		Description:  pulumi.String("NAT instance in " + a.az),
		ImageId:      pulumi.String("resolve:ssm:" + NatInstanceAMIParameter),
		InstanceType: pulumi.String(a.settings.NatInstanceType),
		// Standard credits: a busy NAT slows to its baseline instead of running up
		// surplus-credit charges the estimate does not show.
		CreditSpecification: &ec2.LaunchTemplateCreditSpecificationArgs{CpuCredits: pulumi.String("standard")},
		IamInstanceProfile:  &ec2.LaunchTemplateIamInstanceProfileArgs{Arn: profile.Arn},
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"), // IMDSv2 only
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String(natInstanceDevice),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		// The primary interface: an ephemeral public IPv4 to reach the EC2 API before the
		// static ENI is attached. No key pair: access is through Session Manager.
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{&ec2.LaunchTemplateNetworkInterfaceArgs{
			DeviceIndex:              pulumi.Int(0),
			AssociatePublicIpAddress: pulumi.String("true"),
			DeleteOnTermination:      pulumi.String("true"),
			SecurityGroups:           pulumi.StringArray{a.securityGroupID},
		}},
		UserData:             userData,
		UpdateDefaultVersion: pulumi.Bool(true),
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tags()},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: tags()},
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(nat)},
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("nat instance %s launch template: %w", a.az, err)
	}

	var asgTags autoscaling.GroupTagArray
	for _, k := range sortedKeys(a.tags) {
		asgTags = append(asgTags, autoscaling.GroupTagArgs{Key: pulumi.String(k), Value: pulumi.String(a.tags[k]), PropagateAtLaunch: pulumi.Bool(true)})
	}
	asgTags = append(asgTags, autoscaling.GroupTagArgs{Key: pulumi.String("Name"), Value: pulumi.String(nat), PropagateAtLaunch: pulumi.Bool(true)})
	if _, err := autoscaling.NewGroup(ctx, nat, &autoscaling.GroupArgs{
		MinSize:            pulumi.Int(1),
		MaxSize:            pulumi.Int(1),
		DesiredCapacity:    pulumi.Int(1),
		VpcZoneIdentifiers: pulumi.StringArray{a.subnetID},
		HealthCheckType:    pulumi.String("EC2"),
		LaunchTemplate: &autoscaling.GroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		// A changed template (instance type, user data) replaces the one instance; with a
		// group of one that means a short egress gap, so it happens only on a deliberate
		// configuration change, never on a new AMI (see resolve:ssm above).
		InstanceRefresh: &autoscaling.GroupInstanceRefreshArgs{
			Strategy:    pulumi.String("Rolling"),
			Preferences: &autoscaling.GroupInstanceRefreshPreferencesArgs{MinHealthyPercentage: pulumi.Int(0)},
		},
		Tags: asgTags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{eip})); err != nil {
		return nil, nil, fmt.Errorf("nat instance %s auto scaling group: %w", a.az, err)
	}
	return eni, eip, nil
}

// NatInstancePolicy is the inline policy of a NAT instance role: attach the static ENI
// eniArn, and only to an instance launched with instanceProfileArn.
func NatInstancePolicy(region, accountID, eniArn, instanceProfileArn string) iamdoc.Document {
	return iamdoc.New(
		iamdoc.Statement{
			Sid:      "AttachTheStaticInterface",
			Action:   []string{"ec2:AttachNetworkInterface"},
			Resource: []string{eniArn},
		},
		iamdoc.Statement{
			Sid:       "ToThisNatInstanceOnly",
			Action:    []string{"ec2:AttachNetworkInterface"},
			Resource:  []string{"arn:aws:ec2:" + region + ":" + accountID + ":instance/*"},
			Condition: map[string]map[string]any{"ArnEquals": {"ec2:InstanceProfile": instanceProfileArn}},
		},
	)
}

// NatInstanceUserData is the cloud-init script of a NAT instance. It installs
// /usr/local/sbin/nat-instance and a systemd unit that runs it at every boot, so the
// configuration survives a reboot: attach the static ENI eniID as device index 1 unless
// it is already attached (AWS may still be releasing it from the previous instance, so
// it retries), send the default route through it, enable IP forwarding (also persisted
// in /etc/sysctl.d) and masquerade the private subnets' traffic leaving through it with
// nftables.
func NatInstanceUserData(eniID, region string, privateCidrs []string) string {
	return strings.NewReplacer(
		"@ENI_ID@", eniID,
		"@REGION@", region,
		"@PRIVATE_CIDRS@", strings.Join(privateCidrs, ", "),
	).Replace(natInstanceScript)
}

const natInstanceScript = `#!/bin/bash
# NAT instance bootstrap, run once by cloud-init. The boot-time work is in
# /usr/local/sbin/nat-instance, run by nat-instance.service at every boot.
set -euo pipefail

cat > /usr/local/sbin/nat-instance <<'SCRIPT'
#!/bin/bash
set -euo pipefail
ENI_ID=@ENI_ID@
REGION=@REGION@
PRIVATE_CIDRS="@PRIVATE_CIDRS@"

imds() { # IMDSv2: a session token first
  local token
  token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
eni_mac() { # the MAC of the static ENI if this instance has it attached
  local mac
  for mac in $(imds network/interfaces/macs/); do
    mac=${mac%/}
    if [ "$(imds "network/interfaces/macs/$mac/interface-id")" = "$ENI_ID" ]; then echo "$mac"; return 0; fi
  done
  return 1
}

instance_id=$(imds instance-id)
if ! mac=$(eni_mac); then
  for attempt in $(seq 60); do
    aws ec2 attach-network-interface --region "$REGION" --instance-id "$instance_id" \
      --network-interface-id "$ENI_ID" --device-index 1 && break
    echo "attach $ENI_ID failed (attempt $attempt); retrying" >&2
    sleep 5
  done
  until mac=$(eni_mac); do sleep 2; done
fi
dev=""
until [ -n "$dev" ] && ip -4 -o addr show dev "$dev" | grep -q inet; do
  sleep 2
  dev=$(ip -o link | awk -v m="$mac" 'index($0, m) { sub(":", "", $2); print $2; exit }')
done
gw=$(ip -4 route show default | awk '/via/ { print $3; exit }')

sysctl -q -w net.ipv4.ip_forward=1
sysctl -q -w "net.ipv4.conf.$dev.send_redirects=0"
# Egress leaves through the static ENI, whose Elastic IP is the stack's stable address.
ip route replace default via "$gw" dev "$dev" metric 1
nft -f - <<NFT
table ip nat_instance
delete table ip nat_instance
table ip nat_instance {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr { $PRIVATE_CIDRS } oifname "$dev" masquerade
  }
}
NFT
SCRIPT
chmod 0755 /usr/local/sbin/nat-instance

cat > /etc/sysctl.d/90-nat-instance.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
SYSCTL
sysctl -q -p /etc/sysctl.d/90-nat-instance.conf

cat > /etc/systemd/system/nat-instance.service <<'UNIT'
[Unit]
Description=NAT instance: static ENI, IP forwarding and masquerading
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/nat-instance

[Install]
WantedBy=multi-user.target
UNIT

command -v nft >/dev/null || dnf install -y nftables
systemctl daemon-reload
systemctl enable --now nat-instance.service
`
