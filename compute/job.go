package compute

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// Job retry and time window: EventBridge Scheduler retries a target it could not invoke
// (RunTask refused, throttled, no capacity), not a task that started and failed
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-retry-policy.html).
// A refused RunTask started nothing, so a retry cannot run the job twice; retries stop
// after JobRetryAttempts or JobRetryWindowSeconds, so a run never starts much later than
// its time. The flexible time window is off: a job runs at the time its schedule says,
// which is what a nightly report or a cleanup after the shop closes expects
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-flexible-time-windows.html).
const (
	JobRetryAttempts      = 3
	JobRetryWindowSeconds = 900
)

// ExpectedMinutesTag is the tag of a job's task definition that holds jobs[].expectedMinutes,
// which the cost estimate reads (cost.ExpectedMinutesTag).
const ExpectedMinutesTag = "expected-minutes"

// JobArgs configures a Job.
type JobArgs struct {
	// Required. The job's settings, checked with [JobSettings.Check]; Settings.Secrets
	// holds every parameter the job reads (config adds its database access first).
	Settings JobSettings
	// Required. The service named by Settings.Service: the job runs its image as its
	// user, in the same cluster, subnets and VPC, with the same parameter ARNs and keys.
	Service *Service
	// Required. The ECS cluster's ARN, which the schedule targets.
	ClusterArn pulumi.StringInput
	// Required. Whether Settings.Secrets name a database connection parameter: the job
	// then reaches the database and gets the service args' DatabaseEnvironment.
	DatabaseClient bool
}

// Job is a scheduled task: its task definition, roles and log group, a security group
// with only the egress it needs, the EventBridge Scheduler schedule that runs it with a
// role that may only run it, and an EventBridge rule that matches its failed runs.
type Job struct {
	pulumi.ResourceState

	// Name is the job's configuration name.
	Name string
	// TaskDefinitionArn is the current revision.
	TaskDefinitionArn pulumi.StringOutput `pulumi:"taskDefinitionArn"`
	// SecurityGroupID guards the job's tasks.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// LogGroupName receives the job's output.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// ScheduleName is the EventBridge Scheduler schedule.
	ScheduleName pulumi.StringOutput `pulumi:"scheduleName"`
	// ScheduleGroupName is the job's schedule group, the dimension of its AWS/Scheduler
	// metrics.
	ScheduleGroupName pulumi.StringOutput `pulumi:"scheduleGroupName"`
	// FailureRuleName is the EventBridge rule that matches a failed run; its
	// MatchedEvents metric is what the failure alarm watches.
	FailureRuleName pulumi.StringOutput `pulumi:"failureRuleName"`

	resource string
}

