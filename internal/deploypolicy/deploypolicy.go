// Package deploypolicy generates the IAM policy of a stack's deploy role from what the
// program registers: every resource type and provider function of the stack maps (in
// [Types] and [Functions]) to the actions its create, read, update and delete need, scoped
// to the regions the stack uses them in and, where the service allows it, to the stack's
// names and tags. The bootstrap project attaches the result to the deploy roles, and
// docs/ci-setup.md shows it (regenerated with the stack reports).
package deploypolicy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/ecsite/infra/internal/docsection"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
)

// globalRegion is where the APIs of AWS's global services (IAM, CloudFront, Route 53)
// live: aws:RequestedRegion of their requests is us-east-1
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion).
const globalRegion = "us-east-1"

var globalServices = map[string]bool{"iam": true, "cloudfront": true, "route53": true}

// Usage is what one stack registers and calls, each with the regions of the providers
// used for it, and what the deploy workflows do to it besides `pulumi up`.
type Usage struct {
	Types     map[string]map[string]bool
	Functions map[string]map[string]bool
	// Runs are the entries of [Runs] that apply to the stack, each with the regions of the
	// resources they act on.
	Runs map[string]map[string]bool
}

// MigrationTaskSuffix ends the logical name of the migration task definition the program
// registers, "<prefix>-migrate"; a stack with one gets the [Runs] entry "migration".
const MigrationTaskSuffix = "-migrate"

// UsageOf reads the usage from a mock run of the program: each custom resource's type and
// each invoke's token, with the region of the explicit provider it used (defaultRegion
// for the default provider).
func UsageOf(resources []*mockengine.Resource, calls []mockengine.Call, defaultRegion string) Usage {
	region := map[string]string{}
	for _, r := range resources {
		if r.IsProvider() {
			region[r.URN+"::"+r.ID] = r.In("region").Str()
		}
	}
	regionOf := func(provider string) string {
		if reg := region[provider]; reg != "" {
			return reg
		}
		return defaultRegion
	}
	u := Usage{Types: map[string]map[string]bool{}, Functions: map[string]map[string]bool{}, Runs: map[string]map[string]bool{}}
	add := func(m map[string]map[string]bool, key, reg string) {
		if m[key] == nil {
			m[key] = map[string]bool{}
		}
		m[key][reg] = true
	}
	for _, r := range resources {
		if !r.Custom || r.IsProvider() {
			continue
		}
		add(u.Types, r.Type, regionOf(r.Provider))
		if r.Type == "aws:ecs/taskDefinition:TaskDefinition" && strings.HasSuffix(r.Name, MigrationTaskSuffix) {
			add(u.Runs, "migration", regionOf(r.Provider))
		}
	}
	for _, c := range calls {
		add(u.Functions, c.Token, regionOf(c.Provider))
	}
	return u
}

// Merge adds other's usage to u, whose maps must not be nil (as [UsageOf] makes them).
func (u Usage) Merge(other Usage) {
	for _, pair := range [][2]map[string]map[string]bool{{u.Types, other.Types}, {u.Functions, other.Functions}, {u.Runs, other.Runs}} {
		for k, regs := range pair[1] {
			if pair[0][k] == nil {
				pair[0][k] = map[string]bool{}
			}
			for r := range regs {
				pair[0][k][r] = true
			}
		}
	}
}

// Stack names what the policy is scoped to.
type Stack struct {
	// Account is the AWS account id, or a placeholder such as <ACCOUNT> for documents.
	Account string
	// Project and Environment are the values of the project and environment tags.
	Project, Environment string
	// Prefix starts every name the stack chooses ("<project>-<environment>").
	Prefix string
	// HostedZoneIDs are the Route 53 zones the stack writes records in.
	HostedZoneIDs []string
	// ManagedPolicies are the ARNs of the managed policies the stack attaches to its
	// roles; the only ones the deploy role may attach or detach.
	ManagedPolicies []string
}

// Uncovered lists the resource types and functions of u that the tables do not map,
// sorted; a stack registering one of them cannot be deployed with the generated policy.
func Uncovered(u Usage) []string {
	var out []string
	for t := range u.Types {
		if _, ok := Types[t]; !ok {
			out = append(out, "resource type "+t)
		}
	}
	for f := range u.Functions {
		if _, ok := Functions[f]; !ok {
			out = append(out, "function "+f)
		}
	}
	for r := range u.Runs {
		if _, ok := Runs[r]; !ok {
			out = append(out, "workflow run "+r)
		}
	}
	sort.Strings(out)
	return out
}

type stmtKey struct {
	scope   Scope
	regions string
}

