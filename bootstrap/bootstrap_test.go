package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecsite/infra/internal/deploypolicy"
	"github.com/ecsite/infra/internal/iamdoc"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/internal/programtest"
)

// stackUsage runs a committed stack of the main program under the mock and returns what
// it registers and calls, with the run itself.
func stackUsage(t *testing.T, stack string) (deploypolicy.Usage, *mockengine.Mocks) {
	t.Helper()
	r := programtest.MustRun(t, stack, mockengine.Options{})
	cfg := programtest.Config(t, stack, mockengine.Options{})
	return deploypolicy.UsageOf(r.Resources(), r.Calls(), cfg.Region), r.Mocks
}

func committed(t *testing.T, stack string) []iamdoc.Document {
	t.Helper()
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, deploypolicy.Path(stack)))
	if err != nil {
		t.Fatalf("%v; run go run ./cmd/report", err)
	}
	var docs []iamdoc.Document
	if err := json.Unmarshal(data, &docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

// TestDeployPoliciesAreCurrent: the committed policies and the page that shows them are
// what the program registers today.
func TestDeployPoliciesAreCurrent(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, stack := range programtest.Stacks {
		_, m := stackUsage(t, stack)
		docs, err := deploypolicy.ForRun(m)
		if err != nil {
			t.Fatal(err)
		}
		text, err := deploypolicy.JSON(docs)
		if err != nil {
			t.Fatal(err)
		}
		texts[stack] = text
		got, err := os.ReadFile(filepath.Join(root, deploypolicy.Path(stack)))
		if err != nil || string(got) != text {
			t.Errorf("%s is stale (err %v); regenerate with go run ./cmd/report", deploypolicy.Path(stack), err)
		}
	}
	guide, err := os.ReadFile(filepath.Join(root, deploypolicy.DocPath))
	if err != nil {
		t.Fatal(err)
	}
	want, err := deploypolicy.ReplaceDocSection(string(guide), deploypolicy.DocSection(programtest.Stacks, texts))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(guide) {
		t.Errorf("%s shows stale deploy policies; regenerate with go run ./cmd/report", deploypolicy.DocPath)
	}
}

// grants lists what a policy allows: action -> the regions of the statements that allow
// it ("*" for a statement without a region condition).
func grants(docs []iamdoc.Document) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, d := range docs {
		for _, st := range d.Statement {
			if st.Effect != "Allow" {
				continue
			}
			regions := []string{"*"}
			if eq, ok := st.Condition["StringEquals"]; ok {
				switch v := eq["aws:RequestedRegion"].(type) {
				case string:
					regions = []string{v}
				case []any:
					regions = nil
					for _, r := range v {
						regions = append(regions, r.(string))
					}
				case []string:
					regions = v
				}
			}
			for _, a := range st.Action {
				if out[a] == nil {
					out[a] = map[string]bool{}
				}
				for _, r := range regions {
					out[a][r] = true
				}
			}
		}
	}
	return out
}

// conditionValues returns the values of a StringEquals condition key in any statement
// allowing action.
func conditionValues(docs []iamdoc.Document, action, key string) map[string]bool {
	out := map[string]bool{}
	for _, d := range docs {
		for _, st := range d.Statement {
			for _, a := range st.Action {
				if a != action {
					continue
				}
				switch v := st.Condition["StringEquals"][key].(type) {
				case string:
					out[v] = true
				case []any:
					for _, x := range v {
						out[x.(string)] = true
					}
				}
			}
		}
	}
	return out
}

// uncovered returns what u needs that docs do not allow: each action of each type's or
// function's grant in each region it is used in (us-east-1 for the global services),
// each service-linked role and each service a role is passed to.
func uncovered(u deploypolicy.Usage, docs []iamdoc.Document) []string {
	have := grants(docs)
	slr := conditionValues(docs, "iam:CreateServiceLinkedRole", "iam:AWSServiceName")
	pass := conditionValues(docs, "iam:PassRole", "iam:PassedToService")
	var out []string
	var walk func(what string, g deploypolicy.Grant, regions map[string]bool)
	walk = func(what string, g deploypolicy.Grant, regions map[string]bool) {
		for _, a := range g.Actions {
			for r := range regions {
				if strings.HasPrefix(a, "iam:") || strings.HasPrefix(a, "cloudfront:") || strings.HasPrefix(a, "route53:") {
					r = "us-east-1"
				}
				if !have[a][r] && !have[a]["*"] {
					out = append(out, what+": "+a+" in "+r)
				}
			}
		}
		for _, s := range g.ServiceLinkedRoles {
			if !slr[s] {
				out = append(out, what+": service-linked role of "+s)
			}
		}
		for _, s := range g.PassRoleTo {
			if !pass[s] {
				out = append(out, what+": iam:PassRole to "+s)
			}
		}
		for _, also := range g.Also {
			walk(what, also, regions)
		}
	}
	for t, regions := range u.Types {
		g, ok := deploypolicy.Types[t]
		if !ok {
			out = append(out, "resource type "+t+" is not in internal/deploypolicy")
			continue
		}
		walk(t, g, regions)
	}
	for f, regions := range u.Functions {
		g, ok := deploypolicy.Functions[f]
		if !ok {
			out = append(out, "function "+f+" is not in internal/deploypolicy")
			continue
		}
		walk(f, g, regions)
	}
	sort.Strings(out)
	return out
}

