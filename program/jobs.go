package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/network"
)

// buildMigration registers the migration task under the cluster and exports it as
// "migration" (absent when migration.command is empty): what the deploy workflows need
// to run it before the services move to a new image.
func buildMigration(ctx *pulumi.Context, export Exporter, cfg *config.Config, cluster *compute.Cluster, vpc *network.Vpc, byName map[string]*compute.Service, withProvider pulumi.ResourceOption) error {
	if !cfg.Migration.Enabled() {
		return nil
	}
	m, err := compute.NewMigrationTask(ctx, cfg.Prefix(), &compute.MigrationArgs{
		Settings:    cfg.Migration,
		Service:     byName[cfg.Migration.Service],
		ClusterName: cluster.ClusterName,
		SubnetIDs:   vpc.PrivateSubnetIDs,
	}, pulumi.Parent(cluster), withProvider)
	if err != nil {
		return fmt.Errorf("migration: %w", err)
	}
	export("migration", m.Output)
	return nil
}
