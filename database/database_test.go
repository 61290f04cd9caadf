package database_test

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// typeComponent is the database component's type token.
const typeComponent = "ecsite:database:Cluster"

// stackDB is one committed stack's run and the resources the tests look at.
type stackDB struct {
	cfg      *config.Config
	r        programtest.Result
	name     string
	cluster  *mockengine.Resource
	key      *mockengine.Resource
	password *mockengine.Resource
}

func run(t *testing.T, stack string, opts mockengine.Options) stackDB {
	t.Helper()
	cfg := programtest.Config(t, stack, opts)
	r := programtest.MustRun(t, stack, opts)
	name := cfg.Prefix() + "-db"
	s := stackDB{cfg: cfg, r: r, name: name,
		cluster:  r.Named(programtest.TypeDBCluster, name+"-cluster"),
		key:      r.Named(programtest.TypeKey, name+"-key"),
		password: r.Named(programtest.TypeRandomPassword, name+"-master-password"),
	}
	if s.cluster == nil || s.key == nil || s.password == nil {
		t.Fatalf("stack %s: cluster, key or master password missing", stack)
	}
	return s
}

// instances returns the cluster's instances, writer (promotion tier 0) first, then the
// readers by name.
func (s stackDB) instances(t *testing.T) []*mockengine.Resource {
	t.Helper()
	all := s.r.ByType(programtest.TypeDBInstance)
	sort.SliceStable(all, func(i, j int) bool {
		ti, tj := all[i].In("promotionTier").Num(), all[j].In("promotionTier").Num()
		if ti != tj {
			return ti < tj
		}
		return all[i].Name < all[j].Name
	})
	return all
}

