package policy

import (
	_ "embed"
	"fmt"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecsite/infra/internal/mockengine"
)

// Severity ranks how bad a violation is.
type Severity string

// Severities, worst first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// Rule is one policy.
type Rule struct {
	// ID is stable and names the rule in exceptions ("NET-OPEN-INGRESS").
	ID string
	// Severity ranks a violation.
	Severity Severity
	// Rationale says in one line why the rule exists.
	Rationale string
	// Mirrors names the Security Hub FSBP control or cdk-nag rule it corresponds to, or
	// is empty when there is none.
	Mirrors string
	// Check returns how many resources the rule applied to and the violations found.
	Check func(g *Graph) (checked int, findings []Finding)
}

// Finding is one violation of a rule by one resource.
type Finding struct {
	// Rule is the id of the violated rule.
	Rule string
	// Type and Name identify the resource.
	Type, Name string
	// Message says what is wrong.
	Message string
	// undecided are the unknown inputs the finding may rest on (see [Graph.In]); a
	// finding with any is reported as unknown, not as a violation.
	undecided []string
}

// String renders the finding on one line.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s (%s): %s", f.Rule, f.Name, f.Type, f.Message)
}

// Exception is a deliberate departure from a rule, listed in exceptions.yaml.
type Exception struct {
	// Rule is the id of the rule departed from.
	Rule string `yaml:"rule"`
	// Stacks are the stacks the departure applies to.
	Stacks []string `yaml:"stacks"`
	// Resources are path.Match patterns on logical names; empty means every resource.
	Resources []string `yaml:"resources"`
	// Reason says why the departure is acceptable.
	Reason string `yaml:"reason"`
}

func (e Exception) covers(stack string, f Finding) bool {
	if e.Rule != f.Rule {
		return false
	}
	inStack := false
	for _, s := range e.Stacks {
		inStack = inStack || s == stack
	}
	if !inStack {
		return false
	}
	if len(e.Resources) == 0 {
		return true
	}
	for _, p := range e.Resources {
		if ok, _ := path.Match(p, f.Name); ok {
			return true
		}
	}
	return false
}

//go:embed exceptions.yaml
var exceptionsFile []byte

// Exceptions returns the committed exceptions of policy/exceptions.yaml.
func Exceptions() ([]Exception, error) { return ParseExceptions(exceptionsFile) }

// ParseExceptions decodes an exceptions file and validates it against the rule set:
// every entry names a known rule, at least one stack and a reason.
func ParseExceptions(data []byte) ([]Exception, error) {
	var out []Exception
	if err := yaml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("policy/exceptions.yaml: %w", err)
	}
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.ID] = true
	}
	for i, e := range out {
		switch {
		case !known[e.Rule]:
			return nil, fmt.Errorf("policy/exceptions.yaml entry %d: unknown rule %q", i+1, e.Rule)
		case len(e.Stacks) == 0:
			return nil, fmt.Errorf("policy/exceptions.yaml entry %d (%s): no stacks", i+1, e.Rule)
		case strings.TrimSpace(e.Reason) == "":
			return nil, fmt.Errorf("policy/exceptions.yaml entry %d (%s): no reason", i+1, e.Rule)
		}
		for _, p := range e.Resources {
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("policy/exceptions.yaml entry %d (%s): pattern %q: %w", i+1, e.Rule, p, err)
			}
		}
	}
	return out, nil
}

// Result is the outcome of one rule on one stack.
type Result struct {
	Rule *Rule
	// Checked is how many resources the rule applied to.
	Checked int
	// Violations are the findings no exception covers.
	Violations []Finding
	// Excepted are the findings an exception covers, with the reason.
	Excepted []ExceptedFinding
	// Unknown are the resources on which the rule could not decide because inputs it
	// needed are unknown (only in a preview; see [Unknown]).
	Unknown []Unknown
}

// ExceptedFinding is a finding together with the exception that allows it.
type ExceptedFinding struct {
	Finding
	Reason string
}

// Status is "pass", "FAIL", "UNKNOWN", "excepted" or "n/a". UNKNOWN means no violation
// was found but the rule could not decide on some resources.
func (r Result) Status() string {
	switch {
	case len(r.Violations) > 0:
		return "FAIL"
	case len(r.Unknown) > 0:
		return "UNKNOWN"
	case len(r.Excepted) > 0:
		return "excepted"
	case r.Checked == 0:
		return "n/a"
	}
	return "pass"
}

