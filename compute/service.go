package compute

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/iamdoc"
)

// TaskExecutionPolicyArn is the AWS managed policy that lets ECS pull images from ECR and
// write container logs.
const TaskExecutionPolicyArn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

// ExecActions are the only actions the task role needs for ECS Exec's data channel
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-required-iam-permissions).
var ExecActions = []string{
	"ssmmessages:CreateControlChannel",
	"ssmmessages:CreateDataChannel",
	"ssmmessages:OpenControlChannel",
	"ssmmessages:OpenDataChannel",
}

// GrantedSidPrefix starts the statement ids of the task role's permissions from config
// (services[].taskPermissions), numbered from 0 in config order.
const GrantedSidPrefix = "Granted"

// ServiceArgs configures a Service.
type ServiceArgs struct {
	// Required. The validated service configuration.
	Config config.Service
	// Required. The AWS region, for the awslogs driver and the parameter ARNs.
	Region string
	// Required. The AWS account id, for the parameter ARNs and trust policies.
	AccountID string
	// Required. The ECS cluster's ARN.
	ClusterArn pulumi.StringInput
	// Required. The ECS cluster's name (autoscaling resource ids use it).
	ClusterName pulumi.StringInput
	// Required. The capacity provider strategy of the service.
	CapacityProviderStrategy []config.CapacityProviderShare
	// Required. The VPC of the service's security group.
	VpcID pulumi.StringInput
	// Required. The private subnets the tasks run in.
	SubnetIDs pulumi.StringArrayInput
	// Required. The load balancer's security group; only it may reach the container port.
	LoadBalancerSecurityGroupID pulumi.StringInput
	// Required. The service's target group and the listener and rule that route to it.
	Target Target
	// Optional. Defaults to 30. How many images the service's ECR repository keeps.
	ImagesToKeep int
	// Required. The SSM path of the stack's parameters, "/<project>/<environment>/"; the
	// execution role may read only below it.
	ParameterPath string
	// Required. The ARNs of the SSM parameters, by parameter name; every name in
	// Config.Secrets must be present.
	Secrets map[string]pulumi.StringInput
	// Optional. Defaults to none. The KMS key of the SecureString parameters; the
	// execution role may decrypt with it.
	ParameterKmsKeyArn pulumi.StringInput
	// Required. The KMS key that encrypts the service's log group and ECS Exec sessions.
	KmsKeyArn pulumi.StringInput
	// Required. The ECS Exec session log group's ARN; the task role may write to it.
	ExecLogGroupArn pulumi.StringInput
	// Optional. Defaults to none. The database's security group; the tasks may reach it on DatabasePort.
	DatabaseSecurityGroupID pulumi.StringInput
	// Optional. Defaults to 5432. The database port.
	DatabasePort int
}

// Service is one ECS Fargate service with its ECR repository, task definition, IAM
// roles, security group and autoscaling.
type Service struct {
	pulumi.ResourceState

	// Name is the service's configuration name, e.g. "web".
	Name string
	// ServiceName is the ECS service's name.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`
	// TargetGroupArn is the service's target group.
	TargetGroupArn pulumi.StringOutput `pulumi:"targetGroupArn"`
	// TargetGroupArnSuffix is the target group's CloudWatch dimension.
	TargetGroupArnSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	// SecurityGroupID guards the tasks.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// LogGroupName receives the containers' output.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// RepositoryURL is the service's ECR repository.
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	// TaskDefinitionArn is the current task definition revision.
	TaskDefinitionArn pulumi.StringOutput `pulumi:"taskDefinitionArn"`
}

// ContainerDefinition is the part of an ECS container definition this program sets
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html).
type ContainerDefinition struct {
	Name                   string           `json:"name"`
	Image                  string           `json:"image"`
	Essential              bool             `json:"essential"`
	User                   string           `json:"user"`
	ReadonlyRootFilesystem bool             `json:"readonlyRootFilesystem"`
	PortMappings           []PortMapping    `json:"portMappings"`
	Environment            []KeyValue       `json:"environment"`
	Secrets                []Secret         `json:"secrets"`
	MountPoints            []MountPoint     `json:"mountPoints"`
	LinuxParameters        LinuxParameters  `json:"linuxParameters"`
	LogConfiguration       LogConfiguration `json:"logConfiguration"`
}

// PortMapping is a container port.
type PortMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

// KeyValue is an environment variable.
type KeyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Secret is an environment variable read from SSM Parameter Store at task start.
type Secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