// NewJob creates one job. Child names derive from name (e.g. "ecsite-prod-job-nightly").
func NewJob(ctx *pulumi.Context, name string, args *JobArgs, opts ...pulumi.ResourceOption) (*Job, error) {
	if args == nil || args.Service == nil || args.Service.args == nil || args.ClusterArn == nil {
		return nil, errors.New("compute: job args with a created service and the cluster are required")
	}
	j := args.Settings
	svc := args.Service.args
	s := svc.Settings
	for _, secret := range j.Secrets {
		if svc.Secrets[secret] == nil {
			return nil, fmt.Errorf("job %q: secret %s has no SSM parameter ARN", name, secret)
		}
	}
	c := &Job{Name: j.Name, resource: name}
	if err := ctx.RegisterComponentResource("ecsite:compute:Job", name, c, opts...); err != nil {
		return nil, fmt.Errorf("job %s: %w", name, err)
	}
	parent := pulumi.Parent(c)

	res, err := newOneOffTask(ctx, oneOffTask{
		stem:             name,
		container:        j.Name,
		what:             "the scheduled job " + j.Name + " in the " + s.Name + " image",
		region:           svc.Region,
		accountID:        svc.AccountID,
		image:            serviceImage(s, args.Service.RepositoryURL),
		command:          j.Command,
		cpu:              j.Cpu,
		memory:           j.Memory,
		architecture:     s.Architecture,
		user:             s.User,
		writablePaths:    s.WritablePaths,
		logRetentionDays: j.LogRetentionDays,
		logKeyArn:        svc.KmsKeyArn,
		secretNames:      j.Secrets,
		secretArns:       svc.Secrets,
		parameterKeyArn:  svc.ParameterKmsKeyArn,
		siteURL:          svc.SiteURL,
		vars: func(siteURL string) (map[string]string, error) {
			return jobEnvironment(j, siteURL, args.DatabaseClient, svc.DatabaseEnvironment)
		},
		permissions: j.TaskPermissions,
		// The cost estimate reads how long a run takes from the task definition.
		tags: map[string]string{ExpectedMinutesTag: fmt.Sprint(j.ExpectedMinutes)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", name, err)
	}
	sg, err := newJobSecurityGroup(ctx, name, svc, args.DatabaseClient, parent)
	if err != nil {
		return nil, err
	}
	role, err := newSchedulerRole(ctx, name, svc.AccountID, args.ClusterArn, res, parent)
	if err != nil {
		return nil, err
	}
	// The job's own schedule group: EventBridge Scheduler publishes its metrics by group
	// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html),
	// so a group per job lets the failure alarm watch this job's dropped invocations.
	group, err := scheduler.NewScheduleGroup(ctx, name, &scheduler.ScheduleGroupArgs{
		Name: pulumi.String(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("schedule group %s: %w", name, err)
	}
	schedule, err := scheduler.NewSchedule(ctx, name, &scheduler.ScheduleArgs{
		Name:                       pulumi.String(name),
		GroupName:                  group.Name,
		Description:                pulumi.String(fmt.Sprintf("Runs the job %s (%s, %s)", j.Name, j.Schedule, JobTimezone)),
		ScheduleExpression:         pulumi.String(j.Schedule),
		ScheduleExpressionTimezone: pulumi.String(JobTimezone),
		State:                      pulumi.String("ENABLED"),
		FlexibleTimeWindow:         &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
		Target: &scheduler.ScheduleTargetArgs{
			Arn:     args.ClusterArn,
			RoleArn: role.Arn,
			EcsParameters: &scheduler.ScheduleTargetEcsParametersArgs{
				TaskDefinitionArn: res.task.Arn,
				TaskCount:         pulumi.Int(1),
				// On-demand Fargate, not the cluster's strategy: a Spot interruption
				// would stop a run halfway, and a job's few minutes cost little.
				LaunchType:      pulumi.String("FARGATE"),
				PlatformVersion: pulumi.String("LATEST"),
				NetworkConfiguration: &scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs{
					Subnets:        svc.SubnetIDs,
					SecurityGroups: pulumi.StringArray{sg.ID()},
					AssignPublicIp: pulumi.Bool(false),
				},
			},
			RetryPolicy: &scheduler.ScheduleTargetRetryPolicyArgs{
				MaximumRetryAttempts:     pulumi.Int(JobRetryAttempts),
				MaximumEventAgeInSeconds: pulumi.Int(JobRetryWindowSeconds),
			},
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{role}))
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", name, err)
	}
	rule, err := newFailureRule(ctx, name, args.ClusterArn, parent)
	if err != nil {
		return nil, err
	}

	c.TaskDefinitionArn = res.task.Arn
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.LogGroupName = res.logGroup.Name
	c.ScheduleName = schedule.Name
	c.ScheduleGroupName = group.Name
	c.FailureRuleName = rule.Name
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"taskDefinitionArn": c.TaskDefinitionArn,
		"securityGroupId":   c.SecurityGroupID,
		"logGroupName":      c.LogGroupName,
		"scheduleName":      c.ScheduleName,
		"scheduleGroupName": c.ScheduleGroupName,
		"failureRuleName":   c.FailureRuleName,
	}); err != nil {
		return nil, fmt.Errorf("job %s outputs: %w", name, err)
	}
	return c, nil
}

// jobEnvironment is every plain variable of a job's container but NODE_ENV: the site URL,
// the database's TLS variables for a database client, and the configured ones.
func jobEnvironment(j JobSettings, siteURL string, dbClient bool, tls map[string]string) (map[string]string, error) {
	env := map[string]string{SiteURLVariable: siteURL}
	add := func(vars map[string]string) error {
		for n, v := range vars {
			if _, dup := env[n]; dup {
				return fmt.Errorf("job %q: variable %s is set twice", j.Name, n)
			}
			env[n] = v
		}
		return nil
	}
	if dbClient {
		if err := add(tls); err != nil {
			return nil, err
		}
	}
	if err := add(j.Environment); err != nil {
		return nil, err
	}
	return env, nil
}

// newJobSecurityGroup creates the job tasks' group: no ingress, HTTPS out (the image,
// the parameters and the logs, and the APIs a job calls) and, for a database client,
// the database port to the database's group.
func newJobSecurityGroup(ctx *pulumi.Context, name string, svc *ServiceArgs, dbClient bool, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(ctx, name+"-tasks", &ec2.SecurityGroupArgs{
		VpcId:       svc.VpcID,
		Description: pulumi.String(name + " tasks: no ingress; HTTPS out, and the database for a database client"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name + "-tasks")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("security group %s-tasks: %w", name, err)
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, fmt.Sprintf("%s-out-%d", name, AnywherePort), &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		Description:     pulumi.String(fmt.Sprintf("Port %d to the internet", AnywherePort)),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(AnywherePort),
		ToPort:          pulumi.Int(AnywherePort),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
	}, parent); err != nil {
		return nil, fmt.Errorf("egress rule %s-out-%d: %w", name, AnywherePort, err)
	}
	if dbClient && svc.DatabaseSecurityGroupID != nil {
		port := svc.DatabasePort
		if port == 0 {
			port = 5432
		}
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-to-db", &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           sg.ID(),
			Description:               pulumi.String("To the database"),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(port),
			ToPort:                    pulumi.Int(port),
			ReferencedSecurityGroupId: svc.DatabaseSecurityGroupID,
		}, parent); err != nil {
			return nil, fmt.Errorf("egress rule %s-to-db: %w", name, err)
		}
	}
	return sg, nil
}

