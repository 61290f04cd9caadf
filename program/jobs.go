package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/database"
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

// buildJobs registers one job per entry of key "jobs", each with access to the database
// when its database setting asks for it, and exports their log groups by job name. The
// failure alarms come with the alarm topic (buildEdge).
func buildJobs(ctx *pulumi.Context, export Exporter, cfg *config.Config, cluster *compute.Cluster, db *database.Cluster, byName map[string]*compute.Service, withProvider pulumi.ResourceOption) ([]*compute.Job, error) {
	var jobs []*compute.Job
	logGroups := pulumi.StringMap{}
	for _, j := range cfg.Jobs {
		job, err := compute.NewJob(ctx, cfg.Prefix()+"-job-"+j.Name, &compute.JobArgs{
			Settings:       j,
			Service:        byName[j.Service],
			ClusterArn:     cluster.ClusterArn,
			DatabaseClient: j.Database != database.AccessNone,
		}, withProvider)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", j.Name, err)
		}
		if j.Database != database.AccessNone {
			if err := db.AllowFrom(ctx, "job-"+j.Name, job.SecurityGroupID); err != nil {
				return nil, fmt.Errorf("job %s: %w", j.Name, err)
			}
		}
		logGroups[j.Name] = job.LogGroupName
		jobs = append(jobs, job)
	}
	if len(jobs) > 0 {
		export("jobLogGroupNames", logGroups)
	}
	return jobs, nil
}
