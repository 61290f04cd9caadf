package program_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// appSecret returns the stack-file edits that add app secret name (value) to the prod
// stack, read by the services readers.
func appSecret(name, value string, readers ...string) func(t *testing.T) mockengine.Options {
	return func(t *testing.T) mockengine.Options {
		users := map[string][]string{}
		if len(readers) > 0 {
			users[name] = readers
		}
		return programtest.AppSecrets(t, "prod", map[string]string{name: value}, users)
	}
}

// secretSet sets key of the prod stack to value (JSON) and marks it secret, as a value
// set with --secret is.
func secretSet(key, value string) func(t *testing.T) mockengine.Options {
	return func(t *testing.T) mockengine.Options {
		opts := set(key, value)(t)
		opts.SecretKeys = []string{programtest.Key(t, key)}
		return opts
	}
}

// secretsCases are the app secrets a stack file can get wrong; each is refused naming
// the key under appSecrets (or the service secret, or the retired key).
var secretsCases = []badConfigCase{
	{"plain value", func(t *testing.T) mockengine.Options {
		opts := appSecret("STRIPE_SECRET_KEY", "sk_live_x", "api")(t)
		opts.SecretKeys = nil // `pulumi config set --path` without --secret
		return opts
	}, "appSecrets.STRIPE_SECRET_KEY"},
	{"name with a hyphen", appSecret("stripe-key", "sk_live_x"), "appSecrets.stripe-key"},
	{"name in lower case", appSecret("stripe_key", "sk_live_x"), "appSecrets.stripe_key"},
	{"name starting with a digit", appSecret("1PASSWORD", "x"), "appSecrets.1PASSWORD"},
	{"core parameter", appSecret("JWT_SECRET", "x", "api"), "appSecrets.JWT_SECRET"},
	{"connection parameter", appSecret("DATABASE_URL", "postgresql://x", "api"), "appSecrets.DATABASE_URL"},
	{"NODE_ENV", appSecret("NODE_ENV", "development", "api"), "appSecrets.NODE_ENV"},
	{"SITE_URL", appSecret(compute.SiteURLVariable, "https://x", "api"), "appSecrets.SITE_URL"},
	{"a Service Connect URL", appSecret(compute.InternalURLVariable("api"), "http://x", "web"), "appSecrets.API_INTERNAL_URL"},
	{"a database TLS variable", appSecret("PGSSLMODE", "disable", "api"), "appSecrets.PGSSLMODE"},
	{"an ECS variable (AWS_)", appSecret("AWS_REGION", "us-east-1", "api"), "appSecrets.AWS_REGION"},
	{"an ECS variable (ECS_)", appSecret("ECS_AGENT_URI", "http://x", "api"), "appSecrets.ECS_AGENT_URI"},
	{"empty value", appSecret("STRIPE_SECRET_KEY", "", "api"), "appSecrets.STRIPE_SECRET_KEY"},
	{"value above the standard tier's 4 KB", appSecret("STRIPE_SECRET_KEY", strings.Repeat("x", config.MaxAppSecretBytes+1), "api"), "appSecrets.STRIPE_SECRET_KEY"},
	{"no service names it", appSecret("STRIPE_SECRET_KEY", "sk_live_x"), "appSecrets.STRIPE_SECRET_KEY"},
	{"not an object", set("appSecrets", `"sk_live_x"`), "appSecrets"},
	{"a value that is not a string", secretSet("appSecrets", `{"STRIPE_SECRET_KEY":{"live":"x"}}`), "appSecrets.STRIPE_SECRET_KEY"},
	{"a null value (a name with nothing after it in the stack file)", secretSet("appSecrets", `{"STRIPE_SECRET_KEY":null}`), "appSecrets.STRIPE_SECRET_KEY"},
	{"service secret nothing provides", patchService(1, "secrets", `["JWT_SECRET","STRIPE_SECRET_KEY"]`), "services[1].secrets[1]"},
	{"retired mongodbUri still set", set("mongodbUri", "mongodb+srv://x"), "mongodbUri"},
	{"retired datadogApiKey still set", set("datadogApiKey", "0123456789abcdef"), "datadogApiKey"},
	{"retired sentryDsn still set", set("sentryDsn", "https://k@o1.ingest.sentry.io/1"), "sentryDsn"},
}

func TestBadConfigSecrets(t *testing.T) { runBadConfig(t, secretsCases) }

// TestSecretErrorsSayHowToFixThem: a service secret nothing provides gets the command
// that adds it, and a retired key the command that moves its value without a copy by
// hand.
func TestSecretErrorsSayHowToFixThem(t *testing.T) {
	cases := map[string]struct {
		opts func(t *testing.T) mockengine.Options
		want string
	}{
		"missing": {patchService(1, "secrets", `["JWT_SECRET","STRIPE_SECRET_KEY"]`),
			`pulumi config set --secret --path 'appSecrets.STRIPE_SECRET_KEY' <value>`},
		"retired": {set("mongodbUri", "mongodb+srv://x"),
			`pulumi config set --secret --path 'appSecrets.MONGODB_URI' "$(pulumi config get mongodbUri)" && pulumi config rm mongodbUri`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := programtest.Run("prod", tc.opts(t))
			if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
				t.Errorf("error %v; want it to say %s", r.Err, tc.want)
			}
		})
	}
}

