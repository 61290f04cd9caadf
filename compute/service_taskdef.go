package compute

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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

// ContainerDefinition is the part of an ECS container definition this program sets
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html).
type ContainerDefinition struct {
	Name                   string           `json:"name"`
	Image                  string           `json:"image"`
	Essential              bool             `json:"essential"`
	User                   string           `json:"user"`
	ReadonlyRootFilesystem bool             `json:"readonlyRootFilesystem"`
	PortMappings           []PortMapping    `json:"portMappings"`
	Command                []string         `json:"command,omitempty"`
	Environment            []KeyValue       `json:"environment"`
	Secrets                []Secret         `json:"secrets"`
	MountPoints            []MountPoint     `json:"mountPoints"`
	LinuxParameters        LinuxParameters  `json:"linuxParameters"`
	LogConfiguration       LogConfiguration `json:"logConfiguration"`
	HealthCheck            *HealthCheckJSON `json:"healthCheck,omitempty"`
}

// HealthCheckJSON is a container health check as the container definition holds it
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html).
type HealthCheckJSON struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod int      `json:"startPeriod"`
}

// PortMapping is a container port. A port that Service Connect publishes has a name
// and an application protocol.
type PortMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	Name          string `json:"name,omitempty"`
	AppProtocol   string `json:"appProtocol,omitempty"`
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

// SiteURLVariable is the plain variable with the public site URL that every container gets.
const SiteURLVariable = "SITE_URL"

// InternalURLVariable is the plain variable with a called service's URL inside the VPC,
// e.g. API_INTERNAL_URL for api.
func InternalURLVariable(service string) string {
	return strings.ToUpper(strings.ReplaceAll(service, "-", "_")) + "_INTERNAL_URL"
}

// InternalURL is the URL a caller reaches service on through Service Connect: the
// service's name as the host, on its container port.
func InternalURL(service string, port int) string {
	return fmt.Sprintf("http://%s:%d", service, port)
}

// WritableVolumeName is the task volume of a configured writable path. It derives from
// the path, not its position in the list, so reordering writablePaths changes nothing:
// "rw-" and the path's parts joined by hyphens (at most 200 characters), then 8 hex
// digits of the path's SHA-256, which keeps /a-b and /a/b apart.
func WritableVolumeName(p string) string {
	readable := strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")
	readable = strings.Map(func(r rune) rune {
		if r == '.' {
			return '_'
		}
		return r
	}, readable)
	if len(readable) > 200 {
		readable = readable[:200]
	}
	sum := sha256.Sum256([]byte(p))
	return "rw-" + readable + "-" + hex.EncodeToString(sum[:4])
}

// databaseClient reports whether the service reads any of the database's connection
// parameters.
func databaseClient(s ServiceSettings, parameters []string) bool {
	for _, name := range s.Secrets {
		if slices.Contains(parameters, name) {
			return true
		}
	}
	return false
}

