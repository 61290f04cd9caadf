package program

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/network"
)

// UsEast1 is the region of the second provider, where CloudFront's certificate, the
// CLOUDFRONT web ACL and the alarm on its metrics live.
const UsEast1 = "us-east-1"

// Exporter receives the stack outputs: ctx.Export in a deployment, a recorder in tests.
type Exporter func(name string, value pulumi.Input)

// Run is the Pulumi program.
func Run(ctx *pulumi.Context) error { return RunWith(ctx, ctx.Export) }

// RunWith runs the program and hands every stack output to export.
func RunWith(ctx *pulumi.Context, export Exporter) error {
	// Validate everything first: a stack with bad configuration registers nothing.
	cfg, err := config.Load(ctx)
	if err != nil {
		return err
	}

	// One explicit provider carries the region and the common tags to every taggable
	// resource; components pass it on to their children.
	// The local emulator stack also points it at the emulator (awsEndpoint); dev and prod
	// leave that unset and their provider inputs unchanged.
	provider, err := aws.NewProvider(ctx, "aws", withAwsEndpoint(&aws.ProviderArgs{
		Region:      pulumi.String(cfg.Region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(cfg.Tags())},
	}, cfg.AwsEndpoint))
	if err != nil {
		return fmt.Errorf("aws provider: %w", err)
	}
	// The second provider is for what must live in us-east-1: CloudFront only uses ACM
	// certificates from there, and a CLOUDFRONT web ACL, its IP sets, its log group and
	// the alarm on its metrics are created there
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html,
	// https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html). Same
	// default tags and, in the emulator stack, the same endpoints.
	usEast1, err := aws.NewProvider(ctx, "aws-us-east-1", withAwsEndpoint(&aws.ProviderArgs{
		Region:      pulumi.String(UsEast1),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(cfg.Tags())},
	}, cfg.AwsEndpoint))
	if err != nil {
		return fmt.Errorf("aws us-east-1 provider: %w", err)
	}
	withProvider := pulumi.Providers(provider)
	identity, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(provider))
	if err != nil {
		return fmt.Errorf("looking up the AWS account: %w", err)
	}
	if err := preflight(ctx, cfg, provider); err != nil {
		return err
	}
	// Which services start without their image, decided before anything is registered
	// that a deployment could change: a running service's missing image stops here.
	awaitingSet, err := servicesAwaitingImages(ctx, cfg, provider)
	if err != nil {
		return err
	}

	// The ECS cluster comes first: its key, which CloudWatch Logs of the region may use
	// for the stack's log groups, also encrypts the VPC's flow logs.
	cluster, err := compute.NewCluster(ctx, cfg.Prefix(), &compute.ClusterArgs{
		Region:    cfg.Region,
		AccountID: identity.AccountId,
		Settings:  cfg.Cluster,
		KeyUses:   clusterKeyUses(cfg, identity.AccountId),
	}, withProvider)
	if err != nil {
		return fmt.Errorf("compute cluster: %w", err)
	}
	vpc, err := network.NewVpc(ctx, cfg.Prefix(), &network.VpcArgs{
		Region:        cfg.Region,
		AccountID:     identity.AccountId,
		Settings:      cfg.Network,
		FlowLogKeyArn: cluster.KmsKeyArn,
		InstanceTags:  cfg.Tags(),
	}, withProvider)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	export("vpcId", vpc.VpcID)
	export("vpcCidr", vpc.CidrBlock)
	export("publicSubnetIds", vpc.PublicSubnetIDs)
	export("privateSubnetIds", vpc.PrivateSubnetIDs)
	export("privateRouteTableIds", vpc.PrivateRouteTableIDs)
	export("endpointSecurityGroupId", vpc.EndpointSecurityGroupID)
	export("flowLogGroupName", vpc.FlowLogGroupName)
	// The addresses partners allow-list for calls from the services.
	export("egressIps", vpc.EgressIPs)

	db, err := database.NewCluster(ctx, cfg.Prefix()+"-db", &database.ClusterArgs{
		AccountID:         identity.AccountId,
		Region:            cfg.Region,
		VpcID:             vpc.VpcID,
		SubnetIDs:         vpc.PrivateSubnetIDs,
		AvailabilityZones: vpc.AvailabilityZones,
		Settings:          cfg.Database,
		ParameterPath:     cfg.ParameterPath(),
		Secrets:           cfg.Secrets,
	}, withProvider)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	export("dbClusterIdentifier", db.ClusterIdentifier)
	export("dbWriterEndpoint", db.WriterEndpoint)
	export("dbReaderEndpoint", db.ReaderEndpoint)
	export("dbPort", db.Port)
	export("dbName", db.DatabaseName)
	export("dbSecurityGroupId", db.SecurityGroupID)
	export("dbKmsKeyArn", db.KmsKeyArn)
	// Parameter names and ARNs only: the values are secrets and stay in SSM.
	export("parameterPath", pulumi.String(db.ParameterPath))
	export("parameterNames", pulumi.ToStringMap(db.ParameterNames))
	parameterArns := pulumi.StringMap{}
	for name, arn := range db.ParameterArns {
		parameterArns[name] = arn
	}
	export("parameterArns", parameterArns)

	// Compute: the load balancer and one service per configured entry. The cluster, the
	// load balancer and the services stay in scope for the edge (WAF) and monitoring wiring.
	alb, err := compute.NewLoadBalancer(ctx, cfg.Prefix(), &compute.LoadBalancerArgs{
		AccountID:        identity.AccountId,
		VpcID:            vpc.VpcID,
		PrivateSubnetIDs: vpc.PrivateSubnetIDs,
		Settings:         cfg.LoadBalancer,
		Services:         cfg.Services,
		TargetGroupStem:  cfg.Environment,
	}, withProvider)
	if err != nil {
		return fmt.Errorf("load balancer: %w", err)
	}
	// Services are created callees first, so that a caller's ECS service waits for the
	// endpoints it calls (serviceOrder); the list stays in config order.
	waf, cdn, err := buildFront(ctx, export, cfg, identity.AccountId, alb, usEast1, withProvider)
	if err != nil {
		return err
	}
	siteURL := cdn.SiteURL
	awaiting := pulumi.StringArray{}
	ports, called := map[string]int{}, map[string]bool{}
	for _, sc := range cfg.Services {
		ports[sc.Name] = sc.Port
		for _, c := range sc.Calls {
			called[c] = true
		}
	}
	byName := map[string]*compute.Service{}
	for _, sc := range serviceOrder(cfg.Services) {
		absent := awaitingSet[sc.Name]
		if absent {
			awaiting = append(awaiting, pulumi.String(sc.Name))
		}
		calleePorts := map[string]int{}
		var after []pulumi.Resource
		for _, c := range sc.Calls {
			calleePorts[c] = ports[c]
			if callee := byName[c]; callee != nil {
				after = append(after, callee.ECSService)
			}
		}
		svc, err := compute.NewService(ctx, cfg.Prefix()+"-"+sc.Name, &compute.ServiceArgs{
			Settings:                    sc,
			Region:                      cfg.Region,
			AccountID:                   identity.AccountId,
			ClusterArn:                  cluster.ClusterArn,
			ClusterName:                 cluster.ClusterName,
			CapacityProviderStrategy:    cluster.Strategy,
			VpcID:                       vpc.VpcID,
			SubnetIDs:                   vpc.PrivateSubnetIDs,
			LoadBalancerSecurityGroupID: alb.SecurityGroupID,
			Target:                      alb.Targets[sc.Name],
			ImagesToKeep:                cfg.Cluster.ImagesToKeep,
			ForceDeleteImages:           cfg.Cluster.ForceDeleteImages,
			AwaitingImage:               absent,
			ParameterPath:               db.ParameterPath,
			Secrets:                     parameterArns,
			ParameterKmsKeyArn:          db.KmsKeyArn,
			KmsKeyArn:                   cluster.KmsKeyArn,
			ExecLogGroupArn:             cluster.ExecLogGroupArn,
			DatabaseSecurityGroupID:     db.SecurityGroupID,
			DatabasePort:                database.DefaultPort,
			SiteURL:                     siteURL,
			NamespaceArn:                cluster.NamespaceArn,
			Called:                      called[sc.Name],
			CalleePorts:                 calleePorts,
			After:                       after,
			DatabaseParameters:          database.ConnectionParameters,
			DatabaseEnvironment:         database.TLSEnvironment(database.CABundlePath),
		}, withProvider)
		if err != nil {
			return fmt.Errorf("service %s: %w", sc.Name, err)
		}
		if err := db.AllowFrom(ctx, "svc-"+sc.Name, svc.SecurityGroupID); err != nil {
			return fmt.Errorf("service %s: %w", sc.Name, err)
		}
		byName[sc.Name] = svc
	}
	services := make([]*compute.Service, 0, len(cfg.Services))
	for _, sc := range cfg.Services {
		services = append(services, byName[sc.Name])
		for _, c := range sc.Calls {
			if err := byName[c].AllowCaller(ctx, byName[sc.Name]); err != nil {
				return fmt.Errorf("service %s: %w", sc.Name, err)
			}
		}
	}
	exportCompute(export, cluster, alb, services)
	if err := buildMigration(ctx, export, cfg, cluster, vpc, byName, withProvider); err != nil {
		return err
	}
	jobs, err := buildJobs(ctx, export, cfg, cluster, db, byName, withProvider)
	if err != nil {
		return err
	}
	// The services that started with zero tasks because their image is not pushed yet;
	// the deploy workflows report them instead of waiting for tasks that cannot start.
	export("servicesAwaitingImages", awaiting)

	// Edge and monitoring: the CloudFront distribution with its web ACL, alarms, the
	// dashboard and the optional bastion (program/edge.go).
	return buildEdge(ctx, export, cfg, edgeInputs{
		accountID: identity.AccountId,
		usEast1:   usEast1,
		vpc:       vpc,
		db:        db,
		cluster:   cluster,
		alb:       alb,
		services:  services,
		waf:       waf,
		jobs:      jobs,
	}, withProvider)
}

