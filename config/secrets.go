package config

import (
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/ecsite/infra/database"
)

// OptionalSecret is a SecureString parameter created only when its config secret is set.
type OptionalSecret struct {
	// Parameter is the SSM parameter (and container variable) name, e.g. MONGODB_URI.
	Parameter string
	// Key is the project config key holding the value, set with `pulumi config set --secret`.
	Key string
}

// OptionalSecrets lists the third-party credentials the containers may receive.
var OptionalSecrets = []OptionalSecret{
	{Parameter: "MONGODB_URI", Key: "mongodbUri"},
	{Parameter: "DATADOG_API_KEY", Key: "datadogApiKey"},
	{Parameter: "SENTRY_DSN", Key: "sentryDsn"},
}

// loadSecrets reads the optional secrets that are set, in OptionalSecrets order. A value
// set without --secret is an error: it would sit in plain text in the stack file and in
// the state. The values stay secret outputs: they are never read as plain strings.
func loadSecrets(r reader) []database.Secret {
	var out []database.Secret
	for _, s := range OptionalSecrets {
		full := r.ctx.Project() + ":" + s.Key
		if !r.ctx.IsConfigSecret(full) {
			if v, ok := r.raw(s.Key); ok && v != "" {
				r.p.Addf(s.Key, "is set in plain text; store it with `pulumi config set --secret %s <value>`", s.Key)
			}
			continue
		}
		v, err := pconfig.TrySecret(r.ctx, s.Key)
		if err != nil {
			continue
		}
		// An empty secret (`pulumi config set --secret sentryDsn ""`, or a CI variable
		// that is not defined) means "not set": SSM refuses a parameter with an empty
		// value, which would fail the deployment halfway.
		if plain, _ := r.raw(s.Key); plain == "" {
			continue
		}
		out = append(out, database.Secret{Parameter: s.Parameter, Key: s.Key, Value: v})
	}
	return out
}

// ParameterNames returns every SSM parameter name this stack creates: the core ones
// ([database.CoreParameters]) and the optional secrets that are set.
func (c *Config) ParameterNames() []string {
	names := append([]string(nil), database.CoreParameters...)
	for _, s := range c.Secrets {
		names = append(names, s.Parameter)
	}
	return names
}

// ParameterPath is the SSM path prefix of this stack, "/<project>/<environment>/".
func (c *Config) ParameterPath() string { return "/" + c.Project + "/" + c.Environment + "/" }