// exportedMap returns a stack output that is a map of strings.
func exportedMap(t *testing.T, r programtest.Result, name string) map[string]string {
	t.Helper()
	e, ok := r.Exports.Get(name)
	if !ok {
		t.Fatalf("output %s not exported", name)
	}
	switch v := e.Value.(type) {
	case map[string]string:
		return v
	case map[string]any:
		out := map[string]string{}
		for k, x := range v {
			out[k] = fmt.Sprint(x)
		}
		return out
	}
	t.Fatalf("output %s is a %T, not a map", name, e.Value)
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestStacksDiffer pins what dev and prod are meant to be and checks the recorded
// inputs against the committed stack files.
func TestStacksDiffer(t *testing.T) {
	type want struct {
		azs                           []string
		minACU, maxACU                float64
		autoPause                     float64 // 0: no auto-pause setting at all
		protected                     bool    // deletion protection, final snapshot, Pulumi protect
		monitoring, retention, logDay int
		insights                      bool // Performance Insights
	}
	wants := map[string]want{
		"dev":  {[]string{"ap-northeast-1a"}, 0, 1, 300, false, 0, 7, 14, false},
		"prod": {[]string{"ap-northeast-1a", "ap-northeast-1c"}, 0.5, 16, 0, true, 60, 30, 90, false}, // no Performance Insights below 2 ACUs
	}
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			w := wants[stack]
			s := run(t, stack, mockengine.Options{})
			d := s.cfg.Database
			c := s.cluster

			// Instances: count and placement, writer first.
			insts := s.instances(t)
			var azs []string
			for _, in := range insts {
				azs = append(azs, in.In("availabilityZone").Str())
			}
			if !reflect.DeepEqual(azs, w.azs) || len(insts) != d.InstanceCount {
				t.Errorf("instances in %v (stack file: %d); want %v", azs, d.InstanceCount, w.azs)
			}

			// Capacity and auto-pause.
			sc := "serverlessv2ScalingConfiguration."
			if got := [2]float64{c.In(sc + "minCapacity").Num(), c.In(sc + "maxCapacity").Num()}; got != [2]float64{w.minACU, w.maxACU} || got != [2]float64{d.MinCapacity, d.MaxCapacity} {
				t.Errorf("ACU range %v; want %v-%v", got, w.minACU, w.maxACU)
			}
			pause := c.In(sc + "secondsUntilAutoPause")
			if w.autoPause == 0 && !pause.Null() || w.autoPause != 0 && pause.Num() != w.autoPause {
				t.Errorf("secondsUntilAutoPause %v; want %v (0: unset)", pause.Plain(), w.autoPause)
			}

			// Data safety.
			if c.In("deletionProtection").Bool() != w.protected || c.In("deletionProtection").Bool() != d.DeletionProtection {
				t.Errorf("deletionProtection %v; want %v", c.In("deletionProtection").Bool(), w.protected)
			}
			if c.In("skipFinalSnapshot").Bool() == w.protected || c.In("deleteAutomatedBackups").Bool() == w.protected {
				t.Errorf("skipFinalSnapshot %v, deleteAutomatedBackups %v; want both %v", c.In("skipFinalSnapshot").Bool(), c.In("deleteAutomatedBackups").Bool(), !w.protected)
			}
			if got, want := c.In("finalSnapshotIdentifier").Str(), map[bool]string{true: s.name + "-final"}[w.protected]; got != want {
				t.Errorf("finalSnapshotIdentifier %q; want %q", got, want)
			}
			if c.Protect != w.protected || s.key.Protect != w.protected || s.key.RetainOnDelete != w.protected {
				t.Errorf("protect: cluster %v, key %v, key retained on delete %v; want %v", c.Protect, s.key.Protect, s.key.RetainOnDelete, w.protected)
			}

			// Backups and windows.
			if got := int(c.In("backupRetentionPeriod").Num()); got != w.retention || got != d.BackupRetentionDays {
				t.Errorf("backup retention %d days; want %d", got, w.retention)
			}
			if c.In("preferredBackupWindow").Str() != "17:00-18:00" || c.In("preferredMaintenanceWindow").Str() != d.MaintenanceWindow {
				t.Errorf("windows %q / %q", c.In("preferredBackupWindow").Str(), c.In("preferredMaintenanceWindow").Str())
			}
			if !c.In("copyTagsToSnapshot").Bool() {
				t.Error("tags are not copied to snapshots")
			}

			// Enhanced monitoring: the role exists exactly when the interval is set.
			role := s.r.Named(programtest.TypeRole, s.name+"-monitoring")
			if (role != nil) != (w.monitoring > 0) {
				t.Errorf("monitoring role present %v; want %v", role != nil, w.monitoring > 0)
			}
			for _, in := range insts {
				if got := int(in.In("monitoringInterval").Num()); got != w.monitoring || got != d.MonitoringInterval {
					t.Errorf("%s: monitoring interval %d; want %d", in.Name, got, w.monitoring)
				}
				if role != nil && in.In("monitoringRoleArn").Str() != role.Out("arn").Str() || role == nil && !in.In("monitoringRoleArn").Null() {
					t.Errorf("%s: monitoring role %q", in.Name, in.In("monitoringRoleArn").Str())
				}
			}
			if role != nil {
				var trust iamdoc.Document
				if err := role.In("assumeRolePolicy").JSON(&trust); err != nil {
					t.Fatal(err)
				}
				if trust.Statement[0].Principal["Service"] != "monitoring.rds.amazonaws.com" || trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"] != mockengine.AccountID {
					t.Errorf("monitoring trust policy %+v", trust)
				}
			}

			// Performance Insights: on with the stack's key and the free retention, or off
			// with neither (AWS recommends 2 ACUs with it; dev pauses at 0).
			for _, in := range insts {
				on := in.In("performanceInsightsEnabled").Bool()
				if on != w.insights || on != d.PerformanceInsights {
					t.Errorf("%s: Performance Insights %v; want %v", in.Name, on, w.insights)
				}
				if on && (in.In("performanceInsightsKmsKeyId").Str() != s.key.Out("arn").Str() || in.In("performanceInsightsRetentionPeriod").Num() != 7) ||
					!on && (!in.In("performanceInsightsKmsKeyId").Null() || !in.In("performanceInsightsRetentionPeriod").Null()) {
					t.Errorf("%s: Performance Insights key %q, retention %v", in.Name, in.In("performanceInsightsKmsKeyId").Str(), in.In("performanceInsightsRetentionPeriod").Plain())
				}
			}

			for _, export := range []string{"postgresql", "instance"} {
				logs := s.r.Named(programtest.TypeLogGroup, s.name+"-"+export+"-log")
				if logs == nil || logs.In("name").Str() != "/aws/rds/cluster/"+c.Out("clusterIdentifier").Str()+"/"+export || int(logs.In("retentionInDays").Num()) != w.logDay {
					t.Errorf("%s log group %v; want the cluster's, kept %d days", export, logs, w.logDay)
				} else if !contains(c.DependsOn, logs.URN) {
					t.Errorf("the cluster does not wait for its %s log group, so RDS could create it without retention", export)
				}
			}
		})
	}
}

