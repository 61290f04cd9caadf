package mockengine

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StackReferenceType is the type token of a stack reference.
const StackReferenceType = "pulumi:pulumi:StackReference"

// Fixed identity of the mock AWS account.
const (
	AccountID = "123456789012"
	Region    = "ap-northeast-1"
)

// Resource is one resource registered with the mock engine.
type Resource struct {
	Type                string
	Name                string
	URN                 string
	Parent              string // parent URN; the stack's URN for top-level resources
	Custom              bool   // false for component resources
	Provider            string // provider reference ("urn::id"), empty for the default provider
	ID                  string
	Inputs              resource.PropertyMap
	Outputs             resource.PropertyMap
	Protect             bool
	IgnoreChanges       []string
	ReplaceOnChanges    []string
	DependsOn           []string // URNs
	DeleteBeforeReplace bool
	RetainOnDelete      bool
	Aliases             int
	// AliasURNs are the URNs the resource's aliases stand for (the URNs it had before).
	AliasURNs []string
}

// Call is one provider function call (invoke).
type Call struct {
	Token string
	Args  resource.PropertyMap
	// Provider is the provider reference ("urn::id") the call used; empty for the
	// default provider.
	Provider string
}

// Mocks is a recording pulumi.MockResourceMonitor. It is safe for concurrent use.
type Mocks struct {
	Project, Stack string

	// LastDeployment holds the outputs of this stack's previous deployment, which a
	// stack reference to it answers with; nil is a stack never deployed.
	LastDeployment map[string]any

	mu              sync.Mutex
	resources       []*Resource
	providerRegions map[string]string // provider reference ("urn::id") -> region
	calls           []Call
	exports         map[string]pulumi.Output
}

// NewMocks returns an empty recorder for the given project and stack.
func NewMocks(project, stack string) *Mocks {
	return &Mocks{Project: project, Stack: stack, exports: map[string]pulumi.Output{}, providerRegions: map[string]string{}}
}

// NewResource records the registration and returns realistic outputs.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := &Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Custom:   args.Custom,
		Provider: args.Provider,
		Inputs:   args.Inputs,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Protect = rpc.GetProtect()
		r.IgnoreChanges = append([]string(nil), rpc.GetIgnoreChanges()...)
		r.ReplaceOnChanges = append([]string(nil), rpc.GetReplaceOnChanges()...)
		r.DependsOn = append([]string(nil), rpc.GetDependencies()...)
		sort.Strings(r.DependsOn)
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.Aliases = len(rpc.GetAliases()) + len(rpc.GetAliasURNs())
	}
	r.URN = m.urn(r.Parent, r.Type, r.Name)
	if rpc := args.RegisterRPC; rpc != nil {
		r.AliasURNs = append(r.AliasURNs, rpc.GetAliasURNs()...)
		for _, a := range rpc.GetAliases() {
			if a.GetUrn() != "" {
				r.AliasURNs = append(r.AliasURNs, a.GetUrn())
				continue
			}
			spec := a.GetSpec()
			name, typ, parent := r.Name, r.Type, r.Parent
			if spec.GetName() != "" {
				name = spec.GetName()
			}
			if spec.GetType() != "" {
				typ = spec.GetType()
			}
			if spec.GetParentUrn() != "" {
				parent = spec.GetParentUrn()
			} else if spec.GetNoParent() {
				parent = ""
			}
			r.AliasURNs = append(r.AliasURNs, m.urn(parent, typ, name))
		}
		sort.Strings(r.AliasURNs)
	}
	// A resource's ARNs and endpoints name the region of the provider it uses (the
	// us-east-1 resources of CloudFront's certificate and web ACL included).
	region := Region
	m.mu.Lock()
	if reg := m.providerRegions[r.Provider]; reg != "" {
		region = reg
	}
	m.mu.Unlock()
	id, outputs := fakeOutputs(r.Type, r.Name, region, args.Inputs)
	if r.Type == StackReferenceType {
		r.Custom = true
		// A stack reference answers with the outputs of the referenced stack's last
		// deployment: LastDeployment (none for a stack never deployed).
		last := map[string]any{}
		for k, v := range m.LastDeployment {
			last[k] = v
		}
		outputs = resource.NewPropertyMapFromMap(map[string]any{
			"name": str(args.Inputs, "name"), "outputs": last, "secretOutputNames": []any{},
		})
	}
	if args.ID != "" {
		id = args.ID
	}
	r.ID = id
	r.Outputs = outputs

	m.mu.Lock()
	defer m.mu.Unlock()
	for _, existing := range m.resources {
		if existing.URN == r.URN {
			return "", nil, fmt.Errorf("mockengine: duplicate resource URN %s", r.URN)
		}
	}
	m.resources = append(m.resources, r)
	if r.IsProvider() {
		if reg := args.Inputs["region"]; reg.IsString() {
			m.providerRegions[r.URN+"::"+id] = reg.StringValue()
		}
	}
	return id, outputs, nil
}

