package config

import (
	"strings"

	"github.com/ecsite/infra/access"
	"github.com/ecsite/infra/network"
)

// loadBastion reads the bastion key and, when it is enabled, checks that the private
// subnets can reach Systems Manager: through a NAT gateway, a NAT instance or the three
// endpoints.
func loadBastion(r reader, n network.Settings) access.Settings {
	b := access.Defaults()
	r.object("bastion", &b)
	b.Check(r.p.Under("bastion"))
	if !b.Enabled || n.HasNat() {
		return b
	}
	var missing []string
	for _, s := range access.SSMEndpoints {
		if !n.HasInterfaceEndpoint(s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		r.p.Addf("bastion.enabled", "true needs a path to Systems Manager from the private subnets: network.natGateways is %q and network.interfaceEndpoints lacks %s (set natGateways to single, onePerAz, instance or instancePerAz, or add %s)",
			n.NatGateways, strings.Join(missing, ", "), strings.Join(access.SSMEndpoints, ", "))
	}
	return b
}
