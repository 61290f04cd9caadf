package network

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// NatStrategy says how private subnets reach the internet.
type NatStrategy string

// NAT strategies.
const (
	// NatNone creates no NAT gateway: private subnets reach AWS only through VPC endpoints.
	NatNone NatStrategy = "none"
	// NatSingle creates one NAT gateway in the first AZ, shared by every private subnet.
	NatSingle NatStrategy = "single"
	// NatOnePerAz creates one NAT gateway per AZ so that losing an AZ does not cut egress.
	NatOnePerAz NatStrategy = "onePerAz"
	// NatInstance creates one self-healing NAT instance (see [NatInstanceTypes]) in the
	// first AZ, shared by every private subnet: the cheap counterpart of NatSingle.
	NatInstance NatStrategy = "instance"
	// NatInstancePerAz creates one self-healing NAT instance per AZ: the cheap counterpart
	// of NatOnePerAz.
	NatInstancePerAz NatStrategy = "instancePerAz"
)

// NatStrategies lists the allowed values of network.natGateways.
var NatStrategies = []string{string(NatNone), string(NatSingle), string(NatOnePerAz), string(NatInstance), string(NatInstancePerAz)}

// NatInstanceTypes lists the allowed values of network.natInstanceType: burstable
// Graviton types, which the arm64 Amazon Linux 2023 AMI runs on. A nano handles a dev
// stack's egress; micro and small give more baseline bandwidth and CPU credits.
var NatInstanceTypes = []string{"t4g.nano", "t4g.micro", "t4g.small"}

// InterfaceEndpointServices lists the allowed values of network.interfaceEndpoints: the
// services the containers, ECS Exec and the bastion talk to.
var InterfaceEndpointServices = []string{
	"ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "kms", "sts",
}

// TaskEndpoints are the interface endpoints every ECS task of this program needs when the
// private subnets have no NAT gateway: ECR for the image (the layers come through the S3
// gateway endpoint, which always exists), CloudWatch Logs for the awslogs driver, and SSM
// for the parameters injected as secrets. Without them tasks never start
// (https://repost.aws/knowledge-center/ecs-fargate-docker-timeout-error,
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html).
var TaskEndpoints = []string{"ecr.api", "ecr.dkr", "logs", "ssm"}

// Settings is the VPC layout; key "network".
type Settings struct {
	// VpcCidr is the VPC's IPv4 range. Optional. Defaults to 10.0.0.0/16.
	VpcCidr string `json:"vpcCidr"`
	// AvailabilityZones are pinned, not looked up. Optional. Defaults to ap-northeast-1a and ap-northeast-1c.
	AvailabilityZones []string `json:"availabilityZones"`
	// PublicSubnetCidrs has one range per AZ, in AZ order. Optional. Defaults to 10.0.1.0/24, 10.0.2.0/24.
	PublicSubnetCidrs []string `json:"publicSubnetCidrs"`
	// PrivateSubnetCidrs has one range per AZ, in AZ order. Optional. Defaults to 10.0.11.0/24, 10.0.12.0/24.
	PrivateSubnetCidrs []string `json:"privateSubnetCidrs"`
	// NatGateways is the NAT strategy: managed NAT gateways (single, onePerAz), NAT
	// instances (instance, instancePerAz) or none. Optional. Defaults to onePerAz.
	NatGateways NatStrategy `json:"natGateways"`
	// NatInstanceType is the EC2 type of the NAT instances; used only by the instance
	// strategies. Optional. Defaults to t4g.nano.
	NatInstanceType string `json:"natInstanceType"`
	// InterfaceEndpoints are the interface VPC endpoints to create. Optional. Defaults to none.
	InterfaceEndpoints []string `json:"interfaceEndpoints"`
	// FlowLogRetentionDays is the retention of the VPC flow log group. Optional. Defaults to 90.
	FlowLogRetentionDays int `json:"flowLogRetentionDays"`
}

// Defaults returns the production-safe network defaults.
func Defaults() Settings {
	return Settings{
		VpcCidr:              "10.0.0.0/16",
		AvailabilityZones:    []string{"ap-northeast-1a", "ap-northeast-1c"},
		PublicSubnetCidrs:    []string{"10.0.1.0/24", "10.0.2.0/24"},
		PrivateSubnetCidrs:   []string{"10.0.11.0/24", "10.0.12.0/24"},
		NatGateways:          NatOnePerAz,
		NatInstanceType:      "t4g.nano",
		InterfaceEndpoints:   []string{},
		FlowLogRetentionDays: 90,
	}
}

// NatGatewayAZs returns the AZs that get a managed NAT gateway, in AZ order.
func (n Settings) NatGatewayAZs() []string {
	switch n.NatGateways {
	case NatSingle:
		return n.AvailabilityZones[:1]
	case NatOnePerAz:
		return n.AvailabilityZones
	default:
		return nil
	}
}

// NatInstanceAZs returns the AZs that get a NAT instance, in AZ order.
func (n Settings) NatInstanceAZs() []string {
	switch n.NatGateways {
	case NatInstance:
		return n.AvailabilityZones[:1]
	case NatInstancePerAz:
		return n.AvailabilityZones
	default:
		return nil
	}
}

// HasNat reports whether the private subnets have a default route to the internet,
// through NAT gateways or NAT instances.
func (n Settings) HasNat() bool { return n.NatGateways != NatNone }

