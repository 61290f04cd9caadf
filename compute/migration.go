package compute

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MigrationContainer is the container of the migration task, and its log stream prefix:
// a task's log stream is "migrate/migrate/<task id>".
const MigrationContainer = "migrate"

// MigrationStem is the migration task definition's logical name and family for a stack
// prefix, e.g. ecsite-prod-migrate; its log group is "/ecs/" + the stem.
func MigrationStem(prefix string) string { return prefix + "-" + MigrationContainer }

// MigrationArgs configures a MigrationTask.
type MigrationArgs struct {
	// Required. The migration settings, checked with [MigrationSettings.Check]; the
	// command is not empty.
	Settings MigrationSettings
	// Required. The service whose image, secrets, variables and security group the task
	// has (Settings.Service).
	Service *Service
	// Required. The ECS cluster's name, for the output.
	ClusterName pulumi.StringInput
	// Required. The private subnets the task runs in, for the output.
	SubnetIDs pulumi.StringArrayInput
}

// MigrationTask is the schema migration: a task definition of a service's image with
// the migration command, the service's database access and secrets, its own log group
// and roles. Nothing runs it on a schedule: the deploy workflows (and an operator, see
// docs/operations.md) start it with ecs run-task and wait for its exit code.
type MigrationTask struct {
	// Output is the stack output "migration": what a deploy needs to run the task and
	// read its logs.
	Output pulumi.MapOutput
	// TaskDefinitionArn is the current revision.
	TaskDefinitionArn pulumi.StringOutput
}

// NewMigrationTask registers the migration task of prefix's stack: the task definition
// <prefix>-migrate (family and container as [MigrationStem] and [MigrationContainer]),
// the log group /ecs/<prefix>-migrate and the roles <prefix>-migrate-execution and
// <prefix>-migrate-task. opts should make the cluster their parent.
func NewMigrationTask(ctx *pulumi.Context, prefix string, args *MigrationArgs, opts ...pulumi.ResourceOption) (*MigrationTask, error) {
	if args == nil || args.Service == nil || args.Service.args == nil {
		return nil, errors.New("compute: migration args with a created service are required")
	}
	m := args.Settings
	if !m.Enabled() {
		return nil, errors.New("compute: the migration command is empty")
	}
	svc := args.Service.args
	s := svc.Settings
	stem := MigrationStem(prefix)
	res, err := newOneOffTask(ctx, oneOffTask{
		stem:             stem,
		container:        MigrationContainer,
		what:             "the schema migration in the " + s.Name + " image",
		region:           svc.Region,
		accountID:        svc.AccountID,
		image:            serviceImage(s, args.Service.RepositoryURL),
		command:          m.Command,
		cpu:              m.Cpu,
		memory:           m.Memory,
		architecture:     s.Architecture,
		user:             s.User,
		writablePaths:    s.WritablePaths,
		logRetentionDays: m.LogRetentionDays,
		logKeyArn:        svc.KmsKeyArn,
		secretNames:      s.Secrets,
		secretArns:       svc.Secrets,
		parameterKeyArn:  svc.ParameterKmsKeyArn,
		siteURL:          svc.SiteURL,
		// The service's own variables: the task runs the service's code and config.
		vars: func(siteURL string) (map[string]string, error) { return containerEnvironment(svc, siteURL) },
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("migration: %w", err)
	}
	t := &MigrationTask{TaskDefinitionArn: res.task.Arn}
	t.Output = pulumi.Map{
		"cluster":              args.ClusterName,
		"taskDefinitionFamily": res.task.Family,
		"taskDefinitionArn":    res.task.Arn,
		"containerName":        pulumi.String(MigrationContainer),
		"subnets":              args.SubnetIDs,
		"securityGroups":       pulumi.StringArray{args.Service.SecurityGroupID},
		"logGroup":             res.logGroup.Name,
		"logStreamPrefix":      pulumi.String(MigrationContainer),
		"resourceType":         pulumi.String("aws:ecs/taskDefinition:TaskDefinition"),
		"resourceName":         pulumi.String(stem),
	}.ToMapOutput()
	return t, nil
}
