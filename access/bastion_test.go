package access_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/access"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

func TestBastionIsOffByDefault(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			cfg := programtest.Config(t, stack, mockengine.Options{})
			r := programtest.MustRun(t, stack, mockengine.Options{})
			if cfg.Bastion.Enabled {
				t.Errorf("the stack file enables the bastion; it is off unless someone needs it")
			}
			if n := len(r.ByType("ecsite:access:Bastion")) + len(r.ByType(programtest.TypeEC2Instance)); n != 0 {
				t.Errorf("%d bastion resources with the bastion off", n)
			}
			if _, ok := r.Exports.Get("bastionStartSessionCommand"); ok {
				t.Errorf("start-session command exported without a bastion")
			}
		})
	}
}

func TestBastionWhenEnabled(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			opts := programtest.Patched(t, stack, "bastion", map[string]string{"enabled": "true"})
			cfg := programtest.Config(t, stack, opts)
			r := programtest.MustRun(t, stack, opts)
			vm := r.Only(t, programtest.TypeEC2Instance)
			provider := r.Named("pulumi:providers:aws", "aws")
			if provider == nil {
				t.Fatal("no stack provider \"aws\"")
			}
			children := r.Children(r.Only(t, "ecsite:access:Bastion").URN)
			if len(children) < 6 {
				t.Errorf("the bastion component has %d children", len(children))
			}
			for _, res := range children {
				if res.Provider != provider.URN+"::"+provider.ID {
					t.Errorf("%s does not use the stack's provider", res.Name)
				}
			}

			if vm.In("instanceType").Str() != cfg.Bastion.InstanceType || !strings.HasPrefix(cfg.Bastion.InstanceType, "t4g.") {
				t.Errorf("instance type %q; want the configured Graviton %q", vm.In("instanceType").Str(), cfg.Bastion.InstanceType)
			}
			if vm.In("associatePublicIpAddress").Bool() || vm.In("associatePublicIpAddress").Null() {
				t.Errorf("associatePublicIpAddress %v; want an explicit false", vm.In("associatePublicIpAddress").Plain())
			}
			if !vm.In("keyName").Null() {
				t.Errorf("key pair %q; Session Manager needs none", vm.In("keyName").Str())
			}
			if vm.In("metadataOptions.httpTokens").Str() != "required" {
				t.Errorf("IMDS tokens %q; want required (IMDSv2 only)", vm.In("metadataOptions.httpTokens").Str())
			}
			if !vm.In("rootBlockDevice.encrypted").Bool() {
				t.Errorf("root volume not encrypted")
			}
			if !reflect.DeepEqual(vm.IgnoreChanges, []string{"ami"}) {
				t.Errorf("ignoreChanges %v; want [ami] so a new AMI release does not replace the instance", vm.IgnoreChanges)
			}
			looked := false
			for _, c := range r.Calls() {
				if c.Token == "aws:ssm/getParameter:getParameter" && c.Args["name"].StringValue() == access.AMIParameter {
					looked = true
				}
			}
			if !looked || !strings.HasPrefix(vm.In("ami").Str(), "ami-") {
				t.Errorf("AMI %q not resolved from %s", vm.In("ami").Str(), access.AMIParameter)
			}
			if sub := r.ByID(vm.In("subnetId").Str()); sub == nil || sub.Type != programtest.TypeSubnet || !strings.Contains(sub.Name, "-private-") {
				t.Errorf("instance is not in a private subnet: %q", vm.In("subnetId").Str())
			}

			sgs := vm.In("vpcSecurityGroupIds").Strs()
			if len(sgs) != 1 {
				t.Fatalf("security groups %v; want one", sgs)
			}
			sg := r.ByID(sgs[0])
			if sg == nil || sg.Type != programtest.TypeSecurityGroup || !sg.In("ingress").Null() && sg.In("ingress").Len() > 0 {
				t.Fatalf("bastion security group missing or with inline ingress")
			}
			for _, in := range r.ByType(programtest.TypeIngress) {
				if in.In("securityGroupId").Str() == sg.ID {
					t.Errorf("ingress rule %s opens the bastion", in.Name)
				}
			}
			vpcCidr := r.Only(t, "aws:ec2/vpc:Vpc").In("cidrBlock").Str()
			var egress []string
			for _, e := range r.ByType(programtest.TypeEgress) {
				if e.In("securityGroupId").Str() == sg.ID {
					egress = append(egress, fmt.Sprintf("%s %v %s", e.In("ipProtocol").Str(), e.In("fromPort").Num(), e.In("cidrIpv4").Str()))
				}
			}
			sort.Strings(egress)
			if want := []string{"tcp 443 0.0.0.0/0", "tcp 5432 " + vpcCidr}; !reflect.DeepEqual(egress, want) {
				t.Errorf("bastion egress %v; want %v", egress, want)
			}

			// The database admits the bastion on 5432.
			dbSG, _ := r.Exports.Get("dbSecurityGroupId")
			admitted := false
			for _, in := range r.ByType(programtest.TypeIngress) {
				if in.In("referencedSecurityGroupId").Str() == sg.ID && in.In("securityGroupId").Str() == dbSG.Value && in.In("fromPort").Num() == 5432 {
					admitted = true
				}
			}
			if !admitted {
				t.Errorf("the database security group does not admit the bastion on 5432")
			}

			// The role has the SSM managed-instance policy and nothing else.
			profile := r.ByID(vm.In("iamInstanceProfile").Str())
			if profile == nil || profile.Type != "aws:iam/instanceProfile:InstanceProfile" {
				t.Fatalf("instance profile %q not found", vm.In("iamInstanceProfile").Str())
			}
			role := profile.In("role").Str()
			var policies []string
			for _, a := range r.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
				if a.In("role").Str() == role {
					policies = append(policies, a.In("policyArn").Str())
				}
			}
			for _, p := range r.ByType("aws:iam/rolePolicy:RolePolicy") {
				if p.In("role").Str() == role {
					policies = append(policies, "inline:"+p.Name)
				}
			}
			if !reflect.DeepEqual(policies, []string{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}) {
				t.Errorf("bastion role policies %v; want only AmazonSSMManagedInstanceCore", policies)
			}

			writer := r.Only(t, programtest.TypeDBCluster).Out("endpoint").Str()
			want := "aws ssm start-session --target " + vm.ID +
				" --document-name AWS-StartPortForwardingSessionToRemoteHost" +
				` --parameters '{"host":["` + writer + `"],"portNumber":["5432"],"localPortNumber":["5432"]}'` +
				" --region " + cfg.Region
			if got, ok := r.Exports.Get("bastionStartSessionCommand"); !ok || got.Value != want {
				t.Errorf("start-session command\n%v\nwant\n%s", got.Value, want)
			}
			checkShellWords(t, want, cfg.Region, vm.ID, writer)
		})
	}
}

// checkShellWords runs the command through sh's word splitting, as `eval "$(pulumi stack
// output …)"` does, and checks that the CLI would receive the parameters as valid JSON.
func checkShellWords(t *testing.T, command, region, instance, host string) {
	t.Helper()
	sh := exec.Command("sh", "-c", `eval "set -- $CMD"; for a in "$@"; do printf '%s\n' "$a"; done`)
	sh.Env = []string{"CMD=" + command}
	out, err := sh.Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	args := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	// The region is explicit: the CLI's default region may be another one, and the
	// instance would then not be found.
	if len(args) != 11 || args[4] != instance || args[6] != access.PortForwardingDocument || args[7] != "--parameters" || args[9] != "--region" || args[10] != region {
		t.Fatalf("the shell splits the command into %q", args)
	}
	var params map[string][]string
	if err := json.Unmarshal([]byte(args[8]), &params); err != nil {
		t.Fatalf("--parameters %q is not JSON after shell quoting: %v", args[8], err)
	}
	want := map[string][]string{"host": {host}, "portNumber": {"5432"}, "localPortNumber": {"5432"}}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("parameters %v; want %v", params, want)
	}
}