// TestClusterSettings checks what both stacks share: engine, encryption, network
// placement, parameters and logs.
func TestClusterSettings(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			s := run(t, stack, mockengine.Options{})
			c, d := s.cluster, s.cfg.Database
			keyArn := s.key.Out("arn").Str()
			for prop, want := range map[string]string{
				"engine": "aurora-postgresql", "engineMode": "provisioned", "engineVersion": d.EngineVersion,
				"masterUsername": d.MasterUsername, "databaseName": d.DatabaseName, "kmsKeyId": keyArn,
				"clusterIdentifier": s.name,
			} {
				if got := c.In(prop).Str(); got != want {
					t.Errorf("%s = %q; want %q", prop, got, want)
				}
			}
			if !strings.HasPrefix(d.EngineVersion, "17.") {
				t.Errorf("engine version %s is not Aurora PostgreSQL 17", d.EngineVersion)
			}
			if !c.In("storageEncrypted").Bool() {
				t.Error("storage is not encrypted")
			}
			// Nothing logs in with IAM: the stacks leave it off (iamAuthentication).
			if c.In("iamDatabaseAuthenticationEnabled").Bool() || c.In("iamDatabaseAuthenticationEnabled").Null() {
				t.Errorf("iamDatabaseAuthenticationEnabled %v; want false", c.In("iamDatabaseAuthenticationEnabled").Plain())
			}
			// The instance log says why an instance did not pause or scale.
			if c.In("port").Num() != 5432 || !reflect.DeepEqual(c.In("enabledCloudwatchLogsExports").Strs(), []string{"postgresql", "instance"}) {
				t.Errorf("port %v, log exports %v", c.In("port").Plain(), c.In("enabledCloudwatchLogsExports").Strs())
			}
			if !s.key.In("enableKeyRotation").Bool() || s.key.In("deletionWindowInDays").Num() != 30 {
				t.Errorf("KMS key inputs %v", s.key.Inputs)
			}

			subnets := s.r.Named(programtest.TypeDBSubnetGroup, s.name+"-subnets")
			var private []string
			for _, az := range s.cfg.Network.AvailabilityZones {
				private = append(private, s.r.Named("aws:ec2/subnet:Subnet", s.cfg.Prefix()+"-private-"+az).ID)
			}
			if got := subnets.In("subnetIds").Strs(); !reflect.DeepEqual(got, private) {
				t.Errorf("subnet group spans %v; want the private subnets %v", got, private)
			}
			if c.In("dbSubnetGroupName").Str() != subnets.Out("name").Str() {
				t.Error("the cluster is not in its subnet group")
			}

			sg := s.r.Named(programtest.TypeSecurityGroup, s.name+"-sg")
			if got := c.In("vpcSecurityGroupIds").Strs(); !reflect.DeepEqual(got, []string{sg.ID}) {
				t.Errorf("cluster security groups %v; want only %s", got, sg.ID)
			}
			if sg.In("vpcId").Str() != s.r.Named("aws:ec2/vpc:Vpc", s.cfg.Prefix()+"-vpc").ID {
				t.Error("the security group is not in the stack's VPC")
			}
			if sg.In("ingress").Len() != 0 || sg.In("egress").Len() != 0 {
				t.Errorf("security group has inline rules: %v", sg.Inputs)
			}

			pg := s.r.Named(programtest.TypeDBParameterGroup, s.name+"-params")
			if pg.In("family").Str() != "aurora-postgresql17" || c.In("dbClusterParameterGroupName").Str() != pg.Out("name").Str() {
				t.Errorf("parameter group family %q, attached %v", pg.In("family").Str(), c.In("dbClusterParameterGroupName").Str() == pg.Out("name").Str())
			}
			params := map[string]string{}
			for i := 0; i < pg.In("parameters").Len(); i++ {
				params[pg.In(fmt.Sprintf("parameters[%d].name", i)).Str()] = pg.In(fmt.Sprintf("parameters[%d].value", i)).Str()
			}
			for name, want := range map[string]string{"log_min_duration_statement": "1000", "rds.force_ssl": "1"} {
				if params[name] != want {
					t.Errorf("parameter %s = %q; want %q", name, params[name], want)
				}
			}

			for _, in := range s.instances(t) {
				if in.In("instanceClass").Str() != "db.serverless" || in.In("engine").Str() != "aurora-postgresql" {
					t.Errorf("%s: class %s engine %s", in.Name, in.In("instanceClass").Str(), in.In("engine").Str())
				}
				if in.In("clusterIdentifier").Str() != c.ID || in.In("dbSubnetGroupName").Str() != subnets.Out("name").Str() {
					t.Errorf("%s is not in the cluster and its subnet group", in.Name)
				}
				if in.In("publiclyAccessible").Bool() || in.In("publiclyAccessible").Null() {
					t.Errorf("%s: publiclyAccessible must be set to false", in.Name)
				}
				if !in.In("autoMinorVersionUpgrade").Bool() {
					t.Errorf("%s: auto minor upgrade off", in.Name)
				}
				// Without it a change of monitoring or Performance Insights waits for the
				// maintenance window and the drift check reports it all week.
				if !in.In("applyImmediately").Bool() {
					t.Errorf("%s: instance changes wait for the maintenance window (applyImmediately %v)", in.Name, in.In("applyImmediately").Plain())
				}
				if got := in.In("preferredMaintenanceWindow").Str(); got != d.MaintenanceWindow {
					t.Errorf("%s: maintenance window %q; want the cluster's %q", in.Name, got, d.MaintenanceWindow)
				}
			}
		})
	}
}

