package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newListeners creates the listeners and returns the one that carries the traffic:
// HTTPS with a certificate, and then port 80 only redirects to it; otherwise HTTP. The
// traffic listener forwards whatever no rule matches to the default service's group.
func newListeners(ctx *pulumi.Context, name string, cfg LoadBalancerSettings, alb *lb.LoadBalancer, defaultGroup *lb.TargetGroup, parent pulumi.ResourceOption) (*lb.Listener, error) {
	forward := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type:           pulumi.String("forward"),
		TargetGroupArn: defaultGroup.Arn,
	}}
	if !cfg.HTTPS() {
		traffic, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("listener %s-http: %w", name, err)
		}
		return traffic, nil
	}

	certArn, err := certificate(ctx, name, cfg, parent)
	if err != nil {
		return nil, err
	}
	if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, parent); err != nil {
		return nil, fmt.Errorf("listener %s-http: %w", name, err)
	}
	traffic, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(SSLPolicy),
		CertificateArn:  certArn,
		DefaultActions:  forward,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("listener %s-https: %w", name, err)
	}
	return traffic, nil
}

// newRoutes attaches every service's target group to the traffic listener: the default
// service through the listener's default action, the others by a listener rule on their
// path pattern. It returns the targets by service name.
func newRoutes(ctx *pulumi.Context, name string, services []ServiceSettings, traffic *lb.Listener, groups map[string]*lb.TargetGroup, parent pulumi.ResourceOption) (map[string]Target, error) {
	targets := map[string]Target{}
	for _, s := range services {
		tg := groups[s.Name]
		t := Target{Arn: tg.Arn, ArnSuffix: tg.ArnSuffix, Routing: []pulumi.Resource{traffic}}
		if !s.IsDefault() {
			rule, err := lb.NewListenerRule(ctx, name+"-"+s.Name, &lb.ListenerRuleArgs{
				ListenerArn: traffic.Arn,
				Priority:    pulumi.Int(s.Priority),
				Conditions: lb.ListenerRuleConditionArray{lb.ListenerRuleConditionArgs{
					PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.StringArray{pulumi.String(s.PathPattern)}},
				}},
				Actions: lb.ListenerRuleActionArray{lb.ListenerRuleActionArgs{
					Type:           pulumi.String("forward"),
					TargetGroupArn: tg.Arn,
				}},
			}, parent)
			if err != nil {
				return nil, fmt.Errorf("listener rule %s-%s: %w", name, s.Name, err)
			}
			t.Routing = append(t.Routing, rule)
		}
		targets[s.Name] = t
	}
	return targets, nil
}
