package config

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/internal/check"
)

// MaxServiceNameLength bounds services[].name. Target groups are the tightest AWS name
// (32 characters, of which Pulumi's auto-name suffix takes 8); their logical name is
// "<environment>-<service>", so 32 - 8 - MaxEnvironmentLength - 1 characters remain.
const MaxServiceNameLength = compute.MaxAutoNamedLength - MaxEnvironmentLength - 1

// loadLoadBalancer reads key "loadBalancer" over the load balancer defaults and checks it.
func loadLoadBalancer(r reader) compute.LoadBalancerSettings {
	l := compute.DefaultLoadBalancerSettings()
	r.object("loadBalancer", &l)
	l.Check(r.p.Under("loadBalancer"))
	return l
}

// loadCluster reads key "cluster" over the cluster defaults and checks it.
func loadCluster(r reader) compute.ClusterSettings {
	c := compute.DefaultClusterSettings()
	r.object("cluster", &c)
	c.Check(r.p.Under("cluster"))
	return c
}

// loadServices decodes key "services" element by element, each over the default entry of
// the same name (web, api) or the generic service defaults, less the settings its kind
// does not have (compute.DefaultServiceOfKind), and validates the list: each service on
// its own, its secrets against the stack's SSM parameters, and what must hold across
// services. The problems of an element name the service after its position
// ("services[2].port: (mailer) ...").
func loadServices(r reader, parameters []string) []compute.ServiceSettings {
	p := r.p
	raw, ok := r.raw("services")
	if !ok {
		raw = mustJSON(compute.DefaultServices())
	}
	var elems []json.RawMessage
	if err := check.DecodeStrict(raw, &elems); err != nil {
		p.Addf("services", "cannot be read: %v (want a list of services)", err)
		return nil
	}
	if len(elems) == 0 {
		p.Addf("services", "is empty; list at least one service")
		return nil
	}
	var out []compute.ServiceSettings
	for i, e := range elems {
		var head struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
		}
		_ = json.Unmarshal(e, &head)
		sp, flush := namedElement(p, i, head.Name)
		s := compute.DefaultServiceOfKind(head.Name, head.Kind)
		if err := check.DecodeStrict(string(e), &s); err != nil {
			sp.Addf("", "cannot be read: %v", err)
			flush()
			continue
		}
		s.Check(sp, MaxServiceNameLength)
		checkSecrets(sp, s.Secrets, parameters)
		checkDatabaseAccess(sp, "services", s.Database, s.Secrets, s.Environment)
		// The database's parameters come from the database setting, first, so that a
		// secrets list can never drop them.
		s.Secrets = append(database.AccessParameters(s.Database), s.Secrets...)
		checkDatabaseEnvironment(sp, s.Secrets, s.Environment)
		flush()
		out = append(out, s)
	}
	checkServiceList(p, out)
	return out
}

// serviceAddf records a problem with field of service s, element i of "services", with
// the service's name before the message, as namedElement does for the checks of one
// element.
func serviceAddf(p *check.Problems, i int, s compute.ServiceSettings, field, format string, args ...any) {
	sp, flush := namedElement(p, i, s.Name)
	sp.Addf(field, format, args...)
	flush()
}

// namedElement returns the problems of element i of "services", whose keys are below
// "services[i]", and a flush that records them in p with the service's name before the
// message, so that an error says which service it is about, not only its position.
func namedElement(p *check.Problems, i int, name string) (*check.Problems, func()) {
	local := check.NewProblems()
	sp := p.Under(fmt.Sprintf("services[%d]", i))
	label := ""
	if name != "" {
		label = fmt.Sprintf("(%s) ", name)
	}
	return local, func() {
		for _, f := range local.Fields() {
			sp.Addf(f.Key, "%s%s", label, f.Message)
		}
	}
}

