package policy

import (
	"path"
	"regexp"
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
)

// IAM: no wildcard administrators, parameter reads scoped to the stack.

func checkIAMWildcard(g *Graph) (int, []Finding) {
	var fs []Finding
	policies := g.identityPolicies()
	for _, p := range policies {
		if p.Unknown {
			continue // recorded as unknown by the read
		}
		sts, err := ParseDocument(p.Doc)
		if err != nil {
			fs = append(fs, g.finding(p.Owner, "policy document unreadable: %v", err))
			continue
		}
		for _, s := range sts {
			if s.Effect != "Allow" {
				continue
			}
			allActions := len(s.NotAction) > 0
			for _, a := range s.Action {
				allActions = allActions || a == "*" || a == "*:*"
			}
			allResources := false
			for _, r := range s.Resources() {
				allResources = allResources || r == "*"
			}
			if allActions && allResources {
				fs = append(fs, g.finding(p.Owner, "allows every action on every resource"))
			}
		}
	}
	admin := func(arn string) bool { return strings.HasSuffix(arn, ":policy/AdministratorAccess") }
	checked := len(policies)
	for _, a := range g.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		checked++
		if admin(g.In(a, "policyArn").Str()) {
			fs = append(fs, g.finding(a, "attaches AdministratorAccess"))
		}
	}
	for _, r := range g.OfType("aws:iam/role:Role") {
		for _, arn := range g.In(r, "managedPolicyArns").Strs() {
			checked++
			if admin(arn) {
				fs = append(fs, g.finding(r, "holds AdministratorAccess"))
			}
		}
	}
	return checked, fs
}

// parameterReads and keyDecrypts are the actions IAM-PARAM-SCOPE guards.
var (
	parameterReads = []string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"}
	keyDecrypts    = []string{"kms:Decrypt"}
)

// grantsAction reports whether a policy action, which may use IAM's * and ? wildcards
// ("ssm:Get*", "kms:Decrypt*"), grants one of actions. Action names are case-insensitive.
func grantsAction(pattern string, actions []string) bool {
	for _, a := range actions {
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(a)); ok {
			return true
		}
	}
	return false
}

// excludesAll reports whether the NotAction patterns notActions cover every one of actions.
func excludesAll(notActions, actions []string) bool {
	for _, a := range actions {
		excluded := false
		for _, n := range notActions {
			excluded = excluded || grantsAction(n, []string{a})
		}
		if !excluded {
			return false
		}
	}
	return true
}

// mayName reports whether a policy resource (possibly a wildcard pattern) can match ARNs
// of service: "*", "arn:*", or an ARN pattern whose service field matches.
func mayName(resource, service string) bool {
	if resource == "*" {
		return true
	}
	parts := strings.SplitN(resource, ":", 4)
	if len(parts) < 3 {
		return strings.Contains(resource, "*")
	}
	ok, _ := path.Match(parts[2], service)
	return ok
}

// namedKey matches the ARN of one KMS key, with no wildcard.
var namedKey = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)

func checkParameterScope(g *Graph) (int, []Finding) {
	prefix := ":parameter/" + g.Project + "/" + g.Environment() + "/"
	inPath := func(arn string) bool {
		i := strings.Index(arn, ":parameter/")
		return strings.HasPrefix(arn, "arn:aws:ssm:") && i >= 0 && strings.HasPrefix(arn[i:], prefix)
	}
	var fs []Finding
	checked := 0
	g.eachAllow(func(owner *mockengine.Resource, s Statement) {
		params, keys := false, false
		for _, a := range s.Action {
			params = params || grantsAction(a, parameterReads)
			keys = keys || grantsAction(a, keyDecrypts)
		}
		if len(s.NotAction) > 0 {
			// NotAction grants every action it does not list.
			params = params || !excludesAll(s.NotAction, parameterReads)
			keys = keys || !excludesAll(s.NotAction, keyDecrypts)
		}
		if !params && !keys {
			return
		}
		checked++
		for _, r := range s.Resources() {
			if params && mayName(r, "ssm") && !inPath(r) {
				fs = append(fs, g.finding(owner, "reads parameters outside /%s/%s/: %s", g.Project, g.Environment(), r))
			}
			if keys && mayName(r, "kms") && !namedKey.MatchString(r) {
				fs = append(fs, g.finding(owner, "grants kms:Decrypt beyond named keys: %s", r))
			}
		}
	})
	return checked, fs
}
