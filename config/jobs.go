package config

import (
	"strings"

	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/database"
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
