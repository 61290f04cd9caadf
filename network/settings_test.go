package network_test

import (
	"testing"

	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/network"
)

// TestSettingsCheck feeds the settings check each value AWS or the program refuses, over
// the code defaults, and wants a problem at the named key. The whole-program tests in
// program/ show that such a problem stops the stack before any resource is registered.
func TestSettingsCheck(t *testing.T) {
	programtest.CheckSettings(t, "network", network.Defaults, func(s network.Settings, p *check.Problems) { s.Check(p, "ap-northeast-1") }, []programtest.SettingsCase{
		{"vpc cidr with host bits", `{"vpcCidr":"10.0.0.1/16"}`, "network.vpcCidr"},
		{"vpc cidr larger than AWS allows", `{"vpcCidr":"10.0.0.0/8"}`, "network.vpcCidr"},
		{"subnet outside the vpc", `{"publicSubnetCidrs":["10.1.1.0/24","10.0.2.0/24"]}`, "network.publicSubnetCidrs[0]"},
		{"private subnet overlaps a public one", `{"privateSubnetCidrs":["10.0.1.128/25","10.0.12.0/24"]}`, "network.privateSubnetCidrs[0]"},
		{"fewer subnets than zones", `{"publicSubnetCidrs":["10.0.1.0/24"]}`, "network.publicSubnetCidrs"},
		{"more subnets than zones", `{"privateSubnetCidrs":["10.0.11.0/24","10.0.12.0/24","10.0.13.0/24"]}`, "network.privateSubnetCidrs"},
		{"unknown nat strategy", `{"natGateways":"both"}`, "network.natGateways"},
		{"nat instance type that is not a small Graviton", `{"natGateways":"instance","natInstanceType":"t3.nano"}`, "network.natInstanceType"},
		{"nat instance type too large", `{"natInstanceType":"m7g.large"}`, "network.natInstanceType"},
		{"nat instance type empty", `{"natInstanceType":""}`, "network.natInstanceType"},
		{"unknown endpoint service", `{"interfaceEndpoints":["s3"]}`, "network.interfaceEndpoints[0]"},
		{"endpoint listed twice", `{"interfaceEndpoints":["ssm","ssm"]}`, "network.interfaceEndpoints[1]"},
		{"no NAT and no path to ECR, logs and SSM", `{"natGateways":"none","interfaceEndpoints":["ecr.api","ecr.dkr","logs"]}`, "network.interfaceEndpoints"},
		{"retention CloudWatch does not offer", `{"flowLogRetentionDays":10}`, "network.flowLogRetentionDays"},
		{"retention never-expire", `{"flowLogRetentionDays":0}`, "network.flowLogRetentionDays"},
		{"zone in another region", `{"availabilityZones":["ap-northeast-1a","us-east-1a"]}`, "network.availabilityZones[1]"},
		{"single zone", `{"availabilityZones":["ap-northeast-1a"],"publicSubnetCidrs":["10.0.1.0/24"],"privateSubnetCidrs":["10.0.11.0/24"]}`, "network.availabilityZones"},
		{"zone listed twice", `{"availabilityZones":["ap-northeast-1a","ap-northeast-1a"]}`, "network.availabilityZones[1]"},
	})
}
