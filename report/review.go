package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/ecsite/infra/edge"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/policy"
)

// The sections below show what most pull requests change and the resource table cannot:
// what each container runs with, what each role may do, and how the distribution routes.

// containers writes, per task definition, each container's image, command, user, plain
// variables with their values and secrets by name (their values stay in SSM).
func containers(w *writer, g *policy.Graph) {
	tds := g.OfType("aws:ecs/taskDefinition:TaskDefinition")
	if len(tds) == 0 {
		return
	}
	sort.Slice(tds, func(i, j int) bool { return tds[i].Name < tds[j].Name })
	w.line("## Containers")
	w.line("")
	w.line("What each task runs: its kind and size, image, command, user, plain variables with their values, and secrets by name (their values stay in SSM Parameter Store).")
	w.line("")
	w.line("| task definition | kind and size | container | image | command | user | environment | secrets | health check |")
	w.line("|---|---|---|---|---|---|---|---|---|")
	for _, td := range tds {
		v := td.In("containerDefinitions")
		size := taskKindAndSize(g, td)
		if v.Secret() || v.Unknown() {
			w.line("| %s | %s | (not known until the update runs) | | | | | | |", td.Name, size)
			continue
		}
		defs, err := policy.DecodeContainers(v.Str())
		if err != nil {
			w.line("| %s | %s | (container definitions do not decode: %s) | | | | | | |", td.Name, size, cell(err.Error()))
			continue
		}
		for _, d := range defs {
			var env, secrets []string
			for _, e := range d.Environment {
				env = append(env, e.Name+"="+e.Value)
			}
			for _, s := range d.Secrets {
				secrets = append(secrets, s.Name)
			}
			sort.Strings(env)
			sort.Strings(secrets)
			cmd := strings.Join(append(append([]string(nil), d.EntryPoint...), d.Command...), " ")
			health := ""
			if d.HealthCheck != nil {
				health = strings.Join(d.HealthCheck.Command, " ")
			}
			w.line("| %s | %s | %s | `%s` | %s | %s | %s | %s | %s |", td.Name, size, d.Name, cell(d.Image), code(cmd), cell(d.User),
				cell(strings.Join(env, "<br>")), cell(strings.Join(secrets, ", ")), code(health))
		}
	}
	w.line("")
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + cell(s) + "`"
}

// roleStatements writes every statement of every inline role policy: who may do what on
// which resources, under which condition.
func roleStatements(w *writer, g *policy.Graph) error {
	policies := g.OfType("aws:iam/rolePolicy:RolePolicy")
	if len(policies) == 0 {
		return nil
	}
	sort.Slice(policies, func(i, j int) bool { return policies[i].Name < policies[j].Name })
	w.line("## IAM policy statements")
	w.line("")
	w.line("| policy | statement | effect | actions | resources | condition |")
	w.line("|---|---|---|---|---|---|")
	for _, p := range policies {
		v := p.In("policy")
		if v.Secret() || v.Unknown() {
			w.line("| %s | (not known until the update runs) | | | | |", p.Name)
			continue
		}
		statements, err := policy.ParseDocument(v.Str())
		if err != nil {
			w.line("| %s | (does not decode: %s) | | | | |", p.Name, cell(err.Error()))
			continue
		}
		for _, st := range statements {
			cond := ""
			if len(st.Condition) > 0 {
				text, err := json.Marshal(st.Condition)
				if err != nil {
					return err
				}
				cond = code(string(text))
			}
			w.line("| %s | %s | %s | %s | %s | %s |", p.Name, cell(st.Sid), st.Effect, cell(strings.Join(st.Action, ", ")),
				cell(strings.Join(st.Resource, ", ")), cond)
		}
	}
	w.line("")
	return nil
}

