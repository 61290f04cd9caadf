package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
)

// Encryption at rest: the database, parameters, log groups, topics, repositories and volumes.

func checkRDSEncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:rds/cluster:Cluster", "aws:rds/instance:Instance")
	for _, r := range rs {
		if !g.In(r, "storageEncrypted").Bool() {
			fs = append(fs, g.finding(r, "storageEncrypted is not true"))
		}
	}
	return len(rs), fs
}

// secretName matches parameter names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|DSN|_URL|_URI)$`)

func checkSSMEncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ssm/parameter:Parameter")
	for _, r := range rs {
		name := g.name(r, "name")
		switch g.In(r, "type").Str() {
		case "SecureString":
			if !g.namesKey(r, "keyId") {
				fs = append(fs, g.finding(r, "SecureString without keyId uses the account's default aws/ssm key"))
			}
		default:
			// The provider marks every parameter value secret in state, so secret-ness
			// cannot tell; the name does.
			if secretName.MatchString(name) {
				fs = append(fs, g.finding(r, "%s holds a credential but is a plain %s", name, g.In(r, "type").Str()))
			}
		}
	}
	return len(rs), fs
}

// namesKey reports whether r's input field names a KMS key. An unknown ARN (a key created
// in the same update) is a key all the same: only the input's absence is a finding, and
// whether it is absent is known at preview, so the unknown is not recorded.
func (g *Graph) namesKey(r *mockengine.Resource, field string) bool {
	return r.InUnknown(field) || g.In(r, field).Str() != ""
}

// checkLogGroupsEncrypted applies to the log groups that hold what an outsider should not
// read: ECS Exec sessions (anything an operator typed or printed), the database's exported
// logs (statements and their values), VPC flow logs (every address the VPC talks to) and
// WAF logs (requests with their headers). Each must name a KMS key of the stack.
func checkLogGroupsEncrypted(g *Graph) (int, []Finding) {
	sessionGroups := map[string]bool{}
	for _, c := range g.OfType("aws:ecs/cluster:Cluster") {
		if n := g.In(c, "configuration.executeCommandConfiguration.logConfiguration.cloudWatchLogGroupName").Str(); n != "" {
			sessionGroups[n] = true
		}
	}
	flowLogs := g.OfType("aws:ec2/flowLog:FlowLog")
	flowGroup := func(lg *mockengine.Resource) bool {
		for _, f := range flowLogs {
			if g.references(f, "logDestination", lg, "name") {
				return true
			}
		}
		return false
	}
	checked := 0
	var fs []Finding
	for _, r := range g.OfType("aws:cloudwatch/logGroup:LogGroup") {
		n := g.name(r, "name")
		var what string
		switch {
		case sessionGroups[n]:
			what = "ECS Exec session log group"
		case strings.HasPrefix(n, "/aws/rds/cluster/"):
			// The database's exported logs can hold statements and their values.
			what = "database log group"
		case flowGroup(r):
			what = "flow-log group"
		case strings.HasPrefix(n, "aws-waf-logs-"):
			what = "WAF log group"
		default:
			continue
		}
		checked++
		if !g.namesKey(r, "kmsKeyId") {
			fs = append(fs, g.finding(r, "%s %q has no kmsKeyId", what, n))
		}
	}
	return checked, fs
}

func checkTopicEncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:sns/topic:Topic")
	for _, r := range rs {
		if !g.namesKey(r, "kmsMasterKeyId") {
			fs = append(fs, g.finding(r, "no kmsMasterKeyId"))
		}
	}
	return len(rs), fs
}

func checkECREncrypted(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ecr/repository:Repository")
	for _, r := range rs {
		t := g.In(r, "encryptionConfigurations[0].encryptionType").Str()
		if t != "AES256" && t != "KMS" {
			fs = append(fs, g.finding(r, "no explicit encryptionConfigurations (AES256 or KMS)"))
		}
	}
	return len(rs), fs
}

func checkVolumeEncryption(g *Graph) (int, []Finding) {
	var fs []Finding
	instances := g.OfType("aws:ec2/instance:Instance")
	for _, r := range instances {
		if !g.In(r, "rootBlockDevice.encrypted").Bool() {
			fs = append(fs, g.finding(r, "root volume not encrypted"))
		}
		for i := 0; i < g.In(r, "ebsBlockDevices").Len(); i++ {
			if !g.In(r, fmt.Sprintf("ebsBlockDevices[%d].encrypted", i)).Bool() {
				fs = append(fs, g.finding(r, "EBS volume %d not encrypted", i))
			}
		}
	}
	templates := g.OfType("aws:ec2/launchTemplate:LaunchTemplate")
	for _, r := range templates {
		n := g.In(r, "blockDeviceMappings").Len()
		if n == 0 {
			fs = append(fs, g.finding(r, "no block device mapping: the AMI's unencrypted default applies"))
		}
		for i := 0; i < n; i++ {
			// The launch template takes the flag as a string.
			if v := g.In(r, fmt.Sprintf("blockDeviceMappings[%d].ebs.encrypted", i)); v.Str() != "true" && !v.Bool() {
				fs = append(fs, g.finding(r, "block device %d not encrypted", i))
			}
		}
	}
	return len(instances) + len(templates), fs
}