// TestWriterAndReaders: the writer sits in the first AZ in tier 0; readers are created
// after it, in tier 1 so they scale with it, in the following AZs; names stay keyed by
// AZ when the instance count grows.
func TestWriterAndReaders(t *testing.T) {
	s := run(t, "prod", mockengine.Options{})
	insts := s.instances(t)
	if len(insts) != 2 {
		t.Fatalf("%d instances; want 2", len(insts))
	}
	writer, reader := insts[0], insts[1]
	if writer.In("promotionTier").Num() != 0 || writer.In("availabilityZone").Str() != s.cfg.Network.AvailabilityZones[0] {
		t.Errorf("writer %s: tier %v in %s", writer.Name, writer.In("promotionTier").Plain(), writer.In("availabilityZone").Str())
	}
	if tier := reader.In("promotionTier").Num(); tier > 1 {
		t.Errorf("reader in promotion tier %v does not scale with the writer; want 0 or 1", tier)
	}
	if reader.In("availabilityZone").Str() == writer.In("availabilityZone").Str() {
		t.Error("reader and writer share an availability zone")
	}
	if !contains(reader.DependsOn, writer.URN) {
		t.Error("the reader is not created after the writer, so either could become the writer")
	}

	t.Run("scale out", func(t *testing.T) {
		opts := mockengine.Options{Config: map[string]string{
			programtest.Key(t, "database"): programtest.Patch(t, "prod", "database", map[string]string{"instanceCount": "5"}),
		}}
		s := run(t, "prod", opts)
		got := map[string]string{}
		writers := 0
		for _, in := range s.r.ByType(programtest.TypeDBInstance) {
			got[in.Name] = in.In("availabilityZone").Str()
			if in.In("promotionTier").Num() == 0 {
				writers++
			}
		}
		p := s.name + "-instance-ap-northeast-"
		want := map[string]string{
			p + "1a": "ap-northeast-1a", p + "1c": "ap-northeast-1c",
			p + "1a-2": "ap-northeast-1a", p + "1c-2": "ap-northeast-1c", p + "1a-3": "ap-northeast-1a",
		}
		if !reflect.DeepEqual(got, want) || writers != 1 {
			t.Errorf("instances %v with %d in tier 0; want %v with one", got, writers, want)
		}
	})
}

// TestDriftGuards: AWS-side minor upgrades and AZ reporting never show as changes, and
// a deliberate upgrade run lifts exactly the engine version guard.
func TestDriftGuards(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			s := run(t, stack, mockengine.Options{})
			c := s.cluster
			for _, p := range []string{"availabilityZones", "engineVersion"} {
				if !contains(c.IgnoreChanges, p) {
					t.Errorf("cluster does not ignore changes to %s (ignores %v)", p, c.IgnoreChanges)
				}
			}
			if !c.In("availabilityZones").Null() {
				t.Errorf("cluster sets availabilityZones %v; AWS fills in three and a difference forces replacement", c.In("availabilityZones").Strs())
			}
			if c.In("allowMajorVersionUpgrade").Bool() || c.In("applyImmediately").Bool() {
				t.Error("a normal run allows major upgrades or applies changes immediately")
			}
			for _, in := range s.r.ByType(programtest.TypeDBInstance) {
				if !contains(in.IgnoreChanges, "engineVersion") {
					t.Errorf("%s does not ignore engineVersion", in.Name)
				}
				if !in.In("engineVersion").Null() {
					t.Errorf("%s pins engine version %s; instances follow the cluster", in.Name, in.In("engineVersion").Str())
				}
			}
		})
	}
	t.Run("deliberate upgrade", func(t *testing.T) {
		opts := mockengine.Options{Config: map[string]string{
			programtest.Key(t, "database"): programtest.Patch(t, "prod", "database", map[string]string{"applyEngineVersion": "true", "engineVersion": `"17.9"`}),
		}}
		s := run(t, "prod", opts)
		c := s.cluster
		if contains(c.IgnoreChanges, "engineVersion") || !contains(c.IgnoreChanges, "availabilityZones") {
			t.Errorf("upgrade run ignores %v; want only availabilityZones", c.IgnoreChanges)
		}
		if c.In("engineVersion").Str() != "17.9" || !c.In("allowMajorVersionUpgrade").Bool() || !c.In("applyImmediately").Bool() {
			t.Errorf("upgrade run: version %q, allowMajorVersionUpgrade %v, applyImmediately %v", c.In("engineVersion").Str(), c.In("allowMajorVersionUpgrade").Bool(), c.In("applyImmediately").Bool())
		}
		if !c.Protect {
			t.Error("an upgrade run drops protect")
		}
	})
}

