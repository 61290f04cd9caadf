// The tests of the edge (WAF), monitoring and access (bastion) components live in this one
// package so that they share one test binary. They run the whole program under Pulumi's
// mock engine against the committed stack files, so what they check is what `pulumi up`
// would register.
package monitoring_test

import (
	"testing"

	"github.com/ecsite/infra/internal/programtest"
	"github.com/ecsite/infra/internal/pulumitest"
)

const (
	typeWebAcl      = "aws:wafv2/webAcl:WebAcl"
	typeIPSet       = "aws:wafv2/ipSet:IpSet"
	typeAssociation = "aws:wafv2/webAclAssociation:WebAclAssociation"
	typeWafLogging  = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	typeLogGroup    = "aws:cloudwatch/logGroup:LogGroup"
	typeAlarm       = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeDashboard   = "aws:cloudwatch/dashboard:Dashboard"
	typeTopic       = "aws:sns/topic:Topic"
	typeTopicPolicy = "aws:sns/topicPolicy:TopicPolicy"
	typeSubscribe   = "aws:sns/topicSubscription:TopicSubscription"
	typeKey         = "aws:kms/key:Key"
	typeLB          = "aws:lb/loadBalancer:LoadBalancer"
	typeTargetGroup = "aws:lb/targetGroup:TargetGroup"
	typeEcsCluster  = "aws:ecs/cluster:Cluster"
	typeEcsService  = "aws:ecs/service:Service"
	typeDBCluster   = "aws:rds/cluster:Cluster"
	typeInstance    = "aws:ec2/instance:Instance"
	typeSG          = "aws:ec2/securityGroup:SecurityGroup"
	typeIngress     = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeEgress      = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	typeSubnet      = "aws:ec2/subnet:Subnet"
)

// only returns the single resource of a type, failing the test when there is not exactly one.
func only(t *testing.T, r programtest.Result, typ string) *pulumitest.Resource {
	t.Helper()
	rs := r.ByType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s; want 1", len(rs), typ)
	}
	return rs[0]
}

// patched returns options that override fields of an object key of stack (values are JSON).
func patched(t *testing.T, stack, key string, fields map[string]string) pulumitest.Options {
	t.Helper()
	return pulumitest.Options{Config: map[string]string{programtest.Key(t, key): programtest.Patch(t, stack, key, fields)}}
}

// childrenOf returns the resources of typ under the component of componentType.
func childrenOf(t *testing.T, r programtest.Result, componentType, typ string) []*pulumitest.Resource {
	t.Helper()
	comps := r.ByType(componentType)
	if len(comps) != 1 {
		t.Fatalf("%d components %s; want 1", len(comps), componentType)
	}
	var out []*pulumitest.Resource
	for _, c := range r.Children(comps[0].URN) {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}
