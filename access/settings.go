package access

import "github.com/ecsite/infra/internal/check"

// BastionInstanceTypes lists the allowed values of bastion.instanceType: the smallest
// Graviton burstable sizes, which are all a port-forwarding host needs.
var BastionInstanceTypes = []string{"t4g.nano", "t4g.micro"}

// SSMEndpoints are the interface endpoints Session Manager needs when the private subnets
// have no NAT gateway
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html).
var SSMEndpoints = []string{"ssm", "ssmmessages", "ec2messages"}

// Settings is the optional Session Manager port-forwarding host for database access;
// key "bastion".
type Settings struct {
	// Enabled creates the bastion. Optional. Defaults to false.
	Enabled bool `json:"enabled"`
	// InstanceType is a Graviton size from BastionInstanceTypes. Optional. Defaults to t4g.nano.
	InstanceType string `json:"instanceType"`
}

// Defaults returns the bastion defaults: off.
func Defaults() Settings {
	return Settings{Enabled: false, InstanceType: "t4g.nano"}
}

// Check records every problem of s in p, which is scoped under the "bastion" key. Whether
// the private subnets can reach Systems Manager spans the network key too; config checks it.
func (s Settings) Check(p *check.Problems) {
	p.Allowed("instanceType", s.InstanceType, BastionInstanceTypes)
}
