package network_test

import (
	"reflect"
	"sort"
	"testing"

	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/internal/pulumitest"
	"github.com/ecsite/infra/network"
)

func TestNatGatewaysPerStack(t *testing.T) {
	want := map[string]int{"dev": 1, "prod": 2}
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, pulumitest.Options{})
			nats := r.ByType(programtest.TypeNatGateway)
			if len(nats) != want[stack] {
				t.Fatalf("%d NAT gateways; want %d", len(nats), want[stack])
			}
			if eips := r.ByType("aws:ec2/eip:Eip"); len(eips) != len(nats) {
				t.Errorf("%d EIPs for %d NAT gateways", len(eips), len(nats))
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
			r := programtest.MustRun(t, stack, pulumitest.Options{})
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
			cfg := programtest.Config(t, stack, pulumitest.Options{})
			r := programtest.MustRun(t, stack, pulumitest.Options{})
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

// natAZ follows a private subnet's route table to the NAT gateway of its default route
// and returns that gateway's AZ ("" when the subnet has no default route).
func natAZ(t *testing.T, r programtest.Result, subnet *pulumitest.Resource) string {
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
		nat := r.ByID(route.In("natGatewayId").Str())
		if nat == nil {
			t.Fatalf("%s: default route to unknown target", subnet.Name)
		}
		az = r.ByID(nat.In("subnetId").Str()).In("availabilityZone").Str()
	}
	return az
}

func TestPrivateSubnetsRouteThroughNat(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, pulumitest.Options{})
			r := programtest.MustRun(t, stack, pulumitest.Options{})
			for _, az := range cfg.Network.AvailabilityZones {
				sub := r.Named(programtest.TypeSubnet, cfg.Prefix()+"-private-"+az)
				want := az
				if cfg.Network.NatGateways == network.NatSingle {
					want = cfg.Network.AvailabilityZones[0]
				}
				if got := natAZ(t, r, sub); got != want {
					t.Errorf("%s routes through the NAT in %q; want %q", sub.Name, got, want)
				}
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		opts := pulumitest.Options{Config: map[string]string{
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
			cfg := programtest.Config(t, stack, pulumitest.Options{})
			r := programtest.MustRun(t, stack, pulumitest.Options{})
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
		opts := pulumitest.Options{Config: map[string]string{
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
		var rules []*pulumitest.Resource
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
			cfg := programtest.Config(t, stack, pulumitest.Options{})
			r := programtest.MustRun(t, stack, pulumitest.Options{})
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
			if trust.Statement[0].Principal["Service"] != "vpc-flow-logs.amazonaws.com" || trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"] != pulumitest.AccountID {
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
			r := programtest.MustRun(t, stack, pulumitest.Options{})
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
	r := programtest.MustRun(t, "prod", pulumitest.Options{})
	for _, kind := range []string{"public", "private"} {
		got, _ := r.Exports.Get(kind + "SubnetIds")
		want := []string{r.Named(programtest.TypeSubnet, "ecsite-prod-"+kind+"-ap-northeast-1a").ID, r.Named(programtest.TypeSubnet, "ecsite-prod-"+kind+"-ap-northeast-1c").ID}
		if !reflect.DeepEqual(got.Value, want) {
			t.Errorf("%sSubnetIds = %v; want %v", kind, got.Value, want)
		}
	}
}
