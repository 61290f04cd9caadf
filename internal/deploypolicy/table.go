package deploypolicy

// Scope says which resources of the account an action of an entry may touch. The ARN
// patterns below use {region}, {account}, {prefix} (the stack's "<project>-<environment>"),
// {path} (the stack's SSM path without its slashes at the ends, "<project>/<environment>")
// and {zone} (a hosted zone id); an empty list means "*", for actions IAM cannot scope to
// a resource (List*, Describe*, creations without a resource ARN) or resources whose
// names the program does not choose.
type Scope string

// The resource scopes of the table.
const (
	Any          Scope = "*"
	Roles        Scope = "roles"
	Parameters   Scope = "parameters"
	Buckets      Scope = "buckets"
	Repositories Scope = "repositories"
	Topics       Scope = "topics"
	Alarms       Scope = "alarms"
	Dashboards   Scope = "dashboards"
	Database     Scope = "database"
	EcsCluster   Scope = "ecs"
	KeysOfStack  Scope = "keys"
	KeyAliases   Scope = "aliases"
	Zones        Scope = "zones"
	AwsParams    Scope = "aws-parameters"
	Schedules    Scope = "schedules"
	EventRules   Scope = "event-rules"
	// AttachPolicies is the Roles scope with a condition naming the managed policies
	// the stack attaches.
	AttachPolicies Scope = "attach-policies"
	// MigrationTaskDefinitions are the revisions of the migration task definition, with a
	// condition (ecs:cluster) naming the stack's clusters.
	MigrationTaskDefinitions Scope = "migration-task-definitions"
	// EcsClusters are the stack's clusters alone (for the condition above).
	EcsClusters Scope = "ecs-clusters"
	// Tasks are the tasks of the stack's clusters.
	Tasks Scope = "tasks"
	// MigrationLogs are the migration's log group and its streams.
	MigrationLogs Scope = "migration-logs"
)

// resourcesOf are the ARN patterns of each scope.
var resourcesOf = map[Scope][]string{
	Roles:          {"arn:aws:iam::{account}:role/{prefix}-*", "arn:aws:iam::{account}:instance-profile/{prefix}-*"},
	AttachPolicies: {"arn:aws:iam::{account}:role/{prefix}-*"},
	// The stack's parameters, under /<project>/<environment>/.
	Parameters: {"arn:aws:ssm:{region}:{account}:parameter/{path}/*"},
	Buckets:    {"arn:aws:s3:::{prefix}-*", "arn:aws:s3:::{prefix}-*/*"},
	// ECR repositories are named <prefix>-<service>.
	Repositories: {"arn:aws:ecr:{region}:{account}:repository/{prefix}-*"},
	Topics:       {"arn:aws:sns:{region}:{account}:{prefix}-*"},
	// The stack's alarms, and the alarms target tracking creates for the services'
	// scaling policies (TargetTracking-service/<cluster>/<service>-...).
	Alarms:     {"arn:aws:cloudwatch:{region}:{account}:alarm:{prefix}-*", "arn:aws:cloudwatch:{region}:{account}:alarm:TargetTracking-service/{prefix}-*"},
	Dashboards: {"arn:aws:cloudwatch::{account}:dashboard/{prefix}*"},
	// Clusters, instances, parameter and subnet groups and snapshots of the stack
	// (arn:aws:rds:region:account:<kind>:<name>).
	Database:   {"arn:aws:rds:{region}:{account}:*:{prefix}-*"},
	EcsCluster: {"arn:aws:ecs:{region}:{account}:cluster/{prefix}-*", "arn:aws:ecs:{region}:{account}:service/{prefix}-*/*"},
	// Keys carry the stack's default tags; KeysOfStack adds a condition on them.
	KeysOfStack: {"arn:aws:kms:{region}:{account}:key/*"},
	KeyAliases:  {"arn:aws:kms:{region}:{account}:alias/{prefix}-*", "arn:aws:kms:{region}:{account}:key/*"},
	Zones:       {"arn:aws:route53:::hostedzone/{zone}", "arn:aws:route53:::change/*"},
	// AWS's public parameters (the NAT instance's and the bastion's AMI).
	AwsParams: {"arn:aws:ssm:{region}::parameter/aws/service/*"},
	// The migration task definition's family is "<prefix>-migrate"; its log group
	// "/ecs/<prefix>-migrate" (compute's migration task).
	MigrationTaskDefinitions: {"arn:aws:ecs:{region}:{account}:task-definition/{prefix}" + MigrationTaskSuffix + ":*"},
	EcsClusters:              {"arn:aws:ecs:{region}:{account}:cluster/{prefix}-*"},
	Tasks:                    {"arn:aws:ecs:{region}:{account}:task/{prefix}-*/*"},
	MigrationLogs: {"arn:aws:logs:{region}:{account}:log-group:/ecs/{prefix}" + MigrationTaskSuffix,
		"arn:aws:logs:{region}:{account}:log-group:/ecs/{prefix}" + MigrationTaskSuffix + ":log-stream:*"},
	// The jobs' schedule groups and schedules, each named <prefix>-job-<name>.
	Schedules: {"arn:aws:scheduler:{region}:{account}:schedule-group/{prefix}-*", "arn:aws:scheduler:{region}:{account}:schedule/{prefix}-*/{prefix}-*"},
	// The jobs' failure rules on the default event bus, auto-named from <prefix>-job-<name>-failed.
	EventRules: {"arn:aws:events:{region}:{account}:rule/{prefix}-*"},
}

