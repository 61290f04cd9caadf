package compute

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/check"
)

// ServiceArgs configures a Service.
type ServiceArgs struct {
	// Required. The service's settings, checked with [ServiceSettings.Check].
	Settings ServiceSettings
	// Required. The AWS region, for the awslogs driver and the parameter ARNs.
	Region string
	// Required. The AWS account id, for the parameter ARNs and trust policies.
	AccountID string
	// Required. The ECS cluster's ARN.
	ClusterArn pulumi.StringInput
	// Required. The ECS cluster's name (autoscaling resource ids use it).
	ClusterName pulumi.StringInput
	// Required. The capacity provider strategy of the service.
	CapacityProviderStrategy []CapacityProviderShare
	// Required. The VPC of the service's security group.
	VpcID pulumi.StringInput
	// Required. The private subnets the tasks run in.
	SubnetIDs pulumi.StringArrayInput
	// Required for a web service. The load balancer's security group; only it may reach
	// the container port (besides the callers, through Service Connect).
	LoadBalancerSecurityGroupID pulumi.StringInput
	// Required for a web service. Its target group and the listener and rule that route
	// to it. Backends and workers have none.
	Target Target
	// Optional. Defaults to 30. How many images the service's ECR repository keeps.
	ImagesToKeep int
	// Optional. Defaults to false. Lets a destroy delete the repository with its images.
	ForceDeleteImages bool
	// Optional. Defaults to false. The configured image is not in the service's own
	// repository yet (a fresh stack creates the repository empty): the service starts
	// with zero tasks and without autoscaling, so the first `pulumi up` succeeds; the
	// first deploy after the image is pushed adds the autoscaling, which raises the
	// service to its minimum.
	AwaitingImage bool
	// Required. The SSM path of the stack's parameters, "/<project>/<environment>/"; the
	// execution role may read the parameters below it that Settings.Secrets names.
	ParameterPath string
	// Required. The ARNs of the SSM parameters, by parameter name; every name in
	// Settings.Secrets must be present.
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
	// Required. The public site URL, the container's SITE_URL.
	SiteURL pulumi.StringInput
	// Required. The Cloud Map namespace of Service Connect (the cluster's NamespaceArn).
	NamespaceArn pulumi.StringInput
	// Optional. Defaults to false. Whether another service calls this one: it then
	// publishes its container port through Service Connect under its name. A worker,
	// which has no port, cannot be called.
	Called bool
	// Required for every name in Settings.Calls: the called services' container ports.
	CalleePorts map[string]int
	// Optional. Defaults to none. Resources the ECS service is created after: the ECS
	// services of the services it calls, so that its first tasks find their endpoints
	// (a task resolves only the endpoints that existed when it started).
	After []pulumi.Resource
	// Optional. Defaults to none. The SSM parameters that hold database connection
	// settings; a service whose Settings.Secrets name one of them also gets
	// DatabaseEnvironment as plain variables.
	DatabaseParameters []string
	// Optional. Defaults to none. The plain variables of a database client: the TLS
	// settings that go with the connection parameters.
	DatabaseEnvironment map[string]string
}

// Service is one ECS Fargate service with its ECR repository, task definition, IAM
// roles, security group and autoscaling. What reaches it depends on its kind
// (ServiceSettings.Kind): a web service is behind the load balancer, a backend is
// reached through Service Connect only, a worker not at all.
type Service struct {
	pulumi.ResourceState

	// Name is the service's configuration name, e.g. "web".
	Name string
	// ServiceName is the ECS service's name.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`
	// TargetGroupArn is the service's target group; empty for a backend or a worker.
	TargetGroupArn pulumi.StringOutput `pulumi:"targetGroupArn"`
	// TargetGroupArnSuffix is the target group's CloudWatch dimension; empty for a
	// backend or a worker.
	TargetGroupArnSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	// SecurityGroupID guards the tasks.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// LogGroupName receives the containers' output.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// RepositoryURL is the service's ECR repository.
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	// TaskDefinitionArn is the current task definition revision.
	TaskDefinitionArn pulumi.StringOutput `pulumi:"taskDefinitionArn"`

	// Kind is the service's kind (KindWeb, KindBackend or KindWorker).
	Kind string
	// Port is the container port; 0 for a worker.
	Port int
	// ECSService is the ECS service, which callers are created after.
	ECSService *ecs.Service
	sg         *ec2.SecurityGroup
	// args are the service's arguments, which its migration task and jobs reuse.
	args *ServiceArgs
	// resource is the component's name, which its children's names start with.
	resource string
}