// containerEnvironment is every plain variable of the container but NODE_ENV: the site
// URL, the URLs of the called services, the database's TLS variables for a database
// client, and the configured ones. It refuses a name set twice.
func containerEnvironment(args *ServiceArgs, siteURL string) (map[string]string, error) {
	s := args.Settings
	env := map[string]string{SiteURLVariable: siteURL}
	set := func(name, value, from string) error {
		if _, dup := env[name]; dup {
			return fmt.Errorf("service %q: variable %s (%s) is set twice", s.Name, name, from)
		}
		env[name] = value
		return nil
	}
	for _, c := range s.Calls {
		port, ok := args.CalleePorts[c]
		if !ok {
			return nil, fmt.Errorf("service %q: calls %q, whose port is unknown", s.Name, c)
		}
		if err := set(InternalURLVariable(c), InternalURL(c, port), "calls"); err != nil {
			return nil, err
		}
	}
	if databaseClient(s, args.DatabaseParameters) {
		for name, value := range args.DatabaseEnvironment {
			if err := set(name, value, "database"); err != nil {
				return nil, err
			}
		}
	}
	for name, value := range s.Environment {
		if err := set(name, value, "environment"); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// newTaskDefinition creates the task definition of the service's single container: the
// image (from the service's own repository unless the settings name another one), the
// secrets by parameter ARN and logs to logGroup. It waits for the roles' grants: a task
// started before them fails to pull its image or secrets, and such failures count
// towards the circuit breaker.
func newTaskDefinition(ctx *pulumi.Context, name string, args *ServiceArgs, repo *ecr.Repository, logGroup pulumi.StringOutput, roles *taskRoles, parent pulumi.ResourceOption) (*ecs.TaskDefinition, error) {
	s := args.Settings
	// Container definitions, built from Go values once every ARN is known.
	image := serviceImage(s, repo.RepositoryUrl)
	secretNames, secretArns := secretRefs(s.Secrets, args.Secrets)
	containers := pulumi.All(image, logGroup, secretArns, args.SiteURL).ApplyT(func(v []any) (string, error) {
		secrets := pairSecrets(secretNames, v[2].([]string))
		env, err := containerEnvironment(args, v[3].(string))
		if err != nil {
			return "", err
		}
		return containerDefinitions(s, args.Called, v[0].(string), v[1].(string), args.Region, env, secrets)
	}).(pulumi.StringOutput)

	task, err := ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(fmt.Sprint(s.Cpu)),
		Memory:                  pulumi.String(fmt.Sprint(s.Memory)),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(s.CPUArchitecture()),
		},
		ExecutionRoleArn:     roles.execution.Arn,
		TaskRoleArn:          roles.task.Arn,
		ContainerDefinitions: containers,
		Volumes:              volumeArgs(taskVolumes(s)),
		// A replaced revision stays ACTIVE: ECS refuses to update a service to a
		// deregistered (INACTIVE) revision
		// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html),
		// so keeping it lets an operator roll back to it and leaves the circuit breaker's
		// rollback target registered.
		SkipDestroy: pulumi.Bool(true),
	}, parent, pulumi.DependsOn(roles.grants))
	if err != nil {
		return nil, fmt.Errorf("task definition %s-task: %w", name, err)
	}
	return task, nil
}

// volumeArgs are the task definition's volumes of the given writable volumes.
func volumeArgs(volumes []struct{ volume, path string }) ecs.TaskDefinitionVolumeArray {
	out := ecs.TaskDefinitionVolumeArray{}
	for _, w := range volumes {
		out = append(out, ecs.TaskDefinitionVolumeArgs{Name: pulumi.String(w.volume)})
	}
	return out
}

// grantedStatements are the task role's statements of the permissions config grants,
// with ids GrantedSidPrefix0, 1, ... in config order.
func grantedStatements(perms []Permission) []iamdoc.Statement {
	out := make([]iamdoc.Statement, len(perms))
	for i, perm := range perms {
		out[i] = iamdoc.Statement{Sid: fmt.Sprintf("%s%d", GrantedSidPrefix, i), Action: perm.Actions, Resource: perm.Resources}
	}
	return out
}

// taskVolumes are the task's writable volumes: the fixed ones, then the configured
// writable paths in config order.
func taskVolumes(s ServiceSettings) []struct{ volume, path string } {
	out := append([]struct{ volume, path string }(nil), writablePaths...)
	return append(out, customVolumes(s.WritablePaths)...)
}

// serviceImage is the image of a service's containers: the configured repository, or
// the service's own (repoURL), with the tag or digest. The migration task and the jobs
// of a service run the same image, so that an image release moves them together.
func serviceImage(s ServiceSettings, repoURL pulumi.StringInput) pulumi.StringOutput {
	if s.Image.Repository != "" {
		return pulumi.String(s.Image.Repository + s.Image.Reference()).ToStringOutput()
	}
	return pulumi.Sprintf("%s%s", repoURL, s.Image.Reference())
}

