package network_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/network"
)

func TestNatGatewaysPerStack(t *testing.T) {
	// The committed stacks egress through NAT instances (dev one, prod one per AZ:
	// TestNatInstanceResources); the managed NAT gateways of onePerAz and single are
	// checked on prod with the strategy patched in.
	cases := []struct {
		name, stack, strategy string
		gateways, instances   int
	}{
		{"dev as committed", "dev", "", 0, 1},
		{"prod as committed", "prod", "", 0, 2},
		{"prod with onePerAz", "prod", "onePerAz", 2, 0},
		{"prod with single", "prod", "single", 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := mockengine.Options{}
			if c.strategy != "" {
				opts = programtest.Patched(t, c.stack, "network", map[string]string{"natGateways": `"` + c.strategy + `"`})
			}
			r := programtest.MustRun(t, c.stack, opts)
			nats := r.ByType(programtest.TypeNatGateway)
			if len(nats) != c.gateways {
				t.Fatalf("%d NAT gateways; want %d", len(nats), c.gateways)
			}
			if n := len(r.ByType(typeASG)); n != c.instances {
				t.Errorf("%d NAT instance groups; want %d", n, c.instances)
			}
			gatewayEIPs := 0
			var publicIPs []string
			for _, eip := range r.ByType("aws:ec2/eip:Eip") {
				if eip.In("networkInterface").Null() {
					gatewayEIPs++
				}
				publicIPs = append(publicIPs, eip.Out("publicIp").Str())
			}
			// The output egressIps names every NAT address, for partners' allow-lists.
			got, _ := r.Exports.Get("egressIps")
			egress := fmt.Sprint(got.Value)
			egress = strings.Trim(egress, "[]")
			egressList := strings.Fields(egress)
			sort.Strings(egressList)
			sort.Strings(publicIPs)
			if len(egressList) != c.gateways+c.instances || !reflect.DeepEqual(egressList, publicIPs) {
				t.Errorf("egressIps %v; want the NAT Elastic IPs %v", egressList, publicIPs)
			}
			if gatewayEIPs != len(nats) {
				t.Errorf("%d EIPs for %d NAT gateways", gatewayEIPs, len(nats))
			}
			for _, nat := range nats {
				sub := r.ByID(nat.In("subnetId").Str())
				if sub == nil || sub.Type != programtest.TypeSubnet || sub.In("mapPublicIpOnLaunch").Bool() {
					t.Errorf("NAT %s is not in one of the public subnets", nat.Name)
				} else if sub.Name[len(sub.Name)-len("ap-northeast-1a"):] != nat.Name[len(nat.Name)-len("ap-northeast-1a"):] {
					t.Errorf("NAT %s sits in subnet %s of another AZ", nat.Name, sub.Name)
				}
			}
		})
	}
}

// TestLogicalNamesAreStable pins the logical names of the stateful network resources:
// renaming one replaces it in every user's stack.
func TestLogicalNamesAreStable(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, mockengine.Options{})
			p := "ecsite-" + stack
			if r.Named("aws:ec2/vpc:Vpc", p+"-vpc") == nil {
				t.Errorf("VPC %s-vpc not found", p)
			}
			if r.Named("ecsite:network:Vpc", p) == nil {
				t.Errorf("component ecsite:network:Vpc %s not found", p)
			}
			var names []string
			for _, s := range r.ByType(programtest.TypeSubnet) {
				names = append(names, s.Name)
			}
			want := []string{p + "-private-ap-northeast-1a", p + "-private-ap-northeast-1c", p + "-public-ap-northeast-1a", p + "-public-ap-northeast-1c"}
			sort.Strings(names)
			if !reflect.DeepEqual(names, want) {
				t.Errorf("subnets %v; want %v", names, want)
			}
		})
	}
}

