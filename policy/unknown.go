package policy

import (
	"fmt"

	"github.com/ecsite/infra/internal/mockengine"
)

// Unknown is a resource on which a rule could not decide, because inputs it needed are
// not known yet: in a preview, a value that depends on an output of a resource still to
// be created or replaced (a new security group's id, a new key's ARN) is unknown until
// the update runs. An unknown is never a pass, and never a violation on its own.
type Unknown struct {
	// Type and Name identify the resource.
	Type, Name string
	// Fields are the unknown inputs the rule read: dotted paths on this resource, or
	// "<name>.<path>" on another resource the rule followed.
	Fields []string
	// Findings are what the rule reports about the resource while treating the unknown
	// values as absent; they may or may not hold once the values are known.
	Findings []string
}

// read is one input a rule read whose value is unknown.
type read struct {
	r     *mockengine.Resource
	field string
}

// readLog records the unknown inputs the rule being evaluated reads.
type readLog struct {
	// all holds every unknown read of the rule, in order.
	all []read
	// window holds the unknown reads since the rule's previous finding.
	window []read
}

// In returns the input of r at path, like r.In, and records it when its value is unknown
// so that the rule's result says so. Rules read inputs through it.
func (g *Graph) In(r *mockengine.Resource, path string) mockengine.Value {
	if g.log != nil && r.InUnknown(path) {
		rd := read{r, path}
		g.log.all = append(g.log.all, rd)
		g.log.window = append(g.log.window, rd)
	}
	return r.In(path)
}

// windowLen returns how many unknown reads await attribution.
func (g *Graph) windowLen() int {
	if g.log == nil {
		return 0
	}
	return len(g.log.window)
}

// windowSince returns the unknown reads awaiting attribution from index from on.
func (g *Graph) windowSince(from int) []read {
	if g.log == nil {
		return nil
	}
	return g.log.window[from:]
}

// forget drops the unknown reads on resources of the given types: inputs a helper read
// that the rule then does not use.
func (g *Graph) forget(types ...string) {
	if g.log == nil {
		return
	}
	keep := func(rs []read) []read {
		var out []read
		for _, rd := range rs {
			drop := false
			for _, t := range types {
				drop = drop || rd.r.Type == t
			}
			if !drop {
				out = append(out, rd)
			}
		}
		return out
	}
	g.log.all, g.log.window = keep(g.log.all), keep(g.log.window)
}

// forgetReads drops the unknown reads for which drop is true: inputs a helper read that
// the rule then does not use, where forget would drop too much.
func (g *Graph) forgetReads(drop func(r *mockengine.Resource, field string) bool) {
	if g.log == nil {
		return
	}
	keep := func(rs []read) []read {
		var out []read
		for _, rd := range rs {
			if !drop(rd.r, rd.field) {
				out = append(out, rd)
			}
		}
		return out
	}
	g.log.all, g.log.window = keep(g.log.all), keep(g.log.window)
}

// mark forgets the unknown reads so far for the attribution of the next finding (they
// stay in the rule's result). Rules call it after reading many resources up front.
func (g *Graph) mark() {
	if g.log != nil {
		g.log.window = nil
	}
}

// finding returns a finding on r and attributes to it the unknown reads that may have
// caused it: those since the rule's previous finding, except reads on other resources of
// r's type (a loop's earlier iterations, which concern those resources).
func (g *Graph) finding(r *mockengine.Resource, format string, args ...any) Finding {
	f := Finding{Type: r.Type, Name: r.Name, Message: fmt.Sprintf(format, args...)}
	f.undecided = g.attribute(r.Type, r.Name)
	return f
}

func (g *Graph) attribute(typ, name string) []string {
	if g.log == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, rd := range g.log.window {
		if rd.r.Type == typ && rd.r.Name != name {
			continue
		}
		field := qualified(rd, name)
		if !seen[field] {
			seen[field] = true
			out = append(out, field)
		}
	}
	g.log.window = nil
	return out
}

// qualified names the field of a read relative to the resource named owner.
func qualified(rd read, owner string) string {
	if rd.r.Name == owner {
		return rd.field
	}
	return rd.r.Name + "." + rd.field
}

// unknowns groups a rule's unknown reads and undecided findings by resource, in the
// order they were met; skip says which resources an exception covers for the rule.
func unknowns(log *readLog, undecided []Finding, skip func(typ, name string) bool) []Unknown {
	var out []Unknown
	index := map[string]int{}
	entry := func(typ, name string) *Unknown {
		k := typ + " " + name
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, Unknown{Type: typ, Name: name})
		}
		return &out[i]
	}
	addField := func(u *Unknown, field string) {
		for _, f := range u.Fields {
			if f == field {
				return
			}
		}
		u.Fields = append(u.Fields, field)
	}
	for _, rd := range log.all {
		if skip(rd.r.Type, rd.r.Name) {
			continue
		}
		addField(entry(rd.r.Type, rd.r.Name), rd.field)
	}
	for _, f := range undecided {
		u := entry(f.Type, f.Name)
		for _, field := range f.undecided {
			addField(u, field)
		}
		u.Findings = append(u.Findings, f.Message)
	}
	return out
}
