package config

import (
	"github.com/ecsite/infra/compute"
	"github.com/ecsite/infra/database"
	"github.com/ecsite/infra/monitoring"
)

// loadMonitoring reads key "monitoring" over the monitoring defaults and checks it. The
// connection threshold spans the database key: 0 derives it from the cluster's
// max_connections, and a threshold at or above max_connections is refused because it could
// never fire.
//
// The service alarms span the services key: target tracking holds each service's average
// at its cpuTarget and memoryTarget, so an alarm at or below a target fires on every
// normal scale-out (https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html);
// it must lie above every service's target.
func loadMonitoring(r reader, db database.Settings, services []compute.ServiceSettings) monitoring.Settings {
	m := monitoring.Defaults()
	r.object("monitoring", &m)
	m.Check(r.p.Under("monitoring"))
	limit := db.MaxConnections()
	switch {
	case m.DbConnections == 0:
		m.DbConnections = limit * monitoring.DbConnectionsPercent / 100
	case m.DbConnections >= limit:
		// The alarm fires above the threshold, and the count cannot pass max_connections.
		r.p.Addf("monitoring.dbConnections", "%d can never fire: Aurora allows %d connections at database.minCapacity %v and maxCapacity %v (max_connections of Serverless v2); use at most %d, or 0 for %d%% of it",
			m.DbConnections, limit, db.MinCapacity, db.MaxCapacity, limit-1, monitoring.DbConnectionsPercent)
	}
	for _, s := range services {
		if m.EcsCPUPercent <= s.CPUTarget {
			r.p.Addf("monitoring.ecsCpuPercent", "%v is at or below service %s's cpuTarget %v: it would fire whenever scaling holds the target; set it above every service's cpuTarget", m.EcsCPUPercent, s.Name, s.CPUTarget)
		}
		if m.EcsMemoryPercent <= s.MemoryTarget {
			r.p.Addf("monitoring.ecsMemoryPercent", "%v is at or below service %s's memoryTarget %v: it would fire whenever scaling holds the target; set it above every service's memoryTarget", m.EcsMemoryPercent, s.Name, s.MemoryTarget)
		}
	}
	return m
}