// distributions writes each distribution's behaviours in the order CloudFront matches
// them (the ordered ones first, the default last), with their origin and policies, and
// its aliases, certificate, TLS policy and web ACL.
func distributions(w *writer, g *policy.Graph) {
	for _, d := range g.OfType("aws:cloudfront/distribution:Distribution") {
		w.line("## CloudFront distribution `%s`", d.Name)
		w.line("")
		cert := "CloudFront's default (*.cloudfront.net)"
		if arn := d.In("viewerCertificate.acmCertificateArn"); !arn.Null() {
			cert = "ACM " + certName(g, arn)
		}
		webACL := "none"
		if acl := d.In("webAclId"); !acl.Null() && acl.Str() != "" {
			webACL = show(acl)
			if r := g.ByID(acl.Str()); r != nil {
				webACL = r.Name
			}
		}
		w.line("- aliases: %s; certificate: %s; viewer TLS: %s; web ACL: %s; price class: %s; HTTP: %s",
			orNone(strings.Join(d.In("aliases").Strs(), ", ")), cert, orNone(d.In("viewerCertificate.minimumProtocolVersion").Str()), webACL,
			d.In("priceClass").Str(), d.In("httpVersion").Str())
		w.line("")
		w.line("| order | path | origin | viewer protocol | methods | cache policy | origin request policy | response headers policy |")
		w.line("|---|---|---|---|---|---|---|---|")
		behaviours := d.In("orderedCacheBehaviors").Plain()
		list, _ := behaviours.([]any)
		for i, b := range list {
			m, _ := b.(map[string]any)
			distributionRow(w, g, fmt.Sprint(i+1), m)
		}
		def, _ := d.In("defaultCacheBehavior").Plain().(map[string]any)
		def["pathPattern"] = "* (default)"
		distributionRow(w, g, "last", def)
		w.line("")
	}
}

