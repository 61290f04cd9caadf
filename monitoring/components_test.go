package monitoring_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/access"
	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/monitoring"
)

func completeTargets() monitoring.Targets {
	return monitoring.Targets{
		LoadBalancerArnSuffix: pulumi.String("app/lb/0123456789abcdef"),
		EcsClusterName:        pulumi.String("cluster"),
		Services: []monitoring.Service{
			{Name: "web", ServiceName: pulumi.String("web"), TargetGroupArnSuffix: pulumi.String("targetgroup/web/0123")},
		},
		DbClusterIdentifier: pulumi.String("db"),
		DbInstanceCount:     1,
		WebAclName:          pulumi.String("acl"),
	}
}

func alarmsWith(mutate func(*monitoring.AlarmsArgs)) func(*pulumi.Context) error {
	return func(ctx *pulumi.Context) error {
		usEast1, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		args := &monitoring.AlarmsArgs{Region: mockengine.Region, AccountID: mockengine.AccountID, UsEast1: usEast1, Settings: monitoring.Defaults(), Targets: completeTargets()}
		mutate(args)
		_, err = monitoring.NewAlarms(ctx, "x", args)
		return err
	}
}

// TestComponentsRejectIncompleteArgs: each component refuses arguments it cannot build
// from, before it registers anything. The first case is the control that passes.
func TestComponentsRejectIncompleteArgs(t *testing.T) {
	cases := []struct {
		name    string
		program func(*pulumi.Context) error
		want    string // "" for success
	}{
		{"complete alarm targets", alarmsWith(func(*monitoring.AlarmsArgs) {}), ""},
		{"alarms without a web ACL need no us-east-1 provider", alarmsWith(func(a *monitoring.AlarmsArgs) { a.Targets.WebAclName, a.UsEast1 = nil, nil }), ""},
		{"alarms without an account", alarmsWith(func(a *monitoring.AlarmsArgs) { a.AccountID = "" }), "AccountID"},
		{"alarms with a web ACL without the us-east-1 provider", alarmsWith(func(a *monitoring.AlarmsArgs) { a.UsEast1 = nil }), "UsEast1"},
		{"alarms sharing the compute key", alarmsWith(func(a *monitoring.AlarmsArgs) {
			a.Settings.TopicKey, a.TopicKeyArn = monitoring.TopicKeyCompute, pulumi.String("arn:aws:kms:ap-northeast-1:123456789012:key/compute")
		}), ""},
		{"alarms with topicKey compute without the key", alarmsWith(func(a *monitoring.AlarmsArgs) { a.Settings.TopicKey = monitoring.TopicKeyCompute }), "TopicKeyArn"},
		{"alarms given a key with topicKey dedicated", alarmsWith(func(a *monitoring.AlarmsArgs) {
			a.TopicKeyArn = pulumi.String("arn:aws:kms:ap-northeast-1:123456789012:key/compute")
		}), "TopicKeyArn"},
		{"alarms with a service twice", alarmsWith(func(a *monitoring.AlarmsArgs) {
			a.Targets.Services = append(a.Targets.Services, a.Targets.Services[0])
		}), "listed twice"},
		{"alarms without a DB instance", alarmsWith(func(a *monitoring.AlarmsArgs) { a.Targets.DbInstanceCount = 0 }), "DbInstanceCount"},
		{"dashboard without services", func(ctx *pulumi.Context) error {
			tg := completeTargets()
			tg.Services = nil
			_, err := monitoring.NewDashboard(ctx, "x", &monitoring.DashboardArgs{Region: mockengine.Region, Targets: tg})
			return err
		}, "at least one service"},
		{"web ACL without a load balancer", func(ctx *pulumi.Context) error {
			_, err := edge.NewWebAcl(ctx, "x", &edge.WebAclArgs{Settings: edge.WafDefaults()})
			return err
		}, "LoadBalancerArn"},
		{"bastion without a database endpoint", func(ctx *pulumi.Context) error {
			_, err := access.NewBastion(ctx, "x", &access.BastionArgs{
				Region: mockengine.Region, VpcID: pulumi.String("vpc-1"), VpcCidr: pulumi.String("10.0.0.0/16"), SubnetID: pulumi.String("subnet-1"), Settings: access.Defaults(),
			})
			return err
		}, "DatabaseEndpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mockengine.RunWithConfig(tc.program, "ecsite", "test", map[string]string{}, nil)
			if tc.want == "" {
				if err != nil || m.Count() == 0 {
					t.Fatalf("control case failed (%v) or registered nothing", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one naming %s", err, tc.want)
			}
			// The alarm cases create their us-east-1 provider first; nothing else may exist.
			n := 0
			for _, r := range m.Resources() {
				if !strings.HasPrefix(r.Type, "pulumi:providers:") {
					n++
				}
			}
			if n != 0 {
				t.Errorf("registered %d resources before refusing", n)
			}
		})
	}
}

// TestWebAclRefusesToExceedTheBasicCapacity: if the WCU table ever grows past the budget
// (a new managed group, a revised figure), the component fails instead of deploying a web
// ACL that costs extra.
func TestWebAclRefusesToExceedTheBasicCapacity(t *testing.T) {
	const group = "AWSManagedRulesCommonRuleSet"
	saved := edge.ManagedRuleGroupWCU[group]
	t.Cleanup(func() { edge.ManagedRuleGroupWCU[group] = saved })
	edge.ManagedRuleGroupWCU[group] = edge.MaxCapacity
	m, err := mockengine.RunWithConfig(func(ctx *pulumi.Context) error {
		_, err := edge.NewWebAcl(ctx, "x", &edge.WebAclArgs{Settings: edge.WafDefaults(), LoadBalancerArn: pulumi.String("arn:aws:elasticloadbalancing:::loadbalancer/app/x/1")})
		return err
	}, "ecsite", "test", map[string]string{}, nil)
	if err == nil || !strings.Contains(err.Error(), "WCU") {
		t.Fatalf("error %v; want the WCU budget to be refused", err)
	}
	if m.Count() != 0 {
		t.Errorf("registered %d resources", m.Count())
	}
}

// TestCountryCodeList guards the embedded ISO 3166-1 alpha-2 list against a lost or
// mistyped line: ISO assigns 249 codes.
func TestCountryCodeList(t *testing.T) {
	codes := edge.CountryCodes()
	if len(codes) != 249 {
		t.Errorf("%d country codes; ISO 3166-1 assigns 249", len(codes))
	}
	for _, c := range codes {
		if len(c) != 2 || strings.ToUpper(c) != c {
			t.Errorf("malformed code %q", c)
		}
	}
}