// TestDeployPolicyCoversEveryTypeAndRegion: the committed policy of each stack allows
// everything that stack's resource types and functions need, in every region it uses them.
func TestDeployPolicyCoversEveryTypeAndRegion(t *testing.T) {
	for _, stack := range programtest.Stacks {
		t.Run(stack, func(t *testing.T) {
			u, _ := stackUsage(t, stack)
			if len(u.Types) < 20 {
				t.Fatalf("only %d resource types recorded: the usage is not read", len(u.Types))
			}
			if missing := uncovered(u, committed(t, stack)); len(missing) > 0 {
				t.Errorf("the committed deploy policy of %s does not cover:\n  %s", stack, strings.Join(missing, "\n  "))
			}
		})
	}
}

// TestCoverageCheckCatchesAGap: a type the table lacks, a region the policy leaves out and
// a missing service-linked role are each reported.
func TestCoverageCheckCatchesAGap(t *testing.T) {
	u, _ := stackUsage(t, "prod")
	docs := committed(t, "prod")

	withNewType := deploypolicy.Usage{Types: map[string]map[string]bool{"aws:sqs/queue:Queue": {"ap-northeast-1": true}}, Functions: map[string]map[string]bool{}}
	if got := uncovered(withNewType, docs); len(got) != 1 || !strings.Contains(got[0], "aws:sqs/queue:Queue") {
		t.Errorf("a new resource type was not reported: %v", got)
	}
	if _, err := deploypolicy.Statements(withNewType, deploypolicy.Stack{Account: "1", Project: "p", Environment: "e", Prefix: "p-e"}); err == nil {
		t.Error("the generator accepted a resource type it has no actions for")
	}

	otherRegion := deploypolicy.Usage{Types: map[string]map[string]bool{"aws:sns/topic:Topic": {"eu-west-1": true}}, Functions: map[string]map[string]bool{}}
	if got := uncovered(otherRegion, docs); len(got) == 0 {
		t.Error("a topic in a region the policy does not name was not reported")
	}

	var noSLR []iamdoc.Document
	for _, d := range docs {
		var kept []iamdoc.Statement
		for _, st := range d.Statement {
			if st.Sid != "ServiceLinkedRoles" {
				kept = append(kept, st)
			}
		}
		noSLR = append(noSLR, iamdoc.New(kept...))
	}
	if got := uncovered(u, noSLR); len(got) == 0 {
		t.Error("a policy without service-linked roles passed")
	}
}

// serviceWide lists the actions of docs that grant a whole service ("*" or "svc:*").
func serviceWide(docs []iamdoc.Document) []string {
	var out []string
	for _, d := range docs {
		for _, st := range d.Statement {
			for _, a := range st.Action {
				if a == "*" || strings.HasSuffix(a, ":*") {
					out = append(out, st.Sid+": "+a)
				}
			}
		}
	}
	return out
}

// TestNoServiceWideActions: every action is named; a service-wide wildcard is refused,
// and the check catches one.
func TestNoServiceWideActions(t *testing.T) {
	for _, stack := range programtest.Stacks {
		docs := committed(t, stack)
		if got := serviceWide(docs); len(got) > 0 {
			t.Errorf("%s grants service-wide actions: %v", stack, got)
		}
		for i, d := range docs {
			if n, err := deploypolicy.Size(d); err != nil || n > deploypolicy.MaxPolicyChars {
				t.Errorf("%s document %d has %d characters (err %v); IAM allows %d", stack, i+1, n, err, deploypolicy.MaxPolicyChars)
			}
		}
	}
	bad := []iamdoc.Document{iamdoc.New(iamdoc.Statement{Sid: "Wide", Action: []string{"ec2:*"}, Resource: []string{"*"}})}
	if len(serviceWide(bad)) != 1 {
		t.Error("the check let ec2:* through")
	}
}

