package cost

import (
	"sort"
	"strings"
)

// Priced are the resource types the estimator charges for.
var Priced = map[string]string{
	"aws:ec2/natGateway:NatGateway":                "hourly + data processed",
	"aws:ec2/eip:Eip":                              "public IPv4 address",
	"aws:ec2/vpcEndpoint:VpcEndpoint":              "interface endpoints per AZ-hour + data (gateway endpoints are free)",
	"aws:ec2/instance:Instance":                    "instance-hours + root volume",
	"aws:autoscaling/group:Group":                  "desired instances from the launch template: instance-hours + root volume + public IPv4",
	"aws:lb/loadBalancer:LoadBalancer":             "hourly + LCU + public IPv4 per AZ",
	"aws:ecs/service:Service":                      "Fargate vCPU-hours and GB-hours of its tasks",
	"aws:ecs/cluster:Cluster":                      "Container Insights metrics",
	"aws:scheduler/schedule:Schedule":              "Fargate vCPU-hours and GB-hours of the job's runs (runs a month × expectedMinutes)",
	"aws:rds/cluster:Cluster":                      "storage, I/O, backup beyond the free amount",
	"aws:rds/clusterInstance:ClusterInstance":      "ACU-hours, Performance Insights",
	"aws:wafv2/webAcl:WebAcl":                      "ACL + rules + requests",
	"aws:cloudfront/distribution:Distribution":     "requests + data transfer out beyond the always-free tier",
	"aws:cloudwatch/metricAlarm:MetricAlarm":       "per alarm metric",
	"aws:cloudwatch/compositeAlarm:CompositeAlarm": "per composite alarm",
	"aws:cloudwatch/dashboard:Dashboard":           "per dashboard",
	"aws:cloudwatch/logDelivery:LogDelivery":       "vended logs delivered to S3, per GB",
	"aws:cloudwatch/logGroup:LogGroup":             "ingestion + storage",
	"aws:kms/key:Key":                              "per key-month",
	"aws:ssm/parameter:Parameter":                  "advanced tier only",
	"aws:ecr/repository:Repository":                "image storage",
	"aws:s3/bucketV2:BucketV2":                     "storage",
	"aws:s3/bucket:Bucket":                         "storage",
}