// Grant is what one resource type or function needs: the actions of its create, read,
// update and delete (tags included) on one scope, and optionally more grants on other
// scopes, the service-linked roles AWS creates on the first use, and the services the
// roles it references are passed to.
type Grant struct {
	Scope   Scope
	Actions []string
	// Also are further grants on other scopes.
	Also []Grant
	// ServiceLinkedRoles are AWS service names (iam:AWSServiceName) whose
	// service-linked role the first creation of this type makes.
	ServiceLinkedRoles []string
	// PassRoleTo are the services (iam:PassedToService) the type hands one of the
	// stack's roles to.
	PassRoleTo []string
}

var ec2Tags = []string{"ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeTags"}

func with(actions []string, more ...string) []string {
	return append(append([]string(nil), actions...), more...)
}

// Types maps every resource type the project's programs may register to what its
// lifecycle needs, from the Terraform AWS provider's calls for that resource
// (create, read, update, delete and tagging). A type missing here fails the coverage
// test as soon as a stack registers it.
var Types = map[string]Grant{
	// VPC
	"aws:ec2/vpc:Vpc": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateVpc", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:ModifyVpcAttribute", "ec2:DeleteVpc",
		"ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups")},
	"aws:ec2/subnet:Subnet": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateSubnet", "ec2:DescribeSubnets", "ec2:ModifySubnetAttribute", "ec2:DeleteSubnet")},
	"aws:ec2/internetGateway:InternetGateway": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:DescribeInternetGateways",
		"ec2:DetachInternetGateway", "ec2:DeleteInternetGateway")},
	"aws:ec2/routeTable:RouteTable":                       {Scope: Any, Actions: with(ec2Tags, "ec2:CreateRouteTable", "ec2:DescribeRouteTables", "ec2:DeleteRouteTable")},
	"aws:ec2/route:Route":                                 {Scope: Any, Actions: []string{"ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:DescribeRouteTables"}},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {Scope: Any, Actions: []string{"ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation", "ec2:DescribeRouteTables"}},
	"aws:ec2/eip:Eip": {Scope: Any, Actions: with(ec2Tags, "ec2:AllocateAddress", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute", "ec2:ReleaseAddress",
		"ec2:AssociateAddress", "ec2:DisassociateAddress")},
	"aws:ec2/natGateway:NatGateway": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateNatGateway", "ec2:DescribeNatGateways", "ec2:DeleteNatGateway")},
	"aws:ec2/securityGroup:SecurityGroup": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
		"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
		"ec2:DeleteSecurityGroup", "ec2:DescribeNetworkInterfaces")},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {Scope: Any, Actions: with(ec2Tags, "ec2:DescribeSecurityGroups", "ec2:AuthorizeSecurityGroupIngress",
		"ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress")},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {Scope: Any, Actions: with(ec2Tags, "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
		"ec2:DescribeSecurityGroupRules", "ec2:ModifySecurityGroupRules")},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {Scope: Any, Actions: with(ec2Tags, "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
		"ec2:DescribeSecurityGroupRules", "ec2:ModifySecurityGroupRules")},
	"aws:ec2/vpcEndpoint:VpcEndpoint": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateVpcEndpoint", "ec2:DescribeVpcEndpoints", "ec2:ModifyVpcEndpoint",
		"ec2:DeleteVpcEndpoints", "ec2:DescribePrefixLists", "ec2:DescribeVpcEndpointServices")},
	"aws:ec2/flowLog:FlowLog": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateFlowLogs", "ec2:DescribeFlowLogs", "ec2:DeleteFlowLogs"),
		PassRoleTo: []string{"vpc-flow-logs.amazonaws.com"}},
	"aws:ec2/networkInterface:NetworkInterface": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
		"ec2:ModifyNetworkInterfaceAttribute", "ec2:DeleteNetworkInterface", "ec2:DetachNetworkInterface")},
	// The NAT instances and the bastion: a launch template with an instance profile.
	"aws:ec2/launchTemplate:LaunchTemplate": {Scope: Any, Actions: with(ec2Tags, "ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion",
		"ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate",
		"ec2:DeleteLaunchTemplateVersions", "ec2:DescribeImages"), PassRoleTo: []string{"ec2.amazonaws.com"}},
	"aws:ec2/instance:Instance": {Scope: Any, Actions: with(ec2Tags, "ec2:RunInstances", "ec2:DescribeInstances", "ec2:DescribeInstanceAttribute",
		"ec2:ModifyInstanceAttribute", "ec2:TerminateInstances", "ec2:DescribeVolumes", "ec2:DescribeInstanceCreditSpecifications",
		"ec2:ModifyInstanceMetadataOptions", "ec2:DescribeImages"), PassRoleTo: []string{"ec2.amazonaws.com"}},
	// Creating an Auto Scaling group with a launch template needs ec2:RunInstances and
	// iam:PassRole for the template's instance profile
	// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html).
	"aws:autoscaling/group:Group": {Scope: Any, Actions: []string{"autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup",
		"autoscaling:DeleteAutoScalingGroup", "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities",
		"autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags", "autoscaling:DescribeTags", "autoscaling:SetInstanceProtection",
		"ec2:RunInstances", "ec2:CreateTags", "ec2:DescribeLaunchTemplateVersions"},
		ServiceLinkedRoles: []string{"autoscaling.amazonaws.com"}, PassRoleTo: []string{"ec2.amazonaws.com"}},

	// IAM
	"aws:iam/role:Role": {Scope: Roles, Actions: []string{"iam:CreateRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
		"iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags", "iam:ListRolePolicies",
		"iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"}},
	"aws:iam/rolePolicy:RolePolicy": {Scope: Roles, Actions: []string{"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies"}},
	// Attaching and detaching are limited to the managed policies the stack attaches
	// (Stack.ManagedPolicies, an iam:PolicyARN condition): a deploy role that could attach
	// any policy to a role it may pass would hold every permission of the account.
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {Scope: AttachPolicies, Actions: []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"},
		Also: []Grant{{Scope: Roles, Actions: []string{"iam:ListAttachedRolePolicies"}}}},
	"aws:iam/instanceProfile:InstanceProfile": {Scope: Roles, Actions: []string{"iam:CreateInstanceProfile", "iam:GetInstanceProfile",
		"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile", "iam:TagInstanceProfile",
		"iam:UntagInstanceProfile", "iam:ListInstanceProfileTags"}, PassRoleTo: []string{"ec2.amazonaws.com"}},

	// KMS: creation cannot be scoped; everything else only on the stack's own keys.
	"aws:kms/key:Key": {Scope: Any, Actions: []string{"kms:CreateKey", "kms:ListAliases"},
		Also: []Grant{{Scope: KeysOfStack, Actions: []string{"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
			"kms:ListResourceTags", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:UpdateKeyDescription",
			"kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
			// Using the keys: encrypted log groups, topics, parameters and the database.
			"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"}}}},
	"aws:kms/alias:Alias": {Scope: KeyAliases, Actions: []string{"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"},
		Also: []Grant{{Scope: Any, Actions: []string{"kms:ListAliases"}}}},

	// CloudWatch
	"aws:cloudwatch/logGroup:LogGroup": {Scope: Any, Actions: []string{"logs:CreateLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy",
		"logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:DeleteLogGroup", "logs:TagResource",
		"logs:UntagResource", "logs:ListTagsForResource", "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup"}},
	// The jobs: an EventBridge Scheduler schedule that runs the task with the job's
	// scheduler role, and the EventBridge rule that matches a failed run.
	"aws:scheduler/schedule:Schedule": {Scope: Schedules, Actions: []string{"scheduler:CreateSchedule", "scheduler:GetSchedule",
		"scheduler:UpdateSchedule", "scheduler:DeleteSchedule"}, PassRoleTo: []string{"scheduler.amazonaws.com"}},
	"aws:scheduler/scheduleGroup:ScheduleGroup": {Scope: Schedules, Actions: []string{"scheduler:CreateScheduleGroup", "scheduler:GetScheduleGroup",
		"scheduler:DeleteScheduleGroup", "scheduler:TagResource", "scheduler:UntagResource", "scheduler:ListTagsForResource"}},
	"aws:cloudwatch/eventRule:EventRule": {Scope: EventRules, Actions: []string{"events:PutRule", "events:DescribeRule", "events:DeleteRule",
		"events:EnableRule", "events:DisableRule", "events:ListTargetsByRule", "events:TagResource", "events:UntagResource", "events:ListTagsForResource"}},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {Scope: Alarms, Actions: []string{"cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
		"cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"}},
	"aws:cloudwatch/dashboard:Dashboard": {Scope: Dashboards, Actions: []string{"cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"}},

	// SNS
	"aws:sns/topic:Topic": {Scope: Topics, Actions: []string{"sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:DeleteTopic",
		"sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"}},
	"aws:sns/topicPolicy:TopicPolicy": {Scope: Topics, Actions: []string{"sns:SetTopicAttributes", "sns:GetTopicAttributes"}},
	"aws:sns/topicSubscription:TopicSubscription": {Scope: Topics, Actions: []string{"sns:Subscribe", "sns:Unsubscribe",
		"sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"}},

	// SSM parameters of the stack's path
	"aws:ssm/parameter:Parameter": {Scope: Parameters, Actions: []string{"ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters",
		"ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"},
		Also: []Grant{{Scope: Any, Actions: []string{"ssm:DescribeParameters"}}}},

	// Aurora
	"aws:rds/cluster:Cluster": {Scope: Database, Actions: []string{"rds:CreateDBCluster", "rds:DescribeDBClusters", "rds:ModifyDBCluster",
		"rds:DeleteDBCluster", "rds:CreateDBClusterSnapshot", "rds:DescribeDBClusterSnapshots", "rds:AddTagsToResource",
		"rds:RemoveTagsFromResource", "rds:ListTagsForResource"},
		Also:               []Grant{{Scope: Any, Actions: []string{"rds:DescribeGlobalClusters", "rds:DescribeDBEngineVersions"}}},
		ServiceLinkedRoles: []string{"rds.amazonaws.com"}},
	"aws:rds/clusterInstance:ClusterInstance": {Scope: Database, Actions: []string{"rds:CreateDBInstance", "rds:DescribeDBInstances",
		"rds:ModifyDBInstance", "rds:DeleteDBInstance", "rds:RebootDBInstance", "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
		"rds:ListTagsForResource"}, ServiceLinkedRoles: []string{"rds.amazonaws.com"}, PassRoleTo: []string{"monitoring.rds.amazonaws.com"}},
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": {Scope: Database, Actions: []string{"rds:CreateDBClusterParameterGroup",
		"rds:DescribeDBClusterParameterGroups", "rds:DescribeDBClusterParameters", "rds:ModifyDBClusterParameterGroup",
		"rds:ResetDBClusterParameterGroup", "rds:DeleteDBClusterParameterGroup", "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
		"rds:ListTagsForResource"}},
	"aws:rds/subnetGroup:SubnetGroup": {Scope: Database, Actions: []string{"rds:CreateDBSubnetGroup", "rds:DescribeDBSubnetGroups",
		"rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"}},

	// ECS, ECR, Cloud Map, Application Auto Scaling
	"aws:ecs/cluster:Cluster": {Scope: EcsCluster, Actions: []string{"ecs:CreateCluster", "ecs:DescribeClusters", "ecs:UpdateCluster",
		"ecs:UpdateClusterSettings", "ecs:DeleteCluster", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"},
		ServiceLinkedRoles: []string{"ecs.amazonaws.com"}},
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {Scope: EcsCluster, Actions: []string{"ecs:PutClusterCapacityProviders", "ecs:DescribeClusters"}},
	// Service Connect: ECS registers the service in the Cloud Map namespace with the
	// caller's permissions.
	"aws:ecs/service:Service": {Scope: EcsCluster, Actions: []string{"ecs:CreateService", "ecs:DescribeServices", "ecs:UpdateService",
		"ecs:DeleteService", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource"},
		Also: []Grant{{Scope: Any, Actions: []string{"servicediscovery:CreateService", "servicediscovery:GetService", "servicediscovery:UpdateService",
			"servicediscovery:DeleteService", "servicediscovery:ListServices", "servicediscovery:GetNamespace"}}},
		ServiceLinkedRoles: []string{"ecs.amazonaws.com"}},
	// Task definitions cannot be scoped to a resource.
	"aws:ecs/taskDefinition:TaskDefinition": {Scope: Any, Actions: []string{"ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition",
		"ecs:DeregisterTaskDefinition", "ecs:DeleteTaskDefinitions", "ecs:TagResource", "ecs:ListTagsForResource"},
		PassRoleTo: []string{"ecs-tasks.amazonaws.com"}},
	"aws:ecr/repository:Repository": {Scope: Repositories, Actions: []string{"ecr:CreateRepository", "ecr:DescribeRepositories",
		"ecr:DeleteRepository", "ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration", "ecr:TagResource", "ecr:UntagResource",
		"ecr:ListTagsForResource", "ecr:ListImages", "ecr:BatchDeleteImage"}},
	"aws:ecr/lifecyclePolicy:LifecyclePolicy": {Scope: Repositories, Actions: []string{"ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy",
		"ecr:DeleteLifecyclePolicy"}},
	"aws:servicediscovery/httpNamespace:HttpNamespace": {Scope: Any, Actions: []string{"servicediscovery:CreateHttpNamespace",
		"servicediscovery:GetNamespace", "servicediscovery:GetOperation", "servicediscovery:DeleteNamespace", "servicediscovery:UpdateHttpNamespace",
		"servicediscovery:TagResource", "servicediscovery:UntagResource", "servicediscovery:ListTagsForResource"}},
	"aws:appautoscaling/target:Target": {Scope: Any, Actions: []string{"application-autoscaling:RegisterScalableTarget",
		"application-autoscaling:DescribeScalableTargets", "application-autoscaling:DeregisterScalableTarget",
		"application-autoscaling:TagResource", "application-autoscaling:UntagResource", "application-autoscaling:ListTagsForResource",
		"ecs:DescribeServices", "ecs:UpdateService"},
		ServiceLinkedRoles: []string{"ecs.application-autoscaling.amazonaws.com"}},
	// Target tracking creates and deletes its own CloudWatch alarms with the caller's
	// permissions (the Alarms scope includes them).
	"aws:appautoscaling/policy:Policy": {Scope: Any, Actions: []string{"application-autoscaling:PutScalingPolicy",
		"application-autoscaling:DescribeScalingPolicies", "application-autoscaling:DeleteScalingPolicy"},
		Also: []Grant{{Scope: Alarms, Actions: []string{"cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"}}}},
	"aws:appautoscaling/scheduledAction:ScheduledAction": {Scope: Any, Actions: []string{"application-autoscaling:PutScheduledAction",
		"application-autoscaling:DescribeScheduledActions", "application-autoscaling:DeleteScheduledAction"}},

	// Load balancing: target group names do not carry the stack's prefix, so the scope
	// is the region.
	"aws:lb/loadBalancer:LoadBalancer": {Scope: Any, Actions: []string{"elasticloadbalancing:CreateLoadBalancer",
		"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
		"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
		"elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:AddTags",
		"elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"},
		ServiceLinkedRoles: []string{"elasticloadbalancing.amazonaws.com"}},
	"aws:lb/targetGroup:TargetGroup": {Scope: Any, Actions: []string{"elasticloadbalancing:CreateTargetGroup",
		"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
		"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
		"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"}},
	"aws:lb/listener:Listener": {Scope: Any, Actions: []string{"elasticloadbalancing:CreateListener", "elasticloadbalancing:DescribeListeners",
		"elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyListenerAttributes",
		"elasticloadbalancing:DeleteListener", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"}},
	"aws:lb/listenerRule:ListenerRule": {Scope: Any, Actions: []string{"elasticloadbalancing:CreateRule", "elasticloadbalancing:DescribeRules",
		"elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule", "elasticloadbalancing:SetRulePriorities",
		"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"}},

	// S3 (the Terraform provider reads every bucket sub-resource on refresh)
	"aws:s3/bucketV2:BucketV2": {Scope: Buckets, Actions: []string{"s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions",
		"s3:GetBucketLocation", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning",
		"s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration",
		"s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketPolicy",
		"s3:GetBucketTagging", "s3:PutBucketTagging", "s3:GetBucketOwnershipControls", "s3:GetBucketPublicAccessBlock",
		// forceDestroy empties the bucket first.
		"s3:DeleteObject", "s3:DeleteObjectVersion"}},
	"aws:s3/bucketPolicy:BucketPolicy":                       {Scope: Buckets, Actions: []string{"s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"}},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {Scope: Buckets, Actions: []string{"s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"}},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls": {Scope: Buckets, Actions: []string{"s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"}},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {Scope: Buckets,
		Actions: []string{"s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"}},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": {Scope: Buckets,
		Actions: []string{"s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"}},
	"aws:s3/bucketVersioningV2:BucketVersioningV2": {Scope: Buckets, Actions: []string{"s3:PutBucketVersioning", "s3:GetBucketVersioning"}},

	// CloudFront (global: its API is in us-east-1); distributions have no names to scope by.
	"aws:cloudfront/distribution:Distribution": {Scope: Any, Actions: []string{"cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags",
		"cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution",
		"cloudfront:TagResource", "cloudfront:UntagResource", "cloudfront:ListTagsForResource",
		// Attaching the web ACL and the certificate.
		"wafv2:GetWebACL", "acm:DescribeCertificate", "acm:ListCertificates"}},
	"aws:cloudfront/originAccessControl:OriginAccessControl": {Scope: Any, Actions: []string{"cloudfront:CreateOriginAccessControl",
		"cloudfront:GetOriginAccessControl", "cloudfront:UpdateOriginAccessControl", "cloudfront:DeleteOriginAccessControl"}},
	// CloudFront standard logs (v2): CloudWatch Logs' delivery objects, and the CloudFront
	// permission to make a distribution a delivery source
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html).
	"aws:cloudwatch/logDeliverySource:LogDeliverySource": {Scope: Any, Actions: []string{"logs:PutDeliverySource", "logs:GetDeliverySource",
		"logs:DescribeDeliverySources", "logs:DeleteDeliverySource", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource",
		"cloudfront:AllowVendedLogDeliveryForResource"}},
	"aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": {Scope: Any, Actions: []string{"logs:PutDeliveryDestination",
		"logs:GetDeliveryDestination", "logs:DescribeDeliveryDestinations", "logs:DeleteDeliveryDestination", "logs:TagResource",
		"logs:UntagResource", "logs:ListTagsForResource"}},
	"aws:cloudwatch/logDelivery:LogDelivery": {Scope: Any, Actions: []string{"logs:CreateDelivery", "logs:GetDelivery",
		"logs:DescribeDeliveries", "logs:UpdateDeliveryConfiguration", "logs:DeleteDelivery", "logs:TagResource", "logs:UntagResource",
		"logs:ListTagsForResource"}},
	"aws:cloudfront/cachePolicy:CachePolicy": {Scope: Any, Actions: []string{"cloudfront:CreateCachePolicy",
		"cloudfront:GetCachePolicy", "cloudfront:UpdateCachePolicy", "cloudfront:DeleteCachePolicy"}},
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": {Scope: Any, Actions: []string{"cloudfront:CreateResponseHeadersPolicy",
		"cloudfront:GetResponseHeadersPolicy", "cloudfront:UpdateResponseHeadersPolicy", "cloudfront:DeleteResponseHeadersPolicy"}},
	// A VPC origin reaches the internal load balancer through CloudFront's service-linked
	// role for VPC origins
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
	"aws:cloudfront/vpcOrigin:VpcOrigin": {Scope: Any, Actions: []string{"cloudfront:CreateVpcOrigin", "cloudfront:GetVpcOrigin",
		"cloudfront:UpdateVpcOrigin", "cloudfront:DeleteVpcOrigin", "cloudfront:TagResource", "cloudfront:ListTagsForResource",
		"elasticloadbalancing:DescribeLoadBalancers", "ec2:DescribeSecurityGroups", "ec2:DescribeRegions"},
		ServiceLinkedRoles: []string{"vpcorigin.cloudfront.amazonaws.com"}},

	// WAF (CLOUDFRONT scope, in us-east-1)
	"aws:wafv2/webAcl:WebAcl": {Scope: Any, Actions: []string{"wafv2:CreateWebACL", "wafv2:GetWebACL", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL",
		"wafv2:TagResource", "wafv2:UntagResource", "wafv2:ListTagsForResource", "wafv2:DescribeManagedRuleGroup", "wafv2:CheckCapacity"}},
	"aws:wafv2/ipSet:IpSet": {Scope: Any, Actions: []string{"wafv2:CreateIPSet", "wafv2:GetIPSet", "wafv2:UpdateIPSet", "wafv2:DeleteIPSet",
		"wafv2:TagResource", "wafv2:UntagResource", "wafv2:ListTagsForResource"}},
	// Logging to CloudWatch Logs: WAF adds a resource policy on the log group's behalf
	// (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {Scope: Any, Actions: []string{"wafv2:PutLoggingConfiguration",
		"wafv2:GetLoggingConfiguration", "wafv2:DeleteLoggingConfiguration", "logs:CreateLogDelivery", "logs:DeleteLogDelivery",
		"logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"}},

	// Certificates and DNS
	"aws:acm/certificate:Certificate": {Scope: Any, Actions: []string{"acm:RequestCertificate", "acm:DescribeCertificate",
		"acm:ListTagsForCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate", "acm:DeleteCertificate"}},
	"aws:acm/certificateValidation:CertificateValidation": {Scope: Any, Actions: []string{"acm:DescribeCertificate"}},
	"aws:route53/record:Record": {Scope: Zones, Actions: []string{"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
		"route53:GetChange", "route53:GetHostedZone"}},

	// Not AWS resources.
	"pulumi:pulumi:StackReference":               {},
	"random:index/randomPassword:RandomPassword": {},
	"random:index/randomId:RandomId":             {},
	"random:index/randomString:RandomString":     {},
}