// TestSubnetsFollowStackFile compares the subnets with the committed stack file.
func TestSubnetsFollowStackFile(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			vpc := r.Named("aws:ec2/vpc:Vpc", cfg.Prefix()+"-vpc")
			if vpc.In("cidrBlock").Str() != cfg.Network.VpcCidr || !vpc.In("enableDnsSupport").Bool() || !vpc.In("enableDnsHostnames").Bool() {
				t.Errorf("VPC inputs %v", vpc.Inputs)
			}
			if vpc.In("tags.Name").Str() != cfg.Prefix()+"-vpc" {
				t.Errorf("VPC Name tag %q", vpc.In("tags.Name").Str())
			}
			for i, az := range cfg.Network.AvailabilityZones {
				for kind, cidrs := range map[string][]string{"public": cfg.Network.PublicSubnetCidrs, "private": cfg.Network.PrivateSubnetCidrs} {
					s := r.Named(programtest.TypeSubnet, cfg.Prefix()+"-"+kind+"-"+az)
					if s == nil {
						t.Fatalf("%s subnet in %s missing", kind, az)
					}
					if got := s.In("cidrBlock").Str(); got != cidrs[i] {
						t.Errorf("%s: cidr %s; want %s", s.Name, got, cidrs[i])
					}
					if got := s.In("availabilityZone").Str(); got != az {
						t.Errorf("%s: AZ %s; want %s", s.Name, got, az)
					}
					if s.In("vpcId").Str() != vpc.ID {
						t.Errorf("%s is not in the VPC", s.Name)
					}
				}
			}
		})
	}
}

// natAZ follows a private subnet's route table to the NAT gateway or NAT instance ENI of
// its default route and returns that target's AZ ("" when the subnet has no default
// route).
func natAZ(t *testing.T, r programtest.Result, subnet *mockengine.Resource) string {
	t.Helper()
	var rtID string
	for _, a := range r.ByType(programtest.TypeRouteTableAssociation) {
		if a.In("subnetId").Str() == subnet.ID {
			if rtID != "" {
				t.Fatalf("%s has two route table associations", subnet.Name)
			}
			rtID = a.In("routeTableId").Str()
		}
	}
	if rtID == "" {
		t.Fatalf("%s has no route table", subnet.Name)
	}
	az := ""
	for _, route := range r.ByType(programtest.TypeRoute) {
		if route.In("routeTableId").Str() != rtID || route.In("destinationCidrBlock").Str() != "0.0.0.0/0" {
			continue
		}
		if !route.In("gatewayId").Null() {
			t.Errorf("private subnet %s routes to an internet gateway", subnet.Name)
		}
		target := route.In("natGatewayId").Str()
		if target == "" {
			target = route.In("networkInterfaceId").Str()
		}
		nat := r.ByID(target)
		if nat == nil || !route.In("natGatewayId").Null() && !route.In("networkInterfaceId").Null() {
			t.Fatalf("%s: default route to unknown target or to two targets", subnet.Name)
		}
		az = r.ByID(nat.In("subnetId").Str()).In("availabilityZone").Str()
	}
	return az
}

func TestPrivateSubnetsRouteThroughNat(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			for _, az := range cfg.Network.AvailabilityZones {
				sub := r.Named(programtest.TypeSubnet, cfg.Prefix()+"-private-"+az)
				want := az
				if cfg.Network.NatGateways == network.NatSingle || cfg.Network.NatGateways == network.NatInstance {
					want = cfg.Network.AvailabilityZones[0]
				}
				if got := natAZ(t, r, sub); got != want {
					t.Errorf("%s routes through the NAT in %q; want %q", sub.Name, got, want)
				}
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		opts := mockengine.Options{Config: map[string]string{
			programtest.Key(t, "network"): programtest.Patch(t, "dev", "network", map[string]string{"natGateways": `"none"`, "interfaceEndpoints": `["ecr.api","ecr.dkr","logs","ssm"]`}),
		}}
		r := programtest.MustRun(t, "dev", opts)
		if n := len(r.ByType(programtest.TypeNatGateway)); n != 0 {
			t.Errorf("%d NAT gateways with strategy none", n)
		}
		for _, s := range r.ByType(programtest.TypeSubnet) {
			if s.In("mapPublicIpOnLaunch").Bool() {
				t.Errorf("%s maps public IPs", s.Name)
			}
			if len(s.Name) > 7 && s.Name[len("ecsite-dev-"):][:7] == "private" && natAZ(t, r, s) != "" {
				t.Errorf("%s has a default route with strategy none", s.Name)
			}
		}
	})
}

