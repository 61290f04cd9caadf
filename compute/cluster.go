package compute

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/servicediscovery"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// ClusterArgs configures a Cluster.
type ClusterArgs struct {
	// Required. The AWS region, used in the key policy's log-group condition.
	Region string
	// Required. The AWS account id, which administers the key.
	AccountID string
	// Required. The cluster's settings, checked with [ClusterSettings.Check].
	Settings ClusterSettings
	// Optional. Other data the cluster's key encrypts, such as the alarm topic when
	// monitoring.topicKey is compute: each adds its statement to the key policy and its
	// purpose to the key's description.
	KeyUses []KeyUse
}

// KeyUse is one more use of the cluster's key, outside the compute component.
type KeyUse struct {
	// Purpose completes the key's description, e.g. "the alarm topic".
	Purpose string
	// Statement is the key policy statement that lets the using service encrypt with the
	// key; its Sid must differ from the compute statements'.
	Statement iamdoc.Statement
}

// Cluster is the ECS cluster with Container Insights, its Fargate capacity providers and
// ECS Exec session logging to a KMS-encrypted CloudWatch log group.
type Cluster struct {
	pulumi.ResourceState

	// ClusterName is the ECS cluster's name.
	ClusterName pulumi.StringOutput `pulumi:"clusterName"`
	// ClusterArn is the ECS cluster's ARN.
	ClusterArn pulumi.StringOutput `pulumi:"clusterArn"`
	// KmsKeyArn encrypts ECS Exec sessions and the compute log groups.
	KmsKeyArn pulumi.StringOutput `pulumi:"kmsKeyArn"`
	// ExecLogGroupName receives ECS Exec session logs.
	ExecLogGroupName pulumi.StringOutput `pulumi:"execLogGroupName"`
	// ExecLogGroupArn is the ARN of ExecLogGroupName.
	ExecLogGroupArn pulumi.StringOutput `pulumi:"execLogGroupArn"`
	// NamespaceArn is the Cloud Map HTTP namespace of ECS Service Connect, the cluster's
	// default namespace.
	NamespaceArn pulumi.StringOutput `pulumi:"namespaceArn"`

	// Strategy is the capacity provider strategy every service uses.
	Strategy []CapacityProviderShare
}