// checkSecrets records the secrets of one service that name no SSM parameter of this
// stack, or that are listed twice; p is scoped under the service's element. The
// parameters depend on other keys (the app secrets that are set); a name that could be
// an app secret gets the command that adds it.
func checkSecrets(p *check.Problems, secrets, parameters []string) {
	seen := map[string]bool{}
	for i, name := range secrets {
		sk := fmt.Sprintf("secrets[%d]", i)
		switch {
		case !check.OneOf(name, parameters) && reservedSecretName(name) == "":
			p.Addf(sk, "%q is not an SSM parameter of this stack; add it as an app secret with `%s`, or use one of %s", name, SetAppSecretCommand(name), strings.Join(parameters, ", "))
		case !check.OneOf(name, parameters):
			p.Addf(sk, "%q is not an SSM parameter of this stack, and %s; use one of %s", name, reservedSecretName(name), strings.Join(parameters, ", "))
		case seen[name]:
			p.Addf(sk, "%q is listed twice", name)
		}
		seen[name] = true
	}
}

// checkDatabaseAccess records a database setting that is not one of database.Accesses,
// a plain variable named like one of its connection parameters, and a secret that names
// a connection parameter, which only the database setting provides; p is scoped under
// the element of list ("services" or "jobs"), and secrets are the element's own, before
// the database's parameters are added.
func checkDatabaseAccess(p *check.Problems, list, access string, secrets []string, env map[string]string) {
	p.Allowed("database", access, database.Accesses)
	for _, name := range database.AccessParameters(access) {
		if _, set := env[name]; set {
			p.Addf("environment."+name, "is a secret the stack provides because database is %q, and cannot be set", access)
		}
	}
	for i, name := range secrets {
		if check.OneOf(name, database.ConnectionParameters) {
			p.Addf(fmt.Sprintf("secrets[%d]", i), "%q is a database connection parameter, which %s[].database provides (writer: DATABASE_URL and the PG* variables, reader: DATABASE_READER_URL, both); set database instead (now %q)", name, list, access)
		}
	}
}

// checkDatabaseEnvironment records the plain variables of a task that reads a database
// connection parameter which the stack sets itself (database.TLSEnvironment); secrets
// are the element's full list, the database's parameters included, and p is scoped
// under the element.
func checkDatabaseEnvironment(p *check.Problems, secrets []string, env map[string]string) {
	client := false
	for _, name := range secrets {
		client = client || check.OneOf(name, database.ConnectionParameters)
	}
	if !client {
		return
	}
	tls := database.TLSEnvironment(database.CABundlePath)
	for _, name := range sortedKeys(env) {
		if _, set := tls[name]; set {
			p.Addf("environment."+name, "is set by the stack to %q because secrets name a database parameter, and cannot be set", tls[name])
		}
	}
}

// checkServiceList records what must hold across the services: distinct names; distinct
// ports among the services that have one (web, backend); distinct path patterns and rule
// priorities among the web services, exactly one of which is the default; calls that
// name a web service or a backend of the list (a worker has no port to call); and a
// caller for every backend, which nothing else reaches.
func checkServiceList(p *check.Problems, services []compute.ServiceSettings) {
	names, ports, paths, priorities := map[string]string{}, map[int]string{}, map[string]string{}, map[int]string{}
	byName := map[string]compute.ServiceSettings{}
	defaults := 0
	for i, s := range services {
		key := fmt.Sprintf("services[%d] (%s)", i, s.Name)
		if prev, dup := names[s.Name]; dup && s.Name != "" {
			serviceAddf(p, i, s, "name", "%q is also the name of %s", s.Name, prev)
		}
		names[s.Name] = key
		byName[s.Name] = s
		if s.HasPort() {
			if prev, dup := ports[s.Port]; dup {
				serviceAddf(p, i, s, "port", "%d is also the port of %s", s.Port, prev)
			}
			ports[s.Port] = key
		}
		if !s.IsWeb() {
			continue
		}
		if prev, dup := paths[s.PathPattern]; dup {
			serviceAddf(p, i, s, "pathPattern", "%q is also the path of %s", s.PathPattern, prev)
		}
		paths[s.PathPattern] = key
		if s.IsDefault() {
			defaults++
			continue
		}
		if prev, dup := priorities[s.Priority]; dup {
			serviceAddf(p, i, s, "priority", "%d is also the priority of %s", s.Priority, prev)
		}
		priorities[s.Priority] = key
	}
	called := map[string]bool{}
	for i, s := range services {
		for j, c := range s.Calls {
			callee, known := byName[c]
			switch {
			case !known:
				serviceAddf(p, i, s, fmt.Sprintf("calls[%d]", j), "%q is not a service of this stack; use one of %s", c, strings.Join(serviceNames(services, s.Name), ", "))
			case callee.Kind == compute.KindWorker:
				serviceAddf(p, i, s, fmt.Sprintf("calls[%d]", j), "%q is a worker, which has no port to call; calls names web services and backends", c)
			}
			called[c] = true
		}
	}
	for i, s := range services {
		if s.Kind == compute.KindBackend && !called[s.Name] {
			serviceAddf(p, i, s, "kind", "backend %q is reachable only through Service Connect by the services that list it in calls, and none does; add it to a caller's calls, or make it a worker", s.Name)
		}
	}
	if defaults != 1 {
		p.Addf("services", "%d web services have pathPattern %q; exactly one must, to receive the requests no rule matches", defaults, compute.DefaultPathPattern)
	}
	checkServiceConnectHeadroom(p, services)
}

