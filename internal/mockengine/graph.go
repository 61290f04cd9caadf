package mockengine

import "sort"

// NewGraph returns a recorder pre-filled with hand-built resources, for testing code that
// reads a recorded graph (policies, cost estimates) without running a program. A resource
// without a URN gets the one the mock engine would compute from its Parent, Type and
// Name; one without an ID gets "<name>-id".
func NewGraph(project, stack string, rs ...*Resource) *Mocks {
	m := NewMocks(project, stack)
	for _, r := range rs {
		if r.URN == "" {
			r.URN = m.urn(r.Parent, r.Type, r.Name)
		}
		if r.ID == "" {
			r.ID = r.Name + "-id"
		}
		sort.Strings(r.DependsOn)
		m.resources = append(m.resources, r)
	}
	return m
}
