package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/access"
	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/monitoring"
	"github.com/ecsite/infra/network"
)

// edgeInputs are the components the edge, monitoring and access components watch or use.
type edgeInputs struct {
	accountID string
	usEast1   pulumi.ProviderResource
	vpc       *network.Vpc
	db        *database.Cluster
	cluster   *compute.Cluster
	alb       *compute.LoadBalancer
	services  []*compute.Service
	waf       *edge.WebAcl // nil without waf.enabled
	jobs      []*compute.Job
}

// buildFront creates the CloudFront distribution in front of the load balancer with its
// CLOUDFRONT-scope web ACL (when waf.enabled; the returned ACL is nil otherwise), and
// exports their outputs. It comes before the services,
// which get the site URL.
func buildFront(ctx *pulumi.Context, export Exporter, cfg *config.Config, accountID string, alb *compute.LoadBalancer, usEast1 pulumi.ProviderResource, withProvider pulumi.ResourceOption) (*edge.WebAcl, *edge.Cdn, error) {
	// Without waf.enabled there is no web ACL: the distribution gets no WebAclId and the
	// alarms no WAF alarm (nil waf).
	var waf *edge.WebAcl
	var webAclArn pulumi.StringInput
	if cfg.Waf.Enabled {
		// The web ACL keeps its logical name from when it was regional and associated with
		// the load balancer, so an update shows its children replaced (a CLOUDFRONT ACL,
		// its IP sets and its log group live in us-east-1), not a new component.
		var err error
		// The stack's one key in us-east-1 encrypts the WAF logs and the us-east-1 alarm
		// topic. It was the alarm component's until the WAF logs needed it, and keeps its
		// names and identity from there.
		waf, err = edge.NewWebAcl(ctx, cfg.Prefix()+"-waf", &edge.WebAclArgs{
			Settings: cfg.Waf,
			Scope:    edge.ScopeCloudFront,
			LogKey: &edge.LogKeyArgs{
				AccountID:         accountID,
				Region:            monitoring.GlobalRegion,
				Name:              monitoring.TopicKeyName(cfg.Prefix(), monitoring.GlobalSuffix),
				AliasName:         monitoring.TopicKeyAlias(cfg.Prefix()),
				Statements:        []iamdoc.Statement{monitoring.TopicKeyStatement(cfg.Prefix(), monitoring.GlobalRegion, accountID)},
				Purposes:          []string{"the " + cfg.Prefix() + " alarm topic in " + monitoring.GlobalRegion},
				PreviousParentURN: componentURN(ctx, "ecsite:monitoring:Alarms", cfg.Prefix()),
			},
		}, withProvider, pulumi.Provider(usEast1))
		if err != nil {
			return nil, nil, fmt.Errorf("waf: %w", err)
		}
		export("webAclArn", waf.Arn)
		export("wafLogGroupName", waf.LogGroupName)
		webAclArn = waf.Arn
	}

	cdn, err := edge.NewCdn(ctx, cfg.Prefix()+"-cdn", &edge.CdnArgs{
		Settings:            cfg.Cdn,
		LoadBalancerArn:     alb.Arn,
		LoadBalancerDnsName: alb.DnsName,
		WebAclArn:           webAclArn,
		DomainName:          cfg.Cdn.DomainName,
		HostedZoneID:        cfg.Cdn.HostedZoneID,
		UsEast1:             usEast1,
		LogBucketArn:        alb.AccessLogBucketArn,
		LogPrefix:           compute.CdnLogPrefix,
		LogsReady:           alb.AccessLogsReady,
		// Before the edge existed, the load balancer component held the site's A record
		// and certificate validation record under these names.
		PreviousRecords: &edge.PreviousRecords{Parent: alb, Stem: cfg.Prefix()},
	}, withProvider)
	if err != nil {
		return nil, nil, fmt.Errorf("cdn: %w", err)
	}
	export("siteUrl", cdn.SiteURL)
	export("distributionId", cdn.DistributionId)
	export("distributionDomainName", cdn.DomainName)
	export("assetsBucketName", cdn.AssetsBucketName)
	return waf, cdn, nil
}