// TestLogicalNamesAreStable pins the logical names of the stateful database resources:
// renaming one replaces it, and replacing the cluster or its key loses data.
func TestLogicalNamesAreStable(t *testing.T) {
	want := map[string]map[string][]string{
		"dev": {
			typeComponent:                 {"ecsite-dev-db"},
			programtest.TypeDBCluster:     {"ecsite-dev-db-cluster"},
			programtest.TypeDBInstance:    {"ecsite-dev-db-instance-ap-northeast-1a"},
			programtest.TypeKey:           {"ecsite-dev-db-key"},
			programtest.TypeDBSubnetGroup: {"ecsite-dev-db-subnets"},
		},
		"prod": {
			typeComponent:                 {"ecsite-prod-db"},
			programtest.TypeDBCluster:     {"ecsite-prod-db-cluster"},
			programtest.TypeDBInstance:    {"ecsite-prod-db-instance-ap-northeast-1a", "ecsite-prod-db-instance-ap-northeast-1c"},
			programtest.TypeKey:           {"ecsite-prod-db-key"},
			programtest.TypeDBSubnetGroup: {"ecsite-prod-db-subnets"},
		},
	}
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, mockengine.Options{})
			components := r.ByType(typeComponent)
			if len(components) != 1 {
				t.Fatalf("%d database components; want 1", len(components))
			}
			for typ, names := range want[stack] {
				var got []string
				for _, res := range r.ByType(typ) {
					if typ == typeComponent || res.Parent == components[0].URN {
						got = append(got, res.Name)
					}
				}
				sort.Strings(got)
				if !reflect.DeepEqual(got, names) {
					t.Errorf("%s: names %v; want %v", typ, got, names)
				}
			}
			if id := r.Named(programtest.TypeDBCluster, "ecsite-"+stack+"-db-cluster").In("clusterIdentifier").Str(); id != "ecsite-"+stack+"-db" {
				t.Errorf("cluster identifier %q", id)
			}
		})
	}
}