func TestEndpoints(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			s3 := r.Named(programtest.TypeVpcEndpoint, cfg.Prefix()+"-s3")
			if s3 == nil || s3.In("vpcEndpointType").Str() != "Gateway" || s3.In("serviceName").Str() != "com.amazonaws.ap-northeast-1.s3" {
				t.Fatalf("S3 gateway endpoint missing or wrong: %v", s3)
			}
			var privateRTs []string
			for _, az := range cfg.Network.AvailabilityZones {
				privateRTs = append(privateRTs, r.Named("aws:ec2/routeTable:RouteTable", cfg.Prefix()+"-private-rt-"+az).ID)
			}
			if got := s3.In("routeTableIds").Strs(); !reflect.DeepEqual(got, privateRTs) {
				t.Errorf("S3 endpoint route tables %v; want the private ones %v", got, privateRTs)
			}
			if n := len(r.ByType(programtest.TypeVpcEndpoint)) - 1; n != len(cfg.Network.InterfaceEndpoints) {
				t.Errorf("%d interface endpoints; the stack file lists %d", n, len(cfg.Network.InterfaceEndpoints))
			}
		})
	}
	t.Run("configured", func(t *testing.T) {
		services := `["ssm","ssmmessages","ec2messages","ecr.dkr"]`
		opts := mockengine.Options{Config: map[string]string{
			programtest.Key(t, "network"): programtest.Patch(t, "prod", "network", map[string]string{"interfaceEndpoints": services}),
		}}
		r := programtest.MustRun(t, "prod", opts)
		vpc := r.Named("aws:ec2/vpc:Vpc", "ecsite-prod-vpc")
		sg := r.Named("aws:ec2/securityGroup:SecurityGroup", "ecsite-prod-endpoints")
		if sg == nil {
			t.Fatal("endpoint security group missing")
		}
		var privateSubnets []string
		for _, az := range []string{"ap-northeast-1a", "ap-northeast-1c"} {
			privateSubnets = append(privateSubnets, r.Named(programtest.TypeSubnet, "ecsite-prod-private-"+az).ID)
		}
		for _, svc := range []string{"ssm", "ssmmessages", "ec2messages", "ecr-dkr"} {
			e := r.Named(programtest.TypeVpcEndpoint, "ecsite-prod-"+svc)
			if e == nil {
				t.Errorf("endpoint %s missing", svc)
				continue
			}
			if e.In("vpcEndpointType").Str() != "Interface" || !e.In("privateDnsEnabled").Bool() {
				t.Errorf("%s: want an interface endpoint with private DNS", e.Name)
			}
			if got := e.In("securityGroupIds").Strs(); !reflect.DeepEqual(got, []string{sg.ID}) {
				t.Errorf("%s: security groups %v", e.Name, got)
			}
			if got := e.In("subnetIds").Strs(); !reflect.DeepEqual(got, privateSubnets) {
				t.Errorf("%s: subnets %v; want the private subnets", e.Name, got)
			}
		}
		var rules []*mockengine.Resource
		for _, rule := range r.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
			if rule.In("securityGroupId").Str() == sg.ID {
				rules = append(rules, rule)
			}
		}
		if len(rules) != 1 {
			t.Fatalf("endpoint group has %d ingress rules; want 1", len(rules))
		}
		rule := rules[0]
		if rule.In("fromPort").Num() != 443 || rule.In("toPort").Num() != 443 || rule.In("cidrIpv4").Str() != vpc.In("cidrBlock").Str() {
			t.Errorf("endpoint ingress %v; want 443 from the VPC CIDR only", rule.Inputs)
		}
		if got, _ := r.Exports.Get("endpointSecurityGroupId"); got.Value != sg.ID {
			t.Errorf("endpointSecurityGroupId output %v; want %s", got.Value, sg.ID)
		}
	})
}

