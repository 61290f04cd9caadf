package compute

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// oneOffTask is a task definition that runs to completion rather than behind a service:
// the migration task and the scheduled jobs. Unlike a service's, its roles are written
// for it alone: the execution role pulls only its image, writes only its log group and
// reads only the parameters it names; the task role has no ECS Exec (nobody opens a
// shell in a task that ends by itself) and only what its settings grant.
type oneOffTask struct {
	// stem is the logical name of the task definition and its family; the log group is
	// /ecs/<stem>, and the roles <stem>-execution and <stem>-task.
	stem string
	// container is the container's name and its log stream prefix.
	container string
	// what says what the task does, in the roles' descriptions.
	what              string
	region, accountID string
	image             pulumi.StringOutput
	command           []string
	cpu, memory       int
	architecture      string
	user              string
	writablePaths     []string
	logRetentionDays  int
	// logKeyArn encrypts the log group (the cluster's key).
	logKeyArn pulumi.StringInput
	// secretNames are the container's secrets, each a key of secretArns.
	secretNames []string
	secretArns  map[string]pulumi.StringInput
	// parameterKeyArn encrypts the SecureString parameters; nil for none.
	parameterKeyArn pulumi.StringInput
	// siteURL is passed to vars, which returns the plain variables but NODE_ENV.
	siteURL pulumi.StringInput
	vars    func(siteURL string) (map[string]string, error)
	// permissions are the task role's statements.
	permissions []Permission
	// tags are the task definition's own tags, beside the stack's default tags.
	tags map[string]string
}

// oneOffResources are what newOneOffTask registers.
type oneOffResources struct {
	task      *ecs.TaskDefinition
	logGroup  *cloudwatch.LogGroup
	execution *iam.Role
	taskRole  *iam.Role
}