// newSchedulerRole creates the role EventBridge Scheduler runs the job with: ecs:RunTask
// on the job's task definition family in the job's cluster only, and iam:PassRole on the
// job's two roles, to ECS tasks only
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html).
func newSchedulerRole(ctx *pulumi.Context, name, account string, clusterArn pulumi.StringInput, res *oneOffResources, parent pulumi.ResourceOption) (*iam.Role, error) {
	trust, err := iamdoc.AssumeRole("scheduler.amazonaws.com", account).JSON()
	if err != nil {
		return nil, fmt.Errorf("trust policy: %w", err)
	}
	role, err := iam.NewRole(ctx, name+"-scheduler", &iam.RoleArgs{
		Description:      pulumi.String("Lets EventBridge Scheduler run " + name + "'s task, and nothing else"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("role %s-scheduler: %w", name, err)
	}
	policy := pulumi.All(res.task.Arn, res.task.Family, clusterArn, res.execution.Arn, res.taskRole.Arn).ApplyT(func(v []any) (string, error) {
		return SchedulerPolicy(taskFamilyArn(v[0].(string), v[1].(string)), v[2].(string), v[3].(string), v[4].(string))
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-scheduler", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, parent); err != nil {
		return nil, fmt.Errorf("role policy %s-scheduler: %w", name, err)
	}
	return role, nil
}

// SchedulerPolicy is the scheduler role's policy: run any revision of one task
// definition family (familyArn ends in ":*") in one cluster, and pass the task's two roles
// to ECS tasks.
func SchedulerPolicy(familyArn, clusterArn, executionRoleArn, taskRoleArn string) (string, error) {
	return iamdoc.New(
		iamdoc.Statement{
			Sid:       "RunTheJobsTask",
			Action:    []string{"ecs:RunTask"},
			Resource:  []string{familyArn},
			Condition: map[string]map[string]any{"ArnEquals": {"ecs:cluster": clusterArn}},
		},
		iamdoc.Statement{
			Sid:       "PassTheJobsRoles",
			Action:    []string{"iam:PassRole"},
			Resource:  []string{executionRoleArn, taskRoleArn},
			Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
		},
	).JSON()
}

// taskFamilyArn turns a task definition revision's ARN into the ARN of every revision of
// its family: arn:aws:ecs:<region>:<account>:task-definition/<family>:*.
func taskFamilyArn(revisionArn, family string) string {
	i := len(revisionArn) - 1
	for i >= 0 && revisionArn[i] != '/' {
		i--
	}
	return revisionArn[:i+1] + family + ":*"
}

// failurePattern matches the ECS event of a stopped task of the family in the cluster
// that failed: a container exited with a code other than 0, or the task never started
// (stopCode TaskFailedToStart: the image or a secret could not be read)
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pattern-content-based-filtering.html).
func failurePattern(clusterArn, family string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.ecs"},
		"detail-type": []string{"ECS Task State Change"},
		"detail": map[string]any{
			"clusterArn": []string{clusterArn},
			"group":      []string{"family:" + family},
			"lastStatus": []string{"STOPPED"},
			"$or": []any{
				map[string]any{"containers": map[string]any{"exitCode": []any{map[string]any{"anything-but": 0}}}},
				map[string]any{"stopCode": []string{"TaskFailedToStart"}},
			},
		},
	})
	return string(b), err
}

