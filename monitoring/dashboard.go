package monitoring

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DashboardArgs configures a Dashboard.
type DashboardArgs struct {
	// Required. The AWS region the widgets read.
	Region string
	// Required. The monitored resources.
	Targets Targets
}

// Dashboard is one CloudWatch dashboard with ALB, ECS, Aurora and (with a web ACL) WAF
// widgets.
type Dashboard struct {
	pulumi.ResourceState

	// DashboardName is the dashboard's name.
	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`
}

// NewDashboard creates the dashboard. Its body is built from Go values with encoding/json
// once the resource identifiers are known, so it is deterministic and names the real
// load balancer, target groups, services, DB cluster and web ACL.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	if args == nil || args.Region == "" {
		return nil, errors.New("monitoring: dashboard args with a Region are required")
	}
	t := args.Targets
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("dashboard %q: %w", name, err)
	}
	c := &Dashboard{}
	if err := ctx.RegisterComponentResource("ecsite:monitoring:Dashboard", name, c, opts...); err != nil {
		return nil, err
	}

	// Without a web ACL its name is "" and the body has no WAF widget.
	var aclName pulumi.StringInput = pulumi.String("")
	if t.WebAclName != nil {
		aclName = t.WebAclName
	}
	inputs := []any{t.LoadBalancerArnSuffix, t.EcsClusterName, t.DbClusterIdentifier, aclName}
	for _, s := range t.Services {
		// A service without a target group gets "" and no target group lines.
		var tg pulumi.StringInput = pulumi.String("")
		if s.TargetGroupArnSuffix != nil {
			tg = s.TargetGroupArnSuffix
		}
		inputs = append(inputs, s.ServiceName, tg)
	}
	body := pulumi.All(inputs...).ApplyT(func(v []any) (string, error) {
		ids := dashboardIDs{lb: v[0].(string), cluster: v[1].(string), db: v[2].(string), acl: v[3].(string), readers: t.DbInstanceCount > 1}
		for i, s := range t.Services {
			ids.services = append(ids.services, serviceIDs{key: s.Name, name: v[4+2*i].(string), targetGroup: v[5+2*i].(string)})
		}
		return dashboardBody(args.Region, ids)
	}).(pulumi.StringOutput)

	d, err := cloudwatch.NewDashboard(ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(name),
		DashboardBody: body,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("dashboard %q: %w", name, err)
	}
	c.DashboardName = d.DashboardName
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"dashboardName": c.DashboardName}); err != nil {
		return nil, err
	}
	return c, nil
}

type serviceIDs struct{ key, name, targetGroup string }

type dashboardIDs struct {
	lb, cluster, db, acl string
	services             []serviceIDs
	readers              bool
}

// Widget is one dashboard widget
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
type Widget struct {
	Type       string           `json:"type"`
	X          int              `json:"x"`
	Y          int              `json:"y"`
	Width      int              `json:"width"`
	Height     int              `json:"height"`
	Properties WidgetProperties `json:"properties"`
}

// WidgetProperties are the properties of a metric widget.
type WidgetProperties struct {
	Title   string  `json:"title"`
	Region  string  `json:"region"`
	View    string  `json:"view"`
	Stacked bool    `json:"stacked"`
	Period  int     `json:"period"`
	Metrics [][]any `json:"metrics"`
}

// DashboardBody is the top-level dashboard document.
type DashboardBody struct {
	Widgets []Widget `json:"widgets"`
}

// metricLine is one metrics entry: namespace, metric, dimension name/value pairs, options.
func metricLine(namespace, metric string, stat string, dims ...string) []any {
	line := []any{namespace, metric}
	for _, d := range dims {
		line = append(line, d)
	}
	return append(line, map[string]any{"stat": stat})
}

// labelled names a metrics entry in the legend, e.g. by service key.
func labelled(line []any, label string) []any {
	opts := line[len(line)-1].(map[string]any)
	opts["label"] = label
	return line
}

func dashboardBody(region string, ids dashboardIDs) (string, error) {
	var widgets []Widget
	add := func(title string, metrics ...[]any) {
		n := len(widgets)
		widgets = append(widgets, Widget{
			Type: "metric", X: (n % 2) * 12, Y: (n / 2) * 6, Width: 12, Height: 6,
			Properties: WidgetProperties{Title: title, Region: region, View: "timeSeries", Period: 300, Metrics: metrics},
		})
	}

	lb := []string{"LoadBalancer", ids.lb}
	add("ALB requests and 5xx",
		metricLine(NamespaceALB, MetricRequestCount, "Sum", lb...),
		metricLine(NamespaceALB, MetricTarget5xx, "Sum", lb...),
		metricLine(NamespaceALB, MetricELB5xx, "Sum", lb...),
	)
	var latency, unhealthy, cpu, memory [][]any
	for _, s := range ids.services {
		tg := []string{"TargetGroup", s.targetGroup, "LoadBalancer", ids.lb}
		svc := []string{"ClusterName", ids.cluster, "ServiceName", s.name}
		if s.targetGroup != "" {
			latency = append(latency, labelled(metricLine(NamespaceALB, MetricTargetResponseTime, "p95", tg...), s.key))
			unhealthy = append(unhealthy, labelled(metricLine(NamespaceALB, MetricUnhealthyHosts, "Maximum", tg...), s.key))
		}
		cpu = append(cpu, labelled(metricLine(NamespaceECS, MetricCPU, "Average", svc...), s.key))
		memory = append(memory, labelled(metricLine(NamespaceECS, MetricMemory, "Average", svc...), s.key))
	}
	add("ALB target response time p95 (s)", latency...)
	add("ALB unhealthy targets", unhealthy...)
	add("ECS CPU utilization (%)", cpu...)
	add("ECS memory utilization (%)", memory...)

	db := []string{"DBClusterIdentifier", ids.db}
	add("Aurora CPU (%) and connections",
		metricLine(NamespaceRDS, MetricCPU, "Maximum", db...),
		metricLine(NamespaceRDS, MetricDbConnections, "Maximum", db...),
	)
	add("Aurora capacity (ACU) and ACU utilization (%)",
		metricLine(NamespaceRDS, MetricServerlessCapacity, "Average", db...),
		metricLine(NamespaceRDS, MetricACUUtilization, "Maximum", db...),
	)
	aurora := [][]any{metricLine(NamespaceRDS, MetricFreeableMemory, "Minimum", db...)}
	if ids.readers {
		aurora = append(aurora, metricLine(NamespaceRDS, MetricReplicaLag, "Maximum", "DBClusterIdentifier", ids.db, "Role", "READER"))
	}
	add("Aurora freeable memory and replica lag", aurora...)

	// The web ACL is of the CLOUDFRONT scope: its metrics are in us-east-1, without a
	// Region dimension, so this widget reads that region. No web ACL, no widget.
	if ids.acl != "" {
		acl := []string{"WebACL", ids.acl, "Rule", "ALL"}
		add("WAF allowed and blocked requests (us-east-1)",
			metricLine(NamespaceWAF, MetricAllowedRequests, "Sum", acl...),
			metricLine(NamespaceWAF, MetricBlockedRequests, "Sum", acl...),
		)
		widgets[len(widgets)-1].Properties.Region = GlobalRegion
	}

	b, err := json.Marshal(DashboardBody{Widgets: widgets})
	if err != nil {
		return "", err
	}
	return string(b), nil
}
