package policy

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"

	"github.com/ecsite/infra/internal/mockengine"
)

// FixtureStack is the stack whose preview is committed as FixturePath (relative to the
// repository root); `go run ./cmd/report` rewrites it with the reports.
const (
	FixtureStack = "prod"
	FixturePath  = "policy/testdata/preview-prod.json"
)

// PreviewJSON writes resources as `pulumi preview --json --show-sames` shows them when
// nothing changes: one "same" step each (without its oldState, which the loader does not
// read), secrets as "[secret]", unknown values as the SDK's unknown sentinel.
func PreviewJSON(rs []*mockengine.Resource) ([]byte, error) {
	type step struct {
		Op       string        `json:"op"`
		URN      string        `json:"urn"`
		Provider string        `json:"provider,omitempty"`
		NewState *previewState `json:"newState"`
	}
	doc := struct {
		Steps         []step         `json:"steps"`
		ChangeSummary map[string]int `json:"changeSummary"`
		Diagnostics   []any          `json:"diagnostics"`
	}{Steps: []step{}, ChangeSummary: map[string]int{"same": len(rs)}, Diagnostics: []any{}}
	for _, r := range rs {
		st := &previewState{URN: r.URN, Custom: r.Custom, ID: r.ID, Type: r.Type, Parent: r.Parent,
			Protect: r.Protect, Provider: r.Provider, Inputs: toJSONMap(r.Inputs), Outputs: toJSONMap(r.Outputs)}
		doc.Steps = append(doc.Steps, step{Op: "same", URN: r.URN, Provider: r.Provider, NewState: st})
	}
	return json.MarshalIndent(doc, "", "    ")
}

func toJSONMap(m resource.PropertyMap) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[string(k)] = toJSON(v)
	}
	return out
}

func toJSON(v resource.PropertyValue) any {
	switch {
	case v.IsSecret() || v.IsOutput() && v.OutputValue().Secret:
		return SecretText
	case v.IsComputed() || v.IsOutput() && !v.OutputValue().Known:
		return plugin.UnknownStringValue
	case v.IsOutput():
		return toJSON(v.OutputValue().Element)
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := make([]any, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			out[i] = toJSON(e)
		}
		return out
	case v.IsObject():
		return toJSONMap(v.ObjectValue())
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return v.String()
}
