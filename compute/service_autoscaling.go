package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newAutoscaling registers the service's task count with Application Auto Scaling:
// target tracking on CPU and memory, and the configured schedules in ScheduleTimezone.
func newAutoscaling(ctx *pulumi.Context, name string, s ServiceSettings, clusterName pulumi.StringInput, service *ecs.Service, parent pulumi.ResourceOption) error {
	targetOpts := []pulumi.ResourceOption{parent}
	if len(s.Schedules) > 0 {
		// Each scheduled action rewrites the target's range, so once a service has
		// schedules they own minCapacity and maxCapacity. Without this, every refresh
		// (the daily drift check) would report the scheduled range as drift, and an up
		// after a refresh would undo the schedule until its next run.
		targetOpts = append(targetOpts, pulumi.IgnoreChanges([]string{"minCapacity", "maxCapacity"}))
	}
	target, err := appautoscaling.NewTarget(ctx, name+"-scaling", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", clusterName, service.Name),
		MinCapacity:       pulumi.Int(s.MinCount),
		MaxCapacity:       pulumi.Int(s.MaxCount),
	}, targetOpts...)
	if err != nil {
		return fmt.Errorf("scalable target %s-scaling: %w", name, err)
	}
	for _, m := range []struct {
		suffix, metric string
		target         float64
	}{
		{"cpu", "ECSServiceAverageCPUUtilization", s.CPUTarget},
		{"memory", "ECSServiceAverageMemoryUtilization", s.MemoryTarget},
	} {
		if _, err := appautoscaling.NewPolicy(ctx, name+"-"+m.suffix, &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(m.metric),
				},
				TargetValue:      pulumi.Float64(m.target),
				ScaleInCooldown:  pulumi.Int(s.ScaleInCooldownSeconds),
				ScaleOutCooldown: pulumi.Int(s.ScaleOutCooldownSeconds),
			},
		}, parent); err != nil {
			return fmt.Errorf("scaling policy %s-%s: %w", name, m.suffix, err)
		}
	}
	for _, sc := range s.Schedules {
		if _, err := appautoscaling.NewScheduledAction(ctx, name+"-"+sc.Name, &appautoscaling.ScheduledActionArgs{
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			Schedule:          pulumi.String(sc.Schedule),
			Timezone:          pulumi.String(ScheduleTimezone),
			ScalableTargetAction: &appautoscaling.ScheduledActionScalableTargetActionArgs{
				MinCapacity: pulumi.Int(sc.MinCount),
				MaxCapacity: pulumi.Int(sc.MaxCount),
			},
		}, parent); err != nil {
			return fmt.Errorf("scheduled action %s-%s: %w", name, sc.Name, err)
		}
	}
	return nil
}
