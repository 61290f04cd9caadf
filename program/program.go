package program

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/network"
)

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
	provider, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{
		Region:      pulumi.String(cfg.Region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(cfg.Tags())},
	})
	if err != nil {
		return fmt.Errorf("aws provider: %w", err)
	}
	withProvider := pulumi.Providers(provider)
	identity, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(provider))
	if err != nil {
		return fmt.Errorf("looking up the AWS account: %w", err)
	}

	vpc, err := network.NewVpc(ctx, cfg.Prefix(), &network.VpcArgs{
		Region:    cfg.Region,
		AccountID: identity.AccountId,
		Network:   cfg.Network,
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
	return nil
}