// UsesNatInstances reports whether the strategy is one of the NAT instance strategies.
func (n Settings) UsesNatInstances() bool {
	return n.NatGateways == NatInstance || n.NatGateways == NatInstancePerAz
}

// HasInterfaceEndpoint reports whether the interface endpoint for service is configured.
func (n Settings) HasInterfaceEndpoint(service string) bool {
	return check.OneOf(service, n.InterfaceEndpoints)
}

var azPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$`)

// AWS allows VPC and subnet IPv4 blocks between /16 and /28
// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
const minPrefixBits, maxPrefixBits = 16, 28

// Check records every problem of n in p, which is scoped under the "network" key. The
// availability zones must be in region unless it is empty (unset).
func (n Settings) Check(p *check.Problems, region string) {
	p.Allowed("natGateways", string(n.NatGateways), NatStrategies)
	p.Allowed("natInstanceType", n.NatInstanceType, NatInstanceTypes)
	p.Retention("flowLogRetentionDays", n.FlowLogRetentionDays)
	seenEndpoint := map[string]bool{}
	for i, s := range n.InterfaceEndpoints {
		key := fmt.Sprintf("interfaceEndpoints[%d]", i)
		switch {
		case !check.OneOf(s, InterfaceEndpointServices):
			p.Addf(key, "%q is not a supported endpoint service; use any of %s", s, strings.Join(InterfaceEndpointServices, ", "))
		case seenEndpoint[s]:
			p.Addf(key, "%q is listed twice", s)
		}
		seenEndpoint[s] = true
	}

	if n.NatGateways == NatNone {
		var missing []string
		for _, s := range TaskEndpoints {
			if !n.HasInterfaceEndpoint(s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			p.Addf("interfaceEndpoints", "[%s] lacks %s, which ECS tasks need to start when network.natGateways is %q (image pulls, logs, SSM secrets); add them or use single, onePerAz, instance or instancePerAz",
				strings.Join(n.InterfaceEndpoints, ", "), strings.Join(missing, ", "), n.NatGateways)
		}
	}

	// Availability zones: pinned, distinct, in the configured region, at least two
	// (the ALB and the Aurora subnet group both need subnets in two AZs).
	if len(n.AvailabilityZones) < 2 || len(n.AvailabilityZones) > 6 {
		p.Addf("availabilityZones", "has %d zones; list 2 to 6 (the ALB and Aurora need at least two)", len(n.AvailabilityZones))
	}
	seenAZ := map[string]bool{}
	for i, az := range n.AvailabilityZones {
		key := fmt.Sprintf("availabilityZones[%d]", i)
		switch {
		case !azPattern.MatchString(az):
			p.Addf(key, "%q is not an availability zone name such as ap-northeast-1a", az)
		case region != "" && (!strings.HasPrefix(az, region) || len(az) != len(region)+1):
			p.Addf(key, "%q is not in region %s", az, region)
		case seenAZ[az]:
			p.Addf(key, "%q is listed twice", az)
		}
		seenAZ[az] = true
	}

	vpc, vpcOK := parseCIDR(p, "vpcCidr", n.VpcCidr)
	type subnet struct {
		key    string
		prefix netip.Prefix
	}
	var subnets []subnet
	for _, kind := range []struct {
		key   string
		cidrs []string
	}{{"publicSubnetCidrs", n.PublicSubnetCidrs}, {"privateSubnetCidrs", n.PrivateSubnetCidrs}} {
		if len(kind.cidrs) != len(n.AvailabilityZones) {
			p.Addf(kind.key, "has %d subnets for %d availability zones; give exactly one per zone, in zone order", len(kind.cidrs), len(n.AvailabilityZones))
		}
		for i, c := range kind.cidrs {
			key := fmt.Sprintf("%s[%d]", kind.key, i)
			s, ok := parseCIDR(p, key, c)
			if !ok {
				continue
			}
			if vpcOK && (!vpc.Contains(s.Addr()) || s.Bits() < vpc.Bits()) {
				p.Addf(key, "%s is not inside the VPC range %s (network.vpcCidr)", c, vpc)
				continue
			}
			for _, other := range subnets {
				if other.prefix.Overlaps(s) {
					p.Addf(key, "%s overlaps %s (%s)", c, other.prefix, other.key)
				}
			}
			subnets = append(subnets, subnet{p.Key(key), s})
		}
	}
}

// parseCIDR parses an IPv4 block in canonical form with a prefix AWS accepts.
func parseCIDR(p *check.Problems, key, value string) (netip.Prefix, bool) {
	prefix, err := netip.ParsePrefix(value)
	switch {
	case err != nil || !prefix.Addr().Is4():
		p.Addf(key, "%q is not an IPv4 CIDR block such as 10.0.0.0/16", value)
		return netip.Prefix{}, false
	case prefix.Masked() != prefix:
		p.Addf(key, "%q has host bits set; did you mean %s?", value, prefix.Masked())
		return netip.Prefix{}, false
	case prefix.Bits() < minPrefixBits || prefix.Bits() > maxPrefixBits:
		p.Addf(key, "%q has prefix /%d; AWS allows /%d to /%d", value, prefix.Bits(), minPrefixBits, maxPrefixBits)
		return netip.Prefix{}, false
	}
	return prefix, true
}