// TestConnectionParameters follows DATABASE_URL and its siblings back to the cluster and
// the master password. The mock password contains characters that must be encoded.
func TestConnectionParameters(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			s := run(t, stack, mockengine.Options{})
			d := s.cfg.Database
			password := s.password.Out("result").Str()
			if !strings.ContainsAny(password, "%#?:[]") {
				t.Fatalf("mock password %q has no character that needs encoding; the test would prove nothing", password)
			}
			if specials := s.password.In("overrideSpecial").Str(); specials == "" || strings.ContainsAny(password+specials, `/@"' `) {
				t.Errorf("master password %q may use special characters %q; RDS rejects / @ \" ' and space", password, specials)
			}
			if s.password.In("length").Num() < 32 {
				t.Errorf("master password length %v; want at least 32", s.password.In("length").Plain())
			}
			if c := s.cluster.In("masterPassword"); c.Str() != password || !c.Secret() {
				t.Errorf("cluster master password is not the random secret (secret: %v)", c.Secret())
			}
			param := func(short string) *mockengine.Resource {
				p := s.r.Named(programtest.TypeParameter, s.name+"-"+short)
				if p == nil {
					t.Fatalf("parameter %s missing", short)
				}
				if p.In("name").Str() != s.cfg.ParameterPath()+short {
					t.Errorf("%s is named %q; want %q", short, p.In("name").Str(), s.cfg.ParameterPath()+short)
				}
				return p
			}
			for short, endpoint := range map[string]string{"DATABASE_URL": "endpoint", "DATABASE_READER_URL": "readerEndpoint"} {
				raw := param(short).In("value").Str()
				u, err := url.Parse(raw)
				if err != nil {
					t.Fatalf("%s does not parse: %v", short, err)
				}
				pw, _ := u.User.Password()
				if u.Scheme != "postgresql" || u.User.Username() != d.MasterUsername || pw != password {
					t.Errorf("%s: scheme %q user %q, password round trip %v", short, u.Scheme, u.User.Username(), pw == password)
				}
				if u.Hostname() != s.cluster.Out(endpoint).Str() || u.Port() != "5432" || u.Path != "/"+d.DatabaseName {
					t.Errorf("%s: host %q port %q path %q; want %s:5432/%s", short, u.Hostname(), u.Port(), u.Path, s.cluster.Out(endpoint).Str(), d.DatabaseName)
				}
				// Full verification (the bundle comes from the environment); with auto-pause
				// also a connect timeout that outlasts the resume.
				want := "sslmode=verify-full"
				if d.AutoPause() {
					want = "connect_timeout=30&" + want
				}
				if u.RawQuery != want {
					t.Errorf("%s: query %q; want %q", short, u.RawQuery, want)
				}
				if strings.Contains(raw, password) {
					t.Errorf("%s carries the password unencoded", short)
				}
			}
			for short, want := range map[string]string{
				"DB_HOST": s.cluster.Out("endpoint").Str(), "DB_PORT": "5432", "DB_NAME": d.DatabaseName,
				"PGHOST": s.cluster.Out("endpoint").Str(), "PGPORT": "5432", "PGDATABASE": d.DatabaseName, "PGUSER": d.MasterUsername,
			} {
				p := param(short)
				if p.In("value").Str() != want || p.In("type").Str() != "String" {
					t.Errorf("%s = %q (%s); want %q (String)", short, p.In("value").Str(), p.In("type").Str(), want)
				}
			}
			if p := param("PGPASSWORD"); p.In("value").Str() != password || !p.In("value").Secret() || p.In("type").Str() != "SecureString" {
				t.Errorf("PGPASSWORD is not the master password as a secret SecureString (%s, secret %v)", p.In("type").Str(), p.In("value").Secret())
			}
		})
	}
}

