package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/ecsite/infra/internal/bucket"
	"github.com/ecsite/infra/internal/check"
	"github.com/ecsite/infra/internal/deploypolicy"
	"github.com/ecsite/infra/internal/iamdoc"
)

// The generated deploy policies, one file per stack (deploypolicy.Path), written by
// `go run ./cmd/report` from what each stack registers.
//
//go:embed policies/*.json
var policyFiles embed.FS

const (
	// project is the project whose stacks these roles deploy; every name below starts
	// with it.
	project = "ecsite"
	// githubIssuer is GitHub Actions' OIDC token issuer.
	githubIssuer = "token.actions.githubusercontent.com"
	// readOnlyAccess is AWS's managed read-only policy: a refresh reads every resource.
	readOnlyAccess = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	// deploySessionSeconds lets a deploy job ask for a two-hour session: the prod job runs
	// up to 90 minutes, and a request above the role's maximum is refused
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html).
	deploySessionSeconds = 7200
)

var (
	repoPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	oidcPattern = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:oidc-provider/` + regexp.QuoteMeta(githubIssuer) + `$`)
	envPattern  = regexp.MustCompile(`^[^/\s]{1,255}$`)
)

// settings are the bootstrap stack's configuration.
type settings struct {
	repository   string
	oidcProvider string
	environments map[string]string // stack -> GitHub environment
	policies     map[string][]iamdoc.Document
}

// load reads and checks the configuration and the committed policies; every bad key is
// reported at once, before any resource is registered.
func load(ctx *pulumi.Context) (*settings, error) {
	c := pconfig.New(ctx, "")
	p := check.NewProblems()
	s := &settings{
		repository:   c.Get("githubRepository"),
		oidcProvider: c.Get("oidcProviderArn"),
		environments: map[string]string{"dev": "dev", "prod": "production"},
		policies:     map[string][]iamdoc.Document{},
	}
	if !repoPattern.MatchString(s.repository) {
		p.Addf("githubRepository", "is %q; want owner/name of the GitHub repository, e.g. my-org/ecsite-infra", s.repository)
	}
	if s.oidcProvider != "" && !oidcPattern.MatchString(s.oidcProvider) {
		p.Addf("oidcProviderArn", "is %q; want empty (create the provider) or arn:aws:iam::<12 digits>:oidc-provider/%s", s.oidcProvider, githubIssuer)
	}
	if raw, ok := ctx.GetConfig(ctx.Project() + ":deployEnvironments"); ok {
		envs := map[string]string{}
		if err := json.Unmarshal([]byte(raw), &envs); err != nil {
			p.Addf("deployEnvironments", "is not an object of stack name to GitHub environment: %v", err)
		} else {
			s.environments = envs
		}
	}
	if len(s.environments) == 0 {
		p.Addf("deployEnvironments", "is empty; name at least one stack and its GitHub environment")
	}
	for _, stack := range slices.Sorted(maps.Keys(s.environments)) {
		key := "deployEnvironments." + stack
		if !envPattern.MatchString(s.environments[stack]) {
			p.Addf(key, "is %q; want a GitHub environment name (1-255 characters, no slash or space)", s.environments[stack])
		}
		data, err := policyFiles.ReadFile(deploypolicy.Path(stack)[len("bootstrap/"):])
		if err != nil {
			p.Addf(key, "names stack %q, which has no generated policy %s; use one of %s", stack, deploypolicy.Path(stack), strings.Join(committedStacks(), ", "))
			continue
		}
		var docs []iamdoc.Document
		if err := json.Unmarshal(data, &docs); err != nil || len(docs) == 0 {
			p.Addf(key, "policy %s does not decode: %v", deploypolicy.Path(stack), err)
			continue
		}
		s.policies[stack] = docs
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// committedStacks lists the stacks with a generated policy.
func committedStacks() []string {
	entries, _ := policyFiles.ReadDir("policies")
	var out []string
	for _, e := range entries {
		n := strings.TrimSuffix(strings.TrimPrefix(e.Name(), "deploy-"), ".json")
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func run(ctx *pulumi.Context) error {
	s, err := load(ctx)
	if err != nil {
		return err
	}
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("looking up the AWS account: %w", err)
	}
	account := identity.AccountId
	region, err := aws.GetRegion(ctx, nil)
	if err != nil {
		return fmt.Errorf("looking up the region: %w", err)
	}
	// Losing the state bucket or the secrets key loses every stack: both are protected.
	keep := pulumi.Protect(true)

	oidcArn := pulumi.String(s.oidcProvider).ToStringOutput()
	if s.oidcProvider == "" {
		provider, err := iam.NewOpenIdConnectProvider(ctx, "github", &iam.OpenIdConnectProviderArgs{
			Url:           pulumi.String("https://" + githubIssuer),
			ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		})
		if err != nil {
			return err
		}
		oidcArn = provider.Arn
	}

	keyPolicy, err := iamdoc.New(iamdoc.KeyAdministeredThroughIAM(account)).JSON()
	if err != nil {
		return err
	}
	key, err := kms.NewKey(ctx, project+"-pulumi-secrets", &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the secrets of the " + project + " Pulumi stacks (--secrets-provider awskms://)"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(keyPolicy),
	}, keep)
	if err != nil {
		return err
	}
	alias, err := kms.NewAlias(ctx, project+"-pulumi-secrets", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + project + "-pulumi-secrets"),
		TargetKeyId: key.KeyId,
	})
	if err != nil {
		return err
	}

	state, err := bucket.NewPrivate(ctx, project+"-pulumi-state", false, keep)
	if err != nil {
		return err
	}
	// Versioned: every checkpoint the CLI overwrites can be recovered.
	if _, err := s3.NewBucketVersioningV2(ctx, project+"-pulumi-state", &s3.BucketVersioningV2Args{
		Bucket:                  state.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}); err != nil {
		return err
	}
	if _, err := s3.NewBucketPolicy(ctx, project+"-pulumi-state", &s3.BucketPolicyArgs{
		Bucket: state.ID(),
		Policy: state.Arn.ApplyT(func(arn string) (string, error) {
			return iamdoc.New(bucket.DenyInsecureTransport(arn)).JSON()
		}).(pulumi.StringOutput),
	}, pulumi.DependsOn([]pulumi.Resource{state.Block})); err != nil {
		return err
	}

	// What every role of a stack needs of the backend: the state objects (previews take
	// the stack's lock too) and the secrets key.
	backend := func(encrypt bool) pulumi.StringOutput {
		return pulumi.All(state.Arn, key.Arn).ApplyT(func(v []any) (string, error) {
			bucketArn, keyArn := v[0].(string), v[1].(string)
			kmsActions := []string{"kms:Decrypt", "kms:DescribeKey"}
			if encrypt {
				kmsActions = append(kmsActions, "kms:Encrypt", "kms:GenerateDataKey")
			}
			return iamdoc.New(
				iamdoc.Statement{Sid: "StateBucket", Action: []string{"s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"}, Resource: []string{bucketArn}},
				iamdoc.Statement{Sid: "StateObjects", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: []string{bucketArn + "/*"}},
				iamdoc.Statement{Sid: "StackSecrets", Action: kmsActions, Resource: []string{keyArn}},
			).JSON()
		}).(pulumi.StringOutput)
	}

	preview, err := newRole(ctx, project+"-github-preview", "Pulumi previews and drift checks of the "+project+" stacks from GitHub Actions",
		oidcArn, "StringLike", []string{
			"repo:" + s.repository + ":pull_request",
			"repo:" + s.repository + ":ref:refs/heads/main",
			"repo:" + s.repository + ":ref:refs/tags/v*",
		}, 3600)
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, project+"-github-preview-readonly", &iam.RolePolicyAttachmentArgs{
		Role: preview.Name, PolicyArn: pulumi.String(readOnlyAccess),
	}); err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, project+"-github-preview-backend", &iam.RolePolicyArgs{Role: preview.Name, Policy: backend(false)}); err != nil {
		return err
	}
	// A refresh reads the stacks' SecureString parameters with decryption: the keys the
	// stacks create carry the project tag.
	stackKeys, err := iamdoc.New(iamdoc.Statement{
		Sid: "StackKeys", Action: []string{"kms:Decrypt", "kms:DescribeKey"}, Resource: []string{"arn:aws:kms:*:" + account + ":key/*"},
		Condition: map[string]map[string]any{"StringEquals": {"aws:ResourceTag/project": project}},
	}).JSON()
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, project+"-github-preview-stack-keys", &iam.RolePolicyArgs{
		Role: preview.Name, Policy: pulumi.String(stackKeys),
	}); err != nil {
		return err
	}

	deployArns := pulumi.StringMap{}
	for _, stack := range slices.Sorted(maps.Keys(s.environments)) {
		// Named outside the stack's prefix: the deploy policy may change and pass the
		// stack's roles (<project>-<stack>-*), never the deploy role itself.
		name := project + "-github-deploy-" + stack
		role, err := newRole(ctx, name, "pulumi up of the "+project+" stack "+stack+" from GitHub Actions (environment "+s.environments[stack]+")",
			oidcArn, "StringEquals", []string{"repo:" + s.repository + ":environment:" + s.environments[stack]}, deploySessionSeconds)
		if err != nil {
			return err
		}
		for i, doc := range s.policies[stack] {
			text, err := doc.JSON()
			if err != nil {
				return err
			}
			policy, err := iam.NewPolicy(ctx, fmt.Sprintf("%s-%d", name, i+1), &iam.PolicyArgs{
				Description: pulumi.Sprintf("Deploys the %s stack %s (part %d of %d, generated by go run ./cmd/report)", project, stack, i+1, len(s.policies[stack])),
				Policy:      pulumi.String(strings.ReplaceAll(text, deploypolicy.Placeholder, account)),
			})
			if err != nil {
				return err
			}
			if _, err := iam.NewRolePolicyAttachment(ctx, fmt.Sprintf("%s-%d", name, i+1), &iam.RolePolicyAttachmentArgs{
				Role: role.Name, PolicyArn: policy.Arn,
			}); err != nil {
				return err
			}
		}
		if _, err := iam.NewRolePolicy(ctx, name+"-backend", &iam.RolePolicyArgs{Role: role.Name, Policy: backend(true)}); err != nil {
			return err
		}
		deployArns[stack] = role.Arn
	}

	ctx.Export("oidcProviderArn", oidcArn)
	ctx.Export("previewRoleArn", preview.Arn)
	ctx.Export("deployRoleArns", deployArns)
	ctx.Export("stateBucket", state.ID())
	ctx.Export("backendUrl", pulumi.Sprintf("s3://%s?region=%s", state.ID(), region.Name))
	ctx.Export("secretsProvider", pulumi.Sprintf("awskms://%s?region=%s", alias.Name, region.Name))
	return nil
}

// newRole creates a role that GitHub Actions jobs whose token subject matches subjects
// (with operator StringEquals or StringLike) may assume through the OIDC provider.
func newRole(ctx *pulumi.Context, name, description string, oidcArn pulumi.StringOutput, operator string, subjects []string, maxSession int) (*iam.Role, error) {
	condition := map[string]map[string]any{"StringEquals": {githubIssuer + ":aud": "sts.amazonaws.com"}}
	if condition[operator] == nil {
		condition[operator] = map[string]any{}
	}
	condition[operator][githubIssuer+":sub"] = subjects
	trust := oidcArn.ApplyT(func(arn string) (string, error) {
		return iamdoc.New(iamdoc.Statement{
			Principal: map[string]any{"Federated": arn},
			Action:    []string{"sts:AssumeRoleWithWebIdentity"},
			Condition: condition,
		}).JSON()
	}).(pulumi.StringOutput)
	return iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:               pulumi.String(name),
		Description:        pulumi.String(description),
		AssumeRolePolicy:   trust,
		MaxSessionDuration: pulumi.Int(maxSession),
	})
}
