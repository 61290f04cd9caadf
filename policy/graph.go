package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
)

// Graph is the recorded resources of one stack with the lookups rules need.
type Graph struct {
	// Project and Stack name the stack.
	Project, Stack string
	all            []*mockengine.Resource
	byID           map[string]*mockengine.Resource
	byURN          map[string]*mockengine.Resource
	// log records the unknown inputs the rule being evaluated reads; nil outside an
	// evaluation.
	log *readLog
}

// NewGraph indexes the resources recorded in m.
func NewGraph(m *mockengine.Mocks) *Graph { return newGraph(m.Project, m.Stack, m.Resources()) }

// newGraph indexes resources, which are sorted by URN.
func newGraph(project, stack string, rs []*mockengine.Resource) *Graph {
	g := &Graph{Project: project, Stack: stack, all: rs,
		byID: map[string]*mockengine.Resource{}, byURN: map[string]*mockengine.Resource{}}
	for _, r := range g.all {
		g.byURN[r.URN] = r
		if r.ID != "" {
			if _, dup := g.byID[r.ID]; !dup {
				g.byID[r.ID] = r
			}
		}
		if arn := r.Out("arn").Str(); arn != "" {
			if _, dup := g.byID[arn]; !dup {
				g.byID[arn] = r
			}
		}
	}
	return g
}

// Resources returns every resource, sorted by URN.
func (g *Graph) Resources() []*mockengine.Resource { return g.all }

// OfType returns the resources of the given types, sorted by URN.
func (g *Graph) OfType(types ...string) []*mockengine.Resource {
	var out []*mockengine.Resource
	for _, r := range g.all {
		for _, t := range types {
			if r.Type == t {
				out = append(out, r)
			}
		}
	}
	return out
}

// ByID returns the resource whose id or ARN is idOrArn, or nil.
func (g *Graph) ByID(idOrArn string) *mockengine.Resource { return g.byID[idOrArn] }

// ByURN returns the resource with the URN, or nil.
func (g *Graph) ByURN(urn string) *mockengine.Resource { return g.byURN[urn] }

// Provider returns the provider resource r uses, or nil for the default provider.
func (g *Graph) Provider(r *mockengine.Resource) *mockengine.Resource {
	if r.Provider == "" {
		return nil
	}
	i := strings.LastIndex(r.Provider, "::")
	if i < 0 {
		return nil
	}
	return g.byURN[r.Provider[:i]]
}

// DefaultTags returns the default tags of the stack's AWS provider(s), merged.
func (g *Graph) DefaultTags() map[string]string {
	out := map[string]string{}
	for _, p := range g.OfType("pulumi:providers:aws") {
		for k, v := range g.In(p, "defaultTags.tags").Map() {
			out[k] = v
		}
	}
	return out
}

// Environment is the stack's environment name, read from the provider's default tags
// (the program tags every resource with it), falling back to the stack name.
func (g *Graph) Environment() string {
	if e := g.DefaultTags()["environment"]; e != "" {
		return e
	}
	return g.Stack
}

// Name returns the physical name of r: the named output or input field.
func Name(r *mockengine.Resource, field string) string {
	if s := r.Out(field).Str(); s != "" {
		return s
	}
	return r.In(field).Str()
}

// name is [Name], reading the input through [Graph.In].
func (g *Graph) name(r *mockengine.Resource, field string) string {
	if s := r.Out(field).Str(); s != "" {
		return s
	}
	return g.In(r, field).Str()
}

// refersTo reports whether ref (an input holding an id, ARN or name) names r.
func (g *Graph) refersTo(ref string, r *mockengine.Resource, nameFields ...string) bool {
	if ref == "" {
		return false
	}
	if ref == r.ID || ref == r.Out("arn").Str() {
		return true
	}
	for _, f := range nameFields {
		if n := g.name(r, f); n != "" && ref == n {
			return true
		}
	}
	return false
}

// references reports whether r's input field names target (an id, ARN or one of
// target's nameFields). When the input is unknown, because both are created in the same
// update, it falls back on where the program puts them, which the preview knows: r refers
// to the one resource of target's type under the same parent component, or, if there are
// several, to the one with r's logical name (internal/bucket names a bucket's
// configuration after the bucket), and the input is not recorded as unknown. Anywhere
// else the unknown input is recorded and the rule is undecided on it.
func (g *Graph) references(r *mockengine.Resource, field string, target *mockengine.Resource, nameFields ...string) bool {
	if !r.InUnknown(field) {
		return g.refersTo(g.In(r, field).Str(), target, nameFields...)
	}
	var siblings []*mockengine.Resource
	var named *mockengine.Resource
	for _, t := range g.OfType(target.Type) {
		if t.Parent == r.Parent {
			siblings = append(siblings, t)
			if t.Name == r.Name {
				named = t
			}
		}
	}
	switch {
	case len(siblings) == 1:
		return siblings[0] == target
	case named != nil:
		return named == target
	}
	// Not where the program would put it: undecided (the read is recorded).
	return g.refersTo(g.In(r, field).Str(), target, nameFields...)
}

