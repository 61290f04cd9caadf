package policy

import (
	"fmt"
	"path"
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
)

// Alarm delivery: every alarm topic's key lets CloudWatch use it.

// checkAlarmDelivery follows every SNS action of every metric alarm to its topic and the
// topic's key, and checks that the key's policy lets CloudWatch encrypt the alarm's
// message. A topic CloudWatch may not encrypt for accepts nothing, and the alarm shows
// only a failed action in its history
// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
// An unencrypted topic is ENC-SNS's finding, not this rule's.
func checkAlarmDelivery(g *Graph) (int, []Finding) {
	var fs []Finding
	alarms := g.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	for _, a := range alarms {
		name := g.name(a, "name")
		seen := map[string]bool{}
		for _, arn := range append(g.In(a, "alarmActions").Strs(), g.In(a, "okActions").Strs()...) {
			if seen[arn] || !strings.Contains(arn, ":sns:") {
				continue
			}
			seen[arn] = true
			if msg := g.topicKeyProblem(a, name, arn); msg != "" {
				fs = append(fs, g.finding(a, "%s", msg))
			}
		}
	}
	return len(alarms), fs
}

// topicKeyProblem says why CloudWatch could not encrypt alarm a's (named name)
// notification to the topic topicArn, or returns "".
func (g *Graph) topicKeyProblem(a *mockengine.Resource, name, topicArn string) string {
	topic := g.ByID(topicArn)
	if topic == nil || topic.Type != "aws:sns/topic:Topic" {
		return fmt.Sprintf("notifies %s, which is not a topic of this stack, so its key cannot be checked", topicArn)
	}
	ref := g.In(topic, "kmsMasterKeyId").Str()
	if ref == "" {
		return ""
	}
	if strings.HasPrefix(ref, "alias/aws/") || strings.Contains(ref, ":alias/aws/") {
		return fmt.Sprintf("topic %s is encrypted with the AWS managed key %s, whose policy does not let CloudWatch use it", topic.Name, ref)
	}
	key := g.keyOf(ref)
	if key == nil {
		return fmt.Sprintf("topic %s is encrypted with %s, which is not a key of this stack, so its policy cannot be checked", topic.Name, ref)
	}
	if kr, tr := g.region(key), g.region(topic); kr != "" && tr != "" && kr != tr {
		return fmt.Sprintf("topic %s in %s is encrypted with key %s in %s; a topic's key must be in its region", topic.Name, tr, key.Name, kr)
	}
	doc := g.In(key, "policy").Str()
	if doc == "" {
		return fmt.Sprintf("key %s of topic %s has no policy of its own; the default key policy admits only the account, not CloudWatch", key.Name, topic.Name)
	}
	sts, err := ParseDocument(doc)
	if err != nil {
		return fmt.Sprintf("policy of key %s unreadable: %v", key.Name, err)
	}
	for _, s := range sts {
		if s.Effect == "Allow" && servicePrincipal(s.Principal, "cloudwatch.amazonaws.com") &&
			allows(s, "kms:Decrypt") && allows(s, "kms:GenerateDataKey") && sourceArnAdmits(s, g.region(a), name) {
			return ""
		}
	}
	return fmt.Sprintf("key %s of topic %s does not let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* for alarm %s: its notifications would be dropped", key.Name, topic.Name, name)
}

// keyOf returns the KMS key of the stack that ref (a key id or ARN, an alias name or
// alias ARN) names, or nil.
func (g *Graph) keyOf(ref string) *mockengine.Resource {
	if r := g.ByID(ref); r != nil && r.Type == "aws:kms/key:Key" {
		return r
	}
	for _, alias := range g.OfType("aws:kms/alias:Alias") {
		if g.name(alias, "name") == ref || alias.Out("arn").Str() == ref {
			if r := g.ByID(g.In(alias, "targetKeyId").Str()); r != nil && r.Type == "aws:kms/key:Key" {
				return r
			}
		}
	}
	return nil
}

// region returns the region of r's provider, or "" when r uses the default provider.
func (g *Graph) region(r *mockengine.Resource) string {
	if p := g.Provider(r); p != nil {
		return g.In(p, "region").Str()
	}
	return ""
}

// servicePrincipal reports whether a statement principal names the AWS service.
func servicePrincipal(principal any, service string) bool {
	m, ok := principal.(map[string]any)
	if !ok {
		return false
	}
	for _, s := range strs(m["Service"]) {
		if s == service {
			return true
		}
	}
	return false
}

// allows reports whether the statement's actions grant action on every resource ("*",
// the only resource a key policy names).
func allows(s Statement, action string) bool {
	all := false
	for _, r := range s.Resources() {
		all = all || r == "*"
	}
	if !all {
		return false
	}
	for _, a := range s.Action {
		if grantsAction(a, []string{action}) {
			return true
		}
	}
	return false
}

// sourceArnAdmits reports whether the aws:SourceArn conditions of s (if any) admit the
// alarm name in region ("" when unknown): each pattern must match the alarm's ARN in its
// region and alarm-name fields. The account field is not compared, since the graph does
// not know the account; the aws:SourceAccount condition is left to IAM.
func sourceArnAdmits(s Statement, region, name string) bool {
	for op, kv := range s.Condition {
		for k, v := range kv {
			if !strings.EqualFold(k, "aws:SourceArn") {
				continue
			}
			if op != "ArnLike" && op != "ArnEquals" && op != "StringLike" && op != "StringEquals" {
				return false // a condition this check does not model
			}
			admitted := false
			for _, pattern := range strs(v) {
				f := strings.SplitN(pattern, ":", 7)
				if len(f) != 7 || f[2] != "cloudwatch" || f[5] != "alarm" {
					continue
				}
				regionOK := region == ""
				if !regionOK {
					regionOK, _ = path.Match(f[3], region)
				}
				nameOK, _ := path.Match(f[6], name)
				admitted = admitted || regionOK && nameOK
			}
			if !admitted {
				return false
			}
		}
	}
	return true
}