// NewService creates one service. Child names derive from name (e.g. "ecsite-prod-web").
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil {
		return nil, errors.New("compute: service args are required")
	}
	s := args.Settings
	for _, secret := range s.Secrets {
		if args.Secrets[secret] == nil {
			return nil, fmt.Errorf("service %q: secret %s has no SSM parameter ARN", name, secret)
		}
	}
	for _, c := range s.Calls {
		if _, ok := args.CalleePorts[c]; !ok {
			return nil, fmt.Errorf("service %q: calls %q, whose port is unknown", name, c)
		}
	}
	if args.SiteURL == nil || args.NamespaceArn == nil {
		return nil, fmt.Errorf("service %q: the site URL and the Service Connect namespace are required", name)
	}
	switch {
	case !check.OneOf(s.Kind, ServiceKinds):
		return nil, fmt.Errorf("service %q: kind %q is not one of %s", name, s.Kind, strings.Join(ServiceKinds, ", "))
	case s.IsWeb() && (len(args.Target.Routing) == 0 || args.LoadBalancerSecurityGroupID == nil):
		return nil, fmt.Errorf("service %q: a web service needs the load balancer's security group and a target group with a listener", name)
	case args.Called && !s.HasPort():
		return nil, fmt.Errorf("service %q: a %s has no port, so no service can call it", name, s.Kind)
	}
	imagesToKeep := args.ImagesToKeep
	if imagesToKeep == 0 {
		imagesToKeep = DefaultImagesToKeep
	}
	dbPort := args.DatabasePort
	if dbPort == 0 {
		dbPort = 5432
	}
	c := &Service{Name: s.Name, Kind: s.Kind, Port: s.Port, resource: name}
	if err := ctx.RegisterComponentResource("ecsite:compute:Service", name, c, opts...); err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	parent := pulumi.Parent(c)

	repo, err := newRepository(ctx, name, imagesToKeep, args.ForceDeleteImages, parent)
	if err != nil {
		return nil, err
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/ecs/" + name),
		RetentionInDays: pulumi.Int(s.LogRetentionDays),
		KmsKeyId:        args.KmsKeyArn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("log group %s-logs: %w", name, err)
	}
	sg, err := newTaskSecurityGroup(ctx, name, args, dbPort, parent)
	if err != nil {
		return nil, err
	}
	roles, err := newRoles(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	task, err := newTaskDefinition(ctx, name, args, repo, logs.Name, roles, parent)
	if err != nil {
		return nil, err
	}
	service, err := newECSService(ctx, name, args, task, sg, logs.Name, parent)
	if err != nil {
		return nil, err
	}
	if args.AwaitingImage {
		// Registering the scalable target later moves the task count into its range
		// (https://docs.aws.amazon.com/autoscaling/application/userguide/getting-started.html,
		// "Scalable target"), so nothing else is needed once the image exists.
		ctx.Log.Warn(fmt.Sprintf("service %s starts with zero tasks: its image %s%s is not in its repository yet; push it and deploy again", s.Name, name, s.Image.Reference()), &pulumi.LogArgs{Resource: c})
	} else if err := newAutoscaling(ctx, name, s, args.ClusterName, service, parent); err != nil {
		return nil, err
	}

	c.ECSService, c.sg = service, sg
	c.args = args
	c.ServiceName = service.Name
	c.TargetGroupArn, c.TargetGroupArnSuffix = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	if s.IsWeb() {
		c.TargetGroupArn = args.Target.Arn
		c.TargetGroupArnSuffix = args.Target.ArnSuffix
	}
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
		return nil, fmt.Errorf("service %s outputs: %w", name, err)
	}
	return c, nil
}

// desiredCount is the task count the service is created with: zero while its image is
// awaited, the configured count otherwise (autoscaling owns it afterwards).
func desiredCount(args *ServiceArgs) int {
	if args.AwaitingImage {
		return 0
	}
	return args.Settings.DesiredCount
}

