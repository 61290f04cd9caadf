package policy

import (
	"strings"

	"github.com/ecsite/infra/internal/mockengine"
)

// IAM: a role that may pass roles (the jobs' scheduler roles) passes named roles, to one
// service.

// passRole is the action IAM-PASSROLE-SCOPE guards.
var passRole = []string{"iam:PassRole"}

// namedRole matches the ARN of one IAM role, with no wildcard.
func namedRole(arn string) bool {
	i := strings.Index(arn, ":role/")
	return strings.HasPrefix(arn, "arn:aws:iam::") && i >= 0 && len(arn) > i+len(":role/") && !strings.ContainsAny(arn, "*?")
}

// checkPassRoleScope: every statement that allows iam:PassRole names the roles it passes
// (no *, role/* or other wildcard: passing any role of the account reaches every
// permission the account has,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html) and
// limits the service they go to with an iam:PassedToService condition.
func checkPassRoleScope(g *Graph) (int, []Finding) {
	var fs []Finding
	checked := 0
	g.eachAllow(func(owner *mockengine.Resource, s Statement) {
		grants := len(s.NotAction) > 0 && !excludesAll(s.NotAction, passRole)
		for _, a := range s.Action {
			grants = grants || grantsAction(a, passRole)
		}
		if !grants {
			return
		}
		checked++
		for _, r := range s.Resources() {
			if !namedRole(r) {
				fs = append(fs, g.finding(owner, "allows iam:PassRole on %s; name the roles it passes (arn:aws:iam::<account>:role/<name>)", r))
			}
		}
		if !limitsService(s.Condition) {
			fs = append(fs, g.finding(owner, "allows iam:PassRole without an iam:PassedToService condition; limit the service the roles go to"))
		}
	})
	return checked, fs
}

// eachAllow calls f with every Allow statement of every identity policy that is known
// and readable: an unknown document is recorded by the read, an unreadable one is
// IAM-WILDCARD's finding.
func (g *Graph) eachAllow(f func(owner *mockengine.Resource, s Statement)) {
	for _, p := range g.identityPolicies() {
		sts, err := ParseDocument(p.Doc)
		if p.Unknown || err != nil {
			continue
		}
		for _, s := range sts {
			if s.Effect == "Allow" {
				f(p.Owner, s)
			}
		}
	}
}

// limitsService reports whether a condition block tests iam:PassedToService.
func limitsService(cond map[string]map[string]any) bool {
	for _, keys := range cond {
		for k := range keys {
			if strings.EqualFold(k, "iam:PassedToService") {
				return true
			}
		}
	}
	return false
}
