package policy

import (
	"strings"

	"github.com/ecsite/infra/compute"
)

// Operations: cost tags and AWS name limits.

// CostTags are the tags every resource must carry.
var CostTags = []string{"project", "environment", "cost-center", "managed-by"}

func checkCostTags(g *Graph) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, r := range g.Resources() {
		if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		checked++
		p := g.Provider(r)
		if p == nil {
			fs = append(fs, g.finding(r, "uses the default AWS provider, which has no default tags"))
			continue
		}
		tags := g.In(p, "defaultTags.tags").Map()
		own := g.In(r, "tags").Map()
		for _, k := range CostTags {
			if tags[k] == "" {
				fs = append(fs, g.finding(r, "provider %s has no default tag %q", p.Name, k))
			} else if v, set := own[k]; set && v == "" {
				fs = append(fs, g.finding(r, "its own tags blank %q", k))
			}
		}
	}
	return checked, fs
}

// nameLimit is AWS's length limit on one physical name field of a type.
type nameLimit struct {
	typ, field string
	max        int
}

// nameLimits are the limits the NAME-LENGTH rule checks in the registered graph. The load
// balancer and target group limit is compute's, the same constant that bounds service
// names in their settings check (config.MaxServiceNameLength).
var nameLimits = []nameLimit{
	{"aws:lb/loadBalancer:LoadBalancer", "name", compute.MaxLoadBalancerNameLength},
	{"aws:lb/loadBalancer:LoadBalancer", "namePrefix", 6},
	{"aws:lb/targetGroup:TargetGroup", "name", compute.MaxLoadBalancerNameLength},
	{"aws:lb/targetGroup:TargetGroup", "namePrefix", 6},
	{"aws:iam/role:Role", "name", 64},
	{"aws:iam/role:Role", "namePrefix", 38},
	{"aws:iam/policy:Policy", "name", 128},
	{"aws:iam/instanceProfile:InstanceProfile", "name", 128},
	{"aws:rds/cluster:Cluster", "clusterIdentifier", 63},
	{"aws:rds/cluster:Cluster", "finalSnapshotIdentifier", 255},
	{"aws:rds/clusterInstance:ClusterInstance", "identifier", 63},
	{"aws:rds/subnetGroup:SubnetGroup", "name", 255},
	{"aws:rds/clusterParameterGroup:ClusterParameterGroup", "name", 255},
	{"aws:ecs/cluster:Cluster", "name", 255},
	{"aws:ecs/service:Service", "name", 255},
	{"aws:ecs/taskDefinition:TaskDefinition", "family", 255},
	{"aws:cloudwatch/logGroup:LogGroup", "name", 512},
	{"aws:cloudwatch/metricAlarm:MetricAlarm", "name", 255},
	{"aws:cloudwatch/dashboard:Dashboard", "dashboardName", 255},
	{"aws:ssm/parameter:Parameter", "name", 1011},
	{"aws:s3/bucketV2:BucketV2", "bucket", 63},
	{"aws:s3/bucket:Bucket", "bucket", 63},
	{"aws:sns/topic:Topic", "name", 256},
	{"aws:wafv2/webAcl:WebAcl", "name", 128},
	{"aws:wafv2/ipSet:IpSet", "name", 128},
	{"aws:ec2/securityGroup:SecurityGroup", "name", 255},
	{"aws:ecr/repository:Repository", "name", 256},
	{"aws:kms/alias:Alias", "name", 256},
	{"aws:appautoscaling/scheduledAction:ScheduledAction", "name", 256},
}

func checkNameLengths(g *Graph) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, r := range g.Resources() {
		for _, l := range nameLimits {
			if r.Type != l.typ {
				continue
			}
			n := g.name(r, l.field)
			if n == "" {
				continue
			}
			checked++
			if len(n) > l.max {
				fs = append(fs, g.finding(r, "%s %q is %d characters; AWS allows %d", l.field, n, len(n), l.max))
			}
		}
	}
	return checked, fs
}