func distributionRow(w *writer, g *policy.Graph, order string, b map[string]any) {
	str := func(k string) string {
		if v, ok := b[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	methods := ""
	if m, ok := b["allowedMethods"].([]any); ok {
		var s []string
		for _, x := range m {
			s = append(s, fmt.Sprint(x))
		}
		methods = strings.Join(s, ", ")
	}
	w.line("| %s | `%s` | %s | %s | %s | %s | %s | %s |", order, cell(str("pathPattern")), cell(str("targetOriginId")), str("viewerProtocolPolicy"),
		methods, managedPolicy(str("cachePolicyId")), managedPolicy(str("originRequestPolicyId")), refName(g, str("responseHeadersPolicyId")))
}

// managedPolicies names the AWS managed CloudFront policies the distribution uses, by id.
var managedPolicies = map[string]string{
	edge.CachingOptimizedPolicyID:          "Managed-CachingOptimized",
	edge.CachingDisabledPolicyID:           "Managed-CachingDisabled",
	edge.AllViewerExceptHostHeaderPolicyID: "Managed-AllViewerExceptHostHeader",
}

func managedPolicy(id string) string {
	if n, ok := managedPolicies[id]; ok {
		return n
	}
	return id
}

func refName(g *policy.Graph, id string) string {
	if r := g.ByID(id); r != nil {
		return r.Name
	}
	return id
}

func certName(g *policy.Graph, arn mockengine.Value) string {
	if r := g.ByID(arn.Str()); r != nil {
		return r.Name
	}
	for _, r := range g.OfType("aws:acm/certificateValidation:CertificateValidation") {
		if r.Out("certificateArn").Str() == arn.Str() {
			return "certificate validated by " + r.Name
		}
	}
	return show(arn)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// webACLs writes each web ACL's rules in the order WAF evaluates them, with their action
// and what they match, and how much of a request body WAF inspects.
func webACLs(w *writer, g *policy.Graph) {
	for _, acl := range g.OfType("aws:wafv2/webAcl:WebAcl") {
		w.line("## Web ACL `%s`", acl.Name)
		w.line("")
		limit := acl.In(edge.BodyInspectionLimitPath).Str()
		if limit == "" {
			limit = "16 KB (the default)"
		}
		w.line("- scope: %s; default action: %s; body inspection: %s", acl.In("scope").Str(), firstKey(acl.In("defaultAction").Plain()), limit)
		w.line("")
		w.line("| priority | rule | action | matches |")
		w.line("|---|---|---|---|")
		rules, _ := acl.In("rules").Plain().([]any)
		priority := func(r any) float64 { p, _ := r.(map[string]any)["priority"].(float64); return p }
		sort.SliceStable(rules, func(i, j int) bool { return priority(rules[i]) < priority(rules[j]) })
		for _, r := range rules {
			rule, _ := r.(map[string]any)
			action := firstKey(rule["action"])
			if action == "" {
				action = "group: " + firstKey(rule["overrideAction"])
			}
			st, _ := rule["statement"].(map[string]any)
			w.line("| %v | %v | %s | %s |", rule["priority"], rule["name"], action, cell(statementSummary(st)))
		}
		w.line("")
	}
}

// firstKey returns the first key, in sorted order, of an action object such as {"block": {}}.
func firstKey(v any) string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// statementSummary describes a WAF statement in one line.
func statementSummary(st map[string]any) string {
	list := func(key, sep string) string {
		inner, _ := st[key].(map[string]any)
		items, _ := inner["statements"].([]any)
		var parts []string
		for _, s := range items {
			m, _ := s.(map[string]any)
			parts = append(parts, statementSummary(m))
		}
		return strings.Join(parts, sep)
	}
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m, _ := st[k].(map[string]any)
		if m == nil {
			continue
		}
		switch k {
		case "andStatement":
			return list(k, " and ")
		case "orStatement":
			return "(" + list(k, " or ") + ")"
		case "notStatement":
			return "not " + list(k, "")
		case "managedRuleGroupStatement":
			s := fmt.Sprintf("%v/%v", m["vendorName"], m["name"])
			var counted []string
			overrides, _ := m["ruleActionOverrides"].([]any)
			for _, o := range overrides {
				counted = append(counted, fmt.Sprint(o.(map[string]any)["name"]))
			}
			if len(counted) > 0 {
				s += " (counted: " + strings.Join(counted, ", ") + ")"
			}
			return s
		case "rateBasedStatement":
			return fmt.Sprintf("more than %v requests per %v s per %v", m["limit"], m["evaluationWindowSec"], m["aggregateKeyType"])
		case "labelMatchStatement":
			return fmt.Sprintf("label %v", m["key"])
		case "byteMatchStatement":
			return fmt.Sprintf("path %s %q", strings.ToLower(fmt.Sprint(m["positionalConstraint"])), m["searchString"])
		case "sizeConstraintStatement":
			body, _ := m["fieldToMatch"].(map[string]any)["body"].(map[string]any)
			return fmt.Sprintf("body %v %v bytes (oversize: %v)", m["comparisonOperator"], m["size"], body["oversizeHandling"])
		case "geoMatchStatement":
			return fmt.Sprintf("country in %v", m["countryCodes"])
		case "ipSetReferenceStatement":
			return "IP set"
		}
	}
	return "?"
}

// taskKindAndSize describes a task definition's service kind, as services[].kind names
// it (a service behind the load balancer is "web", one that publishes a port through
// Service Connect "backend", any other service "worker"), a scheduled job's as "job" and
// its schedule, any other task (the migration task) as "task", and its Fargate size and
// architecture.
func taskKindAndSize(g *policy.Graph, td *mockengine.Resource) string {
	kind := "task"
	for _, svc := range g.OfType("aws:ecs/service:Service") {
		ref := svc.In("taskDefinition").Str()
		if ref == "" || (ref != td.Out("arn").Str() && ref != td.ID && ref != td.In("family").Str()) {
			continue
		}
		lbs, _ := svc.In("loadBalancers").Plain().([]any)
		published, _ := svc.In("serviceConnectConfiguration.services").Plain().([]any)
		switch {
		case len(lbs) > 0:
			kind = "web"
		case len(published) > 0:
			kind = "backend"
		default:
			kind = "worker"
		}
	}
	// A job's task: run by a schedule, whose expression and time zone it shows.
	for _, sch := range g.OfType("aws:scheduler/schedule:Schedule") {
		if ref := sch.In("target.ecsParameters.taskDefinitionArn").Str(); ref != "" && ref == td.Out("arn").Str() {
			kind = fmt.Sprintf("job %s %s", sch.In("scheduleExpression").Str(), sch.In("scheduleExpressionTimezone").Str())
		}
	}
	arch := td.In("runtimePlatform.cpuArchitecture").Str()
	if arch == "" {
		arch = "X86_64"
	}
	return fmt.Sprintf("%s, %s CPU / %s MiB, %s", kind, td.In("cpu").Str(), td.In("memory").Str(), arch)
}
