package policy

import (
	"encoding/json"
	"fmt"

	"github.com/ecsite/infra/internal/mockengine"
)

// ECS containers: logging, read-only root filesystems, Container Insights.

// Container is the part of an ECS container definition the rules and the stack report
// read.
type Container struct {
	Name                   string   `json:"name"`
	Image                  string   `json:"image"`
	Command                []string `json:"command"`
	EntryPoint             []string `json:"entryPoint"`
	User                   string   `json:"user"`
	ReadonlyRootFilesystem *bool    `json:"readonlyRootFilesystem"`
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
	HealthCheck *struct {
		Command []string `json:"command"`
	} `json:"healthCheck"`
}

// DecodeContainers decodes a task definition's containerDefinitions JSON.
func DecodeContainers(definitions string) ([]Container, error) {
	var cs []Container
	err := json.Unmarshal([]byte(definitions), &cs)
	return cs, err
}

func (g *Graph) containers(td *mockengine.Resource) ([]Container, error) {
	return DecodeContainers(g.In(td, "containerDefinitions").Str())
}

// eachContainer runs check on every container of every task definition; check returns
// what is wrong with the container, or "" when nothing is.
func eachContainer(g *Graph, check func(c Container) string) (int, []Finding) {
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
	return eachContainer(g, func(c Container) string {
		if c.LogConfiguration == nil || c.LogConfiguration.LogDriver == "" {
			return "has no logConfiguration"
		}
		return ""
	})
}

func checkReadOnlyRoot(g *Graph) (int, []Finding) {
	return eachContainer(g, func(c Container) string {
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