// urn computes the URN the way the mock monitor does.
func (m *Mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.Stack), tokens.PackageName(m.Project), parentType, tokens.Type(typ), name))
}

// Call answers the provider functions the program uses; any other token is an error so
// that a new invoke cannot pass unnoticed with an empty answer.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, Call{Token: args.Token, Args: args.Args, Provider: args.Provider})
	m.mu.Unlock()
	if args.Token == "aws:ecr/getImage:getImage" {
		switch str(args.Args, "imageTag") {
		case MockImageMissingTag:
			// The wording of the Terraform AWS provider 5.100 that pulumi-aws 6.83 wraps,
			// as the real engine reports a missing repository or image.
			return nil, fmt.Errorf("invocation of aws:ecr/getImage:getImage returned an error: reading ECR Images: couldn't find resource")
		case MockImageDeniedTag:
			return nil, fmt.Errorf("AccessDeniedException: User is not authorized to perform: ecr:DescribeImages")
		}
	}
	out, ok := fakeCall(args.Token, args.Args)
	if !ok {
		return nil, fmt.Errorf("mockengine: no mock answer for function %s", args.Token)
	}
	return out, nil
}

// Resources returns every recorded resource, sorted by URN.
func (m *Mocks) Resources() []*Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]*Resource(nil), m.resources...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// Calls returns every recorded function call in call order.
func (m *Mocks) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Call(nil), m.calls...)
}

// ByType returns the recorded resources of one type token, sorted by URN.
func (m *Mocks) ByType(typ string) []*Resource {
	var out []*Resource
	for _, r := range m.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resource with the given type and logical name, or nil.
func (m *Mocks) Named(typ, name string) *Resource {
	for _, r := range m.ByType(typ) {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// ByURN returns the resource with the given URN, or nil.
func (m *Mocks) ByURN(urn string) *Resource {
	for _, r := range m.Resources() {
		if r.URN == urn {
			return r
		}
	}
	return nil
}

// ByID returns the first resource whose ID or ARN output equals idOrArn, or nil. Tests use
// it to follow a reference (a security group id, a role ARN) to the resource it names.
func (m *Mocks) ByID(idOrArn string) *Resource {
	for _, r := range m.Resources() {
		if r.ID == idOrArn || r.Outputs["arn"].HasValue() && r.Outputs["arn"].IsString() && r.Outputs["arn"].StringValue() == idOrArn {
			return r
		}
	}
	return nil
}

// Children returns the resources whose parent is urn.
func (m *Mocks) Children(urn string) []*Resource {
	var out []*Resource
	for _, r := range m.Resources() {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

// Types returns the distinct type tokens of the custom (cloud) resources registered.
func (m *Mocks) Types() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range m.Resources() {
		if r.Custom && !seen[r.Type] {
			seen[r.Type] = true
			out = append(out, r.Type)
		}
	}
	sort.Strings(out)
	return out
}

// Count returns how many resources (custom and component) were registered.
func (m *Mocks) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.resources)
}

// IsProvider reports whether r is a provider resource.
func (r *Resource) IsProvider() bool { return strings.HasPrefix(r.Type, "pulumi:providers:") }