// MountPoint mounts a task volume.
type MountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

// LinuxParameters are Linux-specific container settings.
type LinuxParameters struct {
	InitProcessEnabled bool `json:"initProcessEnabled"`
}

// LogConfiguration is a container's log driver.
type LogConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

// writablePaths are the only writable paths of the read-only root filesystem: /tmp for the
// application, and the directories ECS Exec's SSM agent writes to
// (https://github.com/aws/containers-roadmap/issues/1359).
var writablePaths = []struct{ volume, path string }{
	{"tmp", "/tmp"},
	{"ssm-lib", "/var/lib/amazon"},
	{"ssm-log", "/var/log/amazon"},
}

// NewService creates one service. Child names derive from name (e.g. "ecsite-prod-web").
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil {
		return nil, errors.New("compute: service args are required")
	}
	s := args.Config
	for _, secret := range s.Secrets {
		if args.Secrets[secret] == nil {
			return nil, fmt.Errorf("service %q: secret %s has no SSM parameter ARN", name, secret)
		}
	}
	if len(args.Target.Routing) == 0 {
		return nil, fmt.Errorf("service %q: the target group has no listener", name)
	}
	imagesToKeep := args.ImagesToKeep
	if imagesToKeep == 0 {
		imagesToKeep = 30
	}
	dbPort := args.DatabasePort
	if dbPort == 0 {
		dbPort = 5432
	}
	c := &Service{Name: s.Name}
	if err := ctx.RegisterComponentResource("ecsite:compute:Service", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	repo, err := newRepository(ctx, name, imagesToKeep, parent)
	if err != nil {
		return nil, err
	}

	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/ecs/" + name),
		RetentionInDays: pulumi.Int(s.LogRetentionDays),
		KmsKeyId:        args.KmsKeyArn,
	}, parent)
	if err != nil {
		return nil, err
	}

	sg, err := newTaskSecurityGroup(ctx, name, args, dbPort, parent)
	if err != nil {
		return nil, err
	}

	execRole, taskRole, grants, err := newRoles(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}

	// Container definitions, built from Go values once every ARN is known.
	image := pulumi.String(s.Image.Repository + s.Image.Reference()).ToStringOutput()
	if s.Image.Repository == "" {
		image = pulumi.Sprintf("%s%s", repo.RepositoryUrl, s.Image.Reference())
	}
	secretNames := append([]string(nil), s.Secrets...)
	sort.Strings(secretNames)
	secretArns := pulumi.StringArray{}
	for _, n := range secretNames {
		secretArns = append(secretArns, args.Secrets[n])
	}
	containers := pulumi.All(image, logs.Name, secretArns).ApplyT(func(v []any) (string, error) {
		arns := v[2].([]string)
		secrets := make([]Secret, len(secretNames))
		for i, n := range secretNames {
			secrets[i] = Secret{Name: n, ValueFrom: arns[i]}
		}
		return containerDefinitions(s, v[0].(string), v[1].(string), args.Region, secrets)
	}).(pulumi.StringOutput)

	volumes := ecs.TaskDefinitionVolumeArray{}
	for _, w := range writablePaths {
		volumes = append(volumes, ecs.TaskDefinitionVolumeArgs{Name: pulumi.String(w.volume)})
	}
	// The task definition waits for the roles' policies: a task started before them fails
	// to pull its image or secrets, and such failures count towards the circuit breaker.
	task, err := ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(fmt.Sprint(s.Cpu)),
		Memory:                  pulumi.String(fmt.Sprint(s.Memory)),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String("X86_64"),
		},
		ExecutionRoleArn:     execRole.Arn,
		TaskRoleArn:          taskRole.Arn,
		ContainerDefinitions: containers,
		Volumes:              volumes,
		// A replaced revision stays ACTIVE: ECS refuses to update a service to a
		// deregistered (INACTIVE) revision
		// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html),
		// so keeping it lets an operator roll back to it and leaves the circuit breaker's
		// rollback target registered.
		SkipDestroy: pulumi.Bool(true),
	}, parent, pulumi.DependsOn(grants))
	if err != nil {
		return nil, err
	}

	strategy := ecs.ServiceCapacityProviderStrategyArray{}
	for _, p := range args.CapacityProviderStrategy {
		strategy = append(strategy, ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(p.CapacityProvider),
			Base:             pulumi.Int(p.Base),
			Weight:           pulumi.Int(p.Weight),
		})
	}
	service, err := ecs.NewService(ctx, name, &ecs.ServiceArgs{
		Cluster:                    args.ClusterArn,
		TaskDefinition:             task.Arn,
		DesiredCount:               pulumi.Int(s.DesiredCount),
		CapacityProviderStrategies: strategy,
		// Without it the provider replaces the service when the strategy changes (adding a
		// Spot share, say): a new service that starts at desiredCount while the old one and
		// its tasks are deleted. With it the change is a rolling deployment in place.
		ForceNewDeployment:              pulumi.Bool(true),
		PlatformVersion:                 pulumi.String("LATEST"),
		EnableExecuteCommand:            pulumi.Bool(true),
		DeploymentMinimumHealthyPercent: pulumi.Int(s.MinHealthyPercent),
		DeploymentMaximumPercent:        pulumi.Int(s.MaxPercent),
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		HealthCheckGracePeriodSeconds: pulumi.Int(s.HealthCheckGracePeriodSeconds),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        args.SubnetIDs,
			SecurityGroups: pulumi.StringArray{sg.ID()},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: args.Target.Arn,
			ContainerName:  pulumi.String(s.Name),
			ContainerPort:  pulumi.Int(s.Port),
		}},
		PropagateTags:        pulumi.String("SERVICE"),
		EnableEcsManagedTags: pulumi.Bool(true),
		// Autoscaling owns the task count after creation; pulumi up must not reset it.
	}, parent, pulumi.DependsOn(args.Target.Routing), pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, err
	}

	if err := newAutoscaling(ctx, name, s, args.ClusterName, service, parent); err != nil {
		return nil, err
	}

	c.ServiceName = service.Name
	c.TargetGroupArn = args.Target.Arn
	c.TargetGroupArnSuffix = args.Target.ArnSuffix
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.LogGroupName = logs.Name
	c.RepositoryURL = repo.RepositoryUrl
	c.TaskDefinitionArn = task.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"serviceName":          c.ServiceName,
		"targetGroupArn":       c.TargetGroupArn,
		"targetGroupArnSuffix": c.TargetGroupArnSuffix,
		"securityGroupId":      c.SecurityGroupID,
		"logGroupName":         c.LogGroupName,
		"repositoryUrl":        c.RepositoryURL,
		"taskDefinitionArn":    c.TaskDefinitionArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// containerDefinitions renders the task's single container as JSON.