// Free are the resource types that cost nothing by themselves, each with the reason. A
// type that is neither here nor in [Priced] is unclassified, and a whole-stack test
// fails on it.
var Free = map[string]string{
	"pulumi:pulumi:StackReference":                                                               "not an AWS resource: the program reads the stack's own outputs of its last deployment (program/images.go)",
	"aws:ec2/vpc:Vpc":                                                                            "no charge",
	"aws:ec2/subnet:Subnet":                                                                      "no charge",
	"aws:ec2/routeTable:RouteTable":                                                              "no charge",
	"aws:ec2/route:Route":                                                                        "no charge",
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        "no charge",
	"aws:ec2/internetGateway:InternetGateway":                                                    "no charge (data transfer out is not estimated)",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":                                          "no charge",
	"aws:ec2/securityGroup:SecurityGroup":                                                        "no charge",
	"aws:ec2/securityGroupRule:SecurityGroupRule":                                                "no charge",
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":                                  "no charge",
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":                                    "no charge",
	"aws:ec2/flowLog:FlowLog":                                                                    "billed as CloudWatch Logs ingestion (log line)",
	"aws:ec2/networkAcl:NetworkAcl":                                                              "no charge",
	"aws:ec2/defaultNetworkAcl:DefaultNetworkAcl":                                                "no charge",
	"aws:ec2/launchTemplate:LaunchTemplate":                                                      "no charge",
	"aws:ec2/networkInterface:NetworkInterface":                                                  "no charge (its Elastic IP is priced as one)",
	"aws:iam/role:Role":                                                                          "no charge",
	"aws:scheduler/scheduleGroup:ScheduleGroup":                                                  "no charge (https://aws.amazon.com/eventbridge/pricing/)",
	"aws:iam/rolePolicy:RolePolicy":                                                              "no charge",
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":                                          "no charge",
	"aws:iam/policy:Policy":                                                                      "no charge",
	"aws:iam/instanceProfile:InstanceProfile":                                                    "no charge",
	"aws:iam/serviceLinkedRole:ServiceLinkedRole":                                                "no charge",
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider":                                        "no charge",
	"aws:kms/alias:Alias":                                                                        "no charge",
	"aws:kms/keyPolicy:KeyPolicy":                                                                "no charge",
	"aws:rds/subnetGroup:SubnetGroup":                                                            "no charge",
	"aws:rds/clusterParameterGroup:ClusterParameterGroup":                                        "no charge",
	"aws:rds/parameterGroup:ParameterGroup":                                                      "no charge",
	"aws:lb/targetGroup:TargetGroup":                                                             "no charge (LCUs are on the load balancer)",
	"aws:lb/listener:Listener":                                                                   "no charge",
	"aws:lb/listenerRule:ListenerRule":                                                           "no charge (the first 10 rule evaluations per request are free)",
	"aws:lb/listenerCertificate:ListenerCertificate":                                             "no charge",
	"aws:lb/targetGroupAttachment:TargetGroupAttachment":                                         "no charge",
	"aws:ecs/taskDefinition:TaskDefinition":                                                      "no charge (tasks are priced on the service, a job's runs on its schedule)",
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":                                  "no charge",
	"aws:servicediscovery/httpNamespace:HttpNamespace":                                           "no charge for the namespace (https://aws.amazon.com/cloud-map/pricing/); ECS Service Connect, which uses it, has no extra charge beyond the task resources its proxy shares (https://aws.amazon.com/ecs/pricing/)",
	"aws:appautoscaling/target:Target":                                                           "no charge",
	"aws:appautoscaling/policy:Policy":                                                           "no charge (its alarms are created by AWS)",
	"aws:appautoscaling/scheduledAction:ScheduledAction":                                         "no charge (its hours shape the Fargate line)",
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                                                    "no charge",
	"aws:ecr/repositoryPolicy:RepositoryPolicy":                                                  "no charge",
	"aws:s3/bucketPolicy:BucketPolicy":                                                           "no charge",
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     "no charge",
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": "no charge",
	"aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":     "no charge",
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       "no charge",
	"aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":                           "no charge",
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               "no charge",
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     "no charge",
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     "no charge",
	"aws:acm/certificate:Certificate":                                                            "public ACM certificates are free",
	"aws:acm/certificateValidation:CertificateValidation":                                        "no charge",
	"aws:route53/record:Record":                                                                  "alias queries to a CloudFront distribution are free; the hosted zone is not created here",
	"aws:cloudfront/vpcOrigin:VpcOrigin":                                                         "no additional charge for VPC origins",
	"aws:cloudfront/cachePolicy:CachePolicy":                                                     "no charge",
	"aws:cloudwatch/logDeliverySource:LogDeliverySource":                                         "no charge (the delivery is priced)",
	"aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination":                               "no charge (the delivery is priced)",
	"aws:cloudfront/originAccessControl:OriginAccessControl":                                     "no charge",
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":                                 "no charge",
	"aws:wafv2/webAclAssociation:WebAclAssociation":                                              "no charge",
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration":                            "billed as log ingestion (log line)",
	"aws:wafv2/ipSet:IpSet":                                                                      "no charge (the rule that uses it is priced on the ACL)",
	"aws:wafv2/ruleGroup:RuleGroup":                                                              "priced as a rule on the ACL that uses it",
	"aws:wafv2/regexPatternSet:RegexPatternSet":                                                  "no charge",
	"aws:sns/topic:Topic":                                                                        "first million publishes and 1,000 e-mails a month are free",
	"aws:sns/topicSubscription:TopicSubscription":                                                "no charge",
	"aws:sns/topicPolicy:TopicPolicy":                                                            "no charge",
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy":                                         "no charge",
	"aws:cloudwatch/eventRule:EventRule":                                                         "AWS service events are free",
	"aws:cloudwatch/eventTarget:EventTarget":                                                     "no charge",
	"aws:ssm/document:Document":                                                                  "no charge",
	"aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy":                                                "no charge",
	"aws:iam/policyAttachment:PolicyAttachment":                                                  "no charge",
	"aws:iam/userPolicy:UserPolicy":                                                              "no charge",
	"aws:iam/groupPolicy:GroupPolicy":                                                            "no charge",
	"aws:ec2/defaultRouteTable:DefaultRouteTable":                                                "no charge",
	"aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation":                                "no charge",
	"aws:ec2/defaultVpc:DefaultVpc":                                                              "no charge",
	"aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation":                          "no charge (the endpoint's AZ-hours are priced on the endpoint)",
	"aws:ecs/accountSettingDefault:AccountSettingDefault":                                        "no charge",
	"aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration":                        "basic scanning is free",
	"aws:s3/bucketAclV2:BucketAclV2":                                                             "no charge",
	"aws:s3/bucketNotification:BucketNotification":                                               "no charge",
	"aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy":                             "no charge",
	"aws:ssm/association:Association":                                                            "no charge",
	"aws:rds/clusterRoleAssociation:ClusterRoleAssociation":                                      "no charge",
	"aws:kms/grant:Grant":                                                                        "no charge",
	"random:index/randomPassword:RandomPassword":                                                 "not an AWS resource",
	"random:index/randomString:RandomString":                                                     "not an AWS resource",
	"random:index/randomId:RandomId":                                                             "not an AWS resource",
	"random:index/randomPet:RandomPet":                                                           "not an AWS resource",
}

// Classify returns the custom resource types among types that are neither priced nor
// free, sorted. Providers are not resources AWS bills.
func Classify(types []string) []string {
	var out []string
	for _, t := range types {
		if strings.HasPrefix(t, "pulumi:providers:") {
			continue
		}
		if _, ok := Priced[t]; ok {
			continue
		}
		if _, ok := Free[t]; ok {
			continue
		}
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
