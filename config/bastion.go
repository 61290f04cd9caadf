package config

import (
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// BastionInstanceTypes lists the allowed values of bastion.instanceType: the smallest
// Graviton burstable sizes, which are all a port-forwarding host needs.
var BastionInstanceTypes = []string{"t4g.nano", "t4g.micro"}

// SSMEndpoints are the interface endpoints Session Manager needs when the private subnets
// have no NAT gateway
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html).
var SSMEndpoints = []string{"ssm", "ssmmessages", "ec2messages"}

// Bastion is the optional Session Manager port-forwarding host for database access;
// key "bastion".
type Bastion struct {
	// Enabled creates the bastion. Optional. Defaults to false.
	Enabled bool `json:"enabled"`
	// InstanceType is a Graviton size from BastionInstanceTypes. Optional. Defaults to t4g.nano.
	InstanceType string `json:"instanceType"`
}

// DefaultBastion returns the bastion defaults: off.
func DefaultBastion() Bastion {
	return Bastion{Enabled: false, InstanceType: "t4g.nano"}
}

// loadBastion reads the bastion key and, when it is enabled, checks that the private
// subnets can reach Systems Manager: through a NAT gateway or the three endpoints.
func loadBastion(r reader, n Network) Bastion {
	b := DefaultBastion()
	r.object("bastion", &b)
	p := r.p
	if !check.OneOf(b.InstanceType, BastionInstanceTypes) {
		p.Addf("bastion.instanceType", "%q is not allowed; use one of %s", b.InstanceType, strings.Join(BastionInstanceTypes, ", "))
	}
	if !b.Enabled || n.NatGateways != NatNone {
		return b
	}
	var missing []string
	for _, s := range SSMEndpoints {
		if !n.HasInterfaceEndpoint(s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		p.Addf("bastion.enabled", "true needs a path to Systems Manager from the private subnets: network.natGateways is %q and network.interfaceEndpoints lacks %s (set natGateways to single or onePerAz, or add %s)",
			n.NatGateways, strings.Join(missing, ", "), strings.Join(SSMEndpoints, ", "))
	}
	return b
}