// Report is the outcome of every rule on one stack.
type Report struct {
	Stack   string
	Results []Result
	// Unused are the exceptions for this stack that covered no finding.
	Unused []Exception
}

// Violations returns every uncovered finding, in rule order.
func (r Report) Violations() []Finding {
	var out []Finding
	for _, res := range r.Results {
		out = append(out, res.Violations...)
	}
	return out
}

// Unknowns returns every resource a rule could not decide on, in rule order, with the
// rule's id.
func (r Report) Unknowns() []RuleUnknown {
	var out []RuleUnknown
	for _, res := range r.Results {
		for _, u := range res.Unknown {
			out = append(out, RuleUnknown{Rule: res.Rule.ID, Unknown: u})
		}
	}
	return out
}

// Gate is the verdict of the policy gate on a report: it fails on a violation and on a
// resource a rule could not decide on, unless an exception of policy/exceptions.yaml
// names it with a reason (an excepted resource is neither). An undecided resource fails
// because the pull request that introduces a violation is usually the one whose preview
// does not know the values yet. Passed is true when nothing is left; Summary says why not.
func (r Report) Gate() (passed bool, summary string) {
	v, u := len(r.Violations()), len(r.Unknowns())
	switch {
	case v == 0 && u == 0:
		return true, fmt.Sprintf("stack %s: %d rules, no violation, nothing undecided", r.Stack, len(r.Results))
	case u == 0:
		return false, fmt.Sprintf("stack %s: %d violation(s)", r.Stack, v)
	}
	return false, fmt.Sprintf("stack %s: %d violation(s), %d resource(s) undecided: a rule could not decide because the preview does not know an input yet. Make the value known at preview, or add an exception naming the rule and resource with a reason to policy/exceptions.yaml", r.Stack, v, u)
}

// RuleUnknown is an [Unknown] with the id of its rule.
type RuleUnknown struct {
	Rule string
	Unknown
}

// Evaluate runs every rule on the resources recorded in m and applies the exceptions.
func Evaluate(m *mockengine.Mocks, exceptions []Exception) Report {
	return EvaluateRules(m, Rules(), exceptions)
}

// EvaluateRules runs the given rules.
func EvaluateRules(m *mockengine.Mocks, rules []Rule, exceptions []Exception) Report {
	return EvaluateGraph(NewGraph(m), rules, exceptions)
}

// EvaluateGraph runs the given rules on a graph (from the mock engine, [NewGraph], or
// from a preview, [LoadPreview]) and applies the exceptions of the graph's stack. It
// records the rules' reads on g, so one graph is evaluated by one goroutine at a time.
func EvaluateGraph(g *Graph, rules []Rule, exceptions []Exception) Report {
	stack := g.Stack
	rep := Report{Stack: stack}
	used := make([]bool, len(exceptions))
	for i := range rules {
		rule := &rules[i]
		g.log = &readLog{}
		checked, findings := rule.Check(g)
		log := g.log
		g.log = nil
		sort.SliceStable(findings, func(a, b int) bool {
			if findings[a].Name != findings[b].Name {
				return findings[a].Name < findings[b].Name
			}
			return findings[a].Message < findings[b].Message
		})
		res := Result{Rule: rule, Checked: checked}
		var undecided []Finding
		for _, f := range findings {
			f.Rule = rule.ID
			excepted := false
			for j, e := range exceptions {
				if e.covers(stack, f) {
					res.Excepted = append(res.Excepted, ExceptedFinding{Finding: f, Reason: e.Reason})
					used[j], excepted = true, true
					break
				}
			}
			switch {
			case excepted:
			case len(f.undecided) > 0:
				undecided = append(undecided, f)
			default:
				res.Violations = append(res.Violations, f)
			}
		}
		res.Unknown = unknowns(log, undecided, func(typ, name string) bool {
			for _, e := range exceptions {
				if e.covers(stack, Finding{Rule: rule.ID, Type: typ, Name: name}) {
					return true
				}
			}
			return false
		})
		rep.Results = append(rep.Results, res)
	}
	for j, e := range exceptions {
		for _, s := range e.Stacks {
			if s == stack && !used[j] {
				rep.Unused = append(rep.Unused, e)
				break
			}
		}
	}
	return rep
}
