package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/internal/check"
)

// AppSecretsKey is the config key that holds the app secrets by name: an object of NAME
// to value, each set with `pulumi config set --secret --path 'appSecrets.NAME' <value>`.
// Each becomes the SecureString parameter /<project>/<environment>/NAME, which the
// services that name it in services[].secrets receive as the variable NAME.
const AppSecretsKey = "appSecrets"

// MaxAppSecretBytes is the largest value of a standard-tier SSM parameter, 4 KB
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html;
// PutParameter refuses a longer one with "Standard tier parameters support a maximum
// parameter value of 4096 characters"). Bytes are counted, which is never fewer than
// characters.
const MaxAppSecretBytes = 4096

// appSecretNamePattern is the syntax of an app secret's name: an environment variable
// name in capitals, which is also a valid last segment of an SSM parameter name.
var appSecretNamePattern = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// ReservedVariablePrefixes are the variable prefixes Amazon ECS uses for the variables it
// sets in every task (AWS_REGION, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
// ECS_CONTAINER_METADATA_URI_V4, ECS_AGENT_URI...:
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-environment-variables.html).
// An app secret with such a name would fight ECS (and the AWS SDKs) for the variable.
var ReservedVariablePrefixes = []string{"AWS_", "ECS_"}

// internalURLSuffix ends the variable of every called service's Service Connect URL
// (compute.InternalURLVariable, e.g. API_INTERNAL_URL).
const internalURLSuffix = "_INTERNAL_URL"

// RetiredSecret is a config key of an earlier release that held one secret; its value
// now lives in appSecrets under Parameter, which keeps the SSM parameter (and its URN).
type RetiredSecret struct {
	// Key is the retired project config key, e.g. mongodbUri.
	Key string
	// Parameter is the SSM parameter (and appSecrets name) the value moves to.
	Parameter string
}

// RetiredSecrets are the keys the three third-party secrets had before appSecrets.
var RetiredSecrets = []RetiredSecret{
	{Key: "mongodbUri", Parameter: "MONGODB_URI"},
	{Key: "datadogApiKey", Parameter: "DATADOG_API_KEY"},
	{Key: "sentryDsn", Parameter: "SENTRY_DSN"},
}

// AppSecretPath is the config path of the app secret name, "appSecrets.NAME".
func AppSecretPath(name string) string { return AppSecretsKey + "." + name }

// SetAppSecretCommand is the command that sets the app secret name.
func SetAppSecretCommand(name string) string {
	return fmt.Sprintf("pulumi config set --secret --path '%s' <value>", AppSecretPath(name))
}

// loadSecrets reads key appSecrets and refuses, each under appSecrets.NAME: a value that
// is not a secret (the key holds no secure value at all; see the caveat below), a name
// that is not a capitalised environment variable or that the stack sets itself
// (reservedSecretName), an empty value (SSM refuses it, which would fail the deployment
// halfway) and a value above MaxAppSecretBytes. It also refuses a retired key that is
// still set, with the command that moves its value. The accepted secrets come back
// sorted by name, their values secret outputs; refused lists the names refused for their
// value alone, so that a service naming one is not reported a second time.
//
// Caveat: `pulumi config set --secret --path` makes the whole key secret when the
// program runs, so one value written without --secret beside secure ones is not visible
// here. TestCommittedAppSecretsAreEncrypted checks every committed stack file for it.
func loadSecrets(r reader) (accepted []database.Secret, refused []string) {
	for _, s := range RetiredSecrets {
		if v, ok := r.raw(s.Key); ok && v != "" {
			r.p.Addf(s.Key, "is retired: the secret is now %s, which keeps the parameter %s; move the value with `pulumi config set --secret --path '%s' \"$(pulumi config get %s)\" && pulumi config rm %s`, and name %s in the secrets of the services that read it",
				AppSecretPath(s.Parameter), s.Parameter, AppSecretPath(s.Parameter), s.Key, s.Key, s.Parameter)
		}
	}
	raw, ok := r.raw(AppSecretsKey)
	if !ok {
		return nil, nil
	}
	var values map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &values); err != nil || values == nil {
		r.p.Addf(AppSecretsKey, "cannot be read: want an object of NAME: secret value, each set with `%s`", SetAppSecretCommand("NAME"))
		return nil, nil
	}
	secret := r.ctx.IsConfigSecret(r.ctx.Project() + ":" + AppSecretsKey)
	names := sortedKeys(values)
	p := r.p.Under(AppSecretsKey)
	for _, name := range names {
		before := len(p.Fields())
		reason := reservedSecretName(name)
		if reason != "" {
			p.Addf(name, "%q %s", name, reason)
		}
		// null decodes into a string without an error: only a JSON string is a value.
		var v string
		value := values[name]
		isString := len(value) > 0 && value[0] == '"' && json.Unmarshal(value, &v) == nil
		switch {
		case string(value) == "null":
			p.Addf(name, "has no value: store one with `%s`", SetAppSecretCommand(name))
		case !isString:
			p.Addf(name, "is not a string: store it with `%s`", SetAppSecretCommand(name))
		case !secret:
			p.Addf(name, "is set in plain text; store it with `%s`", SetAppSecretCommand(name))
		}
		switch {
		case isString && v == "":
			p.Addf(name, "is empty: SSM refuses an empty parameter value; set a value or remove it with `pulumi config rm --path '%s'`", AppSecretPath(name))
		case len(v) > MaxAppSecretBytes:
			p.Addf(name, "is %d bytes, above the %d-byte limit of a standard-tier SSM parameter", len(v), MaxAppSecretBytes)
		}
		if len(p.Fields()) > before {
			if reason == "" {
				refused = append(refused, name)
			}
			continue
		}
		accepted = append(accepted, database.Secret{
			Parameter: name,
			Key:       AppSecretPath(name),
			Value:     pulumi.ToSecret(pulumi.String(v)).(pulumi.StringOutput),
		})
	}
	return accepted, refused
}