// newECSService creates the ECS service: the task definition on the cluster's capacity
// providers in the private subnets, behind the service's target group (web only), with
// rolling deployments that the circuit breaker rolls back.
func newECSService(ctx *pulumi.Context, name string, args *ServiceArgs, task *ecs.TaskDefinition, sg *ec2.SecurityGroup, logGroup pulumi.StringOutput, parent pulumi.ResourceOption) (*ecs.Service, error) {
	s := args.Settings
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
		DesiredCount:               pulumi.Int(desiredCount(args)),
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
		LoadBalancers:               loadBalancers(args),
		ServiceConnectConfiguration: serviceConnect(args, logGroup),
		PropagateTags:               pulumi.String("SERVICE"),
		EnableEcsManagedTags:        pulumi.Bool(true),
		// Autoscaling owns the task count after creation; pulumi up must not reset it.
	}, parent, pulumi.DependsOn(append(append([]pulumi.Resource(nil), args.Target.Routing...), args.After...)), pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, fmt.Errorf("ecs service %s: %w", name, err)
	}
	return service, nil
}

// loadBalancers attaches a web service's container port to its target group; a backend
// or a worker is behind no load balancer (nil).
func loadBalancers(args *ServiceArgs) ecs.ServiceLoadBalancerArrayInput {
	s := args.Settings
	if !s.IsWeb() {
		return nil
	}
	return ecs.ServiceLoadBalancerArray{ecs.ServiceLoadBalancerArgs{
		TargetGroupArn: args.Target.Arn,
		ContainerName:  pulumi.String(s.Name),
		ContainerPort:  pulumi.Int(s.Port),
	}}
}

// ServiceConnectProxyCPU and ServiceConnectProxyMemoryMiB are what AWS recommends adding
// to a task for the Service Connect proxy
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html,
// "Proxy resources"); the configuration refuses a task size without room for them.
const (
	ServiceConnectProxyCPU       = 256
	ServiceConnectProxyMemoryMiB = 64
)

// ServiceConnectProxyLogPrefix is the log stream prefix of the Service Connect proxy in
// the service's log group.
const ServiceConnectProxyLogPrefix = "service-connect"

// serviceConnect is the service's part in ECS Service Connect
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect.html): a
// service that calls others is a client of the namespace, and a called service also
// publishes its named container port as the endpoint http://<name>:<port>. ECS adds its
// proxy container to each task and sends the proxy's logs to the service's log group. A
// service that neither calls nor is called stays out of Service Connect (nil).
func serviceConnect(args *ServiceArgs, logGroup pulumi.StringOutput) ecs.ServiceServiceConnectConfigurationPtrInput {
	s := args.Settings
	if len(s.Calls) == 0 && !args.Called {
		return nil
	}
	sc := ecs.ServiceServiceConnectConfigurationArgs{
		Enabled:   pulumi.Bool(true),
		Namespace: args.NamespaceArn,
		LogConfiguration: &ecs.ServiceServiceConnectConfigurationLogConfigurationArgs{
			LogDriver: pulumi.String("awslogs"),
			Options: pulumi.StringMap{
				"awslogs-group":         logGroup,
				"awslogs-region":        pulumi.String(args.Region),
				"awslogs-stream-prefix": pulumi.String(ServiceConnectProxyLogPrefix),
			},
		},
	}
	if args.Called {
		sc.Services = ecs.ServiceServiceConnectConfigurationServiceArray{ecs.ServiceServiceConnectConfigurationServiceArgs{
			PortName:      pulumi.String(s.Name),
			DiscoveryName: pulumi.String(s.Name),
			ClientAlias: ecs.ServiceServiceConnectConfigurationServiceClientAliasArray{ecs.ServiceServiceConnectConfigurationServiceClientAliasArgs{
				Port:    pulumi.Int(s.Port),
				DnsName: pulumi.String(s.Name),
			}},
		}}
	}
	return sc
}