// Statements returns the deploy policy's statements for the usage u of stack s. It fails
// on a type or function the tables do not map.
func Statements(u Usage, s Stack) ([]iamdoc.Statement, error) {
	if missing := Uncovered(u); len(missing) > 0 {
		return nil, fmt.Errorf("no IAM actions known for %s (add them to internal/deploypolicy)", strings.Join(missing, ", "))
	}
	actions := map[stmtKey]map[string]bool{}
	slr, passTo := map[string]bool{}, map[string]bool{}
	var addGrant func(g Grant, regs map[string]bool)
	addGrant = func(g Grant, regs map[string]bool) {
		for _, a := range g.Actions {
			r := regs
			if globalServices[service(a)] {
				r = map[string]bool{globalRegion: true}
			}
			k := stmtKey{g.Scope, strings.Join(slices.Sorted(maps.Keys(r)), ",")}
			if actions[k] == nil {
				actions[k] = map[string]bool{}
			}
			actions[k][a] = true
		}
		for _, sl := range g.ServiceLinkedRoles {
			slr[sl] = true
		}
		for _, p := range g.PassRoleTo {
			passTo[p] = true
		}
		for _, also := range g.Also {
			addGrant(also, regs)
		}
	}
	for t, regs := range u.Types {
		addGrant(Types[t], regs)
	}
	for f, regs := range u.Functions {
		addGrant(Functions[f], regs)
	}
	for r, regs := range u.Runs {
		addGrant(Runs[r], regs)
	}

	keys := make([]stmtKey, 0, len(actions))
	for k := range actions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].scope != keys[j].scope {
			return keys[i].scope < keys[j].scope
		}
		return keys[i].regions < keys[j].regions
	})
	var out []iamdoc.Statement
	for _, k := range keys {
		regions := strings.Split(k.regions, ",")
		st := iamdoc.Statement{
			Sid:       sid(string(k.scope), regions),
			Effect:    "Allow",
			Action:    slices.Sorted(maps.Keys(actions[k])),
			Resource:  s.expand(k.scope, regions),
			Condition: map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": list(regions)}},
		}
		if k.scope == AttachPolicies {
			if len(s.ManagedPolicies) == 0 {
				return nil, fmt.Errorf("deploypolicy: the stack attaches managed policies but names none (Stack.ManagedPolicies)")
			}
			st.Condition["ArnEquals"] = map[string]any{"iam:PolicyARN": list(s.ManagedPolicies)}
		}
		if k.scope == KeysOfStack {
			st.Condition["StringEquals"]["aws:ResourceTag/project"] = s.Project
			st.Condition["StringEquals"]["aws:ResourceTag/environment"] = s.Environment
		}
		if k.scope == MigrationTaskDefinitions {
			// The migration's tasks run only in the stack's cluster.
			st.Condition["ArnLike"] = map[string]any{"ecs:cluster": list(s.expand(EcsClusters, regions))}
		}
		out = append(out, st)
	}
	if len(slr) > 0 {
		out = append(out, iamdoc.Statement{
			Sid: "ServiceLinkedRoles", Effect: "Allow", Action: []string{"iam:CreateServiceLinkedRole"},
			Resource:  []string{"arn:aws:iam::" + s.Account + ":role/aws-service-role/*"},
			Condition: map[string]map[string]any{"StringEquals": {"iam:AWSServiceName": list(slices.Sorted(maps.Keys(slr)))}},
		})
	}
	if len(passTo) > 0 {
		out = append(out, iamdoc.Statement{
			Sid: "PassStackRoles", Effect: "Allow", Action: []string{"iam:PassRole"},
			Resource:  []string{"arn:aws:iam::" + s.Account + ":role/" + s.Prefix + "-*"},
			Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": list(slices.Sorted(maps.Keys(passTo)))}},
		})
	}
	return out, nil
}

// MaxPolicyChars is the size limit of a customer managed policy, whitespace not counted
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "IAM and
// STS character limits": 6,144 characters).
const MaxPolicyChars = 6144

// Documents packs the statements into as few policy documents as fit MaxPolicyChars each,
// in order; a statement too large on its own is split by its actions.
func Documents(statements []iamdoc.Statement) ([]iamdoc.Document, error) {
	var parts []iamdoc.Statement
	for _, st := range statements {
		split, err := splitStatement(st)
		if err != nil {
			return nil, err
		}
		parts = append(parts, split...)
	}
	var docs []iamdoc.Document
	var cur []iamdoc.Statement
	for _, st := range parts {
		next := append(append([]iamdoc.Statement(nil), cur...), st)
		n, err := Size(iamdoc.New(next...))
		if err != nil {
			return nil, err
		}
		if n > MaxPolicyChars && len(cur) > 0 {
			docs = append(docs, iamdoc.New(cur...))
			cur = []iamdoc.Statement{st}
			continue
		}
		cur = next
	}
	if len(cur) > 0 {
		docs = append(docs, iamdoc.New(cur...))
	}
	return docs, nil
}

