package compute

import (
	"fmt"
	"strings"

	"github.com/ecsite/infra/internal/check"
)

// CapacityProviders lists the allowed capacity providers of cluster.capacityProviderStrategy.
var CapacityProviders = []string{"FARGATE", "FARGATE_SPOT"}

// ContainerInsightsModes lists the allowed values of cluster.containerInsights, the values
// of the ECS cluster setting
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ClusterSetting.html).
var ContainerInsightsModes = []string{"enabled", "enhanced", "disabled"}

// CapacityProviderShare is one entry of a capacity provider strategy.
type CapacityProviderShare struct {
	// CapacityProvider is FARGATE or FARGATE_SPOT. Required.
	CapacityProvider string `json:"capacityProvider"`
	// Base is how many tasks run on this provider before weights apply. Optional. Defaults to 0.
	Base int `json:"base"`
	// Weight is the provider's relative share of tasks beyond the base. Optional. Defaults to 0.
	Weight int `json:"weight"`
}

// UnmarshalJSON decodes one strategy entry from scratch. encoding/json decodes a list
// element into the element already at that position, so without it an entry would keep
// the fields of the default entry it replaces.
func (s *CapacityProviderShare) UnmarshalJSON(b []byte) error {
	type plain CapacityProviderShare
	return check.DecodeFresh(b, (*plain)(s))
}

// ClusterSettings configures the ECS cluster; key "cluster".
type ClusterSettings struct {
	// ContainerInsights is enabled, enhanced or disabled. Its metrics cost about $0.30 each
	// a month, some $9 for a cluster of two services; the alarms use the free AWS/ECS
	// service metrics, so disabled loses only the task-level detail. Optional. Defaults to
	// enabled.
	ContainerInsights string `json:"containerInsights"`
	// CapacityProviderStrategy places the services' tasks. Optional. Defaults to on-demand FARGATE only.
	CapacityProviderStrategy []CapacityProviderShare `json:"capacityProviderStrategy"`
	// ExecLogRetentionDays is the retention of the ECS Exec session log group. Optional. Defaults to 90.
	ExecLogRetentionDays int `json:"execLogRetentionDays"`
	// ImagesToKeep is how many images each ECR repository keeps. Optional. Defaults to 30.
	ImagesToKeep int `json:"imagesToKeep"`
	// ForceDeleteImages lets `pulumi destroy` delete the ECR repositories with the images
	// still in them; without it a repository that holds an image refuses deletion and the
	// destroy stops there. Optional. Defaults to false.
	ForceDeleteImages bool `json:"forceDeleteImages"`
}

// UsesSpot reports whether any task may run on FARGATE_SPOT.
func (c ClusterSettings) UsesSpot() bool {
	for _, s := range c.CapacityProviderStrategy {
		if s.CapacityProvider == "FARGATE_SPOT" && (s.Weight > 0 || s.Base > 0) {
			return true
		}
	}
	return false
}

// DefaultClusterSettings returns the production-safe cluster defaults.
func DefaultClusterSettings() ClusterSettings {
	return ClusterSettings{
		ContainerInsights:        "enabled",
		CapacityProviderStrategy: []CapacityProviderShare{{CapacityProvider: "FARGATE", Base: 1, Weight: 1}},
		ExecLogRetentionDays:     90,
		ImagesToKeep:             30,
	}
}

// Check records every problem of c in p, which is scoped under the "cluster" key.
func (c ClusterSettings) Check(p *check.Problems) {
	p.Allowed("containerInsights", c.ContainerInsights, ContainerInsightsModes)
	p.Retention("execLogRetentionDays", c.ExecLogRetentionDays)
	if c.ImagesToKeep < 1 || c.ImagesToKeep > 1000 {
		p.Addf("imagesToKeep", "%d is outside 1-1000", c.ImagesToKeep)
	}
	// Strategy rules: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
	// (base 0-100000, weight 0-1000, a base on one provider only).
	if len(c.CapacityProviderStrategy) == 0 {
		p.Addf("capacityProviderStrategy", "is empty; list FARGATE and/or FARGATE_SPOT")
	}
	seen := map[string]bool{}
	bases, weight := 0, 0
	for i, s := range c.CapacityProviderStrategy {
		key := fmt.Sprintf("capacityProviderStrategy[%d]", i)
		switch {
		case !check.OneOf(s.CapacityProvider, CapacityProviders):
			p.Addf(key+".capacityProvider", "%q is not a Fargate capacity provider; use %s", s.CapacityProvider, strings.Join(CapacityProviders, " or "))
		case seen[s.CapacityProvider]:
			p.Addf(key+".capacityProvider", "%q is listed twice", s.CapacityProvider)
		}
		seen[s.CapacityProvider] = true
		if s.Base < 0 || s.Base > 100000 {
			p.Addf(key+".base", "%d is outside 0-100000", s.Base)
		}
		if s.Weight < 0 || s.Weight > 1000 {
			p.Addf(key+".weight", "%d is outside 0-1000", s.Weight)
		}
		if s.Base > 0 {
			bases++
		}
		weight += s.Weight
	}
	if bases > 1 {
		p.Addf("capacityProviderStrategy", "gives a base to %d providers; only one may have a base", bases)
	}
	if len(c.CapacityProviderStrategy) > 0 && weight == 0 {
		p.Addf("capacityProviderStrategy", "has no provider with a weight above 0")
	}
}
