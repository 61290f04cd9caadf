package config

import (
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/ecsite/infra/access"
	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/monitoring"
	"github.com/ecsite/infra/network"
)

// Config is the whole validated stack configuration.
type Config struct {
	// Project is the Pulumi project name; it prefixes resource names and the SSM path.
	Project string
	// Environment names the deployment ("dev", "prod"); key "environment".
	Environment string
	// Region is the AWS region; key "aws:region".
	Region string
	// CostCenter is the value of the cost-center tag; key "costCenter".
	CostCenter string
	// Network is the VPC layout; key "network".
	Network network.Settings
	// Database is the Aurora PostgreSQL cluster; key "database".
	Database database.Settings
	// Waf is the CLOUDFRONT-scope web ACL of the distribution; key "waf".
	Waf edge.WafSettings
	// Cdn is the CloudFront distribution in front of the load balancer, with the site's
	// domain; key "cdn".
	Cdn edge.CdnSettings
	// Monitoring is the alarm topic and the alarm thresholds; key "monitoring".
	Monitoring monitoring.Settings
	// Bastion is the optional Session Manager host for database access; key "bastion".
	Bastion access.Settings
	// LoadBalancer is the Application Load Balancer; key "loadBalancer".
	LoadBalancer compute.LoadBalancerSettings
	// Cluster is the ECS cluster and its capacity providers; key "cluster".
	Cluster compute.ClusterSettings
	// Services are the ECS services behind the load balancer; key "services".
	Services []compute.ServiceSettings
	// Migration is the schema migration task; key "migration".
	Migration compute.MigrationSettings
	// Jobs are the scheduled tasks; key "jobs".
	Jobs []compute.JobSettings
	// Secrets are the app secrets, sorted by name; key "appSecrets".
	Secrets []database.Secret
	// AwsEndpoint points the AWS provider at a local emulator; key "awsEndpoint".
	// Unset (real AWS) in dev and prod.
	AwsEndpoint AwsEndpoint
	// BaseStack names the stack whose file this one follows for every key it does not
	// set (config/basestack.go); key "baseStack". Empty in dev and prod; "dev" in the
	// local emulator stack.
	BaseStack string
}

// Prefix is "<project>-<environment>", the stem of every component and resource name.
func (c *Config) Prefix() string { return c.Project + "-" + c.Environment }

// Tags are the common tags that the AWS provider adds to every taggable resource.
func (c *Config) Tags() map[string]string {
	return map[string]string{
		"project":     c.Project,
		"environment": c.Environment,
		"managed-by":  "pulumi",
		"cost-center": c.CostCenter,
	}
}

// Limits on the names that become part of AWS resource names. The tightest AWS limit is
// 32 characters for load balancers and target groups, and Pulumi's auto-naming appends
// an 8-character suffix ("-" and 7 hex digits), so names are kept short.
const (
	MaxProjectLength     = 12
	MaxEnvironmentLength = 8
)

