package monitoring

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Service is one ECS service.
type Service struct {
	// Required. The service's key in the stack configuration, e.g. "web". It keys the
	// alarm names, so it must be stable.
	Name string
	// Required. The ECS service name (the ServiceName dimension).
	ServiceName pulumi.StringInput
	// Optional. The ARN suffix of the service's target group (the TargetGroup
	// dimension). Defaults to none: a service behind no load balancer (a backend or a
	// worker) has no target group alarms or dashboard lines.
	TargetGroupArnSuffix pulumi.StringInput
}

// Targets names the monitored resources.
type Targets struct {
	// Required. The ALB's ARN suffix (the LoadBalancer dimension).
	LoadBalancerArnSuffix pulumi.StringInput
	// Required. The ECS cluster's name (the ClusterName dimension).
	EcsClusterName pulumi.StringInput
	// Required. The ECS services, each with its own alarms.
	Services []Service
	// Required. The Aurora cluster identifier (the DBClusterIdentifier dimension).
	DbClusterIdentifier pulumi.StringInput
	// Required. The number of Aurora instances; the replica-lag alarm exists only when it
	// is above 1 (a reader exists).
	DbInstanceCount int
	// Optional. The WAF web ACL's name (the WebACL dimension). Defaults to none: nil means
	// the distribution has no web ACL, so there is no WAF alarm, no us-east-1 alarm topic
	// or key, and no WAF dashboard widget.
	WebAclName pulumi.StringInput
}

// check reports the first missing or inconsistent target.
func (t Targets) check() error {
	switch {
	case t.LoadBalancerArnSuffix == nil:
		return errors.New("targets: LoadBalancerArnSuffix is required")
	case t.EcsClusterName == nil:
		return errors.New("targets: EcsClusterName is required")
	case t.DbClusterIdentifier == nil:
		return errors.New("targets: DbClusterIdentifier is required")
	case t.DbInstanceCount < 1:
		return fmt.Errorf("targets: DbInstanceCount is %d; a cluster has at least one instance", t.DbInstanceCount)
	case len(t.Services) == 0:
		return errors.New("targets: at least one service is required")
	}
	seen := map[string]bool{}
	for i, s := range t.Services {
		if s.Name == "" || s.ServiceName == nil {
			return fmt.Errorf("targets: service %d needs a Name and a ServiceName", i)
		}
		if seen[s.Name] {
			return fmt.Errorf("targets: service %q is listed twice", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}