func TestFlowLogs(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			fl := r.Named("aws:ec2/flowLog:FlowLog", cfg.Prefix()+"-flow-logs")
			group := r.Named("aws:cloudwatch/logGroup:LogGroup", cfg.Prefix()+"-flow-logs")
			role := r.Named("aws:iam/role:Role", cfg.Prefix()+"-flow-logs")
			if fl == nil || group == nil || role == nil {
				t.Fatal("flow log, its group or its role is missing")
			}
			if fl.In("trafficType").Str() != "ALL" || fl.In("logDestinationType").Str() != "cloud-watch-logs" {
				t.Errorf("flow log %v; want ALL traffic to CloudWatch Logs", fl.Inputs)
			}
			if fl.In("logDestination").Str() != group.Out("arn").Str() || fl.In("iamRoleArn").Str() != role.Out("arn").Str() {
				t.Errorf("flow log is not wired to its group and role")
			}
			if fl.In("vpcId").Str() != r.Named("aws:ec2/vpc:Vpc", cfg.Prefix()+"-vpc").ID {
				t.Errorf("flow log is not on the VPC")
			}
			if got := int(group.In("retentionInDays").Num()); got != cfg.Network.FlowLogRetentionDays {
				t.Errorf("retention %d; want the stack's %d", got, cfg.Network.FlowLogRetentionDays)
			}
			var trust iamdoc.Document
			if err := role.In("assumeRolePolicy").JSON(&trust); err != nil {
				t.Fatal(err)
			}
			if trust.Statement[0].Principal["Service"] != "vpc-flow-logs.amazonaws.com" || trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"] != mockengine.AccountID {
				t.Errorf("trust policy %+v", trust)
			}
			var policy iamdoc.Document
			rp := r.Named("aws:iam/rolePolicy:RolePolicy", cfg.Prefix()+"-flow-logs")
			if err := rp.In("policy").JSON(&policy); err != nil {
				t.Fatal(err)
			}
			arn := group.Out("arn").Str()
			for _, st := range policy.Statement {
				if !reflect.DeepEqual(st.Resource, []string{arn, arn + ":*"}) {
					t.Errorf("flow-log role reaches %v; want only its group", st.Resource)
				}
				for _, a := range st.Action {
					if a == "*" || a == "logs:*" {
						t.Errorf("flow-log role has wildcard action %s", a)
					}
				}
			}
		})
	}
}

func TestDefaultSecurityGroupHasNoRules(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, mockengine.Options{})
			d := r.ByType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
			if len(d) != 1 {
				t.Fatalf("%d default security groups adopted; want 1", len(d))
			}
			if d[0].In("ingress").Len() != 0 || d[0].In("egress").Len() != 0 {
				t.Errorf("default security group keeps rules: %v", d[0].Inputs)
			}
		})
	}
}

func TestOutputsOrderedByZone(t *testing.T) {
	r := programtest.MustRun(t, "prod", mockengine.Options{})
	for _, kind := range []string{"public", "private"} {
		got, _ := r.Exports.Get(kind + "SubnetIds")
		want := []string{r.Named(programtest.TypeSubnet, "ecsite-prod-"+kind+"-ap-northeast-1a").ID, r.Named(programtest.TypeSubnet, "ecsite-prod-"+kind+"-ap-northeast-1c").ID}
		if !reflect.DeepEqual(got.Value, want) {
			t.Errorf("%sSubnetIds = %v; want %v", kind, got.Value, want)
		}
	}
}

// natInstanceRuns are the stacks that use NAT instances: dev as committed (one shared
// instance) and dev with one instance per AZ.
func natInstanceRuns(t *testing.T) map[string]mockengine.Options {
	return map[string]mockengine.Options{
		"dev":           {},
		"instancePerAz": programtest.Patched(t, "dev", "network", map[string]string{"natGateways": `"instancePerAz"`}),
	}
}

const (
	typeENI            = "aws:ec2/networkInterface:NetworkInterface"
	typeEIP            = "aws:ec2/eip:Eip"
	typeLaunchTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	typeASG            = "aws:autoscaling/group:Group"
	typeProfile        = "aws:iam/instanceProfile:InstanceProfile"
)

