package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/edge"
)

// newListener creates the HTTP listener the CloudFront VPC origin connects to (port
// [edge.CdnOriginHTTPPort]). It forwards whatever no rule matches to the default
// service's group; it never redirects, since CloudFront already gave the viewer HTTPS.
func newListener(ctx *pulumi.Context, name string, alb *lb.LoadBalancer, defaultGroup *lb.TargetGroup, parent pulumi.ResourceOption) (*lb.Listener, error) {
	traffic, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(edge.CdnOriginHTTPPort),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: defaultGroup.Arn,
		}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("listener %s-http: %w", name, err)
	}
	return traffic, nil
}

// newRoutes attaches every web service's target group to the traffic listener: the default
// service through the listener's default action, the others by a listener rule on their
// path pattern. It returns the targets by service name.
func newRoutes(ctx *pulumi.Context, name string, services []ServiceSettings, traffic *lb.Listener, groups map[string]*lb.TargetGroup, parent pulumi.ResourceOption) (map[string]Target, error) {
	targets := map[string]Target{}
	for _, s := range services {
		tg, web := groups[s.Name]
		if !web {
			continue
		}
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
