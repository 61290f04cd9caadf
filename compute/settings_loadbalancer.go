package compute

import "github.com/ecsite/infra/internal/check"

// LoadBalancerSettings configures the internal Application Load Balancer behind the
// CloudFront distribution; key "loadBalancer". The site's domain and TLS belong to the
// distribution (key "cdn"): the load balancer has no certificate and no public name.
type LoadBalancerSettings struct {
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

// DefaultLoadBalancerSettings returns the production-safe load balancer defaults.
func DefaultLoadBalancerSettings() LoadBalancerSettings {
	return LoadBalancerSettings{
		IdleTimeoutSeconds:         60,
		DeletionProtection:         true,
		DeregistrationDelaySeconds: 30,
		AccessLogs:                 true,
		AccessLogExpirationDays:    90,
	}
}

// Check records every problem of l in p, which is scoped under the "loadBalancer" key.
func (l LoadBalancerSettings) Check(p *check.Problems) {
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