// TestNatInstanceResources: each AZ that gets a NAT instance has exactly one static ENI,
// Elastic IP, launch template, Auto Scaling group, role, instance profile, inline policy
// and SSM policy attachment, named after the AZ; there is no NAT gateway and one shared
// security group.
func TestNatInstanceResources(t *testing.T) {
	for run, opts := range natInstanceRuns(t) {
		t.Run(run, func(t *testing.T) {
			cfg := programtest.Config(t, "dev", opts)
			r := programtest.MustRun(t, "dev", opts)
			azs := cfg.Network.NatInstanceAZs()
			if want := map[string]int{"dev": 1, "instancePerAz": 2}[run]; len(azs) != want || !cfg.Network.UsesNatInstances() {
				t.Fatalf("strategy %q gives NAT instances in %v; want %d", cfg.Network.NatGateways, azs, want)
			}
			if n := len(r.ByType(programtest.TypeNatGateway)); n != 0 {
				t.Errorf("%d NAT gateways next to the NAT instances", n)
			}
			p := cfg.Prefix() + "-nat-instance-"
			for typ, want := range map[string]int{typeENI: len(azs), typeEIP: len(azs), typeLaunchTemplate: len(azs), typeASG: len(azs), typeProfile: len(azs)} {
				if got := len(r.ByType(typ)); got != want {
					t.Errorf("%d %s; want %d", got, typ, want)
				}
			}
			for _, az := range azs {
				for _, typ := range []string{typeENI, typeEIP, typeLaunchTemplate, typeASG, typeProfile, programtest.TypeRole} {
					if r.Named(typ, p+az) == nil {
						t.Errorf("%s %s missing", typ, p+az)
					}
				}
				if r.Named(programtest.TypeRolePolicy, p+az+"-attach-eni") == nil || r.Named(programtest.TypeRolePolicyAttachment, p+az+"-ssm-core") == nil {
					t.Errorf("%s: inline policy or SSM attachment missing", az)
				}
			}
			if r.Named(programtest.TypeSecurityGroup, cfg.Prefix()+"-nat-instance") == nil {
				t.Errorf("NAT instance security group missing")
			}
			vpc := r.Only(t, "ecsite:network:Vpc")
			for _, typ := range []string{typeENI, typeLaunchTemplate, typeASG} {
				for _, res := range r.ByType(typ) {
					if res.Parent != vpc.URN {
						t.Errorf("%s is not a child of the Vpc component", res.Name)
					}
				}
			}
		})
	}
}

// TestNatInstanceRoutes: every private route table's default route targets the static
// ENI of its own AZ's NAT instance (or of the single shared one), never a NAT gateway or
// an instance id.
func TestNatInstanceRoutes(t *testing.T) {
	for run, opts := range natInstanceRuns(t) {
		t.Run(run, func(t *testing.T) {
			cfg := programtest.Config(t, "dev", opts)
			r := programtest.MustRun(t, "dev", opts)
			for _, az := range cfg.Network.AvailabilityZones {
				rt := r.Named("aws:ec2/routeTable:RouteTable", cfg.Prefix()+"-private-rt-"+az)
				want := az
				if cfg.Network.NatGateways == network.NatInstance {
					want = cfg.Network.AvailabilityZones[0]
				}
				eni := r.Named(typeENI, cfg.Prefix()+"-nat-instance-"+want)
				var defaults []*mockengine.Resource
				for _, route := range r.ByType(programtest.TypeRoute) {
					if route.In("routeTableId").Str() == rt.ID && route.In("destinationCidrBlock").Str() == "0.0.0.0/0" {
						defaults = append(defaults, route)
					}
				}
				if len(defaults) != 1 {
					t.Fatalf("%s has %d default routes; want 1", rt.Name, len(defaults))
				}
				d := defaults[0]
				if d.In("networkInterfaceId").Str() != eni.ID {
					t.Errorf("%s routes to %q; want the ENI %s of the NAT instance in %s", rt.Name, d.In("networkInterfaceId").Str(), eni.ID, want)
				}
				for _, other := range []string{"natGatewayId", "gatewayId", "instanceId"} {
					if !d.In(other).Null() {
						t.Errorf("%s: default route also sets %s", rt.Name, other)
					}
				}
			}
		})
	}
}

