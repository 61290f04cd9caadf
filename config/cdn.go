package config

import "github.com/ecsite/infra/edge"

// loadCdn reads the cdn key over the package defaults and checks it.
func loadCdn(r reader) edge.CdnSettings {
	c := edge.CdnDefaults()
	r.object("cdn", &c)
	c.Check(r.p.Under("cdn"))
	return c
}
