package policy

import (
	"encoding/json"
	"fmt"

	"github.com/ecsite/infra/internal/mockengine"
)

// ECS containers: logging, read-only root filesystems, Container Insights.

// container is the part of an ECS container definition the rules read.
type container struct {
	Name                   string `json:"name"`
	ReadonlyRootFilesystem *bool  `json:"readonlyRootFilesystem"`
	Environment            []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"environment"`
	Secrets []struct {
		Name string `json:"name"`
	} `json:"secrets"`
	LogConfiguration *struct {
		LogDriver string `json:"logDriver"`
	} `json:"logConfiguration"`
}

func (g *Graph) containers(td *mockengine.Resource) ([]container, error) {
	var cs []container
	err := json.Unmarshal([]byte(g.In(td, "containerDefinitions").Str()), &cs)
	return cs, err
}

// eachContainer runs check on every container of every task definition; check returns
// what is wrong with the container, or "" when nothing is.
func eachContainer(g *Graph, check func(c container) string) (int, []Finding) {
	var fs []Finding
	checked := 0
	for _, td := range g.OfType("aws:ecs/taskDefinition:TaskDefinition") {
		cs, err := g.containers(td)
		if g.In(td, "containerDefinitions").Unknown() {
			g.mark()
			continue // recorded as unknown by the read
		}
		if err != nil {
			fs = append(fs, g.finding(td, "containerDefinitions unreadable: %v", err))
			continue
		}
		for _, c := range cs {
			checked++
			if problem := check(c); problem != "" {
				fs = append(fs, g.finding(td, "container %q %s", c.Name, problem))
			}
		}
	}
	return checked, fs
}

func checkContainerLogs(g *Graph) (int, []Finding) {
	return eachContainer(g, func(c container) string {
		if c.LogConfiguration == nil || c.LogConfiguration.LogDriver == "" {
			return "has no logConfiguration"
		}
		return ""
	})
}

func checkReadOnlyRoot(g *Graph) (int, []Finding) {
	return eachContainer(g, func(c container) string {
		if c.ReadonlyRootFilesystem == nil || !*c.ReadonlyRootFilesystem {
			return "has a writable root filesystem"
		}
		return ""
	})
}

func checkContainerInsights(g *Graph) (int, []Finding) {
	var fs []Finding
	rs := g.OfType("aws:ecs/cluster:Cluster")
	for _, r := range rs {
		on := false
		for i := 0; i < g.In(r, "settings").Len(); i++ {
			if g.In(r, fmt.Sprintf("settings[%d].name", i)).Str() == "containerInsights" {
				v := g.In(r, fmt.Sprintf("settings[%d].value", i)).Str()
				on = v == "enabled" || v == "enhanced"
			}
		}
		if !on {
			fs = append(fs, g.finding(r, "Container Insights is off"))
		}
	}
	return len(rs), fs
}