// ecrImage matches an image in a private ECR repository: account, region, repository.
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)[:@]`)

// ecrRepositoryArn is the ARN of the private ECR repository an image is in, or "" for an
// image from another registry (which the execution role needs no permission to pull).
func ecrRepositoryArn(image string) string {
	m := ecrImage.FindStringSubmatch(image)
	if m == nil {
		return ""
	}
	return "arn:aws:ecr:" + m[2] + ":" + m[1] + ":repository/" + m[3]
}

// executionPolicy is the execution role's policy of a one-off task: pull the image,
// write the log group, read the named parameters and decrypt them
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html).
func executionPolicy(image, logGroupArn string, parameterArns []string, keyArn string) (string, error) {
	var statements []iamdoc.Statement
	if repo := ecrRepositoryArn(image); repo != "" {
		statements = append(statements,
			// GetAuthorizationToken takes no resource.
			iamdoc.Statement{Sid: "EcrLogin", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
			iamdoc.Statement{Sid: "PullImage", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, Resource: []string{repo}},
		)
	}
	statements = append(statements, iamdoc.Statement{
		Sid:      "WriteLogs",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{logGroupArn + ":log-stream:*"},
	})
	if len(parameterArns) > 0 {
		statements = append(statements, iamdoc.Statement{Sid: "ReadParameters", Action: []string{"ssm:GetParameters"}, Resource: parameterArns})
		if keyArn != "" {
			statements = append(statements, iamdoc.Statement{Sid: "DecryptParameters", Action: []string{"kms:Decrypt"}, Resource: []string{keyArn}})
		}
	}
	return iamdoc.New(statements...).JSON()
}

// newOneOffTask registers the log group, the two roles with their policies and the task
// definition of t, every one with opts.
func newOneOffTask(ctx *pulumi.Context, t oneOffTask, opts ...pulumi.ResourceOption) (*oneOffResources, error) {
	logs, err := cloudwatch.NewLogGroup(ctx, t.stem+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/ecs/" + t.stem),
		RetentionInDays: pulumi.Int(t.logRetentionDays),
		KmsKeyId:        t.logKeyArn,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("log group %s-logs: %w", t.stem, err)
	}
	trust, err := iamdoc.AssumeRole("ecs-tasks.amazonaws.com", t.accountID).JSON()
	if err != nil {
		return nil, fmt.Errorf("trust policy: %w", err)
	}
	execRole, err := iam.NewRole(ctx, t.stem+"-execution", &iam.RoleArgs{
		Description:      pulumi.String("Starts " + t.stem + " (" + t.what + "): pulls its image, writes its logs, reads its SSM parameters"),
		AssumeRolePolicy: pulumi.String(trust),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("role %s-execution: %w", t.stem, err)
	}
	secretNames, secretArns := secretRefs(t.secretNames, t.secretArns)
	keyArn := pulumi.String("").ToStringOutput()
	if t.parameterKeyArn != nil {
		keyArn = t.parameterKeyArn.ToStringOutput()
	}
	execPolicy := pulumi.All(t.image, logs.Arn, secretArns, keyArn).ApplyT(func(v []any) (string, error) {
		return executionPolicy(v[0].(string), v[1].(string), v[2].([]string), v[3].(string))
	}).(pulumi.StringOutput)
	execInline, err := iam.NewRolePolicy(ctx, t.stem+"-execution", &iam.RolePolicyArgs{
		Role:   execRole.ID(),
		Policy: execPolicy,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("role policy %s-execution: %w", t.stem, err)
	}
	taskRole, err := iam.NewRole(ctx, t.stem+"-task", &iam.RoleArgs{
		Description:      pulumi.String("The " + t.stem + " task (" + t.what + "): only the permissions its config grants"),
		AssumeRolePolicy: pulumi.String(trust),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("role %s-task: %w", t.stem, err)
	}
	grants := []pulumi.Resource{execInline}
	if len(t.permissions) > 0 {
		doc, err := iamdoc.New(grantedStatements(t.permissions)...).JSON()
		if err != nil {
			return nil, fmt.Errorf("role policy %s-task: %w", t.stem, err)
		}
		taskInline, err := iam.NewRolePolicy(ctx, t.stem+"-task", &iam.RolePolicyArgs{
			Role:   taskRole.ID(),
			Policy: pulumi.String(doc),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("role policy %s-task: %w", t.stem, err)
		}
		grants = append(grants, taskInline)
	}

	volumes := append([]struct{ volume, path string }{writablePaths[0]}, customVolumes(t.writablePaths)...)
	containers := pulumi.All(t.image, logs.Name, secretArns, t.siteURL).ApplyT(func(v []any) (string, error) {
		vars, err := t.vars(v[3].(string))
		if err != nil {
			return "", err
		}
		return containerSpec{
			name: t.container, image: v[0].(string), user: t.user,
			command:  t.command,
			vars:     vars,
			secrets:  pairSecrets(secretNames, v[2].([]string)),
			volumes:  volumes,
			logGroup: v[1].(string), region: t.region, streamPrefix: t.container,
		}.render()
	}).(pulumi.StringOutput)
	taskArgs := &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(t.stem),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(fmt.Sprint(t.cpu)),
		Memory:                  pulumi.String(fmt.Sprint(t.memory)),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(ServiceSettings{Architecture: t.architecture}.CPUArchitecture()),
		},
		ExecutionRoleArn:     execRole.Arn,
		TaskRoleArn:          taskRole.Arn,
		ContainerDefinitions: containers,
		Volumes:              volumeArgs(volumes),
		// A task started from the previous revision (a migration the deploy is waiting
		// for, a job that is still running) keeps a registered revision.
		SkipDestroy: pulumi.Bool(true),
	}
	if len(t.tags) > 0 {
		taskArgs.Tags = pulumi.ToStringMap(t.tags)
	}
	task, err := ecs.NewTaskDefinition(ctx, t.stem, taskArgs, append(opts, pulumi.DependsOn(grants))...)
	if err != nil {
		return nil, fmt.Errorf("task definition %s: %w", t.stem, err)
	}
	return &oneOffResources{task: task, logGroup: logs, execution: execRole, taskRole: taskRole}, nil
}

// customVolumes are the volumes of configured writable paths, in config order.
func customVolumes(paths []string) []struct{ volume, path string } {
	var out []struct{ volume, path string }
	for _, p := range paths {
		out = append(out, struct{ volume, path string }{WritableVolumeName(p), p})
	}
	return out
}