func splitStatement(st iamdoc.Statement) ([]iamdoc.Statement, error) {
	n, err := Size(iamdoc.New(st))
	if err != nil {
		return nil, err
	}
	if n <= MaxPolicyChars || len(st.Action) < 2 {
		return []iamdoc.Statement{st}, nil
	}
	half := len(st.Action) / 2
	a, b := st, st
	a.Action, b.Action = st.Action[:half], st.Action[half:]
	a.Sid, b.Sid = st.Sid+"A", st.Sid+"B"
	left, err := splitStatement(a)
	if err != nil {
		return nil, err
	}
	right, err := splitStatement(b)
	if err != nil {
		return nil, err
	}
	return append(left, right...), nil
}

// Size is the length of the document's JSON without whitespace, as IAM counts it.
func Size(d iamdoc.Document) (int, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range string(b) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n, nil
}

func (s Stack) expand(scope Scope, regions []string) []string {
	patterns, ok := resourcesOf[scope]
	if !ok || scope == Any {
		return []string{"*"}
	}
	seen := map[string]bool{}
	var out []string
	zones := s.HostedZoneIDs
	if len(zones) == 0 {
		zones = []string{"*"}
	}
	path := strings.Trim(s.Project+"/"+s.Environment, "/")
	for _, p := range patterns {
		for _, reg := range regions {
			for _, z := range zones {
				v := strings.NewReplacer("{region}", reg, "{account}", s.Account, "{prefix}", s.Prefix, "{path}", path, "{zone}", z).Replace(p)
				if !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func service(action string) string { return action[:strings.Index(action, ":")] }

// sid names a statement by its scope ("Any" for *) and regions: "RolesUsEast1".
func sid(scope string, regions []string) string {
	if scope == string(Any) {
		scope = "any"
	}
	var b strings.Builder
	for _, part := range append([]string{scope}, regions...) {
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// list is a condition value: a single string, or a list of several.
func list(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

// Placeholder stands for the AWS account id in the committed policies; the bootstrap
// project replaces it with the account it runs in.
const Placeholder = "ACCOUNT_ID"

// ForRun generates the deploy policy documents of the stack a mock run recorded: its
// region and environment from the explicit provider named "aws" (region, default tag
// environment), its hosted zones from the records and zone lookups.
func ForRun(m *mockengine.Mocks) ([]iamdoc.Document, error) {
	var region, env string
	for _, r := range m.ByType("pulumi:providers:aws") {
		if r.Name == "aws" {
			region, env = r.In("region").Str(), r.In("defaultTags.tags.environment").Str()
		}
	}
	if region == "" || env == "" {
		return nil, fmt.Errorf("deploypolicy: the run has no provider \"aws\" with a region and an environment tag")
	}
	zones := map[string]bool{}
	for _, r := range m.ByType("aws:route53/record:Record") {
		zones[r.In("zoneId").Str()] = true
	}
	for _, c := range m.Calls() {
		if c.Token == "aws:route53/getZone:getZone" {
			if z := c.Args["zoneId"]; z.IsString() {
				zones[z.StringValue()] = true
			}
		}
	}
	delete(zones, "")
	policies := map[string]bool{}
	for _, r := range m.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		policies[r.In("policyArn").Str()] = true
	}
	delete(policies, "")
	st, err := Statements(UsageOf(m.Resources(), m.Calls(), region), Stack{
		Account: Placeholder, Project: m.Project, Environment: env, Prefix: m.Project + "-" + env, HostedZoneIDs: slices.Sorted(maps.Keys(zones)),
		ManagedPolicies: slices.Sorted(maps.Keys(policies)),
	})
	if err != nil {
		return nil, err
	}
	return Documents(st)
}

// Path is where the generated policy of stack is committed.
func Path(stack string) string { return "bootstrap/policies/deploy-" + stack + ".json" }

// JSON renders the documents as the committed file holds them: an indented JSON array.
func JSON(docs []iamdoc.Document) (string, error) {
	b, err := json.MarshalIndent(docs, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

// The markers around the generated part of docs/ci-setup.md.
const (
	DocPath  = "docs/ci-setup.md"
	DocStart = "<!-- generated by go run ./cmd/report: deploy policies -->"
	DocEnd   = "<!-- end of generated deploy policies -->"
)

// DocSection renders the generated policies for docs/ci-setup.md, one block per stack in
// the order given.
func DocSection(stacks []string, policies map[string]string) string {
	var b strings.Builder
	b.WriteString(DocStart + "\n")
	for _, s := range stacks {
		fmt.Fprintf(&b, "\n<details><summary>Deploy policy of <code>%s</code> (<a href=\"../%s\">%s</a>)</summary>\n\n```json\n%s```\n\n</details>\n",
			s, Path(s), Path(s), policies[s])
	}
	b.WriteString("\n" + DocEnd)
	return b.String()
}

// ReplaceDocSection returns doc with the text between the markers (markers included)
// replaced by section; it fails when the markers are missing.
func ReplaceDocSection(doc, section string) (string, error) {
	out, err := docsection.Replace(doc, DocStart, DocEnd, section)
	if err != nil {
		return "", fmt.Errorf("%s: %w", DocPath, err)
	}
	return out, nil
}
