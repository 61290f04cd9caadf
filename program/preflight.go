package program

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/config"
	"github.com/ecsite/infra/internal/check"
)

// preflight checks, before any cloud resource is registered, what only AWS can answer:
// that the configured hosted zone exists and serves the configured domain. Without it a
// wrong zone id fails at the certificate's validation record, after the VPC, the NAT
// gateways and the database exist.
func preflight(ctx *pulumi.Context, cfg *config.Config, provider pulumi.ProviderResource) error {
	site := cfg.Cdn
	if site.HostedZoneID == "" || site.DomainName == "" {
		return nil
	}
	p := check.NewProblems()
	zone, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{ZoneId: pulumi.StringRef(site.HostedZoneID)}, pulumi.Provider(provider))
	if err != nil {
		p.Addf("cdn.hostedZoneId", "%q cannot be read from Route 53 with these credentials (%v); give the id of the zone that serves %s", site.HostedZoneID, err, site.DomainName)
		return p.Err()
	}
	// A private zone answers only inside its VPCs: ACM's validation record and the
	// site's alias records would never be seen on the internet.
	if zone.PrivateZone != nil && *zone.PrivateZone {
		p.Addf("cdn.hostedZoneId", "%q is a private hosted zone; give the public zone that serves %s on the internet", site.HostedZoneID, site.DomainName)
		return p.Err()
	}
	if !InZone(site.DomainName, zone.Name) {
		p.Addf("cdn.domainName", "%q is not inside the hosted zone %s (%s, cdn.hostedZoneId); set the zone that serves the domain", site.DomainName, strings.TrimSuffix(zone.Name, "."), site.HostedZoneID)
		return p.Err()
	}
	return nil
}

// InZone reports whether domain is the zone's apex or a name below it. Route 53 may
// return the zone name with a trailing dot; DNS names compare without case.
func InZone(domain, zone string) bool {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	z := strings.ToLower(strings.TrimSuffix(zone, "."))
	return z != "" && (d == z || strings.HasSuffix(d, "."+z))
}
