package config

import "github.com/ecsite/infra/network"

// loadNetwork reads the network key over the package defaults and checks it.
func loadNetwork(r reader, region string) network.Settings {
	n := network.Defaults()
	r.object("network", &n)
	n.Check(r.p.Under("network"), region)
	return n
}
