package report

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/ecsite/infra/cost"
	"github.com/ecsite/infra/internal/mockengine"
)

// SpotWhatIf is the capacity provider strategy the report prices as the alternative for a
// stack that runs on-demand only: one task per service on FARGATE, the rest three to one
// on FARGATE_SPOT (cluster.capacityProviderStrategy expresses it).
var SpotWhatIf = []map[string]any{
	{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
	{"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 3},
}

// spotSaving returns what the stack's idle and busy months would cost less if every ECS
// service used SpotWhatIf, and whether any service runs on-demand only (otherwise the
// what-if does not apply).
func spotSaving(s *Stack, idle, busy *cost.Estimate) (float64, float64, bool, error) {
	onDemandOnly := false
	var rs []*mockengine.Resource
	for _, r := range s.Mocks.Resources() {
		c := *r
		if r.Type == "aws:ecs/service:Service" {
			spot := false
			for _, st := range r.In("capacityProviderStrategies").Plain().([]any) {
				if m, ok := st.(map[string]any); ok && m["capacityProvider"] == "FARGATE_SPOT" {
					spot = true
				}
			}
			if spot {
				return 0, 0, false, nil
			}
			onDemandOnly = true
			c.Inputs = r.Inputs.Copy()
			strategies := make([]resource.PropertyValue, len(SpotWhatIf))
			for i, m := range SpotWhatIf {
				strategies[i] = resource.NewObjectProperty(resource.NewPropertyMapFromMap(m))
			}
			c.Inputs["capacityProviderStrategies"] = resource.NewArrayProperty(strategies)
		}
		rs = append(rs, &c)
	}
	if !onDemandOnly {
		return 0, 0, false, nil
	}
	g := mockengine.NewGraph("ecsite", s.Name, rs...)
	i, err := cost.New(g, cost.Tokyo, cost.Idle())
	if err != nil {
		return 0, 0, false, err
	}
	b, err := cost.New(g, cost.Tokyo, cost.Busy())
	if err != nil {
		return 0, 0, false, err
	}
	return idle.Total() - i.Total(), busy.Total() - b.Total(), true, nil
}
