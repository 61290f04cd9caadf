package database

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/iamdoc"
)

// Engine settings that are not configuration: Aurora PostgreSQL in provisioned mode
// with db.serverless instances is how Serverless v2 is expressed.
const (
	Engine        = "aurora-postgresql"
	EngineMode    = "provisioned"
	InstanceClass = "db.serverless"
	// DefaultPort is PostgreSQL's port, which the cluster keeps.
	DefaultPort = 5432
	// PerformanceInsightsRetentionDays is the free retention tier.
	PerformanceInsightsRetentionDays = 7
	// KeyDeletionWindowDays is the longest KMS allows: a key deleted by mistake can be
	// restored for 30 days, and with it the snapshots it encrypts.
	KeyDeletionWindowDays = 30
)

// LogExports are the logs the cluster publishes to CloudWatch Logs: the PostgreSQL log
// and the instance log, which says why an instance did not pause or scale. Aurora
// PostgreSQL accepts instance, postgresql and iam-db-auth-error
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html,
// EnableCloudwatchLogsExports); the IAM one stays off with IAM authentication.
var LogExports = []string{"postgresql", "instance"}

// Master password and JWT secret lengths. RDS accepts printable ASCII except / ' " @ and
// space in a master password; the special characters below leave those out, and the
// connection URL percent-encodes the rest
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html#RDS_Limits.Constraints).
const (
	MasterPasswordLength = 40
	PasswordSpecials     = "!#$%&*()-_=+[]{}<>:?"
	JWTSecretLength      = 64
)

// IgnoredClusterChanges are the cluster properties AWS changes on its own:
//   - availabilityZones: Aurora spreads storage over three AZs and reports them; the
//     property forces replacement, so a differing report must never count as a change
//     (https://www.pulumi.com/registry/packages/aws/api-docs/rds/cluster/#availabilityzones_nodejs).
//   - engineVersion: auto minor version upgrade moves the cluster to a newer minor, and
//     the configured creation version would otherwise be a downgrade on the next update
//     (https://github.com/cloudposse/terraform-aws-rds-cluster/pull/139). It is applied
//     deliberately with database.applyEngineVersion.
var IgnoredClusterChanges = []string{"availabilityZones", "engineVersion"}

// IgnoredInstanceChanges: instances follow the cluster's engine version; the instance
// property only reports it (https://github.com/hashicorp/terraform-provider-aws/pull/14709).
var IgnoredInstanceChanges = []string{"engineVersion"}

// ClusterParameters are the cluster parameter group settings, family
// aurora-postgresql17. All are dynamic, so they apply without a reboot.
var ClusterParameters = []struct{ Name, Value, Why string }{
	{"rds.force_ssl", "1", "reject unencrypted connections; the URL says sslmode=require"},
	{"log_min_duration_statement", "1000", "log statements slower than 1 s"},
	{"log_lock_waits", "1", "log lock waits longer than deadlock_timeout, the usual cause of stalls"},
	{"log_temp_files", "10240", "log sorts and hashes spilling more than 10 MB to disk (work_mem too small)"},
	{"log_connections", "1", "audit who connects from where"},
	{"log_disconnections", "1", "with session durations, to spot connection churn"},
	{"idle_in_transaction_session_timeout", "300000", "end sessions idle in a transaction for 5 min: they hold locks and block vacuum"},
}

// ClusterArgs configures a Cluster.
type ClusterArgs struct {
	// Required. The AWS account id, for the KMS key policy and the monitoring role's trust.
	AccountID string
	// Required. The stack's region: CloudWatch Logs of that region may use the key for
	// the database's exported logs.
	Region string
	// Required. The VPC that holds the cluster's security group.
	VpcID pulumi.StringInput
	// Required. The private subnets, one per availability zone, in zone order.
	SubnetIDs pulumi.StringArrayInput
	// Required. The zones of SubnetIDs, in order. Instances go round robin over them,
	// the writer in the first; their names are keyed by zone.
	AvailabilityZones []string
	// Required. The database settings, checked by [Settings.Check]. Their instance
	// count and monitoring interval decide how many resources exist.
	Settings Settings
	// Required. The SSM path prefix, "/<project>/<environment>/".
	ParameterPath string
	// Optional. Defaults to none. The app secrets, each written as a SecureString named
	// by its Parameter after the CoreParameters, in this order.
	Secrets []Secret
}