// newFailureRule creates the EventBridge rule on the default bus that matches a failed
// run of the job (failurePattern). It has no target: the failure alarm watches its
// MatchedEvents metric in AWS/Events
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
func newFailureRule(ctx *pulumi.Context, name string, clusterArn pulumi.StringInput, parent pulumi.ResourceOption) (*cloudwatch.EventRule, error) {
	pattern := clusterArn.ToStringOutput().ApplyT(func(cluster string) (string, error) {
		return failurePattern(cluster, name)
	}).(pulumi.StringOutput)
	rule, err := cloudwatch.NewEventRule(ctx, name+"-failed", &cloudwatch.EventRuleArgs{
		Description:  pulumi.String("A run of " + name + " failed: a container exited non-zero, or the task did not start"),
		EventPattern: pattern,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("event rule %s-failed: %w", name, err)
	}
	return rule, nil
}

// AlarmOnFailure creates the job's failure alarm, "<job resource>-failed", on topicArn
// (alarm and OK): it fires when, in 5 minutes, the failure rule matched a stopped task
// (a non-zero exit code, or a task that did not start) or EventBridge Scheduler dropped a
// run after its retries (RunTask refused every time, so no task and no task event;
// InvocationDroppedCount in AWS/Scheduler, by schedule group). A job that does not run
// publishes nothing, which is not a failure.
func (c *Job) AlarmOnFailure(ctx *pulumi.Context, topicArn pulumi.StringInput) error {
	name := c.resource + "-failed"
	actions := pulumi.Array{topicArn}
	metric := func(id, namespace, metricName string, dims pulumi.StringMap) cloudwatch.MetricAlarmMetricQueryArgs {
		return cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String(id),
			Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String(namespace), MetricName: pulumi.String(metricName), Dimensions: dims,
				Period: pulumi.Int(300), Stat: pulumi.String("Sum"),
			},
		}
	}
	if _, err := cloudwatch.NewMetricAlarm(ctx, name, &cloudwatch.MetricAlarmArgs{
		Name:             pulumi.String(name),
		AlarmDescription: pulumi.String("Job " + c.Name + ": a run failed (non-zero exit code, or the task did not start) or was dropped after the scheduler's retries; read the log group /ecs/" + c.resource),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			metric("failed", "AWS/Events", "MatchedEvents", pulumi.StringMap{"RuleName": c.FailureRuleName}),
			metric("dropped", "AWS/Scheduler", "InvocationDroppedCount", pulumi.StringMap{"ScheduleGroup": c.ScheduleGroupName}),
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id:         pulumi.String("runs_failed"),
				Expression: pulumi.String("FILL(failed, 0) + FILL(dropped, 0)"),
				Label:      pulumi.String("Failed or dropped runs"),
				ReturnData: pulumi.Bool(true),
			},
		},
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(0),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		ActionsEnabled:     pulumi.Bool(true),
		AlarmActions:       actions,
		OkActions:          actions,
	}, pulumi.Parent(c)); err != nil {
		return fmt.Errorf("alarm %s: %w", name, err)
	}
	return nil
}
