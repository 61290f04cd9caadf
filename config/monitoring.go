package config

import "github.com/ecsite/infra/monitoring"

// loadMonitoring reads key "monitoring" over the monitoring defaults and checks it.
func loadMonitoring(r reader) monitoring.Settings {
	m := monitoring.Defaults()
	r.object("monitoring", &m)
	m.Check(r.p.Under("monitoring"))
	return m
}