// TestDocumentsSplitLargePolicies: a statement list larger than IAM's limit is packed into
// several documents, each within it, with no action lost.
func TestDocumentsSplitLargePolicies(t *testing.T) {
	var actions []string
	for i := 0; i < 600; i++ {
		actions = append(actions, "ec2:DescribeSomething"+strings.Repeat("x", i%7)+string(rune('A'+i%26))+strings.Repeat("y", i/26))
	}
	docs, err := deploypolicy.Documents([]iamdoc.Statement{{Sid: "Big", Effect: "Allow", Action: actions, Resource: []string{"*"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 2 {
		t.Fatalf("%d document(s) for %d actions", len(docs), len(actions))
	}
	n := 0
	for _, d := range docs {
		if size, _ := deploypolicy.Size(d); size > deploypolicy.MaxPolicyChars {
			t.Errorf("document of %d characters", size)
		}
		for _, st := range d.Statement {
			n += len(st.Action)
		}
	}
	if n != len(actions) {
		t.Errorf("%d actions after the split; want %d", n, len(actions))
	}
}

// runBootstrap runs the bootstrap program under the mock with cfg over the committed
// stack file's values.
func runBootstrap(t *testing.T, cfg map[string]string) *mockengine.Mocks {
	t.Helper()
	m, err := runBootstrapErr(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runBootstrapErr(cfg map[string]string) (*mockengine.Mocks, error) {
	base := map[string]string{
		"aws:region":                        "ap-northeast-1",
		"ecsite-bootstrap:githubRepository": "my-org/ecsite-infra",
	}
	for k, v := range cfg {
		if v == "" {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return mockengine.RunWithConfig(pulumi.RunFunc(run), "ecsite-bootstrap", "account", base, nil)
}

func TestBootstrapCreatesTheAccountResources(t *testing.T) {
	m := runBootstrap(t, nil)
	one := func(typ string) []*mockengine.Resource { return m.ByType(typ) }
	if n := len(one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 1 {
		t.Errorf("%d OIDC providers; want 1", n)
	}
	keys := one("aws:kms/key:Key")
	if len(keys) != 1 || !keys[0].In("enableKeyRotation").Bool() || !keys[0].Protect {
		t.Errorf("secrets key: %d keys, rotation and protection wanted", len(keys))
	}
	buckets := one("aws:s3/bucketV2:BucketV2")
	if len(buckets) != 1 || !buckets[0].Protect {
		t.Fatalf("state bucket: %d buckets, protection wanted", len(buckets))
	}
	if v := one("aws:s3/bucketVersioningV2:BucketVersioningV2"); len(v) != 1 || v[0].In("versioningConfiguration.status").Str() != "Enabled" {
		t.Error("the state bucket is not versioned")
	}
	if len(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) != 1 || len(one("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")) != 1 {
		t.Error("the state bucket lacks its public access block or its encryption")
	}
	policies := one("aws:s3/bucketPolicy:BucketPolicy")
	if len(policies) != 1 || !strings.Contains(policies[0].In("policy").Str(), "aws:SecureTransport") {
		t.Error("the state bucket does not refuse plain HTTP")
	}

	roles := map[string]*mockengine.Resource{}
	for _, r := range one("aws:iam/role:Role") {
		roles[r.Name] = r
	}
	trust := func(name string) string { return roles[name].In("assumeRolePolicy").Str() }
	for _, name := range []string{"ecsite-github-preview", "ecsite-github-deploy-dev", "ecsite-github-deploy-prod"} {
		if roles[name] == nil {
			t.Fatalf("no role %s (roles: %v)", name, roles)
		}
		if !strings.Contains(trust(name), `"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"`) {
			t.Errorf("%s trusts tokens of any audience: %s", name, trust(name))
		}
	}
	if !strings.Contains(trust("ecsite-github-deploy-prod"), `"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":["repo:my-org/ecsite-infra:environment:production"]}`) {
		t.Errorf("prod deploy role trusts more than the production environment: %s", trust("ecsite-github-deploy-prod"))
	}
	if strings.Contains(trust("ecsite-github-preview"), "environment:") || !strings.Contains(trust("ecsite-github-preview"), "repo:my-org/ecsite-infra:pull_request") {
		t.Errorf("preview role trust: %s", trust("ecsite-github-preview"))
	}
	if roles["ecsite-github-deploy-prod"].In("maxSessionDuration").Num() != 7200 {
		t.Error("the prod deploy role's sessions are shorter than two hours")
	}

	// Each deploy role gets its stack's committed documents, the account filled in.
	attached, namesAccount := map[string]int{}, map[string]bool{}
	for _, p := range one("aws:iam/policy:Policy") {
		text := p.In("policy").Str()
		role := p.Name[:strings.LastIndex(p.Name, "-")]
		if strings.Contains(text, deploypolicy.Placeholder) {
			t.Errorf("policy %s still holds the placeholder %s", p.Name, deploypolicy.Placeholder)
		}
		namesAccount[role] = namesAccount[role] || strings.Contains(text, ":"+mockengine.AccountID+":")
		attached[role]++
	}
	for role, ok := range namesAccount {
		if !ok {
			t.Errorf("no policy of %s names the account", role)
		}
	}
	for _, stack := range programtest.Stacks {
		if want := len(committed(t, stack)); attached["ecsite-github-deploy-"+stack] != want {
			t.Errorf("deploy role of %s has %d policies; want %d", stack, attached["ecsite-github-deploy-"+stack], want)
		}
	}
}

func TestBootstrapUsesAnExistingOIDCProvider(t *testing.T) {
	arn := "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	m := runBootstrap(t, map[string]string{"ecsite-bootstrap:oidcProviderArn": arn})
	if n := len(m.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 0 {
		t.Errorf("%d OIDC providers created next to the existing one", n)
	}
	for _, r := range m.ByType("aws:iam/role:Role") {
		if !strings.Contains(r.In("assumeRolePolicy").Str(), arn) {
			t.Errorf("%s does not trust the existing provider", r.Name)
		}
	}
}

// TestBootstrapRefusesBadSettings: every bad key is named at once and nothing is
// registered.
func TestBootstrapRefusesBadSettings(t *testing.T) {
	m, err := runBootstrapErr(map[string]string{
		"ecsite-bootstrap:githubRepository":   "not a repo",
		"ecsite-bootstrap:oidcProviderArn":    "arn:aws:iam::1:oidc-provider/example.com",
		"ecsite-bootstrap:deployEnvironments": `{"dev":"dev","staging":"staging","prod":""}`,
	})
	if err == nil {
		t.Fatal("bad settings were accepted")
	}
	for _, key := range []string{"githubRepository", "oidcProviderArn", "deployEnvironments.staging", "deployEnvironments.prod"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("the error does not name %s: %v", key, err)
		}
	}
	if len(m.Resources()) != 0 {
		t.Errorf("%d resources registered before the error", len(m.Resources()))
	}
}

// unlimitedAttach lists the statements of docs that allow attaching a managed policy to
// a role without naming the policies (iam:PolicyARN), or naming one that is not AWS's.
func unlimitedAttach(docs []iamdoc.Document) []string {
	var out []string
	for _, d := range docs {
		for _, st := range d.Statement {
			if !slices.Contains(st.Action, "iam:AttachRolePolicy") {
				continue
			}
			arns, ok := st.Condition["ArnEquals"]["iam:PolicyARN"]
			if !ok {
				out = append(out, st.Sid+": no iam:PolicyARN condition")
				continue
			}
			list, _ := arns.([]any)
			if s, one := arns.(string); one {
				list = []any{s}
			}
			for _, a := range list {
				if !strings.HasPrefix(a.(string), "arn:aws:iam::aws:policy/") {
					out = append(out, st.Sid+": "+a.(string))
				}
			}
		}
	}
	return out
}

// TestAttachRolePolicyIsLimited: the deploy role may attach only the AWS managed policies
// the stack attaches itself, and the check catches an unconditioned grant.
func TestAttachRolePolicyIsLimited(t *testing.T) {
	for _, stack := range programtest.Stacks {
		if got := unlimitedAttach(committed(t, stack)); len(got) > 0 {
			t.Errorf("%s: %v", stack, got)
		}
	}
	bad := []iamdoc.Document{iamdoc.New(iamdoc.Statement{Sid: "Open", Action: []string{"iam:AttachRolePolicy"}, Resource: []string{"*"}})}
	if len(unlimitedAttach(bad)) != 1 {
		t.Error("the check let an unconditioned iam:AttachRolePolicy through")
	}
}