// Cluster is the Aurora PostgreSQL cluster of one stack and its SSM parameters.
type Cluster struct {
	pulumi.ResourceState

	// ClusterIdentifier is the RDS cluster identifier.
	ClusterIdentifier pulumi.StringOutput `pulumi:"clusterIdentifier"`
	// ClusterArn is the cluster's ARN.
	ClusterArn pulumi.StringOutput `pulumi:"clusterArn"`
	// ClusterResourceID is the cluster's resource id, used in rds-db:connect policies.
	ClusterResourceID pulumi.StringOutput `pulumi:"clusterResourceId"`
	// WriterEndpoint is the cluster (writer) endpoint.
	WriterEndpoint pulumi.StringOutput `pulumi:"writerEndpoint"`
	// ReaderEndpoint is the load-balanced reader endpoint.
	ReaderEndpoint pulumi.StringOutput `pulumi:"readerEndpoint"`
	// Port is the PostgreSQL port.
	Port pulumi.IntOutput `pulumi:"port"`
	// DatabaseName is the application database.
	DatabaseName pulumi.StringOutput `pulumi:"databaseName"`
	// SecurityGroupID is the cluster's security group; see AllowFrom.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// KmsKeyArn is the customer-managed key of storage, Performance Insights and the
	// SecureString parameters; readers of those parameters need kms:Decrypt on it.
	KmsKeyArn pulumi.StringOutput `pulumi:"kmsKeyArn"`
	// InstanceIdentifiers are the DB instance identifiers, writer first.
	InstanceIdentifiers pulumi.StringArrayOutput `pulumi:"instanceIdentifiers"`

	// ParameterPath is the SSM path prefix, e.g. "/ecsite/prod/".
	ParameterPath string
	// ParameterNames maps each parameter's short name (DATABASE_URL) to its full SSM name.
	ParameterNames map[string]string
	// ParameterArns maps each parameter's short name to its ARN.
	ParameterArns map[string]pulumi.StringOutput
	// InstanceCount is how many instances exist.
	InstanceCount int

	name string
	sg   *ec2.SecurityGroup
}

// placement is one instance: its name key (the zone, with an ordinal from the second
// instance in a zone on) and zone. The first placement is the writer.
type placement struct{ key, az string }

// placements spreads count instances over the zones round robin. Adding instances never
// renames existing ones.
func placements(count int, azs []string) []placement {
	out := make([]placement, 0, count)
	for i := 0; i < count; i++ {
		az := azs[i%len(azs)]
		key := az
		if n := i/len(azs) + 1; n > 1 {
			key = az + "-" + strconv.Itoa(n)
		}
		out = append(out, placement{key, az})
	}
	return out
}

