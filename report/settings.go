package report

import (
	"fmt"
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/policy"
)

// setting is one key setting shown for a resource type.
type setting struct {
	label, path string
	how         int
}

const (
	value  = iota // the value itself
	isSet         // "set" or nothing: for keys and ARNs
	count         // the length of a list
	ref           // an id or ARN, shown as the logical name of the resource it names
	output        // the value of an output (physical names)
)

// keySettings lists, per resource type, the settings a reviewer wants to see.
var keySettings = map[string][]setting{
	"aws:ec2/vpc:Vpc":                                                 {{"cidr", "cidrBlock", value}},
	"aws:ec2/subnet:Subnet":                                           {{"cidr", "cidrBlock", value}, {"az", "availabilityZone", value}, {"public IPs on launch", "mapPublicIpOnLaunch", value}},
	"aws:ec2/natGateway:NatGateway":                                   {{"subnet", "subnetId", ref}, {"eip", "allocationId", ref}},
	"aws:ec2/eip:Eip":                                                 {{"domain", "domain", value}, {"interface", "networkInterface", ref}},
	"aws:ec2/route:Route":                                             {{"destination", "destinationCidrBlock", value}, {"nat", "natGatewayId", ref}, {"gateway", "gatewayId", ref}, {"eni", "networkInterfaceId", ref}},
	"aws:ec2/networkInterface:NetworkInterface":                       {{"subnet", "subnetId", ref}, {"source/dest check", "sourceDestCheck", value}},
	"aws:ec2/launchTemplate:LaunchTemplate":                           {{"type", "instanceType", value}, {"image", "imageId", value}, {"IMDS tokens", "metadataOptions.httpTokens", value}, {"root encrypted", "blockDeviceMappings[0].ebs.encrypted", value}},
	"aws:autoscaling/group:Group":                                     {{"min", "minSize", value}, {"max", "maxSize", value}, {"desired", "desiredCapacity", value}, {"subnets", "vpcZoneIdentifiers", count}},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":             {{"subnet", "subnetId", ref}, {"table", "routeTableId", ref}},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                 {{"service", "serviceName", value}, {"type", "vpcEndpointType", value}, {"subnets", "subnetIds", count}, {"private DNS", "privateDnsEnabled", value}},
	"aws:ec2/flowLog:FlowLog":                                         {{"traffic", "trafficType", value}, {"destination", "logDestinationType", value}},
	"aws:ec2/securityGroup:SecurityGroup":                             {{"name", "name", output}, {"description", "description", value}},
	"aws:ec2/instance:Instance":                                       {{"type", "instanceType", value}, {"subnet", "subnetId", ref}, {"public IP", "associatePublicIpAddress", value}, {"IMDS tokens", "metadataOptions.httpTokens", value}, {"root encrypted", "rootBlockDevice.encrypted", value}},
	"aws:cloudwatch/logGroup:LogGroup":                                {{"name", "name", output}, {"retention days", "retentionInDays", value}, {"kms", "kmsKeyId", isSet}},
	"aws:cloudwatch/metricAlarm:MetricAlarm":                          {{"metric", "metricName", value}, {"namespace", "namespace", value}, {"statistic", "statistic", value}, {"threshold", "threshold", value}, {"periods", "evaluationPeriods", value}, {"missing data", "treatMissingData", value}, {"metric queries", "metricQueries", count}},
	"aws:cloudwatch/dashboard:Dashboard":                              {{"name", "dashboardName", value}},
	"aws:iam/role:Role":                                               {{"name", "name", output}, {"managed policies", "managedPolicyArns", value}},
	"aws:iam/rolePolicy:RolePolicy":                                   {{"role", "role", ref}},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":               {{"role", "role", ref}, {"policy", "policyArn", value}},
	"aws:kms/key:Key":                                                 {{"rotation", "enableKeyRotation", value}, {"deletion window", "deletionWindowInDays", value}},
	"aws:kms/alias:Alias":                                             {{"name", "name", value}},
	"aws:ssm/parameter:Parameter":                                     {{"name", "name", value}, {"type", "type", value}, {"tier", "tier", value}, {"kms", "keyId", isSet}, {"value", "value", value}},
	"aws:rds/cluster:Cluster":                                         {{"engine", "engine", value}, {"version", "engineVersion", value}, {"serverless v2", "serverlessv2ScalingConfiguration", value}, {"backup days", "backupRetentionPeriod", value}, {"backup window", "preferredBackupWindow", value}, {"encrypted", "storageEncrypted", value}, {"deletion protection", "deletionProtection", value}, {"skip final snapshot", "skipFinalSnapshot", value}, {"log exports", "enabledCloudwatchLogsExports", value}},
	"aws:rds/clusterInstance:ClusterInstance":                         {{"class", "instanceClass", value}, {"az", "availabilityZone", value}, {"promotion tier", "promotionTier", value}, {"performance insights", "performanceInsightsEnabled", value}, {"monitoring interval", "monitoringInterval", value}, {"public", "publiclyAccessible", value}},
	"aws:rds/subnetGroup:SubnetGroup":                                 {{"subnets", "subnetIds", count}},
	"aws:lb/loadBalancer:LoadBalancer":                                {{"internal", "internal", value}, {"type", "loadBalancerType", value}, {"subnets", "subnets", count}, {"deletion protection", "enableDeletionProtection", value}, {"access logs", "accessLogs.enabled", value}, {"drop invalid headers", "dropInvalidHeaderFields", value}, {"idle timeout", "idleTimeout", value}},
	"aws:lb/targetGroup:TargetGroup":                                  {{"port", "port", value}, {"protocol", "protocol", value}, {"target type", "targetType", value}, {"health check", "healthCheck.path", value}, {"deregistration delay", "deregistrationDelay", value}},
	"aws:lb/listener:Listener":                                        {{"port", "port", value}, {"protocol", "protocol", value}, {"tls policy", "sslPolicy", value}, {"default action", "defaultActions[0].type", value}},
	"aws:lb/listenerRule:ListenerRule":                                {{"priority", "priority", value}, {"conditions", "conditions", value}},
	"aws:ecs/cluster:Cluster":                                         {{"settings", "settings", value}},
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":       {{"providers", "capacityProviders", value}, {"default strategy", "defaultCapacityProviderStrategies", value}},
	"aws:ecs/service:Service":                                         {{"desired", "desiredCount", value}, {"launch type", "launchType", value}, {"capacity", "capacityProviderStrategies", value}, {"public IP", "networkConfiguration.assignPublicIp", value}, {"subnets", "networkConfiguration.subnets", count}, {"circuit breaker", "deploymentCircuitBreaker", value}, {"exec", "enableExecuteCommand", value}},
	"aws:ecs/taskDefinition:TaskDefinition":                           {{"family", "family", value}, {"cpu", "cpu", value}, {"memory", "memory", value}, {"network", "networkMode", value}},
	"aws:appautoscaling/target:Target":                                {{"resource", "resourceId", value}, {"min", "minCapacity", value}, {"max", "maxCapacity", value}},
	"aws:appautoscaling/policy:Policy":                                {{"type", "policyType", value}, {"target", "targetTrackingScalingPolicyConfiguration.targetValue", value}, {"metric", "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType", value}},
	"aws:appautoscaling/scheduledAction:ScheduledAction":              {{"schedule", "schedule", value}, {"timezone", "timezone", value}, {"capacity", "scalableTargetAction", value}},
	"aws:ecr/repository:Repository":                                   {{"tags", "imageTagMutability", value}, {"scan on push", "imageScanningConfiguration.scanOnPush", value}, {"encryption", "encryptionConfigurations[0].encryptionType", value}},
	"aws:s3/bucketV2:BucketV2":                                        {{"bucket", "bucket", output}},
	"aws:sns/topic:Topic":                                             {{"name", "name", output}, {"kms", "kmsMasterKeyId", isSet}},
	"aws:sns/topicSubscription:TopicSubscription":                     {{"protocol", "protocol", value}, {"endpoint", "endpoint", isSet}},
	"aws:wafv2/webAcl:WebAcl":                                         {{"scope", "scope", value}, {"default", "defaultAction", value}, {"rules", "rules", count}},
	"aws:wafv2/ipSet:IpSet":                                           {{"version", "ipAddressVersion", value}, {"addresses", "addresses", count}},
	"aws:wafv2/webAclAssociation:WebAclAssociation":                   {{"resource", "resourceArn", ref}},
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {{"redacted fields", "redactedFields", count}},
	"aws:acm/certificate:Certificate":                                 {{"domain", "domainName", value}, {"validation", "validationMethod", value}},
	"aws:route53/record:Record":                                       {{"name", "name", value}, {"type", "type", value}},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":       {{"group", "securityGroupId", ref}, {"protocol", "ipProtocol", value}, {"from port", "fromPort", value}, {"to port", "toPort", value}, {"cidr", "cidrIpv4", value}, {"cidr6", "cidrIpv6", value}, {"from group", "referencedSecurityGroupId", ref}},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":         {{"group", "securityGroupId", ref}, {"protocol", "ipProtocol", value}, {"from port", "fromPort", value}, {"to port", "toPort", value}, {"cidr", "cidrIpv4", value}, {"cidr6", "cidrIpv6", value}, {"to group", "referencedSecurityGroupId", ref}},
	"random:index/randomPassword:RandomPassword":                      {{"length", "length", value}},
}

// settings renders the key settings of r that are set.
func settings(g *policy.Graph, r *mockengine.Resource) string {
	var out []string
	for _, s := range keySettings[r.Type] {
		v := r.In(s.path)
		if s.how == output {
			v = r.Out(s.path)
		}
		if v.Null() {
			continue
		}
		var text string
		switch s.how {
		case isSet:
			text = "set"
			if v.Secret() {
				text = "[secret]"
			}
		case count:
			text = fmt.Sprint(v.Len())
		case ref:
			text = show(v)
			if target := g.ByID(v.Str()); target != nil && !v.Secret() {
				text = target.Name
			}
		default:
			text = show(v)
		}
		if text == "" || text == `""` {
			continue
		}
		out = append(out, s.label+": "+text)
	}
	return strings.Join(out, "; ")
}