func containerDefinitions(s config.Service, image, logGroup, region string, secrets []Secret) (string, error) {
	env := []KeyValue{{Name: "NODE_ENV", Value: "production"}}
	names := make([]string, 0, len(s.Environment))
	for n := range s.Environment {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		env = append(env, KeyValue{Name: n, Value: s.Environment[n]})
	}
	mounts := make([]MountPoint, len(writablePaths))
	for i, w := range writablePaths {
		mounts[i] = MountPoint{SourceVolume: w.volume, ContainerPath: w.path}
	}
	def := ContainerDefinition{
		Name:                   s.Name,
		Image:                  image,
		Essential:              true,
		User:                   s.User,
		ReadonlyRootFilesystem: true,
		PortMappings:           []PortMapping{{ContainerPort: s.Port, Protocol: "tcp"}},
		Environment:            env,
		Secrets:                secrets,
		MountPoints:            mounts,
		// An init process reaps the zombie processes ECS Exec sessions leave behind.
		LinuxParameters: LinuxParameters{InitProcessEnabled: true},
		LogConfiguration: LogConfiguration{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         logGroup,
				"awslogs-region":        region,
				"awslogs-stream-prefix": s.Name,
			},
		},
	}
	b, err := json.Marshal([]ContainerDefinition{def})
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// newRepository creates the service's ECR repository: immutable tags, scan on push,
// KMS encryption and a lifecycle policy keeping the last imagesToKeep images.
func newRepository(ctx *pulumi.Context, name string, imagesToKeep int, parent pulumi.ResourceOption) (*ecr.Repository, error) {
	repo, err := ecr.NewRepository(ctx, name+"-repo", &ecr.RepositoryArgs{
		Name:               pulumi.String(name),
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{
			EncryptionType: pulumi.String("KMS"),
		}},
	}, parent)
	if err != nil {
		return nil, err
	}
	policy, err := LifecyclePolicy(imagesToKeep)
	if err != nil {
		return nil, err
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name+"-repo", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(policy),
	}, parent); err != nil {
		return nil, err
	}
	return repo, nil
}

