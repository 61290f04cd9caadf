package config

import "github.com/ecsite/infra/database"

// loadDatabase reads key "database" over the database defaults and checks it.
func loadDatabase(r reader) database.Settings {
	d := database.DefaultSettings()
	r.object("database", &d)
	d.Check(r.p.Under("database"))
	return d
}