// AllowCaller opens callee's container port to caller's tasks, which call it through
// Service Connect: ingress to the callee's group ("<callee>-sc-from-<caller>") and egress
// from the caller's ("<caller>-sc-to-<callee>"), on that port only. Both rules are
// children of the callee.
func (callee *Service) AllowCaller(ctx *pulumi.Context, caller *Service) error {
	if caller == nil || caller.sg == nil || callee.sg == nil {
		return fmt.Errorf("service %q: AllowCaller needs two created services", callee.Name)
	}
	parent := pulumi.Parent(callee)
	in := callee.resource + "-sc-from-" + caller.Name
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, in, &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           callee.sg.ID(),
		Description:               pulumi.String(fmt.Sprintf("Container port from the %s tasks (Service Connect)", caller.Name)),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(callee.Port),
		ToPort:                    pulumi.Int(callee.Port),
		ReferencedSecurityGroupId: caller.sg.ID(),
	}, parent); err != nil {
		return fmt.Errorf("ingress rule %s: %w", in, err)
	}
	out := caller.resource + "-sc-to-" + callee.Name
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, out, &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           caller.sg.ID(),
		Description:               pulumi.String(fmt.Sprintf("To the %s tasks (Service Connect)", callee.Name)),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(callee.Port),
		ToPort:                    pulumi.Int(callee.Port),
		ReferencedSecurityGroupId: callee.sg.ID(),
	}, parent); err != nil {
		return fmt.Errorf("egress rule %s: %w", out, err)
	}
	return nil
}

// newTaskSecurityGroup creates the tasks' group: for a web service, in from the load
// balancer on the container port only (AllowCaller adds the callers of a web service or
// a backend); out on the configured ports to their destinations and to the database.
// For a web service it also opens the load balancer's group towards this port.
func newTaskSecurityGroup(ctx *pulumi.Context, name string, args *ServiceArgs, dbPort int, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	s := args.Settings
	description := fmt.Sprintf("%s tasks: port %d from the ALB only", s.Name, s.Port)
	switch s.Kind {
	case KindBackend:
		description = fmt.Sprintf("%s tasks: port %d from its callers only (Service Connect)", s.Name, s.Port)
	case KindWorker:
		description = fmt.Sprintf("%s tasks: no inbound traffic (a worker)", s.Name)
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-tasks", &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String(description),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name + "-tasks")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("security group %s-tasks: %w", name, err)
	}
	if s.IsWeb() {
		if err := allowLoadBalancer(ctx, name, args, sg, parent); err != nil {
			return nil, err
		}
	}
	if err := newTaskEgress(ctx, name, args, sg, dbPort, parent); err != nil {
		return nil, err
	}
	return sg, nil
}

// allowLoadBalancer opens a web service's container port to the load balancer: ingress
// to the tasks' group ("<name>-from-alb") and egress from the load balancer's
// ("<name>-alb-to-tasks").
func allowLoadBalancer(ctx *pulumi.Context, name string, args *ServiceArgs, sg *ec2.SecurityGroup, parent pulumi.ResourceOption) error {
	s := args.Settings
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-from-alb", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           sg.ID(),
		Description:               pulumi.String("Container port from the load balancer"),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(s.Port),
		ToPort:                    pulumi.Int(s.Port),
		ReferencedSecurityGroupId: args.LoadBalancerSecurityGroupID,
	}, parent); err != nil {
		return fmt.Errorf("ingress rule %s-from-alb: %w", name, err)
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-alb-to-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           args.LoadBalancerSecurityGroupID,
		Description:               pulumi.String(fmt.Sprintf("To the %s tasks", s.Name)),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(s.Port),
		ToPort:                    pulumi.Int(s.Port),
		ReferencedSecurityGroupId: sg.ID(),
	}, parent); err != nil {
		return fmt.Errorf("egress rule %s-alb-to-tasks: %w", name, err)
	}
	return nil
}

// newTaskEgress opens the tasks' group towards the configured outbound ports and the
// database.
func newTaskEgress(ctx *pulumi.Context, name string, args *ServiceArgs, sg *ec2.SecurityGroup, dbPort int, parent pulumi.ResourceOption) error {
	s := args.Settings
	// One rule per outbound port and destination; a port that goes anywhere keeps the
	// name <name>-out-<port> it had when every port did (ServiceSettings.Egress).
	for _, e := range s.Egress() {
		rn := name + "-" + e.Suffix
		rule := &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.String(e.Description()),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(e.Port),
			ToPort:          pulumi.Int(e.Port),
		}
		switch {
		case e.PrefixListID != "":
			rule.PrefixListId = pulumi.String(e.PrefixListID)
		case e.CidrIpv6 != "":
			rule.CidrIpv6 = pulumi.String(e.CidrIpv6)
		default:
			rule.CidrIpv4 = pulumi.String(e.CidrIpv4)
		}
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, rn, rule, parent); err != nil {
			return fmt.Errorf("egress rule %s: %w", rn, err)
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
			return fmt.Errorf("egress rule %s-to-db: %w", name, err)
		}
	}
	return nil
}