// LifecyclePolicy is an ECR lifecycle policy that expires all but the newest n images
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html).
func LifecyclePolicy(n int) (string, error) {
	type selection struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountNumber int    `json:"countNumber"`
	}
	type action struct {
		Type string `json:"type"`
	}
	type rule struct {
		RulePriority int       `json:"rulePriority"`
		Description  string    `json:"description"`
		Selection    selection `json:"selection"`
		Action       action    `json:"action"`
	}
	b, err := json.Marshal(map[string][]rule{"rules": {{
		RulePriority: 1,
		Description:  fmt.Sprintf("Keep the newest %d images", n),
		Selection:    selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: n},
		Action:       action{Type: "expire"},
	}}})
	return string(b), err
}

// newTaskSecurityGroup creates the tasks' group: in from the load balancer on the
// container port only; out to the internet on the configured ports and to the database.
// It also opens the load balancer's group towards this port.
func newTaskSecurityGroup(ctx *pulumi.Context, name string, args *ServiceArgs, dbPort int, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	s := args.Config
	sg, err := ec2.NewSecurityGroup(ctx, name+"-tasks", &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String(fmt.Sprintf("%s tasks: port %d from the ALB only", s.Name, s.Port)),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name + "-tasks")},
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-from-alb", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           sg.ID(),
		Description:               pulumi.String("Container port from the load balancer"),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(s.Port),
		ToPort:                    pulumi.Int(s.Port),
		ReferencedSecurityGroupId: args.LoadBalancerSecurityGroupID,
	}, parent); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-alb-to-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           args.LoadBalancerSecurityGroupID,
		Description:               pulumi.String(fmt.Sprintf("To the %s tasks", s.Name)),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(s.Port),
		ToPort:                    pulumi.Int(s.Port),
		ReferencedSecurityGroupId: sg.ID(),
	}, parent); err != nil {
		return nil, err
	}
	for _, port := range s.OutboundPorts {
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, fmt.Sprintf("%s-out-%d", name, port), &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.Sprintf("Port %d to the internet", port),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(port),
			ToPort:          pulumi.Int(port),
			CidrIpv4:        pulumi.String("0.0.0.0/0"),
		}, parent); err != nil {
			return nil, err
		}
	}
	if args.DatabaseSecurityGroupID != nil {
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-to-db", &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           sg.ID(),
			Description:               pulumi.String("To the database"),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(dbPort),
			ToPort:                    pulumi.Int(dbPort),
			ReferencedSecurityGroupId: args.DatabaseSecurityGroupID,
		}, parent); err != nil {
			return nil, err
		}
	}
	return sg, nil
}

// ParameterPathArn is the ARN pattern of every parameter under path, e.g.
// arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/prod/*.
func ParameterPathArn(region, account, path string) string {
	return "arn:aws:ssm:" + region + ":" + account + ":parameter" + path + "*"
}