// reservedSecretName says why name cannot be an app secret, or returns "".
func reservedSecretName(name string) string {
	switch {
	case !appSecretNamePattern.MatchString(name):
		return "is not an environment variable name in capitals (^[A-Z_][A-Z0-9_]*$)"
	case check.OneOf(name, database.CoreParameters):
		return "is an SSM parameter the database component writes itself"
	case name == "NODE_ENV" || name == compute.SiteURLVariable:
		return "is a variable the stack sets in every container"
	case strings.HasSuffix(name, internalURLSuffix):
		return "ends in " + internalURLSuffix + ", the variables the stack sets to the Service Connect URL of a called service"
	}
	if _, tls := database.TLSEnvironment(database.CABundlePath)[name]; tls {
		return "is a TLS variable the stack sets for every database client"
	}
	for _, prefix := range ReservedVariablePrefixes {
		if strings.HasPrefix(name, prefix) {
			return "starts with " + prefix + ", a prefix of the variables Amazon ECS sets in every task"
		}
	}
	return ""
}

// checkSecretsUsed refuses an app secret that no service names in services[].secrets:
// its parameter would hold a credential nothing reads.
func checkSecretsUsed(p *check.Problems, secrets []database.Secret, services []compute.ServiceSettings, jobs []compute.JobSettings) {
	used := map[string]bool{}
	for _, s := range services {
		for _, name := range s.Secrets {
			used[name] = true
		}
	}
	for _, j := range jobs {
		for _, name := range j.Secrets {
			used[name] = true
		}
	}
	for _, s := range secrets {
		if !used[s.Parameter] {
			p.Addf(s.Key, "no service or job names %s in services[].secrets or jobs[].secrets; add it to the secrets of those that read it, or remove it with `pulumi config rm --path '%s'`", s.Parameter, s.Key)
		}
	}
}

// ParameterNames returns every SSM parameter name this stack creates: the core ones
// ([database.CoreParameters]) and the app secrets.
func (c *Config) ParameterNames() []string {
	names := append([]string(nil), database.CoreParameters...)
	for _, s := range c.Secrets {
		names = append(names, s.Parameter)
	}
	return names
}

// AppSecretNames returns the names of the app secrets, sorted.
func (c *Config) AppSecretNames() []string {
	names := make([]string, 0, len(c.Secrets))
	for _, s := range c.Secrets {
		names = append(names, s.Parameter)
	}
	sort.Strings(names)
	return names
}

// ParameterPath is the SSM path prefix of this stack, "/<project>/<environment>/".
func (c *Config) ParameterPath() string { return "/" + c.Project + "/" + c.Environment + "/" }