// exportCompute exports the load balancer, the cluster and, per service, its ECS
// service, target group (web services only), ECR repository and log group.
func exportCompute(export Exporter, cluster *compute.Cluster, alb *compute.LoadBalancer, services []*compute.Service) {
	export("albDnsName", alb.DnsName)
	export("albArnSuffix", alb.ArnSuffix)
	export("albAccessLogBucket", alb.AccessLogBucket)
	export("clusterName", cluster.ClusterName)
	export("execLogGroupName", cluster.ExecLogGroupName)
	serviceNames, tgSuffixes, repos, logGroups := pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	taskDefinitions := pulumi.StringMap{}
	for _, s := range services {
		serviceNames[s.Name] = s.ServiceName
		if s.Kind == compute.KindWeb {
			tgSuffixes[s.Name] = s.TargetGroupArnSuffix
		}
		repos[s.Name] = s.RepositoryURL
		logGroups[s.Name] = s.LogGroupName
		taskDefinitions[s.Name] = s.TaskDefinitionArn
	}
	export("serviceNames", serviceNames)
	// The deploy workflows compare these with what each ECS service runs after the update:
	// a deployment the circuit breaker rolled back leaves the previous revision running.
	export("taskDefinitionArns", taskDefinitions)
	export("targetGroupArnSuffixes", tgSuffixes)
	export("repositoryUrls", repos)
	export("serviceLogGroupNames", logGroups)
}

// serviceOrder returns the services with every called service before its callers where
// the calls allow it (in a cycle, the service listed first in config goes first); ties
// keep config order.
func serviceOrder(services []compute.ServiceSettings) []compute.ServiceSettings {
	done := map[string]bool{}
	out := make([]compute.ServiceSettings, 0, len(services))
	for len(out) < len(services) {
		progressed := false
		for _, s := range services {
			if done[s.Name] {
				continue
			}
			ready := true
			for _, c := range s.Calls {
				if !done[c] {
					ready = false
				}
			}
			if ready {
				done[s.Name], progressed = true, true
				out = append(out, s)
			}
		}
		if !progressed { // a cycle: take the first remaining service
			for _, s := range services {
				if !done[s.Name] {
					done[s.Name] = true
					out = append(out, s)
					break
				}
			}
		}
	}
	return out
}