// newRoles creates the execution role (image pull, logs, the stack's parameters and
// their key) and the task role (ECS Exec, and the permissions config grants). It also
// returns the roles' policies and attachment, which the task definition waits for.
func newRoles(ctx *pulumi.Context, name string, args *ServiceArgs, parent pulumi.ResourceOption) (*iam.Role, *iam.Role, []pulumi.Resource, error) {
	trust, err := iamdoc.AssumeRole("ecs-tasks.amazonaws.com", args.AccountID).JSON()
	if err != nil {
		return nil, nil, nil, err
	}
	execRole, err := iam.NewRole(ctx, name+"-execution", &iam.RoleArgs{
		Description:      pulumi.String("Starts " + name + "'s tasks: pulls the image, writes logs, reads its SSM parameters"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	managed, err := iam.NewRolePolicyAttachment(ctx, name+"-execution", &iam.RolePolicyAttachmentArgs{
		Role:      execRole.Name,
		PolicyArn: pulumi.String(TaskExecutionPolicyArn),
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	// Secrets from Parameter Store: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html
	paramArn := ParameterPathArn(args.Region, args.AccountID, args.ParameterPath)
	keyArn := pulumi.String("").ToStringOutput()
	if args.ParameterKmsKeyArn != nil {
		keyArn = args.ParameterKmsKeyArn.ToStringOutput()
	}
	execPolicy := keyArn.ApplyT(func(key string) (string, error) {
		statements := []iamdoc.Statement{{
			Sid:      "ReadStackParameters",
			Action:   []string{"ssm:GetParameters"},
			Resource: []string{paramArn},
		}}
		if key != "" {
			statements = append(statements, iamdoc.Statement{
				Sid:      "DecryptStackParameters",
				Action:   []string{"kms:Decrypt"},
				Resource: []string{key},
			})
		}
		return iamdoc.New(statements...).JSON()
	}).(pulumi.StringOutput)
	execInline, err := iam.NewRolePolicy(ctx, name+"-execution", &iam.RolePolicyArgs{
		Role:   execRole.ID(),
		Policy: execPolicy,
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}

	taskRole, err := iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		Description:      pulumi.String("The " + name + " application: ECS Exec and the permissions its config grants"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	// ECS Exec: the SSM data channel, session logging to the encrypted log group, and the
	// key that encrypts the session
	// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).
	// What config grants follows, one statement each.
	taskPolicy := pulumi.All(args.ExecLogGroupArn, args.KmsKeyArn).ApplyT(func(v []any) (string, error) {
		group, key := v[0].(string), v[1].(string)
		statements := []iamdoc.Statement{
			{Sid: "ExecChannel", Action: ExecActions, Resource: []string{"*"}},
			{Sid: "ExecFindLogGroup", Action: []string{"logs:DescribeLogGroups"}, Resource: []string{"*"}},
			{
				Sid:      "ExecSessionLogs",
				Action:   []string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"},
				Resource: []string{group, group + ":*"},
			},
			{Sid: "ExecSessionKey", Action: []string{"kms:Decrypt"}, Resource: []string{key}},
		}
		for i, perm := range args.Config.TaskPermissions {
			statements = append(statements, iamdoc.Statement{
				Sid:      fmt.Sprintf("%s%d", GrantedSidPrefix, i),
				Action:   perm.Actions,
				Resource: perm.Resources,
			})
		}
		return iamdoc.New(statements...).JSON()
	}).(pulumi.StringOutput)
	taskInline, err := iam.NewRolePolicy(ctx, name+"-task", &iam.RolePolicyArgs{
		Role:   taskRole.ID(),
		Policy: taskPolicy,
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	return execRole, taskRole, []pulumi.Resource{managed, execInline, taskInline}, nil
}

// newAutoscaling registers the service's task count with Application Auto Scaling:
// target tracking on CPU and memory, and the configured schedules in ScheduleTimezone.
func newAutoscaling(ctx *pulumi.Context, name string, s config.Service, clusterName pulumi.StringInput, service *ecs.Service, parent pulumi.ResourceOption) error {
	targetOpts := []pulumi.ResourceOption{parent}
	if len(s.Schedules) > 0 {
		// Each scheduled action rewrites the target's range, so once a service has
		// schedules they own minCapacity and maxCapacity. Without this, every refresh
		// (the daily drift check) would report the scheduled range as drift, and an up
		// after a refresh would undo the schedule until its next run.
		targetOpts = append(targetOpts, pulumi.IgnoreChanges([]string{"minCapacity", "maxCapacity"}))
	}
	target, err := appautoscaling.NewTarget(ctx, name+"-scaling", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", clusterName, service.Name),
		MinCapacity:       pulumi.Int(s.MinCount),
		MaxCapacity:       pulumi.Int(s.MaxCount),
	}, targetOpts...)
	if err != nil {
		return err
	}
	for _, m := range []struct {
		suffix, metric string
		target         float64
	}{
		{"cpu", "ECSServiceAverageCPUUtilization", s.CPUTarget},
		{"memory", "ECSServiceAverageMemoryUtilization", s.MemoryTarget},
	} {
		if _, err := appautoscaling.NewPolicy(ctx, name+"-"+m.suffix, &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(m.metric),
				},
				TargetValue:      pulumi.Float64(m.target),
				ScaleInCooldown:  pulumi.Int(s.ScaleInCooldownSeconds),
				ScaleOutCooldown: pulumi.Int(s.ScaleOutCooldownSeconds),
			},
		}, parent); err != nil {
			return err
		}
	}
	for _, sc := range s.Schedules {
		if _, err := appautoscaling.NewScheduledAction(ctx, name+"-"+sc.Name, &appautoscaling.ScheduledActionArgs{
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			Schedule:          pulumi.String(sc.Schedule),
			Timezone:          pulumi.String(config.ScheduleTimezone),
			ScalableTargetAction: &appautoscaling.ScheduledActionScalableTargetActionArgs{
				MinCapacity: pulumi.Int(sc.MinCount),
				MaxCapacity: pulumi.Int(sc.MaxCount),
			},
		}, parent); err != nil {
			return err
		}
	}
	return nil
}
