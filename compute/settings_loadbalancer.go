package compute

import (
	"regexp"

	"github.com/ecsite/infra/internal/check"
)

// LoadBalancerSettings configures the Application Load Balancer; key "loadBalancer".
type LoadBalancerSettings struct {
	// RequireHTTPS rejects a stack without a certificate. Optional. Defaults to true.
	RequireHTTPS bool `json:"requireHttps"`
	// CertificateArn is an existing ACM certificate in the stack's region. Optional.
	CertificateArn string `json:"certificateArn"`
	// DomainName is the site's host name. With HostedZoneID and no CertificateArn the
	// program requests a DNS-validated certificate for it. Optional.
	DomainName string `json:"domainName"`
	// HostedZoneID is the Route 53 zone of DomainName; it gets the validation records
	// and an alias A record for the ALB. Optional.
	HostedZoneID string `json:"hostedZoneId"`
	// IdleTimeoutSeconds is the ALB idle timeout. Optional. Defaults to 60.
	IdleTimeoutSeconds int `json:"idleTimeoutSeconds"`
	// DeletionProtection stops the ALB from being deleted. Optional. Defaults to true.
	DeletionProtection bool `json:"deletionProtection"`
	// DeregistrationDelaySeconds is how long a target drains. Optional. Defaults to 30.
	DeregistrationDelaySeconds int `json:"deregistrationDelaySeconds"`
	// AccessLogs sends access logs to an S3 bucket. Optional. Defaults to true.
	AccessLogs bool `json:"accessLogs"`
	// AccessLogExpirationDays is how long access logs are kept. Optional. Defaults to 90.
	AccessLogExpirationDays int `json:"accessLogExpirationDays"`
	// ForceDestroyAccessLogs lets `pulumi destroy` delete the access-log bucket with the
	// logs in it; without it a bucket that holds a log refuses deletion and the destroy
	// stops there. Optional. Defaults to false.
	ForceDestroyAccessLogs bool `json:"forceDestroyAccessLogs"`
}

// HTTPS reports whether the load balancer terminates TLS.
func (l LoadBalancerSettings) HTTPS() bool { return l.CertificateArn != "" || l.DomainName != "" }

// DefaultLoadBalancerSettings returns the production-safe load balancer defaults.
func DefaultLoadBalancerSettings() LoadBalancerSettings {
	return LoadBalancerSettings{
		RequireHTTPS:               true,
		IdleTimeoutSeconds:         60,
		DeletionProtection:         true,
		DeregistrationDelaySeconds: 30,
		AccessLogs:                 true,
		AccessLogExpirationDays:    90,
	}
}

var (
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	zoneIDPattern = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	acmArnPattern = regexp.MustCompile(`^arn:aws:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]{36}$`)
)

// Check records every problem of l in p, which is scoped under the "loadBalancer" key.
// The certificate must be in region unless it is empty (unset).
func (l LoadBalancerSettings) Check(p *check.Problems, region string) {
	if l.CertificateArn != "" {
		m := acmArnPattern.FindStringSubmatch(l.CertificateArn)
		switch {
		case m == nil:
			p.Addf("certificateArn", "%q is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)", l.CertificateArn)
		case region != "" && m[1] != region:
			p.Addf("certificateArn", "%q is in %s; an ALB needs a certificate in its own region %s", l.CertificateArn, m[1], region)
		}
	}
	if l.DomainName != "" && (len(l.DomainName) > 253 || !domainPattern.MatchString(l.DomainName)) {
		p.Addf("domainName", "%q is not a lowercase DNS host name such as shop.example.com", l.DomainName)
	}
	if l.HostedZoneID != "" && !zoneIDPattern.MatchString(l.HostedZoneID) {
		p.Addf("hostedZoneId", "%q is not a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ", l.HostedZoneID)
	}
	if l.HostedZoneID != "" && l.DomainName == "" {
		p.Addf("hostedZoneId", "is set without loadBalancer.domainName; set the domain that the zone serves")
	}
	if l.DomainName != "" && l.CertificateArn == "" && l.HostedZoneID == "" {
		p.Addf("hostedZoneId", "must be set to validate a certificate for %q by DNS (or set loadBalancer.certificateArn)", l.DomainName)
	}
	if l.RequireHTTPS && !l.HTTPS() {
		p.Addf("certificateArn", "no certificate: loadBalancer.requireHttps is true, so set certificateArn, or domainName with hostedZoneId (only a stack that sets requireHttps: false may serve plain HTTP)")
	}
	// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout
	if l.IdleTimeoutSeconds < 1 || l.IdleTimeoutSeconds > 4000 {
		p.Addf("idleTimeoutSeconds", "%d is outside 1-4000 seconds", l.IdleTimeoutSeconds)
	}
	if l.DeregistrationDelaySeconds < 0 || l.DeregistrationDelaySeconds > 3600 {
		p.Addf("deregistrationDelaySeconds", "%d is outside 0-3600 seconds", l.DeregistrationDelaySeconds)
	}
	if l.AccessLogExpirationDays < 1 || l.AccessLogExpirationDays > 3650 {
		p.Addf("accessLogExpirationDays", "%d is outside 1-3650 days", l.AccessLogExpirationDays)
	}
}
