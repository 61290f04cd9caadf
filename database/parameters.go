package database

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SSM parameter types.
const (
	SecureString = "SecureString"
	String       = "String"
)

// CoreParameters are the SSM parameters the cluster always writes under its
// ParameterPath; containers name them in services[].secrets.
//
// DATABASE_URL and DATABASE_READER_URL are libpq URLs (Connection.URL); the PG* parameters
// are the writer as libpq's variables (Connection.Environment). Every client in
// database/clients_test.go reads both; the TLS variables that go with them are plain
// container variables (TLSEnvironment).
var CoreParameters = []string{
	"DATABASE_URL", "DATABASE_READER_URL", "DB_HOST", "DB_PORT", "DB_NAME", "JWT_SECRET",
	"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
}

// ConnectionParameters are the CoreParameters that connect to the cluster; a container
// that reads one of them also gets the plain variables of TLSEnvironment, so that its
// client verifies the server.
var ConnectionParameters = []string{
	"DATABASE_URL", "DATABASE_READER_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
}

// Database access a service may have (services[].database): none, the writer's
// connection settings, the reader URL, or both.
const (
	AccessNone   = "none"
	AccessWriter = "writer"
	AccessReader = "reader"
	AccessBoth   = "both"
)

// Accesses are the values of services[].database.
var Accesses = []string{AccessNone, AccessWriter, AccessReader, AccessBoth}

// AccessParameters are the connection parameters a service with access gets as secrets,
// in the order its container lists them: the writer is DATABASE_URL and the PG*
// variables, the reader DATABASE_READER_URL. Nil for none or an unknown access.
func AccessParameters(access string) []string {
	pg := []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"}
	switch access {
	case AccessWriter:
		return append([]string{"DATABASE_URL"}, pg...)
	case AccessReader:
		return []string{"DATABASE_READER_URL"}
	case AccessBoth:
		return append([]string{"DATABASE_URL", "DATABASE_READER_URL"}, pg...)
	}
	return nil
}

// Secret is an app secret the cluster writes as a SecureString parameter. Its value
// stays a secret output: it is never read as a plain string.
type Secret struct {
	// Parameter is the SSM parameter (and container variable) name, e.g. MONGODB_URI. It
	// is also the parameter's child name (<name>-MONGODB_URI), so a secret keeps its URN
	// whatever config key it comes from.
	Parameter string
	// Key is the config path the value was read from (appSecrets.MONGODB_URI), named in
	// the parameter's description.
	Key string
	// Value is the secret value.
	Value pulumi.StringOutput
}

// parameter is one SSM parameter to write.
type parameter struct {
	kind        string
	value       pulumi.StringInput
	description string
}

// newParameters writes the connection settings and secrets under args.ParameterPath:
// exactly CoreParameters, then args.Secrets in their order. SecureStrings are encrypted with key and their values
// stay Pulumi secrets. It returns the full names and ARNs by short name.
func newParameters(ctx *pulumi.Context, name string, args *ClusterArgs, cluster *rds.Cluster, password *random.RandomPassword, key *kms.Key, parent pulumi.ResourceOption) (map[string]string, map[string]pulumi.StringOutput, error) {
	d := args.Settings
	jwt, err := random.NewRandomPassword(ctx, name+"-jwt-secret", &random.RandomPasswordArgs{
		Length:  pulumi.Int(JWTSecretLength),
		Special: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("jwt secret: %w", err)
	}
	// A paused instance resumes while the first connection waits: the clients that honour
	// connect_timeout must wait longer.
	connectTimeout := 0
	if d.AutoPause() {
		connectTimeout = ResumeConnectTimeoutSeconds
	}
	url := func(endpoint pulumi.StringOutput) pulumi.StringOutput {
		composed := pulumi.All(endpoint, cluster.Port, password.Result).ApplyT(func(v []any) string {
			return ConnectionURL(d.MasterUsername, v[2].(string), v[0].(string), v[1].(int), d.DatabaseName, connectTimeout)
		}).(pulumi.StringOutput)
		return pulumi.ToSecret(composed).(pulumi.StringOutput)
	}
	port := cluster.Port.ApplyT(strconv.Itoa).(pulumi.StringOutput)
	specs := map[string]parameter{
		"DATABASE_URL":        {SecureString, url(cluster.Endpoint), URLDescription("Writer", d.DatabaseName, connectTimeout)},
		"DATABASE_READER_URL": {SecureString, url(cluster.ReaderEndpoint), URLDescription("Reader", d.DatabaseName, connectTimeout)},
		"DB_HOST":             {String, cluster.Endpoint, "Writer endpoint"},
		"DB_PORT":             {String, port, "PostgreSQL port"},
		"DB_NAME":             {String, pulumi.String(d.DatabaseName), "Application database name"},
		"JWT_SECRET":          {SecureString, jwt.Result, "Signing key of the API's JSON Web Tokens"},
		"PGHOST":              {String, cluster.Endpoint, "Writer endpoint (libpq variable)"},
		"PGPORT":              {String, port, "PostgreSQL port (libpq variable)"},
		"PGDATABASE":          {String, pulumi.String(d.DatabaseName), "Application database name (libpq variable)"},
		"PGUSER":              {String, pulumi.String(d.MasterUsername), "Database user (libpq variable)"},
		"PGPASSWORD":          {SecureString, pulumi.ToSecret(password.Result).(pulumi.StringOutput), "Database password (libpq variable)"},
	}
	order := append([]string(nil), CoreParameters...)
	for _, s := range args.Secrets {
		if _, dup := specs[s.Parameter]; dup {
			return nil, nil, fmt.Errorf("parameter %s: set twice", s.Parameter)
		}
		specs[s.Parameter] = parameter{SecureString, pulumi.ToSecret(s.Value).(pulumi.StringOutput), "Set from the config secret " + s.Key}
		order = append(order, s.Parameter)
	}

	names := map[string]string{}
	arns := map[string]pulumi.StringOutput{}
	for _, short := range order {
		spec, ok := specs[short]
		if !ok {
			return nil, nil, fmt.Errorf("parameter %s: the database component does not know how to fill it", short)
		}
		full := args.ParameterPath + short
		pArgs := &ssm.ParameterArgs{
			Name:        pulumi.String(full),
			Type:        pulumi.String(spec.kind),
			Value:       spec.value,
			Tier:        pulumi.String("Standard"),
			Description: pulumi.String(spec.description),
		}
		if spec.kind == SecureString {
			pArgs.KeyId = key.Arn
		}
		p, err := ssm.NewParameter(ctx, name+"-"+short, pArgs, parent)
		if err != nil {
			return nil, nil, fmt.Errorf("parameter %s: %w", short, err)
		}
		names[short] = full
		arns[short] = p.Arn
	}
	return names, arns, nil
}