// NewCluster creates the cluster, its KMS key and the ECS Exec log group.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		return nil, errors.New("compute: cluster args are required")
	}
	// One customer-managed key for the compute logs and the ECS Exec data channel.
	// CloudWatch Logs may use it only for this account's log groups
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
	statements := []iamdoc.Statement{
		iamdoc.KeyAdministeredThroughIAM(args.AccountID),
		iamdoc.LogsMayEncrypt("CloudWatchLogsEncrypts", args.Region, args.AccountID, "*"),
	}
	description := "Encrypts " + name + "'s ECS Exec sessions and log groups"
	sids := map[string]bool{}
	for _, s := range statements {
		sids[s.Sid] = true
	}
	for i, u := range args.KeyUses {
		if u.Purpose == "" || u.Statement.Sid == "" || sids[u.Statement.Sid] {
			return nil, fmt.Errorf("cluster %s: KeyUses[%d] (purpose %q, Sid %q) needs a purpose and a Sid no other statement of the key policy has", name, i, u.Purpose, u.Statement.Sid)
		}
		sids[u.Statement.Sid] = true
		statements = append(statements, u.Statement)
		description += ", and " + u.Purpose
	}
	policy, err := iamdoc.New(statements...).JSON()
	if err != nil {
		return nil, fmt.Errorf("key policy: %w", err)
	}
	c := &Cluster{Strategy: append([]CapacityProviderShare(nil), args.Settings.CapacityProviderStrategy...)}
	if err := ctx.RegisterComponentResource("ecsite:compute:Cluster", name, c, opts...); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	parent := pulumi.Parent(c)

	key, err := kms.NewKey(ctx, name+"-compute", &kms.KeyArgs{
		Description:       pulumi.String(description),
		EnableKeyRotation: pulumi.Bool(true),
		Policy:            pulumi.String(policy),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("kms key %s-compute: %w", name, err)
	}
	if _, err := kms.NewAlias(ctx, name+"-compute", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + name + "-compute"),
		TargetKeyId: key.KeyId,
	}, parent); err != nil {
		return nil, fmt.Errorf("kms alias %s-compute: %w", name, err)
	}

	execLogs, err := cloudwatch.NewLogGroup(ctx, name+"-exec", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/ecs/" + name + "/exec"),
		RetentionInDays: pulumi.Int(args.Settings.ExecLogRetentionDays),
		KmsKeyId:        key.Arn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("exec log group: %w", err)
	}

	namespace, err := newNamespace(ctx, name, parent)
	if err != nil {
		return nil, err
	}

	cluster, err := ecs.NewCluster(ctx, name+"-cluster", &ecs.ClusterArgs{
		ServiceConnectDefaults: &ecs.ClusterServiceConnectDefaultsArgs{Namespace: namespace.Arn},
		Settings: ecs.ClusterSettingArray{ecs.ClusterSettingArgs{
			Name:  pulumi.String("containerInsights"),
			Value: pulumi.String(args.Settings.ContainerInsights),
		}},
		Configuration: &ecs.ClusterConfigurationArgs{
			ExecuteCommandConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationArgs{
				KmsKeyId: key.Arn,
				Logging:  pulumi.String("OVERRIDE"),
				LogConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs{
					CloudWatchLogGroupName:      execLogs.Name,
					CloudWatchEncryptionEnabled: pulumi.Bool(true),
				},
			},
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("ecs cluster: %w", err)
	}

	strategy := ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray{}
	for _, s := range args.Settings.CapacityProviderStrategy {
		strategy = append(strategy, ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(s.CapacityProvider),
			Base:             pulumi.Int(s.Base),
			Weight:           pulumi.Int(s.Weight),
		})
	}
	capacity, err := ecs.NewClusterCapacityProviders(ctx, name+"-capacity", &ecs.ClusterCapacityProvidersArgs{
		ClusterName:                       cluster.Name,
		CapacityProviders:                 pulumi.ToStringArray(CapacityProviders),
		DefaultCapacityProviderStrategies: strategy,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("capacity providers: %w", err)
	}

	// The name is read from the capacity-provider association, so a service that uses it
	// is created only once FARGATE and FARGATE_SPOT are attached to the cluster.
	c.ClusterName = capacity.ClusterName
	c.ClusterArn = pulumi.All(cluster.Arn, capacity.ClusterName).ApplyT(func(v []any) string {
		return v[0].(string)
	}).(pulumi.StringOutput)
	c.KmsKeyArn = key.Arn
	c.ExecLogGroupName = execLogs.Name
	c.ExecLogGroupArn = execLogs.Arn
	c.NamespaceArn = namespace.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":      c.ClusterName,
		"clusterArn":       c.ClusterArn,
		"kmsKeyArn":        c.KmsKeyArn,
		"execLogGroupName": c.ExecLogGroupName,
		"execLogGroupArn":  c.ExecLogGroupArn,
		"namespaceArn":     c.NamespaceArn,
	}); err != nil {
		return nil, fmt.Errorf("cluster %s outputs: %w", name, err)
	}
	return c, nil
}

// NamespaceName is the Cloud Map namespace of a cluster's Service Connect endpoints,
// e.g. ecsite-prod.internal.
func NamespaceName(cluster string) string { return cluster + ".internal" }

// newNamespace creates the Cloud Map HTTP namespace that ECS Service Connect registers
// the services' endpoints in. An HTTP namespace creates no Route 53 hosted zone: the
// Service Connect proxies resolve the endpoints, so the names exist only inside the
// tasks of the namespace
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect.html).
func newNamespace(ctx *pulumi.Context, name string, parent pulumi.ResourceOption) (*servicediscovery.HttpNamespace, error) {
	ns, err := servicediscovery.NewHttpNamespace(ctx, name+"-services", &servicediscovery.HttpNamespaceArgs{
		Name:        pulumi.String(NamespaceName(name)),
		Description: pulumi.String("ECS Service Connect endpoints of " + name + "'s services"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("service connect namespace %s-services: %w", name, err)
	}
	return ns, nil
}