// componentURN is the URN of a top-level component of this stack: a resource that moves
// out of it names it as its previous parent.
func componentURN(ctx *pulumi.Context, typ, name string) pulumi.URN {
	return pulumi.URN(fmt.Sprintf("urn:pulumi:%s::%s::%s::%s", ctx.Stack(), ctx.Project(), typ, name))
}

// buildEdge creates the alarms and the dashboard, and the bastion when it is enabled,
// and exports their outputs.
func buildEdge(ctx *pulumi.Context, export Exporter, cfg *config.Config, in edgeInputs, withProvider pulumi.ResourceOption) error {
	targets := monitoring.Targets{
		LoadBalancerArnSuffix: in.alb.ArnSuffix,
		EcsClusterName:        in.cluster.ClusterName,
		DbClusterIdentifier:   in.db.ClusterIdentifier,
		DbInstanceCount:       in.db.InstanceCount,
	}
	if in.waf != nil {
		targets.WebAclName = in.waf.Name
	}
	for _, s := range in.services {
		ms := monitoring.Service{Name: s.Name, ServiceName: s.ServiceName}
		// Backends and workers have no target group, and so no target group alarms.
		if s.Kind == compute.KindWeb {
			ms.TargetGroupArnSuffix = s.TargetGroupArnSuffix
		}
		targets.Services = append(targets.Services, ms)
	}
	alarmArgs := &monitoring.AlarmsArgs{
		Region:    cfg.Region,
		AccountID: in.accountID,
		UsEast1:   in.usEast1,
		Settings:  cfg.Monitoring,
		Targets:   targets,
	}
	if cfg.Monitoring.TopicKey == monitoring.TopicKeyCompute {
		alarmArgs.TopicKeyArn = in.cluster.KmsKeyArn
	}
	if in.waf != nil {
		alarmArgs.GlobalTopicKeyArn = in.waf.LogKeyArn
	}
	alarms, err := monitoring.NewAlarms(ctx, cfg.Prefix(), alarmArgs, withProvider)
	if err != nil {
		return fmt.Errorf("alarms: %w", err)
	}
	export("alarmTopicArn", alarms.TopicArn)
	for _, j := range in.jobs {
		if err := j.AlarmOnFailure(ctx, alarms.TopicArn); err != nil {
			return fmt.Errorf("job %s: %w", j.Name, err)
		}
	}
	if in.waf != nil {
		export("globalAlarmTopicArn", alarms.GlobalTopicArn)
	}
	if cfg.Monitoring.Dashboard {
		dashboard, err := monitoring.NewDashboard(ctx, cfg.Prefix(), &monitoring.DashboardArgs{
			Region:  cfg.Region,
			Targets: targets,
		}, withProvider)
		if err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
		export("dashboardName", dashboard.DashboardName)
	}

	if !cfg.Bastion.Enabled {
		return nil
	}
	bastion, err := access.NewBastion(ctx, cfg.Prefix()+"-bastion", &access.BastionArgs{
		Region:           cfg.Region,
		VpcID:            in.vpc.VpcID,
		VpcCidr:          in.vpc.CidrBlock,
		SubnetID:         in.vpc.PrivateSubnetIDs.Index(pulumi.Int(0)),
		Settings:         cfg.Bastion,
		DatabaseEndpoint: in.db.WriterEndpoint,
		DatabasePort:     database.DefaultPort,
	}, withProvider)
	if err != nil {
		return fmt.Errorf("bastion: %w", err)
	}
	if err := in.db.AllowFrom(ctx, "bastion", bastion.SecurityGroupID); err != nil {
		return fmt.Errorf("bastion: %w", err)
	}
	export("bastionInstanceId", bastion.InstanceID)
	export("bastionStartSessionCommand", bastion.StartSessionCommand)
	return nil
}

// clusterKeyUses are the uses of the compute key outside compute: the alarm topic in the
// stack's region when monitoring.topicKey is compute (buildEdge passes the key to the
// alarms), so that CloudWatch may encrypt the alarms' notifications with it.
func clusterKeyUses(cfg *config.Config, accountID string) []compute.KeyUse {
	if cfg.Monitoring.TopicKey != monitoring.TopicKeyCompute {
		return nil
	}
	return []compute.KeyUse{{
		Purpose:   "the alarm topic",
		Statement: monitoring.TopicKeyStatement(cfg.Prefix(), cfg.Region, accountID),
	}}
}
