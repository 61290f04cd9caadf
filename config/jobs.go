package config

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/internal/check"
)

// loadMigration reads key "migration" over its defaults and checks it, with the service
// it names: a service of the stack whose database setting includes the writer, which
// a migration changes.
func loadMigration(r reader, services []compute.ServiceSettings) compute.MigrationSettings {
	m := compute.DefaultMigrationSettings()
	r.object("migration", &m)
	p := r.p.Under("migration")
	m.Check(p)
	if !m.Enabled() {
		return m
	}
	s, ok := serviceNamed(services, m.Service)
	switch {
	case !ok:
		p.Addf("service", "%q is not a service of this stack; use one of %s, or set command to [] for no migration task", m.Service, strings.Join(serviceNames(services, ""), ", "))
	case !writes(s.Database):
		p.Addf("service", "%q has database %q, but a migration needs the writer: set that service's database to %q or %q, name another service, or set command to [] for no migration task",
			m.Service, s.Database, database.AccessWriter, database.AccessBoth)
	}
	return m
}

// writes reports whether a database access includes the writer.
func writes(access string) bool {
	return access == database.AccessWriter || access == database.AccessBoth
}

// serviceNamed returns the service of the list with that name.
func serviceNamed(services []compute.ServiceSettings, name string) (compute.ServiceSettings, bool) {
	for _, s := range services {
		if s.Name == name {
			return s, true
		}
	}
	return compute.ServiceSettings{}, false
}

// migrationClash records a service whose resource names are the migration task's: a
// service named "migrate" would own roles and a log group named like them.
func migrationClash(p *check.Problems, m compute.MigrationSettings, services []compute.ServiceSettings) {
	if !m.Enabled() {
		return
	}
	for i, s := range services {
		if s.Name == compute.MigrationContainer {
			p.Addf(fmt.Sprintf("services[%d].name", i), "%q names the migration task's resources; rename the service, or set migration.command to [] for no migration task", s.Name)
		}
	}
}

// loadJobs decodes key "jobs" element by element over the job defaults and validates
// each job: its own settings, the service whose image it runs, its database access and
// secrets against the stack's parameters, and names unique among jobs and apart from
// the services'. The database's parameters are added to the job's secrets first.
func loadJobs(r reader, services []compute.ServiceSettings, parameters []string) []compute.JobSettings {
	p := r.p
	raw, ok := r.raw("jobs")
	if !ok {
		return []compute.JobSettings{}
	}
	var elems []json.RawMessage
	if err := check.DecodeStrict(raw, &elems); err != nil {
		p.Addf("jobs", "cannot be read: %v (want a list of jobs)", err)
		return nil
	}
	out := []compute.JobSettings{}
	names := map[string]string{}
	for i, e := range elems {
		key := fmt.Sprintf("jobs[%d]", i)
		jp := p.Under(key)
		j := compute.DefaultJobSettings()
		if err := check.DecodeStrict(string(e), &j); err != nil {
			jp.Addf("", "cannot be read: %v", err)
			continue
		}
		j.Check(jp)
		if prev, dup := names[j.Name]; dup && j.Name != "" {
			jp.Addf("name", "%q is also the name of %s", j.Name, prev)
		}
		names[j.Name] = key
		for _, s := range services {
			if s.Name == "job-"+j.Name {
				jp.Addf("name", "%q would name its resources like the service %q's; rename one of them", j.Name, s.Name)
			}
		}
		if _, ok := serviceNamed(services, j.Service); !ok && j.Service != "" {
			jp.Addf("service", "%q is not a service of this stack; use one of %s", j.Service, strings.Join(serviceNames(services, ""), ", "))
		}
		checkSecrets(jp, j.Secrets, parameters)
		checkDatabaseAccess(jp, "jobs", j.Database, j.Secrets, j.Environment)
		j.Secrets = append(database.AccessParameters(j.Database), j.Secrets...)
		checkDatabaseEnvironment(jp, j.Secrets, j.Environment)
		out = append(out, j)
	}
	return out
}
