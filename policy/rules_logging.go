package policy

import (
	"strings"
)

// Logs: flow logs, the web ACL, the database and the load balancer.

func checkFlowLogs(g *Graph) (int, []Finding) {
	var fs []Finding
	vpcs := g.OfType("aws:ec2/vpc:Vpc")
	for _, v := range vpcs {
		ok := false
		for _, f := range g.OfType("aws:ec2/flowLog:FlowLog") {
			ok = ok || g.references(f, "vpcId", v)
		}
		if !ok {
			fs = append(fs, g.finding(v, "no flow log"))
		}
	}
	return len(vpcs), fs
}

func checkWAFLogging(g *Graph) (int, []Finding) {
	var fs []Finding
	acls := g.OfType("aws:wafv2/webAcl:WebAcl")
	for _, a := range acls {
		ok := false
		for _, l := range g.OfType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") {
			ok = ok || g.refersTo(g.In(l, "resourceArn").Str(), a) && g.In(l, "logDestinationConfigs").Len() > 0
		}
		if !ok {
			fs = append(fs, g.finding(a, "no logging configuration"))
		}
	}
	return len(acls), fs
}

func checkDBLogs(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:rds/cluster:Cluster")
	for _, r := range rs {
		exports := g.In(r, "enabledCloudwatchLogsExports").Strs()
		want := "postgresql"
		if !strings.Contains(g.In(r, "engine").Str(), "postgres") {
			want = ""
		}
		ok := len(exports) > 0
		if want != "" {
			ok = false
			for _, e := range exports {
				ok = ok || e == want
			}
		}
		if !ok {
			fs = append(fs, g.finding(r, "enabledCloudwatchLogsExports %v lacks %q", exports, want))
		}
	}
	return len(rs), fs
}

func checkALBLogs(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:lb/loadBalancer:LoadBalancer")
	for _, r := range rs {
		if !g.In(r, "accessLogs.enabled").Bool() || g.In(r, "accessLogs.bucket").Str() == "" {
			fs = append(fs, g.finding(r, "access logs are not enabled"))
		}
	}
	return len(rs), fs
}