// TestNatInstanceSecurityGroup: the group admits all traffic from the private subnets'
// CIDRs and nothing else (no internet, no IPv6, no other group), allows all egress, and
// is the only group of the ENIs and of the instances' primary interfaces.
func TestNatInstanceSecurityGroup(t *testing.T) {
	for run, opts := range natInstanceRuns(t) {
		t.Run(run, func(t *testing.T) {
			cfg := programtest.Config(t, "dev", opts)
			r := programtest.MustRun(t, "dev", opts)
			sg := r.Named(programtest.TypeSecurityGroup, cfg.Prefix()+"-nat-instance")
			if sg == nil {
				t.Fatal("NAT instance security group missing")
			}
			if sg.In("ingress").Len() > 0 || sg.In("egress").Len() > 0 {
				t.Errorf("inline rules on the NAT group: %v", sg.Inputs)
			}
			var cidrs []string
			for _, in := range r.ByType(programtest.TypeIngress) {
				if in.In("securityGroupId").Str() != sg.ID {
					continue
				}
				if in.In("ipProtocol").Str() != "-1" || !in.In("cidrIpv6").Null() || !in.In("referencedSecurityGroupId").Null() || !in.In("prefixListId").Null() {
					t.Errorf("ingress %s: %v; want all traffic from one IPv4 CIDR", in.Name, in.Inputs)
				}
				cidrs = append(cidrs, in.In("cidrIpv4").Str())
			}
			sort.Strings(cidrs)
			want := append([]string(nil), cfg.Network.PrivateSubnetCidrs...)
			sort.Strings(want)
			if !reflect.DeepEqual(cidrs, want) {
				t.Errorf("NAT group admits %v; want exactly the private subnets %v", cidrs, want)
			}
			var egress []string
			for _, e := range r.ByType(programtest.TypeEgress) {
				if e.In("securityGroupId").Str() == sg.ID {
					egress = append(egress, e.In("ipProtocol").Str()+" "+e.In("cidrIpv4").Str())
				}
			}
			if !reflect.DeepEqual(egress, []string{"-1 0.0.0.0/0"}) {
				t.Errorf("NAT group egress %v; want all traffic anywhere", egress)
			}
			for _, eni := range r.ByType(typeENI) {
				if got := eni.In("securityGroups").Strs(); !reflect.DeepEqual(got, []string{sg.ID}) {
					t.Errorf("%s: security groups %v; want only the NAT group", eni.Name, got)
				}
			}
			for _, lt := range r.ByType(typeLaunchTemplate) {
				if got := lt.In("networkInterfaces[0].securityGroups").Strs(); !reflect.DeepEqual(got, []string{sg.ID}) || lt.In("vpcSecurityGroupIds").Len() > 0 {
					t.Errorf("%s: security groups %v; want only the NAT group", lt.Name, got)
				}
			}
		})
	}
}

// TestNatInstanceInterfaceAndAddress: each static ENI sits in its AZ's public subnet with
// source/destination checking off, and carries its Elastic IP (the stable egress
// address).
func TestNatInstanceInterfaceAndAddress(t *testing.T) {
	for run, opts := range natInstanceRuns(t) {
		t.Run(run, func(t *testing.T) {
			cfg := programtest.Config(t, "dev", opts)
			r := programtest.MustRun(t, "dev", opts)
			for _, az := range cfg.Network.NatInstanceAZs() {
				eni := r.Named(typeENI, cfg.Prefix()+"-nat-instance-"+az)
				if v := eni.In("sourceDestCheck"); v.Null() || v.Bool() {
					t.Errorf("%s: sourceDestCheck %v; want an explicit false", eni.Name, v.Plain())
				}
				if eni.In("subnetId").Str() != r.Named(programtest.TypeSubnet, cfg.Prefix()+"-public-"+az).ID {
					t.Errorf("%s is not in the public subnet of %s", eni.Name, az)
				}
				eip := r.Named(typeEIP, cfg.Prefix()+"-nat-instance-"+az)
				if eip.In("networkInterface").Str() != eni.ID || eip.In("domain").Str() != "vpc" || !eip.In("instance").Null() {
					t.Errorf("%s: %v; want a VPC address on the ENI, not on an instance", eip.Name, eip.Inputs)
				}
			}
		})
	}
}

