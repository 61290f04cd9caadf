package program_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// migrationCases: the migration key refused with the key named.
var migrationCases = []badConfigCase{
	{"migration of a service that does not exist", patch("migration", "service", `"worker"`), "migration.service"},
	{"migration of a service without database access", patch("migration", "service", `"web"`), "migration.service"},
	{"migration of a service with reader access only", func(t *testing.T) mockengine.Options {
		o := patchService(1, "database", `"reader"`)(t)
		return o
	}, "migration.service"},
	{"migration cpu Fargate does not offer", patch("migration", "cpu", `300`), "migration.cpu"},
	{"migration memory Fargate does not offer with its cpu", patch("migration", "cpu", `256`, "memory", `4096`), "migration.memory"},
	{"migration command with an empty argument", patch("migration", "command", `["npx",""]`), "migration.command[1]"},
	{"migration log retention CloudWatch does not offer", patch("migration", "logRetentionDays", `10`), "migration.logRetentionDays"},
	{"misspelt migration field", patch("migration", "comand", `["x"]`), "migration"},
}

func TestBadConfigMigration(t *testing.T) { runBadConfig(t, migrationCases) }

// contractFields are the fields of the stack output "migration" the deploy workflows read.
var contractFields = []string{"cluster", "containerName", "logGroup", "logStreamPrefix", "resourceName", "resourceType", "securityGroups", "subnets", "taskDefinitionArn", "taskDefinitionFamily"}

// TestMigrationTask: each committed stack has the migration task of the api's image,
// under the cluster, with the api's secrets and variables, the command, no port and no
// ECS Exec, and the stack output with exactly the fields the workflows read.
func TestMigrationTask(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, mockengine.Options{})
			cfg := programtest.Config(t, stack, mockengine.Options{})
			stem := compute.MigrationStem(cfg.Prefix())
			task := r.One(t, programtest.TypeTaskDefinition, stem)
			if parent := r.ByURN(task.Parent); parent == nil || parent.Type != "ecsite:compute:Cluster" {
				t.Errorf("%s's parent is %s; want the cluster component", stem, task.Parent)
			}
			if f := task.In("family").Str(); f != stem {
				t.Errorf("family %q; want %q", f, stem)
			}
			var mig, api []compute.ContainerDefinition
			if err := task.In("containerDefinitions").JSON(&mig); err != nil || len(mig) != 1 {
				t.Fatalf("container definitions: %v (%d)", err, len(mig))
			}
			apiTask := r.One(t, programtest.TypeTaskDefinition, cfg.Prefix()+"-api-task")
			if err := apiTask.In("containerDefinitions").JSON(&api); err != nil || len(api) != 1 {
				t.Fatalf("api container definitions: %v", err)
			}
			c, a := mig[0], api[0]
			if c.Name != compute.MigrationContainer || c.LogConfiguration.Options["awslogs-stream-prefix"] != compute.MigrationContainer {
				t.Errorf("container %q, stream prefix %q; want %q", c.Name, c.LogConfiguration.Options["awslogs-stream-prefix"], compute.MigrationContainer)
			}
			if g := c.LogConfiguration.Options["awslogs-group"]; g != "/ecs/"+stem {
				t.Errorf("log group %q; want /ecs/%s", g, stem)
			}
			if c.Image != a.Image {
				t.Errorf("image %q; want the api's %q", c.Image, a.Image)
			}
			if !reflect.DeepEqual(c.Command, cfg.Migration.Command) {
				t.Errorf("command %v; want %v", c.Command, cfg.Migration.Command)
			}
			if !reflect.DeepEqual(c.Secrets, a.Secrets) || !reflect.DeepEqual(c.Environment, a.Environment) {
				t.Errorf("secrets %v and environment %v; want the api's %v and %v", c.Secrets, c.Environment, a.Secrets, a.Environment)
			}
			if len(c.PortMappings) != 0 || !c.ReadonlyRootFilesystem || c.User != a.User {
				t.Errorf("ports %v, read-only root %v, user %q; want none, true, %q", c.PortMappings, c.ReadonlyRootFilesystem, c.User, a.User)
			}
			// Only /tmp is writable beside the service's own writable paths.
			if len(c.MountPoints) != 1 || c.MountPoints[0].ContainerPath != "/tmp" {
				t.Errorf("mounts %v; want /tmp only", c.MountPoints)
			}
			// The task role grants nothing (no ECS Exec); the execution role reads only the
			// task's parameters.
			for _, p := range r.ByType(programtest.TypeRolePolicy) {
				switch p.Name {
				case stem + "-task":
					t.Errorf("the migration task role has a policy: %s", p.In("policy").Str())
				case stem + "-execution":
					doc := p.In("policy").Str()
					if strings.Contains(doc, "parameter/"+cfg.Project+"/"+cfg.Environment+"/*") || strings.Contains(doc, "ssmmessages") {
						t.Errorf("execution policy reads every parameter or opens ECS Exec: %s", doc)
					}
				}
			}
			r.One(t, programtest.TypeLogGroup, stem+"-logs")

			out, ok := r.Exports.Get("migration")
			if !ok {
				t.Fatal("no stack output migration")
			}
			m, _ := out.Value.(map[string]any)
			var keys []string
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !reflect.DeepEqual(keys, contractFields) {
				t.Errorf("migration output fields %v; want %v", keys, contractFields)
			}
			want := map[string]any{
				"taskDefinitionFamily": stem, "containerName": "migrate", "logGroup": "/ecs/" + stem,
				"logStreamPrefix": "migrate", "resourceType": programtest.TypeTaskDefinition, "resourceName": stem,
			}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("migration.%s = %v; want %v", k, m[k], v)
				}
			}
			if arn, _ := m["taskDefinitionArn"].(string); !strings.Contains(arn, ":task-definition/"+stem+":") {
				t.Errorf("taskDefinitionArn %q is not a revision of %s", arn, stem)
			}
			subnets, _ := json.Marshal(m["subnets"])
			private, _ := r.Exports.Get("privateSubnetIds")
			wantSubnets, _ := json.Marshal(private.Value)
			if string(subnets) != string(wantSubnets) {
				t.Errorf("subnets %s; want the private subnets %s", subnets, wantSubnets)
			}
			apiSG := r.One(t, programtest.TypeSecurityGroup, cfg.Prefix()+"-api-tasks")
			if sgs, _ := json.Marshal(m["securityGroups"]); string(sgs) != `["`+apiSG.ID+`"]` {
				t.Errorf("securityGroups %s; want the api's [%s]", sgs, apiSG.ID)
			}
			clusterName, _ := r.Exports.Get("clusterName")
			if m["cluster"] != clusterName.Value {
				t.Errorf("cluster %v; want %v", m["cluster"], clusterName.Value)
			}
		})
	}
}

// TestMigrationOff: an empty command registers no migration task and no output.
func TestMigrationOff(t *testing.T) {
	r := programtest.MustRun(t, "prod", programtest.Patched(t, "prod", "migration", map[string]string{"command": `[]`}))
	if _, ok := r.Exports.Get("migration"); ok {
		t.Error("stack output migration exported without a migration task")
	}
	for _, td := range r.ByType(programtest.TypeTaskDefinition) {
		if strings.HasSuffix(td.Name, "-migrate") {
			t.Errorf("task definition %s registered with an empty migration command", td.Name)
		}
	}
}