// TestConnectionURLEncodesHostileCredentials round-trips credentials made of the
// characters that break URLs.
func TestConnectionURLEncodesHostileCredentials(t *testing.T) {
	const simple = "postgresql://dbadmin:pw@db.example:5432/ecsite?sslmode=verify-full"
	if got := database.ConnectionURL("dbadmin", "pw", "db.example", 5432, "ecsite", 0); got != simple {
		t.Errorf("ConnectionURL = %q; want %q", got, simple)
	}
	for _, tc := range []struct{ user, password string }{
		{"dbadmin", "p@ss:w/o?r#d"},
		{"us:er@host", `%41%%20 []{}<>!$&'()*+,;="\`},
		{"ユーザー", "パスワード\t\n"},
		{"a", "@@@:::///???###"},
	} {
		raw := database.ConnectionURL(tc.user, tc.password, "db.example", 5432, "ecsite", 0)
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("%q/%q: %q does not parse: %v", tc.user, tc.password, raw, err)
			continue
		}
		pw, ok := u.User.Password()
		if u.User.Username() != tc.user || !ok || pw != tc.password {
			t.Errorf("%q/%q came back as %q/%q", tc.user, tc.password, u.User.Username(), pw)
		}
		if u.Host != "db.example:5432" || u.Path != "/ecsite" || u.Query().Get("sslmode") != "verify-full" {
			t.Errorf("%q: host %q path %q query %q", raw, u.Host, u.Path, u.RawQuery)
		}
		userinfo := strings.TrimPrefix(raw[:strings.LastIndex(raw, "@")], "postgresql://")
		if strings.Count(userinfo, ":") != 1 || strings.ContainsAny(userinfo, "@/?# ") {
			t.Errorf("userinfo %q is not encoded", userinfo)
		}
	}
}

// TestSecretsStaySecret: the master password, every SecureString value and the app
// secrets are Pulumi secrets encrypted with the cluster's key, and no stack
// output carries a value.
func TestSecretsStaySecret(t *testing.T) {
	thirdParty := map[string]string{
		"MONGODB_URI":     "mongodb+srv://shop:s3cr%40t@cluster0.example.mongodb.net/shop",
		"DATADOG_API_KEY": "0123456789abcdef0123456789abcdef",
		"SENTRY_DSN":      "https://abc123@o1.ingest.sentry.io/42",
	}
	withSecrets := func(t *testing.T) mockengine.Options {
		return programtest.AppSecrets(t, "prod", thirdParty, map[string][]string{
			"MONGODB_URI": {"api"}, "DATADOG_API_KEY": {"api", "web"}, "SENTRY_DSN": {"web"},
		})
	}
	cases := []struct {
		name, stack string
		opts        func(t *testing.T) mockengine.Options
		optional    int
	}{
		{"dev", "dev", func(*testing.T) mockengine.Options { return mockengine.Options{} }, 0},
		{"prod", "prod", func(*testing.T) mockengine.Options { return mockengine.Options{} }, 0},
		{"prod with app secrets", "prod", withSecrets, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, tc.stack, tc.opts(t))
			keyArn := s.key.Out("arn").Str()
			if !s.password.Out("result").Secret() {
				t.Error("master password is not a secret")
			}

			want := s.cfg.ParameterNames()
			if len(want) != len(database.CoreParameters)+tc.optional {
				t.Fatalf("config reports parameters %v; want the %d core ones and %d optional", want, len(database.CoreParameters), tc.optional)
			}
			var secretValues []string
			got := map[string]bool{}
			for _, p := range s.r.ByType(programtest.TypeParameter) {
				short := strings.TrimPrefix(p.In("name").Str(), s.cfg.ParameterPath())
				got[short] = true
				if p.In("type").Str() != "SecureString" {
					continue
				}
				v := p.In("value")
				if !v.Secret() {
					t.Errorf("%s: SecureString value is not a Pulumi secret", short)
				}
				if p.In("keyId").Str() != keyArn {
					t.Errorf("%s: encrypted with %q; want the cluster key %s", short, p.In("keyId").Str(), keyArn)
				}
				secretValues = append(secretValues, v.Str())
			}
			for _, name := range want {
				if !got[name] {
					t.Errorf("parameter %s missing", name)
				}
			}
			if len(got) != len(want) {
				t.Errorf("parameters %v; want exactly %v", got, want)
			}
			for _, short := range []string{"DATABASE_URL", "DATABASE_READER_URL", "JWT_SECRET"} {
				if p := s.r.Named(programtest.TypeParameter, s.name+"-"+short); p == nil || p.In("type").Str() != "SecureString" {
					t.Errorf("%s is not a SecureString", short)
				}
			}
			for name, value := range thirdParty {
				p := s.r.Named(programtest.TypeParameter, s.name+"-"+name)
				if tc.optional == 0 && p != nil {
					t.Errorf("%s exists although appSecrets.%s is not set", name, name)
				}
				if tc.optional > 0 && (p == nil || p.In("value").Str() != value || p.In("type").Str() != "SecureString") {
					t.Errorf("%s does not carry the appSecrets.%s secret as a SecureString", name, name)
				}
			}

			// Outputs: names and ARNs, never values.
			arns, names := exportedMap(t, s.r, "parameterArns"), exportedMap(t, s.r, "parameterNames")
			if len(arns) != len(want) || len(names) != len(want) {
				t.Errorf("exported %d parameter ARNs and %d names; want %d", len(arns), len(names), len(want))
			}
			for _, name := range want {
				if arns[name] != s.r.Named(programtest.TypeParameter, s.name+"-"+name).Out("arn").Str() {
					t.Errorf("parameterArns[%s] missing or wrong", name)
				}
				if names[name] != s.cfg.ParameterPath()+name {
					t.Errorf("parameterNames[%s] missing or wrong", name)
				}
			}
			secretValues = append(secretValues, s.password.Out("result").Str())
			for _, export := range s.r.Exports.Names() {
				e, _ := s.r.Exports.Get(export)
				text := fmt.Sprint(e.Value)
				for _, secret := range secretValues {
					if strings.Contains(text, secret) {
						t.Errorf("output %s carries a secret value", export)
					}
				}
			}
			for _, export := range []string{"dbWriterEndpoint", "dbReaderEndpoint", "dbPort", "dbName", "dbClusterIdentifier", "dbSecurityGroupId", "dbKmsKeyArn", "parameterPath"} {
				if _, ok := s.r.Exports.Get(export); !ok {
					t.Errorf("output %s not exported", export)
				}
			}
		})
	}
}

// TestIngress: in the committed stacks every rule on the database security group
// opens 5432 to another security group, never to an address range.
func TestIngress(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			s := run(t, stack, mockengine.Options{})
			sg := s.r.Named(programtest.TypeSecurityGroup, s.name+"-sg")
			for _, rule := range s.r.ByType(programtest.TypeIngress) {
				if rule.In("securityGroupId").Str() != sg.ID {
					continue
				}
				if !rule.In("cidrIpv4").Null() || !rule.In("cidrIpv6").Null() || rule.In("referencedSecurityGroupId").Null() {
					t.Errorf("%s opens the database to an address range: %v", rule.Name, rule.Inputs)
				}
				if rule.In("fromPort").Num() != 5432 || rule.In("toPort").Num() != 5432 || rule.In("ipProtocol").Str() != "tcp" {
					t.Errorf("%s opens more than TCP 5432", rule.Name)
				}
				if !strings.HasPrefix(rule.Name, s.name+"-from-") {
					t.Errorf("%s was not made by AllowFrom", rule.Name)
				}
			}
		})
	}
}

// TestAllowFrom builds the cluster against the prod stack's configuration and opens it to
// a bastion's security group.
func TestAllowFrom(t *testing.T) {
	var callErr, emptyErr error
	m, err := mockengine.Run(func(ctx *pulumi.Context) error {
		cfg, err := config.Load(ctx)
		if err != nil {
			return err
		}
		db, err := database.NewCluster(ctx, cfg.Prefix()+"-db", &database.ClusterArgs{
			AccountID:         mockengine.AccountID,
			Region:            cfg.Region,
			VpcID:             pulumi.String("vpc-0123456789abcdef0"),
			SubnetIDs:         pulumi.ToStringArray([]string{"subnet-a", "subnet-c"}),
			AvailabilityZones: cfg.Network.AvailabilityZones,
			Settings:          cfg.Database,
			ParameterPath:     cfg.ParameterPath(),
		})
		if err != nil {
			return err
		}
		bastion, err := ec2.NewSecurityGroup(ctx, "bastion", &ec2.SecurityGroupArgs{VpcId: pulumi.String("vpc-0123456789abcdef0")})
		if err != nil {
			return err
		}
		callErr = db.AllowFrom(ctx, "bastion", bastion.ID())
		emptyErr = db.AllowFrom(ctx, "", bastion.ID())
		return nil
	}, "prod", mockengine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if callErr != nil {
		t.Fatalf("AllowFrom: %v", callErr)
	}
	if emptyErr == nil {
		t.Error("AllowFrom accepted an empty name")
	}
	rules := m.ByType(programtest.TypeIngress)
	if len(rules) != 1 {
		t.Fatalf("%d ingress rules; want 1", len(rules))
	}
	rule := rules[0]
	component := m.Named(typeComponent, "ecsite-prod-db")
	if rule.Name != "ecsite-prod-db-from-bastion" || rule.Parent != component.URN {
		t.Errorf("rule %s under %s; want ecsite-prod-db-from-bastion under the cluster component", rule.Name, rule.Parent)
	}
	if rule.In("securityGroupId").Str() != m.Named(programtest.TypeSecurityGroup, "ecsite-prod-db-sg").ID || rule.In("referencedSecurityGroupId").Str() != m.Named(programtest.TypeSecurityGroup, "bastion").ID {
		t.Errorf("rule does not open the database group to the bastion group: %v", rule.Inputs)
	}
	if rule.In("ipProtocol").Str() != "tcp" || rule.In("fromPort").Num() != 5432 || rule.In("toPort").Num() != 5432 || !rule.In("cidrIpv4").Null() {
		t.Errorf("rule %v; want TCP 5432 from the group only", rule.Inputs)
	}
}

// TestExportedLogsUseTheDatabaseKey: the log groups RDS exports to are encrypted with the
// database's own key, whose policy lets CloudWatch Logs of the stack's region use it for
// this cluster's log groups only.
func TestExportedLogsUseTheDatabaseKey(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			r := programtest.MustRun(t, stack, mockengine.Options{})
			cfg := programtest.Config(t, stack, mockengine.Options{})
			key := r.One(t, programtest.TypeKey, cfg.Prefix()+"-db-key")
			groups := 0
			for _, lg := range r.ByType(programtest.TypeLogGroup) {
				if !strings.HasPrefix(lg.In("name").Str(), "/aws/rds/cluster/") {
					continue
				}
				groups++
				if lg.In("kmsKeyId").Str() != key.Out("arn").Str() {
					t.Errorf("%s is encrypted with %q; want the database key", lg.Name, lg.In("kmsKeyId").Str())
				}
			}
			if groups == 0 {
				t.Fatal("no database log group")
			}
			policy := key.In("policy").Str()
			want := `"logs.` + cfg.Region + `.amazonaws.com"`
			scope := `"arn:aws:logs:` + cfg.Region + `:` + mockengine.AccountID + `:log-group:/aws/rds/cluster/` + cfg.Prefix() + `-db/*"`
			if !strings.Contains(policy, want) || !strings.Contains(policy, scope) {
				t.Errorf("database key policy does not let CloudWatch Logs use it for the cluster's log groups only: %s", policy)
			}
		})
	}
}