// TestNatInstanceLaunchTemplate: IMDSv2 only, an encrypted gp3 root volume, no key pair,
// the arm64 Amazon Linux 2023 AMI resolved by EC2 at launch, the configured Graviton type,
// the NAT's instance profile, and user data that attaches the ENI, forwards and
// masquerades, persisted across reboots.
func TestNatInstanceLaunchTemplate(t *testing.T) {
	for run, opts := range natInstanceRuns(t) {
		t.Run(run, func(t *testing.T) {
			cfg := programtest.Config(t, "dev", opts)
			r := programtest.MustRun(t, "dev", opts)
			for _, az := range cfg.Network.NatInstanceAZs() {
				name := cfg.Prefix() + "-nat-instance-" + az
				lt := r.Named(typeLaunchTemplate, name)
				if got := lt.In("metadataOptions.httpTokens").Str(); got != "required" {
					t.Errorf("%s: httpTokens %q; want required (IMDSv2 only)", name, got)
				}
				if got := lt.In("metadataOptions.httpEndpoint").Str(); got != "enabled" {
					t.Errorf("%s: httpEndpoint %q; the user data needs the metadata service", name, got)
				}
				if lt.In("blockDeviceMappings").Len() != 1 {
					t.Fatalf("%s: %d block devices; want the root volume only", name, lt.In("blockDeviceMappings").Len())
				}
				ebs := "blockDeviceMappings[0].ebs."
				if lt.In(ebs+"encrypted").Str() != "true" || lt.In(ebs+"volumeType").Str() != "gp3" || lt.In("blockDeviceMappings[0].deviceName").Str() != "/dev/xvda" {
					t.Errorf("%s: root volume %v; want an encrypted gp3 /dev/xvda", name, lt.In("blockDeviceMappings[0]").Plain())
				}
				if !lt.In("keyName").Null() {
					t.Errorf("%s: key pair %q; Session Manager needs none", name, lt.In("keyName").Str())
				}
				if got := lt.In("imageId").Str(); got != "resolve:ssm:"+network.NatInstanceAMIParameter {
					t.Errorf("%s: imageId %q; want the resolve:ssm reference to %s", name, got, network.NatInstanceAMIParameter)
				}
				if got := lt.In("instanceType").Str(); got != cfg.Network.NatInstanceType || got != "t4g.nano" {
					t.Errorf("%s: instance type %q; want dev's %s", name, got, cfg.Network.NatInstanceType)
				}
				if lt.In("networkInterfaces").Len() != 1 || lt.In("networkInterfaces[0].deviceIndex").Num() != 0 || !lt.In("networkInterfaces[0].networkInterfaceId").Null() {
					t.Errorf("%s: network interfaces %v; want one new primary interface", name, lt.In("networkInterfaces").Plain())
				}
				if got, want := lt.In("iamInstanceProfile.arn").Str(), r.Named(typeProfile, name).Out("arn").Str(); got != want || want == "" {
					t.Errorf("%s: instance profile %q; want %q", name, got, want)
				}
				raw, err := base64.StdEncoding.DecodeString(lt.In("userData").Str())
				if err != nil {
					t.Fatalf("%s: user data is not base64: %v", name, err)
				}
				ud := string(raw)
				eni := r.Named(typeENI, name)
				for _, want := range []string{
					"ENI_ID=" + eni.ID,
					"aws ec2 attach-network-interface",
					"--device-index 1",
					"X-aws-ec2-metadata-token", // IMDSv2 calls
					"sysctl -q -w net.ipv4.ip_forward=1",
					"net.ipv4.ip_forward = 1", // persisted in /etc/sysctl.d
					"/etc/sysctl.d/90-nat-instance.conf",
					"send_redirects=0",
					"type nat hook postrouting",
					"masquerade",
					`PRIVATE_CIDRS="` + strings.Join(cfg.Network.PrivateSubnetCidrs, ", ") + `"`,
					"ip route replace default",
					"systemctl enable --now nat-instance.service", // re-applied at every boot
					"WantedBy=multi-user.target",
				} {
					if !strings.Contains(ud, want) {
						t.Errorf("%s: user data lacks %q", name, want)
					}
				}
			}
		})
	}
}

// TestNatInstanceAutoScalingGroup: a group of exactly one per NAT instance, in its AZ's
// public subnet, launching the NAT's own template.
func TestNatInstanceAutoScalingGroup(t *testing.T) {
	for run, opts := range natInstanceRuns(t) {
		t.Run(run, func(t *testing.T) {
			cfg := programtest.Config(t, "dev", opts)
			r := programtest.MustRun(t, "dev", opts)
			for _, az := range cfg.Network.NatInstanceAZs() {
				name := cfg.Prefix() + "-nat-instance-" + az
				g := r.Named(typeASG, name)
				if g.In("minSize").Num() != 1 || g.In("maxSize").Num() != 1 || g.In("desiredCapacity").Num() != 1 {
					t.Errorf("%s: min %v max %v desired %v; want 1, 1, 1", name, g.In("minSize").Num(), g.In("maxSize").Num(), g.In("desiredCapacity").Num())
				}
				if got := g.In("vpcZoneIdentifiers").Strs(); !reflect.DeepEqual(got, []string{r.Named(programtest.TypeSubnet, cfg.Prefix()+"-public-"+az).ID}) {
					t.Errorf("%s: subnets %v; want the public subnet of %s only", name, got, az)
				}
				if g.In("launchTemplate.id").Str() != r.Named(typeLaunchTemplate, name).ID {
					t.Errorf("%s does not launch its own template", name)
				}
				if g.In("launchConfiguration").Str() != "" || !g.In("mixedInstancesPolicy").Null() {
					t.Errorf("%s: launch configuration or mixed instances policy set", name)
				}
			}
		})
	}
}