// TestEverySecretProblemIsReportedAtOnce: a plain value, a bad name and a secret no
// service names are reported together.
func TestEverySecretProblemIsReportedAtOnce(t *testing.T) {
	opts := programtest.AppSecrets(t, "prod", map[string]string{"stripe-key": "x", "MAIL_API_KEY": "y", "AWS_PROFILE": "z"}, nil)
	opts.SecretKeys = nil
	r := programtest.Run("prod", opts)
	ve, ok := config.AsValidationError(r.Err)
	if !ok {
		t.Fatalf("want a *config.ValidationError, got %v", r.Err)
	}
	for _, k := range []string{"appSecrets.stripe-key", "appSecrets.MAIL_API_KEY", "appSecrets.AWS_PROFILE"} {
		if !ve.Has(k) {
			t.Errorf("missing %s in %v", k, ve.Keys())
		}
	}
	if r.Count() != 0 {
		t.Errorf("registered %d resources; want 0", r.Count())
	}
}

// TestAppSecretReachesOnlyItsService: STRIPE_SECRET_KEY in appSecrets and in api's
// secrets adds one SecureString parameter under the stack's path, encrypted with the
// stack's key, described by its config path and never by its value, and api's
// container (not web's) reads it from that parameter, which api's execution role (not
// web's) may read.
func TestAppSecretReachesOnlyItsService(t *testing.T) {
	const name, value = "STRIPE_SECRET_KEY", "sk_live_51Hx0nly1nTh1sT3st"
	base := programtest.MustRun(t, "prod", mockengine.Options{})
	r := programtest.MustRun(t, "prod", programtest.AppSecrets(t, "prod", map[string]string{name: value}, map[string][]string{name: {"api"}}))
	cfg := programtest.Config(t, "prod", programtest.AppSecrets(t, "prod", map[string]string{name: value}, map[string][]string{name: {"api"}}))

	if got, want := len(r.ByType(programtest.TypeParameter)), len(base.ByType(programtest.TypeParameter))+1; got != want {
		t.Fatalf("%d parameters; want %d (one more than without the secret)", got, want)
	}
	var param *mockengine.Resource
	for _, p := range r.ByType(programtest.TypeParameter) {
		if p.In("name").Str() == cfg.ParameterPath()+name {
			param = p
		}
	}
	if param == nil {
		t.Fatalf("no parameter %s%s", cfg.ParameterPath(), name)
	}
	if param.In("type").Str() != "SecureString" || param.In("tier").Str() != "Standard" {
		t.Errorf("%s is a %s %s parameter; want a Standard SecureString", name, param.In("tier").Str(), param.In("type").Str())
	}
	if !param.In("value").Secret() || param.In("value").Str() != value {
		t.Errorf("%s value is not the secret value", name)
	}
	if key := r.One(t, programtest.TypeKey, cfg.Prefix()+"-db-key"); param.In("keyId").Str() != key.Out("arn").Str() {
		t.Errorf("%s is encrypted with %q; want the stack's database key", name, param.In("keyId").Str())
	}
	if d := param.In("description").Str(); !strings.Contains(d, "appSecrets."+name) || strings.Contains(d, value) {
		t.Errorf("description %q: want the config path appSecrets.%s and not the value", d, name)
	}
	for _, svc := range []string{"api", "web"} {
		task := r.One(t, programtest.TypeTaskDefinition, cfg.Prefix()+"-"+svc+"-task")
		var defs []compute.ContainerDefinition
		if err := task.In("containerDefinitions").JSON(&defs); err != nil {
			t.Fatal(err)
		}
		got := slices.ContainsFunc(defs[0].Secrets, func(s compute.Secret) bool {
			return s.Name == name && s.ValueFrom == param.Out("arn").Str()
		})
		if got != (svc == "api") {
			t.Errorf("%s container reads %s from its parameter: %v; want %v", svc, name, got, svc == "api")
		}
		// The execution role, which fetches the value when a task starts, may read it
		// for api alone.
		role := r.ByID(task.In("executionRoleArn").Str())
		if role == nil {
			t.Fatalf("%s: no execution role", svc)
		}
		grants := false
		for _, p := range r.ByType(programtest.TypeRolePolicy) {
			if p.In("role").Str() != role.ID {
				continue
			}
			var doc iamdoc.Document
			if err := p.In("policy").JSON(&doc); err != nil {
				t.Fatal(err)
			}
			for _, st := range doc.Statement {
				grants = grants || (slices.Contains(st.Action, "ssm:GetParameters") && slices.Contains(st.Resource, param.Out("arn").Str()))
			}
		}
		if grants != (svc == "api") {
			t.Errorf("%s execution role may read %s: %v; want %v", svc, name, grants, svc == "api")
		}
	}
}