var (
	projectPattern     = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$`)
	environmentPattern = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	costCenterPattern  = regexp.MustCompile(`^[A-Za-z0-9 _.:/=+@-]{1,256}$`)
)

// Load reads every project key once and validates all of them. It returns a
// *ValidationError listing every invalid key, or a wrapped error when a value cannot be
// read at all. It registers no resources, so a stack with bad config creates nothing.
func Load(ctx *pulumi.Context) (*Config, error) {
	p := check.NewProblems()
	r := reader{ctx: ctx, p: p}
	c := &Config{Project: ctx.Project()}
	c.BaseStack = r.str("baseStack", "")
	r.inherited = inherit(r, ctx.Stack(), ctx.RootDirectory(), r.raw)

	// RDS identifiers (<project>-<environment>-db) may not contain two hyphens in a row.
	if len(c.Project) == 0 || len(c.Project) > MaxProjectLength || !projectPattern.MatchString(c.Project) || strings.Contains(c.Project, "--") {
		p.Addf("project", "Pulumi.yaml name %q must be 1-%d lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row", c.Project, MaxProjectLength)
	}

	c.Environment = r.str("environment", "")
	switch {
	case c.Environment == "":
		p.Addf("environment", "must be set (e.g. dev or prod): it names resources and the SSM path")
	case len(c.Environment) > MaxEnvironmentLength || !environmentPattern.MatchString(c.Environment):
		p.Addf("environment", "%q must be 1-%d lowercase letters or digits, starting with a letter", c.Environment, MaxEnvironmentLength)
	}

	c.CostCenter = r.str("costCenter", DefaultCostCenter)
	if !costCenterPattern.MatchString(c.CostCenter) {
		p.Addf("costCenter", "%q must be 1-256 characters allowed in AWS tag values (letters, digits, spaces and _ . : / = + - @)", c.CostCenter)
	}

	c.Region, _ = r.raw("aws:region")
	if c.Region == "" {
		p.Addf("aws:region", "must be set (this product runs in ap-northeast-1)")
	} else if !regionPattern.MatchString(c.Region) {
		p.Addf("aws:region", "%q is not an AWS region name such as ap-northeast-1", c.Region)
	}

	c.Network = loadNetwork(r, c.Region)
	c.Database = loadDatabase(r)
	var refusedSecrets []string
	c.Secrets, refusedSecrets = loadSecrets(r)
	c.LoadBalancer = loadLoadBalancer(r)
	c.Cluster = loadCluster(r)
	c.Services = loadServices(r, append(c.ParameterNames(), refusedSecrets...))
	checkSpotArchitecture(p, c.Cluster, c.Services)
	c.Migration = loadMigration(r, c.Services)
	migrationClash(p, c.Migration, c.Services)
	c.Jobs = loadJobs(r, c.Services, append(c.ParameterNames(), refusedSecrets...))
	checkSecretsUsed(p, c.Secrets, c.Services, c.Jobs)
	c.Waf = loadWaf(r)
	c.Cdn = loadCdn(r)
	checkReachability(p, c.Cdn, c.Services)
	if c.Cdn.AccessLogs && !c.LoadBalancer.AccessLogs {
		p.Addf("cdn.accessLogs", "is true but loadBalancer.accessLogs is false: the distribution's standard logs go to the load balancer's access-log bucket; turn both on, or cdn.accessLogs off (policy rule CDN-LOGGING then needs an exception)")
	}
	c.Monitoring = loadMonitoring(r, c.Database, c.Services)
	c.Bastion = loadBastion(r, c.Network)
	c.AwsEndpoint = loadAwsEndpoint(r)

	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// DefaultCostCenter is the cost-center tag when the stack does not set one.
const DefaultCostCenter = "web-shop"

// reader reads raw project config values and records decoding problems.
type reader struct {
	ctx *pulumi.Context
	p   *check.Problems
	// inherited are the values taken from the base stack's file (key baseStack), by
	// project-relative key; nil without a base stack.
	inherited map[string]string
}

// raw returns the value of a fully qualified or project-relative key, and whether it is
// set: the base stack's (merged) value when the key is inherited, otherwise the stack's.
// pconfig.Try fails only for a missing key.
func (r reader) raw(key string) (string, bool) {
	if v, ok := r.inherited[key]; ok {
		return v, true
	}
	v, err := pconfig.Try(r.ctx, key)
	return v, err == nil
}

func (r reader) str(key, def string) string {
	if v, ok := r.raw(key); ok {
		return v
	}
	return def
}

// object decodes a structured key over dst, which holds the defaults: fields the stack
// omits keep their default value, unknown fields are reported.
func (r reader) object(key string, dst any) {
	v, ok := r.raw(key)
	if !ok {
		return
	}
	if err := check.DecodeStrict(v, dst); err != nil {
		r.p.Addf(key, "cannot be read: %v", err)
	}
}

// Declared lists every project key Load reads with its code default (nil for a required
// key). Pulumi.yaml must declare exactly these keys with these defaults; a test checks it.
func Declared() map[string]any {
	return map[string]any{
		"environment": nil,
		"costCenter":  DefaultCostCenter,
		"network":     network.Defaults(),
		"database":    database.DefaultSettings(),
		"waf":         edge.WafDefaults(),
		"cdn":         edge.CdnDefaults(),
		"monitoring":  monitoring.Defaults(),
		"bastion":     access.Defaults(),

		// Compute: the load balancer, the ECS cluster and the services.
		"loadBalancer": compute.DefaultLoadBalancerSettings(),
		"cluster":      compute.DefaultClusterSettings(),
		"services":     compute.DefaultServices(),
		"migration":    compute.DefaultMigrationSettings(),
		"jobs":         []compute.JobSettings{},
		// App secrets by name, each set with --secret --path.
		"appSecrets": map[string]string{},
		// Local emulator stack only; unset means real AWS.
		"awsEndpoint": DefaultAwsEndpoint(),
		// A stack that follows another stack's file; empty means none.
		"baseStack": "",
	}
}

// Values lists every project key Declared lists with the value Load resolved for it (a
// derived default such as monitoring.dbConnections shows resolved). An app secret shows
// as "[secret]".
func (c *Config) Values() map[string]any {
	secrets := map[string]string{}
	for _, s := range c.Secrets {
		secrets[s.Parameter] = "[secret]"
	}
	v := map[string]any{
		"environment":  c.Environment,
		"costCenter":   c.CostCenter,
		"network":      c.Network,
		"database":     c.Database,
		"waf":          c.Waf,
		"cdn":          c.Cdn,
		"monitoring":   c.Monitoring,
		"bastion":      c.Bastion,
		"loadBalancer": c.LoadBalancer,
		"cluster":      c.Cluster,
		"services":     c.Services,
		"migration":    c.Migration,
		"jobs":         c.Jobs,
		"awsEndpoint":  c.AwsEndpoint,
		"baseStack":    c.BaseStack,
		"appSecrets":   secrets,
	}
	return v
}