// NewCluster creates the cluster, its instances, key, network placement and SSM
// parameters. Child names derive from name and are keyed by zone or parameter name.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		return nil, errors.New("database: args are required")
	}
	d := args.Settings
	if len(args.AvailabilityZones) == 0 {
		return nil, fmt.Errorf("database cluster %q: need at least one availability zone", name)
	}
	if d.InstanceCount > 1 && len(args.AvailabilityZones) < 2 {
		return nil, fmt.Errorf("database cluster %q: %d instances need two availability zones", name, d.InstanceCount)
	}
	c := &Cluster{ParameterPath: args.ParameterPath, InstanceCount: d.InstanceCount, name: name}
	if err := ctx.RegisterComponentResource("ecsite:database:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	key, err := newKey(ctx, name, args, parent)
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: key: %w", name, err)
	}

	subnets, err := rds.NewSubnetGroup(ctx, name+"-subnets", &rds.SubnetGroupArgs{
		Description: pulumi.String("Private subnets of " + name),
		SubnetIds:   args.SubnetIDs,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: subnet group: %w", name, err)
	}

	// No rules: nothing reaches the cluster until AllowFrom names a source group, and
	// the cluster opens no connections itself (security groups are stateful).
	c.sg, err = ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("Aurora PostgreSQL " + name + ": 5432 from allowed security groups only"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(name + "-sg")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: security group: %w", name, err)
	}

	params := rds.ClusterParameterGroupParameterArray{}
	for _, p := range ClusterParameters {
		params = append(params, rds.ClusterParameterGroupParameterArgs{
			Name:        pulumi.String(p.Name),
			Value:       pulumi.String(p.Value),
			ApplyMethod: pulumi.String("immediate"),
		})
	}
	paramGroup, err := rds.NewClusterParameterGroup(ctx, name+"-params", &rds.ClusterParameterGroupArgs{
		Family:      pulumi.String(EngineFamily),
		Description: pulumi.String("Cluster parameters of " + name),
		Parameters:  params,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: parameter group: %w", name, err)
	}

	// The cluster identifier is the component name, so the log group RDS writes to is
	// known in advance; creating it first gives it a retention (RDS would create it
	// with none).
	identifier := name
	var logs []pulumi.Resource
	exports := pulumi.StringArray{}
	for _, export := range LogExports {
		lg, err := cloudwatch.NewLogGroup(ctx, name+"-"+export+"-log", &cloudwatch.LogGroupArgs{
			Name:            pulumi.String("/aws/rds/cluster/" + identifier + "/" + export),
			RetentionInDays: pulumi.Int(d.LogRetentionDays),
			KmsKeyId:        key.Arn,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("database cluster %q: %s log group: %w", name, export, err)
		}
		logs = append(logs, lg)
		exports = append(exports, pulumi.String(export))
	}

	password, err := random.NewRandomPassword(ctx, name+"-master-password", &random.RandomPasswordArgs{
		Length:          pulumi.Int(MasterPasswordLength),
		Special:         pulumi.Bool(true),
		OverrideSpecial: pulumi.String(PasswordSpecials),
		MinLower:        pulumi.Int(1),
		MinUpper:        pulumi.Int(1),
		MinNumeric:      pulumi.Int(1),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: master password: %w", name, err)
	}

	scaling := &rds.ClusterServerlessv2ScalingConfigurationArgs{
		MinCapacity: pulumi.Float64(d.MinCapacity),
		MaxCapacity: pulumi.Float64(d.MaxCapacity),
	}
	if d.AutoPause() {
		scaling.SecondsUntilAutoPause = pulumi.Int(d.SecondsUntilAutoPause)
	}
	clusterArgs := &rds.ClusterArgs{
		ClusterIdentifier:                pulumi.String(identifier),
		Engine:                           pulumi.String(Engine),
		EngineMode:                       pulumi.String(EngineMode),
		EngineVersion:                    pulumi.String(d.EngineVersion),
		AllowMajorVersionUpgrade:         pulumi.Bool(d.ApplyEngineVersion),
		ApplyImmediately:                 pulumi.Bool(d.ApplyEngineVersion),
		DatabaseName:                     pulumi.String(d.DatabaseName),
		MasterUsername:                   pulumi.String(d.MasterUsername),
		MasterPassword:                   password.Result,
		Port:                             pulumi.Int(DefaultPort),
		DbSubnetGroupName:                subnets.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{c.sg.ID()},
		DbClusterParameterGroupName:      paramGroup.Name,
		StorageEncrypted:                 pulumi.Bool(true),
		KmsKeyId:                         key.Arn,
		Serverlessv2ScalingConfiguration: scaling,
		BackupRetentionPeriod:            pulumi.Int(d.BackupRetentionDays),
		PreferredBackupWindow:            pulumi.String(d.BackupWindow),
		PreferredMaintenanceWindow:       pulumi.String(d.MaintenanceWindow),
		CopyTagsToSnapshot:               pulumi.Bool(true),
		DeletionProtection:               pulumi.Bool(d.DeletionProtection),
		SkipFinalSnapshot:                pulumi.Bool(!d.FinalSnapshot),
		// Keep the automated backups (point-in-time restore) after a deletion whenever
		// the stack keeps a final snapshot.
		DeleteAutomatedBackups:           pulumi.Bool(!d.FinalSnapshot),
		EnabledCloudwatchLogsExports:     exports,
		IamDatabaseAuthenticationEnabled: pulumi.Bool(d.IamAuthentication),
	}
	if d.FinalSnapshot {
		clusterArgs.FinalSnapshotIdentifier = pulumi.String(identifier + "-final")
	}
	cluster, err := rds.NewCluster(ctx, name+"-cluster", clusterArgs, parent,
		pulumi.Protect(d.Protect),
		pulumi.IgnoreChanges(ClusterIgnoreChanges(d)),
		pulumi.DependsOn(logs))
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: cluster: %w", name, err)
	}

	monitoringRoleArn, monitoringReady, err := newMonitoringRole(ctx, name, args, parent)
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: monitoring role: %w", name, err)
	}

	var writer pulumi.Resource
	identifiers := pulumi.StringArray{}
	for i, p := range placements(d.InstanceCount, args.AvailabilityZones) {
		// Readers in promotion tier 0 or 1 scale with the writer, so a failover lands on
		// a warm instance (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html).
		tier := 1
		var deps []pulumi.Resource
		if monitoringReady != nil {
			// RDS checks the role's permissions when the instance is created.
			deps = append(deps, monitoringReady)
		}
		if i == 0 {
			tier = 0
		} else {
			// The first instance of a cluster becomes its writer: create readers after it.
			deps = append(deps, writer)
		}
		instOpts := []pulumi.ResourceOption{parent, pulumi.IgnoreChanges(IgnoredInstanceChanges)}
		if len(deps) > 0 {
			instOpts = append(instOpts, pulumi.DependsOn(deps))
		}
		instArgs := &rds.ClusterInstanceArgs{
			ClusterIdentifier:       cluster.ID(),
			InstanceClass:           pulumi.String(InstanceClass),
			Engine:                  pulumi.String(Engine),
			AvailabilityZone:        pulumi.String(p.az),
			PromotionTier:           pulumi.Int(tier),
			DbSubnetGroupName:       subnets.Name,
			PubliclyAccessible:      pulumi.Bool(false),
			AutoMinorVersionUpgrade: pulumi.Bool(true),
			// Pinned to the cluster's window (validated apart from the backup window);
			// otherwise AWS picks a random weekly slot per instance for its patches.
			PreferredMaintenanceWindow: pulumi.String(d.MaintenanceWindow),
			CopyTagsToSnapshot:         pulumi.Bool(true),
			CaCertIdentifier:           pulumi.String(d.CACertIdentifier),
			PerformanceInsightsEnabled: pulumi.Bool(d.PerformanceInsights),
			MonitoringInterval:         pulumi.Int(d.MonitoringInterval),
			// Every instance setting this program manages (Performance Insights, enhanced
			// monitoring, promotion tier, maintenance window, minor upgrades, tag copying)
			// changes without an outage (Aurora User Guide, "Settings for Amazon Aurora":
			// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Modifying.html#Aurora.Modifying.Settings),
			// and the instance class is always db.serverless. The one exception is the
			// certificate authority, whose change restarts the instance: it is pinned
			// (caCertIdentifier) and changes only when a stack file changes it. Waiting for the maintenance
			// window would only leave a pending change that the daily drift check reports.
			ApplyImmediately: pulumi.Bool(true),
		}
		if d.PerformanceInsights {
			instArgs.PerformanceInsightsKmsKeyId = key.Arn
			instArgs.PerformanceInsightsRetentionPeriod = pulumi.Int(PerformanceInsightsRetentionDays)
		}
		if monitoringRoleArn != nil {
			instArgs.MonitoringRoleArn = monitoringRoleArn
		}
		inst, err := rds.NewClusterInstance(ctx, name+"-instance-"+p.key, instArgs, instOpts...)
		if err != nil {
			return nil, fmt.Errorf("database cluster %q: instance in %s: %w", name, p.az, err)
		}
		if i == 0 {
			writer = inst
		}
		identifiers = append(identifiers, inst.Identifier)
	}

	c.ParameterNames, c.ParameterArns, err = newParameters(ctx, name, args, cluster, password, key, parent)
	if err != nil {
		return nil, fmt.Errorf("database cluster %q: %w", name, err)
	}

	c.ClusterIdentifier = cluster.ClusterIdentifier
	c.ClusterArn = cluster.Arn
	c.ClusterResourceID = cluster.ClusterResourceId
	c.WriterEndpoint = cluster.Endpoint
	c.ReaderEndpoint = cluster.ReaderEndpoint
	c.Port = cluster.Port
	c.DatabaseName = cluster.DatabaseName
	c.SecurityGroupID = c.sg.ID().ToStringOutput()
	c.KmsKeyArn = key.Arn
	c.InstanceIdentifiers = identifiers.ToStringArrayOutput()
	arns := pulumi.StringMap{}
	for k, v := range c.ParameterArns {
		arns[k] = v
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterIdentifier":   c.ClusterIdentifier,
		"clusterArn":          c.ClusterArn,
		"clusterResourceId":   c.ClusterResourceID,
		"writerEndpoint":      c.WriterEndpoint,
		"readerEndpoint":      c.ReaderEndpoint,
		"port":                c.Port,
		"databaseName":        c.DatabaseName,
		"securityGroupId":     c.SecurityGroupID,
		"kmsKeyArn":           c.KmsKeyArn,
		"instanceIdentifiers": c.InstanceIdentifiers,
		"parameterArns":       arns,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// ClusterIgnoreChanges returns the cluster properties Pulumi leaves to AWS. During a
// deliberate upgrade run (database.applyEngineVersion) the engine version is managed.
func ClusterIgnoreChanges(d Settings) []string {
	var out []string
	for _, p := range IgnoredClusterChanges {
		if p == "engineVersion" && d.ApplyEngineVersion {
			continue
		}
		out = append(out, p)
	}
	return out
}

// AllowFrom opens TCP 5432 on the cluster's security group to members of the security
// group source, with one ingress rule named <cluster name>-from-<name> under the cluster.
func (c *Cluster) AllowFrom(ctx *pulumi.Context, name string, source pulumi.StringInput) error {
	if name == "" || source == nil {
		return fmt.Errorf("database cluster %q: AllowFrom needs a name and a source security group", c.name)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, c.name+"-from-"+name, &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           c.sg.ID(),
		ReferencedSecurityGroupId: source,
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(DefaultPort),
		ToPort:                    pulumi.Int(DefaultPort),
		Description:               pulumi.String("PostgreSQL from " + name),
		Tags:                      pulumi.StringMap{"Name": pulumi.String(c.name + "-from-" + name)},
	}, pulumi.Parent(c)); err != nil {
		return fmt.Errorf("database cluster %q: allow from %s: %w", c.name, name, err)
	}
	return nil
}

// newKey creates the customer-managed key with yearly rotation. Its policy delegates to
// IAM in this account, which is how RDS, Performance Insights and SSM use it on a
// caller's behalf. Where the stack keeps a final snapshot the key outlives the stack:
// deleting it would make that snapshot unreadable.
func newKey(ctx *pulumi.Context, name string, args *ClusterArgs, parent pulumi.ResourceOption) (*kms.Key, error) {
	if args.Region == "" {
		return nil, fmt.Errorf("database cluster %q: args.Region is required (the key lets CloudWatch Logs of that region encrypt the exported logs)", name)
	}
	// The exported PostgreSQL logs can hold statements and their values: they are
	// encrypted with the database's own key. CloudWatch Logs may use it only for the
	// cluster's log groups (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
	policy, err := iamdoc.New(iamdoc.KeyAdministeredThroughIAM(args.AccountID), iamdoc.LogsMayEncrypt("CloudWatchLogsEncryptsExports", args.Region, args.AccountID, "/aws/rds/cluster/"+name+"/*")).JSON()
	if err != nil {
		return nil, err
	}
	d := args.Settings
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.String("Aurora storage, Performance Insights and SecureStrings of " + name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(KeyDeletionWindowDays),
		Policy:               pulumi.String(policy),
	}, parent, pulumi.Protect(d.Protect), pulumi.RetainOnDelete(d.FinalSnapshot))
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, name+"-key", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + name),
		TargetKeyId: key.KeyId,
	}, parent); err != nil {
		return nil, err
	}
	return key, nil
}

// EnhancedMonitoringPolicyArn is the AWS managed policy of the enhanced-monitoring role.
const EnhancedMonitoringPolicyArn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"

// newMonitoringRole creates the role RDS assumes to publish enhanced monitoring and
// returns its ARN and the policy attachment instances must wait for, or nils when the
// stack turns enhanced monitoring off.
func newMonitoringRole(ctx *pulumi.Context, name string, args *ClusterArgs, parent pulumi.ResourceOption) (pulumi.StringInput, pulumi.Resource, error) {
	if args.Settings.MonitoringInterval == 0 {
		return nil, nil, nil
	}
	trust, err := iamdoc.AssumeRole("monitoring.rds.amazonaws.com", args.AccountID).JSON()
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, name+"-monitoring", &iam.RoleArgs{
		Description:      pulumi.String("Lets RDS publish enhanced monitoring of " + name),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-monitoring", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(EnhancedMonitoringPolicyArn),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return role.Arn, attachment, nil
}
