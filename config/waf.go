package config

import "github.com/ecsite/infra/edge"

// loadWaf reads the waf key over the package defaults and checks it.
func loadWaf(r reader) edge.WafSettings {
	w := edge.WafDefaults()
	r.object("waf", &w)
	w.Check(r.p.Under("waf"))
	return w
}