// TestNatInstanceRolePolicy: the role is trusted by EC2 only, holds the SSM core policy
// and an inline policy that may only attach that AZ's ENI, to an instance carrying that
// NAT's instance profile. No route-table or wildcard permission.
func TestNatInstanceRolePolicy(t *testing.T) {
	for run, opts := range natInstanceRuns(t) {
		t.Run(run, func(t *testing.T) {
			cfg := programtest.Config(t, "dev", opts)
			r := programtest.MustRun(t, "dev", opts)
			for _, az := range cfg.Network.NatInstanceAZs() {
				name := cfg.Prefix() + "-nat-instance-" + az
				role := r.Named(programtest.TypeRole, name)
				var trust iamdoc.Document
				if err := role.In("assumeRolePolicy").JSON(&trust); err != nil {
					t.Fatal(err)
				}
				if len(trust.Statement) != 1 || trust.Statement[0].Principal["Service"] != "ec2.amazonaws.com" {
					t.Errorf("%s: trust %+v; want EC2 only", name, trust)
				}
				var attached []string
				for _, a := range r.ByType(programtest.TypeRolePolicyAttachment) {
					if a.In("role").Str() == role.Out("name").Str() {
						attached = append(attached, a.In("policyArn").Str())
					}
				}
				if !reflect.DeepEqual(attached, []string{network.NatInstanceSSMPolicy}) {
					t.Errorf("%s: managed policies %v; want only %s", name, attached, network.NatInstanceSSMPolicy)
				}
				var inline []*mockengine.Resource
				for _, p := range r.ByType(programtest.TypeRolePolicy) {
					if p.In("role").Str() == role.ID {
						inline = append(inline, p)
					}
				}
				if len(inline) != 1 {
					t.Fatalf("%s: %d inline policies; want 1", name, len(inline))
				}
				var doc iamdoc.Document
				if err := inline[0].In("policy").JSON(&doc); err != nil {
					t.Fatal(err)
				}
				eniArn := r.Named(typeENI, name).Out("arn").Str()
				profileArn := r.Named(typeProfile, name).Out("arn").Str()
				instances := "arn:aws:ec2:ap-northeast-1:" + mockengine.AccountID + ":instance/*"
				want := network.NatInstancePolicy("ap-northeast-1", mockengine.AccountID, eniArn, profileArn)
				if !reflect.DeepEqual(doc, want) {
					t.Errorf("%s: policy %+v; want %+v", name, doc, want)
				}
				for _, st := range doc.Statement {
					if st.Effect != "Allow" || !reflect.DeepEqual(st.Action, []string{"ec2:AttachNetworkInterface"}) {
						t.Errorf("%s: statement %+v; want only ec2:AttachNetworkInterface", name, st)
					}
					switch {
					case reflect.DeepEqual(st.Resource, []string{eniArn}) && eniArn != "":
					case reflect.DeepEqual(st.Resource, []string{instances}) && st.Condition["ArnEquals"]["ec2:InstanceProfile"] == profileArn && profileArn != "":
					default:
						t.Errorf("%s: statement reaches %v (condition %v); want this ENI, or instances with this profile", name, st.Resource, st.Condition)
					}
				}
			}
		})
	}
}

// TestNatInstanceUserDataIsValidShell parses the user data and the boot script it
// installs with bash -n, and runs shellcheck on both when it is installed.
func TestNatInstanceUserDataIsValidShell(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	ud := network.NatInstanceUserData("eni-0123456789abcdef0", "ap-northeast-1", []string{"10.0.11.0/24", "10.0.12.0/24"})
	_, rest, ok := strings.Cut(ud, "<<'SCRIPT'\n")
	inner, _, ok2 := strings.Cut(rest, "\nSCRIPT\n")
	if !ok || !ok2 {
		t.Fatal("user data does not embed the boot script between <<'SCRIPT' and SCRIPT")
	}
	dir := t.TempDir()
	scripts := map[string]string{"user-data.sh": ud, "nat-instance.sh": inner}
	for name, body := range scripts {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bash, "-n", path).CombinedOutput(); err != nil {
			t.Errorf("%s: bash -n: %v\n%s", name, err, out)
		}
		if sc, err := exec.LookPath("shellcheck"); err == nil {
			if out, err := exec.Command(sc, "-s", "bash", path).CombinedOutput(); err != nil {
				t.Errorf("%s: shellcheck: %v\n%s", name, err, out)
			}
		}
	}
}