// Flow is one security-group rule: traffic a group admits (ingress) or sends (egress).
type Flow struct {
	// Direction is "ingress" or "egress".
	Direction string
	// Group is the id of the security group the rule belongs to.
	Group string
	// Peer is the other side: a CIDR, a security-group id, a prefix-list id or "self".
	Peer string
	// PeerIsGroup is true when Peer is a security group (or "self").
	PeerIsGroup bool
	// Protocol is "tcp", "udp", "icmp" or "-1" (all).
	Protocol string
	// From and To are the port range (both 0 or -1 for all ports).
	From, To int
	// Source is the resource declaring the rule ("<type> <name>").
	Source string
	// unknown are the inputs of the rule that are not known yet (in a preview).
	unknown []string
	// groupUnknown is true when the rule's own group is still to be created (a preview).
	groupUnknown bool
}

// AllPorts reports whether the rule covers every port.
func (f Flow) AllPorts() bool { return f.Protocol == "-1" || f.Protocol == "all" }

// Ports renders the port range.
func (f Flow) Ports() string {
	switch {
	case f.AllPorts():
		return "all"
	case f.From == f.To:
		return fmt.Sprint(f.From)
	}
	return fmt.Sprintf("%d-%d", f.From, f.To)
}

// Flows returns every security-group rule of the stack, from standalone
// aws:vpc/securityGroupIngressRule and EgressRule resources, aws:ec2/securityGroupRule
// resources and the inline ingress/egress blocks of aws:ec2/securityGroup, in a stable
// order.
func (g *Graph) Flows() []Flow {
	var out []Flow
	// tag marks the flows read from one rule with the unknown inputs read since from.
	tag := func(fs []Flow, from int, extra ...string) []Flow {
		var fields []string
		for _, rd := range g.windowSince(from) {
			fields = append(fields, rd.field)
		}
		fields = append(fields, extra...)
		for i := range fs {
			fs[i].unknown = fields
		}
		return fs
	}
	for _, r := range g.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		dir := "ingress"
		if strings.Contains(r.Type, "Egress") {
			dir = "egress"
		}
		from := g.windowLen()
		var flows []Flow
		// Which group the rule belongs to is read without recording it: a group created in
		// the same update has no id yet, and only a rule that needs the group (the open
		// ingress rule on the load balancer's web ports) treats that as unknown.
		base := Flow{Direction: dir, Group: r.In("securityGroupId").Str(), groupUnknown: r.InUnknown("securityGroupId"),
			Protocol: strings.ToLower(g.In(r, "ipProtocol").Str()),
			From:     int(g.In(r, "fromPort").Num()), To: int(g.In(r, "toPort").Num()), Source: r.Type + " " + r.Name}
		for _, peer := range []struct {
			field string
			group bool
		}{{"cidrIpv4", false}, {"cidrIpv6", false}, {"referencedSecurityGroupId", true}, {"prefixListId", false}} {
			// A peer group still to be created is a group all the same: its id is unknown,
			// but that the peer is a group and not an address range is known.
			if peer.group && r.InUnknown(peer.field) {
				f := base
				f.Peer, f.PeerIsGroup = "(a group created in the same update)", true
				flows = append(flows, f)
				continue
			}
			if v := g.In(r, peer.field).Str(); v != "" {
				f := base
				f.Peer, f.PeerIsGroup = v, peer.group
				flows = append(flows, f)
			}
		}
		out = append(out, tag(flows, from)...)
	}
	for _, r := range g.OfType("aws:ec2/securityGroupRule:SecurityGroupRule") {
		from := g.windowLen()
		out = append(out, tag(g.blockFlows(r, "", g.In(r, "type").Str(), g.In(r, "securityGroupId").Str(), r.Type+" "+r.Name), from)...)
	}
	for _, r := range g.OfType("aws:ec2/securityGroup:SecurityGroup") {
		for _, dir := range []string{"ingress", "egress"} {
			for i := 0; i < g.In(r, dir).Len(); i++ {
				from := g.windowLen()
				var extra []string
				if r.ID == "" {
					extra = []string{"id"} // a group still to be created
				}
				out = append(out, tag(g.blockFlows(r, fmt.Sprintf("%s[%d].", dir, i), dir, r.ID, r.Type+" "+r.Name), from, extra...)...)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Direction != b.Direction {
			return a.Direction > b.Direction // ingress first
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.Peer < b.Peer
	})
	return out
}

// blockFlows reads an inline rule block (or an ec2 securityGroupRule) at prefix.
func (g *Graph) blockFlows(r *mockengine.Resource, prefix, dir, group, source string) []Flow {
	in := func(f string) mockengine.Value { return g.In(r, prefix+f) }
	base := Flow{Direction: dir, Group: group, Protocol: strings.ToLower(in("protocol").Str()),
		From: int(in("fromPort").Num()), To: int(in("toPort").Num()), Source: source}
	var out []Flow
	for _, field := range []string{"cidrBlocks", "ipv6CidrBlocks", "prefixListIds"} {
		for _, c := range in(field).Strs() {
			f := base
			f.Peer = c
			out = append(out, f)
		}
	}
	for _, sg := range in("securityGroups").Strs() {
		f := base
		f.Peer, f.PeerIsGroup = sg, true
		out = append(out, f)
	}
	if sg := in("sourceSecurityGroupId").Str(); sg != "" {
		f := base
		f.Peer, f.PeerIsGroup = sg, true
		out = append(out, f)
	}
	if in("self").Bool() {
		f := base
		f.Peer, f.PeerIsGroup = "self", true
		out = append(out, f)
	}
	return out
}

// Attachments maps security-group ids to the resources that use them ("<type> <name>"),
// from load balancers, ECS services, RDS clusters, EC2 instances and VPC endpoints.
func (g *Graph) Attachments() map[string][]string {
	out := map[string][]string{}
	add := func(r *mockengine.Resource, path string) {
		for _, id := range g.In(r, path).Strs() {
			out[id] = append(out[id], r.Type+" "+r.Name)
		}
	}
	for _, r := range g.all {
		switch r.Type {
		case "aws:lb/loadBalancer:LoadBalancer":
			add(r, "securityGroups")
		case "aws:ecs/service:Service":
			add(r, "networkConfiguration.securityGroups")
		case "aws:rds/cluster:Cluster", "aws:rds/instance:Instance", "aws:ec2/instance:Instance":
			add(r, "vpcSecurityGroupIds")
		case "aws:ec2/vpcEndpoint:VpcEndpoint":
			add(r, "securityGroupIds")
		}
	}
	return out
}

// Statement is one IAM policy statement, with Action and Resource normalised to lists.
type Statement struct {
	Sid         string
	Effect      string
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	Principal   any
	Condition   map[string]map[string]any
}

// ParseDocument decodes an IAM policy document.
func ParseDocument(doc string) ([]Statement, error) {
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw.Statement, &list); err != nil {
		list = []json.RawMessage{raw.Statement} // a single statement object
	}
	var out []Statement
	for _, s := range list {
		var st struct {
			Sid         string                    `json:"Sid"`
			Effect      string                    `json:"Effect"`
			Action      any                       `json:"Action"`
			NotAction   any                       `json:"NotAction"`
			Resource    any                       `json:"Resource"`
			NotResource any                       `json:"NotResource"`
			Principal   any                       `json:"Principal"`
			Condition   map[string]map[string]any `json:"Condition"`
		}
		if err := json.Unmarshal(s, &st); err != nil {
			return nil, err
		}
		out = append(out, Statement{Sid: st.Sid, Effect: st.Effect, Action: strs(st.Action), NotAction: strs(st.NotAction),
			Resource: strs(st.Resource), NotResource: strs(st.NotResource), Principal: st.Principal, Condition: st.Condition})
	}
	return out, nil
}

// Resources returns the statement's resources, with NotResource (every resource but the
// listed ones) as "*".
func (s Statement) Resources() []string {
	if len(s.NotResource) > 0 {
		return append([]string{"*"}, s.Resource...)
	}
	return s.Resource
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// policyDoc is an identity-based policy document and the resource declaring it.
type policyDoc struct {
	Owner *mockengine.Resource
	Doc   string
	// Unknown is true when the document is not known yet (in a preview).
	Unknown bool
}

// identityPolicies returns the identity-based policy documents of the stack with the
// resource declaring each: managed policies, role inline policies and role policies.
func (g *Graph) identityPolicies() []policyDoc {
	var out []policyDoc
	add := func(r *mockengine.Resource, path string) {
		v := g.In(r, path)
		out = append(out, policyDoc{r, v.Str(), v.Unknown()})
	}
	for _, r := range g.OfType("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy") {
		add(r, "policy")
	}
	for _, r := range g.OfType("aws:iam/role:Role") {
		for i := 0; i < g.In(r, "inlinePolicies").Len(); i++ {
			add(r, fmt.Sprintf("inlinePolicies[%d].policy", i))
		}
	}
	// The documents' unknowns are the rule's, but no single finding's.
	g.mark()
	return out
}
