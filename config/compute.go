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
// the same name (web, api) or the generic service defaults, and validates the list: each
// service on its own, its secrets against the stack's SSM parameters, and what must be
// unique across services.
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
		sp := p.Under(fmt.Sprintf("services[%d]", i))
		var head struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(e, &head)
		s := compute.DefaultServiceNamed(head.Name)
		if err := check.DecodeStrict(string(e), &s); err != nil {
			sp.Addf("", "cannot be read: %v", err)
			continue
		}
		s.Check(sp, MaxServiceNameLength)
		checkSecrets(sp, s.Secrets, parameters)
		checkDatabaseAccess(sp, s)
		// The database's parameters come from the database setting, first, so that a
		// secrets list can never drop them.
		s.Secrets = append(database.AccessParameters(s.Database), s.Secrets...)
		checkDatabaseEnvironment(sp, s)
		out = append(out, s)
	}
	checkServiceList(p, out)
	return out
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
// and a secret that names a connection parameter, which only the database setting
// provides; p is scoped under the service's element.
func checkDatabaseAccess(p *check.Problems, s compute.ServiceSettings) {
	p.Allowed("database", s.Database, database.Accesses)
	for _, name := range database.AccessParameters(s.Database) {
		if _, set := s.Environment[name]; set {
			p.Addf("environment."+name, "is a secret the stack provides because database is %q, and cannot be set", s.Database)
		}
	}
	for i, name := range s.Secrets {
		if check.OneOf(name, database.ConnectionParameters) {
			p.Addf(fmt.Sprintf("secrets[%d]", i), "%q is a database connection parameter, which services[].database provides (writer: DATABASE_URL and the PG* variables, reader: DATABASE_READER_URL, both); set database instead (now %q)", name, s.Database)
		}
	}
}

// checkDatabaseEnvironment records the plain variables of a service that reads a database
// connection parameter which the stack sets itself (database.TLSEnvironment); p is scoped
// under the service's element.
func checkDatabaseEnvironment(p *check.Problems, s compute.ServiceSettings) {
	client := false
	for _, name := range s.Secrets {
		client = client || check.OneOf(name, database.ConnectionParameters)
	}
	if !client {
		return
	}
	tls := database.TLSEnvironment(database.CABundlePath)
	for _, name := range sortedKeys(s.Environment) {
		if _, set := tls[name]; set {
			p.Addf("environment."+name, "is set by the stack to %q because secrets name a database parameter, and cannot be set", tls[name])
		}
	}
}

// checkServiceList records what must hold across the services: distinct names, ports,
// path patterns and rule priorities, exactly one default service, and calls that name
// services of the list.
func checkServiceList(p *check.Problems, services []compute.ServiceSettings) {
	names, ports, paths, priorities := map[string]string{}, map[int]string{}, map[string]string{}, map[int]string{}
	defaults := 0
	for i, s := range services {
		key := fmt.Sprintf("services[%d]", i)
		if prev, dup := names[s.Name]; dup && s.Name != "" {
			p.Addf(key+".name", "%q is also the name of %s", s.Name, prev)
		}
		names[s.Name] = key
		if prev, dup := ports[s.Port]; dup {
			p.Addf(key+".port", "%d is also the port of %s", s.Port, prev)
		}
		ports[s.Port] = key
		if prev, dup := paths[s.PathPattern]; dup {
			p.Addf(key+".pathPattern", "%q is also the path of %s", s.PathPattern, prev)
		}
		paths[s.PathPattern] = key
		if s.IsDefault() {
			defaults++
			continue
		}
		if prev, dup := priorities[s.Priority]; dup {
			p.Addf(key+".priority", "%d is also the priority of %s", s.Priority, prev)
		}
		priorities[s.Priority] = key
	}
	for i, s := range services {
		for j, c := range s.Calls {
			if _, known := names[c]; !known {
				p.Addf(fmt.Sprintf("services[%d].calls[%d]", i, j), "%q is not a service of this stack; use one of %s", c, strings.Join(serviceNames(services, s.Name), ", "))
			}
		}
	}
	if defaults != 1 {
		p.Addf("services", "%d services have pathPattern %q; exactly one must, to receive the requests no rule matches", defaults, compute.DefaultPathPattern)
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
			p.Addf(fmt.Sprintf("services[%d].cpu", i), "%d CPU units leaves nothing beside the Service Connect proxy ECS adds to the task (the service calls or is called), for which AWS recommends %d units and %d MiB; use %d or more",
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
			p.Addf(fmt.Sprintf("services[%d].architecture", i), "arm64 cannot run on FARGATE_SPOT, which cluster.capacityProviderStrategy uses: Fargate Spot runs only x86_64 tasks; use x86_64, or a strategy on FARGATE alone")
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