// checkServiceConnectHeadroom refuses a task size that leaves nothing beside the Service
// Connect proxy ECS adds to every task of a service that calls or is called: AWS
// recommends adding 256 CPU units and at least 64 MiB to the task for it
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html,
// "Proxy resources"), so the smallest Fargate size, 256 units, would leave the app none.
func checkServiceConnectHeadroom(p *check.Problems, services []compute.ServiceSettings) {
	inServiceConnect := map[string]bool{}
	for _, s := range services {
		if len(s.Calls) > 0 {
			inServiceConnect[s.Name] = true
		}
		for _, c := range s.Calls {
			inServiceConnect[c] = true
		}
	}
	for i, s := range services {
		if !inServiceConnect[s.Name] || !check.OneOf(s.Cpu, compute.FargateCPUs) {
			continue
		}
		if s.Cpu-compute.ServiceConnectProxyCPU < compute.ServiceConnectProxyCPU {
			serviceAddf(p, i, s, "cpu", "%d CPU units leaves nothing beside the Service Connect proxy ECS adds to the task (the service calls or is called), for which AWS recommends %d units and %d MiB; use %d or more",
				s.Cpu, compute.ServiceConnectProxyCPU, compute.ServiceConnectProxyMemoryMiB, 2*compute.ServiceConnectProxyCPU)
		}
	}
}

// checkSpotArchitecture refuses an arm64 service in a cluster whose capacity provider
// strategy places tasks on FARGATE_SPOT (every service uses the cluster's strategy):
// Fargate Spot runs only Linux tasks of the X86_64 architecture
// (https://docs.aws.amazon.com/AmazonECS/latest/userguide/fargate-capacity-providers.html),
// so ECS could not place those tasks and the first real deployment would hang.
func checkSpotArchitecture(p *check.Problems, cluster compute.ClusterSettings, services []compute.ServiceSettings) {
	spot := false
	for _, s := range cluster.CapacityProviderStrategy {
		spot = spot || s.CapacityProvider == "FARGATE_SPOT" && (s.Weight > 0 || s.Base > 0)
	}
	if !spot {
		return
	}
	for i, s := range services {
		if s.Architecture == "arm64" {
			serviceAddf(p, i, s, "architecture", "arm64 cannot run on FARGATE_SPOT, which cluster.capacityProviderStrategy uses: Fargate Spot runs only x86_64 tasks; use x86_64, or a strategy on FARGATE alone")
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// serviceNames lists the names of services other than self.
func serviceNames(services []compute.ServiceSettings, self string) []string {
	var out []string
	for _, s := range services {
		if s.Name != self {
			out = append(out, s.Name)
		}
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