// secretRefs returns the secret names sorted, as containers list them, and their
// parameter ARNs in the same order.
func secretRefs(names []string, arns map[string]pulumi.StringInput) ([]string, pulumi.StringArray) {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	out := pulumi.StringArray{}
	for _, n := range sorted {
		out = append(out, arns[n])
	}
	return sorted, out
}

// pairSecrets joins the names secretRefs returned with their resolved ARNs.
func pairSecrets(names, arns []string) []Secret {
	secrets := make([]Secret, len(names))
	for i, n := range names {
		secrets[i] = Secret{Name: n, ValueFrom: arns[i]}
	}
	return secrets
}

// containerDefinitions renders the task's single container as JSON: NODE_ENV, then
// vars by name. called names the container port for Service Connect; a worker has no
// port. The container health check is there when the settings give a command.
func containerDefinitions(s ServiceSettings, called bool, image, logGroup, region string, vars map[string]string, secrets []Secret) (string, error) {
	ports := []PortMapping{}
	if s.HasPort() {
		port := PortMapping{ContainerPort: s.Port, Protocol: "tcp"}
		if called {
			port.Name, port.AppProtocol = s.Name, "http"
		}
		ports = append(ports, port)
	}
	return containerSpec{
		name: s.Name, image: image, user: s.User,
		ports:    ports,
		vars:     vars,
		secrets:  secrets,
		volumes:  taskVolumes(s),
		logGroup: logGroup, region: region, streamPrefix: s.Name,
		healthCheck: s.ContainerHealthCheck,
	}.render()
}

// containerSpec is what differs between the containers this program defines: a
// service's, the migration task's and a job's. Every container runs as a non-root user
// on a read-only root filesystem with the given writable volumes, with an init process,
// NODE_ENV=production, and logs to CloudWatch.
type containerSpec struct {
	name, image, user string
	// command replaces the image's CMD; nil keeps it.
	command []string
	ports   []PortMapping
	// vars are the plain variables but NODE_ENV, listed by name.
	vars    map[string]string
	secrets []Secret
	volumes []struct{ volume, path string }
	// logGroup, region and streamPrefix configure the awslogs driver.
	logGroup, region, streamPrefix string
	// healthCheck is the container health check; none without a command.
	healthCheck ContainerHealthCheck
}

// render returns the container definitions of a task with this single container, as JSON.
func (c containerSpec) render() (string, error) {
	env := []KeyValue{{Name: "NODE_ENV", Value: "production"}}
	names := make([]string, 0, len(c.vars))
	for n := range c.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		env = append(env, KeyValue{Name: n, Value: c.vars[n]})
	}
	mounts := make([]MountPoint, len(c.volumes))
	for i, w := range c.volumes {
		mounts[i] = MountPoint{SourceVolume: w.volume, ContainerPath: w.path}
	}
	ports := c.ports
	if ports == nil {
		ports = []PortMapping{}
	}
	def := ContainerDefinition{
		Name:                   c.name,
		Image:                  c.image,
		Essential:              true,
		User:                   c.user,
		ReadonlyRootFilesystem: true,
		PortMappings:           ports,
		Command:                c.command,
		Environment:            env,
		Secrets:                c.secrets,
		MountPoints:            mounts,
		// An init process reaps the zombie processes ECS Exec sessions leave behind.
		LinuxParameters: LinuxParameters{InitProcessEnabled: true},
		LogConfiguration: LogConfiguration{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         c.logGroup,
				"awslogs-region":        c.region,
				"awslogs-stream-prefix": c.streamPrefix,
			},
		},
	}
	if h := c.healthCheck; h.Set() {
		def.HealthCheck = &HealthCheckJSON{
			Command:  h.Command,
			Interval: h.IntervalSeconds, Timeout: h.TimeoutSeconds, Retries: h.Retries, StartPeriod: h.StartPeriodSeconds,
		}
	}
	b, err := json.Marshal([]ContainerDefinition{def})
	if err != nil {
		return "", fmt.Errorf("container definitions: %w", err)
	}
	return string(b), nil
}

