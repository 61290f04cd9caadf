package policy

import (
	"fmt"
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
)

// Network exposure: internal load balancers, open ingress, egress to anywhere, public
// addresses, IMDSv2.

func checkALBInternal(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/loadBalancer:LoadBalancer")
	for _, r := range rs {
		if !g.In(r, "internal").Bool() {
			fs = append(fs, g.finding(r, "is internet-facing; make it internal behind the CloudFront VPC origin"))
		}
	}
	return len(rs), fs
}

func isAnywhere(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

func checkOpenIngress(g *Graph) (int, []Finding) {
	albGroups := map[string]bool{}
	var albUnknown []string // the load balancers' unknown inputs, which decide the web exemption
	for _, lb := range g.OfType("aws:lb/loadBalancer:LoadBalancer") {
		from := g.windowLen()
		internal := g.In(lb, "internal").Bool()
		t := g.In(lb, "loadBalancerType").Str()
		ids := g.In(lb, "securityGroups").Strs()
		for _, rd := range g.windowSince(from) {
			albUnknown = append(albUnknown, qualified(rd, ""))
		}
		if internal || t != "" && t != "application" {
			continue
		}
		for _, id := range ids {
			albGroups[id] = true
		}
	}
	var fs []Finding
	checked := 0
	flows := g.Flows()
	// Egress rules do not concern this rule, and each finding is attributed the unknown
	// inputs of its own flow rather than those read before it.
	g.forget("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
	g.mark()
	for _, f := range flows {
		if f.Direction != "ingress" {
			continue
		}
		checked++
		if f.PeerIsGroup || !isAnywhere(f.Peer) {
			continue
		}
		web := !f.AllPorts() && f.Protocol == "tcp" && f.From == f.To && (f.From == 80 || f.From == 443)
		if albGroups[f.Group] && web {
			continue
		}
		parts := strings.SplitN(f.Source, " ", 2)
		fd := Finding{Type: parts[0], Name: parts[1],
			Message: fmt.Sprintf("security group %s admits %s on %s/%s", f.Group, f.Peer, f.Protocol, f.Ports())}
		// Which group the rule belongs to matters only for the ALB's web ports.
		for _, u := range f.unknown {
			if web || !(u == "securityGroupId" || u == "id") {
				fd.undecided = append(fd.undecided, u)
			}
		}
		if web {
			if f.groupUnknown {
				fd.undecided = append(fd.undecided, "securityGroupId")
			}
			fd.undecided = append(fd.undecided, albUnknown...)
		}
		fs = append(fs, fd)
	}
	return checked, fs
}

// groupField reports whether field is one of the inputs that say which security group a rule belongs to.
func groupField(field string) bool { return field == "securityGroupId" || field == "id" }

// checkEgressAnywhere finds the egress rules that send to 0.0.0.0/0 or ::/0 on anything
// but TCP 443. Which group a rule belongs to does not matter (an exception names the
// rule), so neither unknown group ids nor the ingress rules read along make a resource
// undecided.
func checkEgressAnywhere(g *Graph) (int, []Finding) {
	flows := g.Flows()
	g.forget("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
	g.forgetReads(func(r *mockengine.Resource, field string) bool {
		return groupField(field) || strings.HasPrefix(field, "ingress[")
	})
	g.mark()
	var fs []Finding
	checked := 0
	for _, f := range flows {
		if f.Direction != "egress" {
			continue
		}
		checked++
		if f.PeerIsGroup || !isAnywhere(f.Peer) {
			continue
		}
		if !f.AllPorts() && (f.Protocol == "tcp" || f.Protocol == "6") && f.From == 443 && f.To == 443 {
			continue
		}
		what := fmt.Sprintf("%s/%s", f.Protocol, f.Ports())
		if f.AllPorts() {
			what = "every protocol and port"
		}
		parts := strings.SplitN(f.Source, " ", 2)
		fd := Finding{Type: parts[0], Name: parts[1],
			Message: fmt.Sprintf("security group %s sends to %s on %s; name the destinations (services[].outboundDestinations) or add an exception with the reason", f.Group, f.Peer, what)}
		for _, u := range f.unknown {
			if !groupField(u) {
				fd.undecided = append(fd.undecided, u)
			}
		}
		fs = append(fs, fd)
	}
	return checked, fs
}

func checkNoPublicIPs(g *Graph) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, s := range g.OfType("aws:ecs/service:Service") {
		checked++
		if g.In(s, "networkConfiguration.assignPublicIp").Bool() {
			fs = append(fs, g.finding(s, "networkConfiguration.assignPublicIp is true"))
		}
	}
	for _, i := range g.OfType("aws:ec2/instance:Instance") {
		checked++
		v := g.In(i, "associatePublicIpAddress")
		if v.Bool() {
			fs = append(fs, g.finding(i, "associatePublicIpAddress is true"))
			continue
		}
		if sub := g.ByID(g.In(i, "subnetId").Str()); v.Null() && sub != nil && g.In(sub, "mapPublicIpOnLaunch").Bool() {
			fs = append(fs, g.finding(i, "placed in subnet %s, which maps public IPs on launch", sub.Name))
		}
	}
	// Instances an Auto Scaling group launches get what their launch template's network
	// interfaces ask for (associatePublicIpAddress is a string there).
	for _, lt := range g.OfType("aws:ec2/launchTemplate:LaunchTemplate") {
		checked++
		for i := 0; i < g.In(lt, "networkInterfaces").Len(); i++ {
			if v := g.In(lt, fmt.Sprintf("networkInterfaces[%d].associatePublicIpAddress", i)); v.Str() == "true" || v.Bool() {
				fs = append(fs, g.finding(lt, "networkInterfaces[%d].associatePublicIpAddress is true", i))
			}
		}
	}
	return checked, fs
}

func checkALBProtected(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/loadBalancer:LoadBalancer")
	for _, r := range rs {
		if !g.In(r, "enableDeletionProtection").Bool() {
			fs = append(fs, g.finding(r, "enableDeletionProtection is not true"))
		}
	}
	return len(rs), fs
}

func checkIMDSv2(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate")
	for _, r := range rs {
		if t := g.In(r, "metadataOptions.httpTokens").Str(); t != "required" {
			fs = append(fs, g.finding(r, "instance metadata httpTokens %q; want required (IMDSv2)", t))
		}
	}
	return len(rs), fs
}