// Runs maps what the deploy workflows do to a stack besides `pulumi up` to what it needs.
var Runs = map[string]Grant{
	// .github/scripts/run-migration.sh: one task of the migration task definition
	// (ecs:RunTask on its revisions, only in the stack's cluster: "Run Amazon ECS task
	// example" in
	// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security_iam_id-based-policy-examples.html),
	// which passes the task's execution and task roles to ECS tasks (iam:PassRole), then
	// ecs:DescribeTasks, which `aws ecs wait tasks-stopped` polls too, and the task's log
	// stream (logs:GetLogEvents). The script's targeted `pulumi up` needs only what the
	// task definition's own entry grants.
	"migration": {Scope: MigrationTaskDefinitions, Actions: []string{"ecs:RunTask"},
		Also: []Grant{
			{Scope: Tasks, Actions: []string{"ecs:DescribeTasks"}},
			{Scope: MigrationLogs, Actions: []string{"logs:GetLogEvents"}},
		},
		PassRoleTo: []string{"ecs-tasks.amazonaws.com"}},
}

// Functions maps the provider functions (invokes) the programs call to what they read.
var Functions = map[string]Grant{
	// GetCallerIdentity needs no permission.
	"aws:index/getCallerIdentity:getCallerIdentity":             {},
	"aws:elb/getServiceAccount:getServiceAccount":               {},
	"aws:ecr/getImage:getImage":                                 {Scope: Repositories, Actions: []string{"ecr:DescribeImages"}},
	"aws:ec2/getManagedPrefixList:getManagedPrefixList":         {Scope: Any, Actions: []string{"ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"}},
	"aws:route53/getZone:getZone":                               {Scope: Zones, Actions: []string{"route53:GetHostedZone", "route53:ListTagsForResource"}},
	"aws:ssm/getParameter:getParameter":                         {Scope: AwsParams, Actions: []string{"ssm:GetParameter"}},
	"aws:iam/getPolicyDocument:getPolicyDocument":               {},
	"aws:index/getRegion:getRegion":                             {},
	"aws:index/getAvailabilityZones:getAvailabilityZones":       {Scope: Any, Actions: []string{"ec2:DescribeAvailabilityZones"}},
	"aws:ecr/getRepositories:getRepositories":                   {Scope: Any, Actions: []string{"ecr:DescribeRepositories"}},
	"aws:ec2/getAmi:getAmi":                                     {Scope: Any, Actions: []string{"ec2:DescribeImages"}},
	"aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {Scope: Any, Actions: []string{"iam:GetOpenIDConnectProvider"}},
}