// ParameterArn is the ARN of the parameter name under path, e.g.
// arn:aws:ssm:ap-northeast-1:123456789012:parameter/ecsite/prod/JWT_SECRET
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html#awssystemsmanager-resources-for-iam-policies).
// Built from the name, it is known before the parameter exists, so a preview shows the
// execution role's policy in full.
func ParameterArn(region, account, path, name string) string {
	return "arn:aws:ssm:" + region + ":" + account + ":parameter" + path + name
}

// taskRoles are the two roles of a service's tasks and what grants them their permissions.
type taskRoles struct {
	// execution starts the tasks: image pull, logs, the parameters the service names and
	// their key.
	execution *iam.Role
	// task is the application's role: ECS Exec, and the permissions its settings grant.
	task *iam.Role
	// grants are the roles' policies and attachment, which the task definition waits for.
	grants []pulumi.Resource
}

// newRoles creates the execution role (image pull, logs, the parameters the service
// names and their key) and the task role (ECS Exec, and the permissions config grants), with the
// policies and attachment that the task definition waits for.
func newRoles(ctx *pulumi.Context, name string, args *ServiceArgs, parent pulumi.ResourceOption) (*taskRoles, error) {
	trust, err := iamdoc.AssumeRole("ecs-tasks.amazonaws.com", args.AccountID).JSON()
	if err != nil {
		return nil, fmt.Errorf("trust policy: %w", err)
	}
	execRole, err := iam.NewRole(ctx, name+"-execution", &iam.RoleArgs{
		Description:      pulumi.String("Starts " + name + "'s tasks: pulls the image, writes logs, reads its SSM parameters"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("role %s-execution: %w", name, err)
	}
	managed, err := iam.NewRolePolicyAttachment(ctx, name+"-execution", &iam.RolePolicyAttachmentArgs{
		Role:      execRole.Name,
		PolicyArn: pulumi.String(TaskExecutionPolicyArn),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("policy attachment %s-execution: %w", name, err)
	}
	// Secrets from Parameter Store, only the parameters this service names (least
	// privilege: ECS reads each valueFrom ARN with the execution role):
	// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html
	grants := []pulumi.Resource{managed}
	if names := sortedUnique(args.Settings.Secrets); len(names) > 0 {
		params := make([]string, len(names))
		for i, n := range names {
			params[i] = ParameterArn(args.Region, args.AccountID, args.ParameterPath, n)
		}
		keyArn := pulumi.String("").ToStringOutput()
		if args.ParameterKmsKeyArn != nil {
			keyArn = args.ParameterKmsKeyArn.ToStringOutput()
		}
		execPolicy := keyArn.ApplyT(func(key string) (string, error) {
			statements := []iamdoc.Statement{{
				Sid:      "ReadStackParameters",
				Action:   []string{"ssm:GetParameters"},
				Resource: params,
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
			return nil, fmt.Errorf("role policy %s-execution: %w", name, err)
		}
		grants = append(grants, execInline)
	}

	taskRole, err := iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		Description:      pulumi.String("The " + name + " application: ECS Exec and the permissions its config grants"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("role %s-task: %w", name, err)
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
		return iamdoc.New(append(statements, grantedStatements(args.Settings.TaskPermissions)...)...).JSON()
	}).(pulumi.StringOutput)
	taskInline, err := iam.NewRolePolicy(ctx, name+"-task", &iam.RolePolicyArgs{
		Role:   taskRole.ID(),
		Policy: taskPolicy,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("role policy %s-task: %w", name, err)
	}
	return &taskRoles{execution: execRole, task: taskRole, grants: append(grants, taskInline)}, nil
}

// sortedUnique returns names sorted, each once.
func sortedUnique(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return slices.Compact(out)
}
