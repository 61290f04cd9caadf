package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"

	"github.com/ecsite/infra/internal/mockengine"
)

// The JSON document `pulumi preview --json` prints (Pulumi CLI 3.250) is the CLI's
// preview digest: ShowPreviewDigest in pkg/backend/display/json.go of pulumi/pulumi
// marshals a display.PreviewDigest, whose "steps" are display.PreviewStep values
// ({"op", "urn", "oldState", "newState", ...}) next to "changeSummary" (operation to
// count) and "diagnostics". Each state is the resource as the stack file stores it
// (apitype.ResourceV3: "urn", "custom", "id", "type", "inputs", "outputs", "parent",
// "protect", "provider", ...), serialized without secrets: the CLI replaces every secret
// with the string "[secret]" (MassageSecrets in the same file), and a value not known
// until the update runs is the string plugin.UnknownStringValue of the Pulumi SDK
// (sdk/go/common/resource/plugin/rpc.go).
//
// Unchanged resources appear only with --show-sames; without them the rules would see
// part of the stack (a rule on a new listener cannot see the unchanged load balancer), so
// LoadPreview refuses a preview whose change summary counts unchanged resources it does
// not list.

// previewDigest is the part of the preview digest the loader reads.
type previewDigest struct {
	Steps         []previewStep  `json:"steps"`
	ChangeSummary map[string]int `json:"changeSummary"`
}

type previewStep struct {
	Op       string        `json:"op"`
	URN      string        `json:"urn"`
	NewState *previewState `json:"newState"`
}

type previewState struct {
	URN      string         `json:"urn"`
	Custom   bool           `json:"custom"`
	Delete   bool           `json:"delete"`
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Inputs   map[string]any `json:"inputs"`
	Outputs  map[string]any `json:"outputs"`
	Parent   string         `json:"parent"`
	Protect  bool           `json:"protect"`
	Provider string         `json:"provider"`
}

// SecretText is how `pulumi preview --json` shows a secret value.
const SecretText = "[secret]"

// skippedOps are the steps that leave no resource for the rules: deletions, and reads of
// resources the stack does not manage.
var skippedOps = map[string]bool{
	"delete": true, "delete-replaced": true, "discard": true, "discard-replaced": true,
	"read": true, "read-replacement": true, "read-discard": true, "remove-pending-replace": true,
}

// LoadPreview builds the graph of what a preview says the stack will hold: every step with
// a new state (creations, updates, replacements and, with --show-sames, unchanged
// resources), from its inputs. stack is the stack the caller expects ("prod" or
// "<org>/prod"); the preview must be of it.
func LoadPreview(data []byte, stack string) (*Graph, error) {
	var d previewDigest
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("not a `pulumi preview --json` document: %w", err)
	}
	if d.Steps == nil {
		return nil, fmt.Errorf("not a `pulumi preview --json` document: no \"steps\"")
	}
	want := stack[strings.LastIndex(stack, "/")+1:]
	byURN := map[string]*mockengine.Resource{}
	project, sames := "", 0
	for i, s := range d.Steps {
		if s.Op == "same" {
			sames++
		}
		if s.NewState == nil || s.NewState.Delete || skippedOps[s.Op] {
			continue
		}
		st := s.NewState
		urn := resource.URN(st.URN)
		if !urn.IsValid() {
			return nil, fmt.Errorf("step %d: invalid URN %q", i+1, st.URN)
		}
		if got := urn.Stack().String(); got != want {
			return nil, fmt.Errorf("step %d: the preview is of stack %q, not %q", i+1, got, want)
		}
		project = urn.Project().String()
		r := &mockengine.Resource{
			Type: st.Type, Name: urn.Name(), URN: st.URN, Parent: st.Parent, Custom: st.Custom,
			Provider: st.Provider, Protect: st.Protect,
			Inputs:  fromJSONMap(st.Inputs, strings.HasPrefix(st.Type, "pulumi:providers:")),
			Outputs: fromJSONMap(st.Outputs, false),
		}
		if st.ID != plugin.UnknownStringValue {
			r.ID = st.ID
		}
		byURN[st.URN] = r // a replacement's later step supersedes the earlier one
	}
	if n := d.ChangeSummary["same"]; n > 0 && sames == 0 {
		return nil, fmt.Errorf("the preview leaves out the %d unchanged resources; run `pulumi preview --json --show-sames`", n)
	}
	rs := make([]*mockengine.Resource, 0, len(byURN))
	for _, r := range byURN {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].URN < rs[j].URN })
	return newGraph(project, want, rs), nil
}

func fromJSONMap(m map[string]any, provider bool) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		if s, ok := v.(string); ok && provider {
			// Provider configuration is stored as strings, objects and lists JSON-encoded.
			var decoded any
			if t := strings.TrimSpace(s); (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Unmarshal([]byte(t), &decoded) == nil {
				v = decoded
			}
		}
		out[resource.PropertyKey(k)] = fromJSON(v)
	}
	return out
}

// unknownValue is a value the preview does not know.
func unknownValue() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// fromJSON converts a value of a serialized state. An unknown becomes a computed value;
// a secret becomes a secret of its value when the document shows it (a secret signature
// object with "plaintext" or "value", as stack exports and --show-secrets write) and a
// secret of an unknown value when it does not ("[secret]", or a signature object with only
// "ciphertext"), so that a rule needing it reports unknown rather than reading "[secret]".
func fromJSON(v any) resource.PropertyValue {
	switch t := v.(type) {
	case nil:
		return resource.NewNullProperty()
	case bool:
		return resource.NewBoolProperty(t)
	case float64:
		return resource.NewNumberProperty(t)
	case string:
		switch t {
		case plugin.UnknownStringValue, plugin.UnknownBoolValue, plugin.UnknownNumberValue,
			plugin.UnknownArrayValue, plugin.UnknownObjectValue, plugin.UnknownAssetValue, plugin.UnknownArchiveValue:
			return unknownValue()
		case SecretText:
			return resource.MakeSecret(unknownValue())
		}
		return resource.NewStringProperty(t)
	case []any:
		arr := make([]resource.PropertyValue, len(t))
		for i, e := range t {
			arr[i] = fromJSON(e)
		}
		return resource.NewArrayProperty(arr)
	case map[string]any:
		if t[sig.Key] == sig.Secret {
			if p, ok := t["plaintext"].(string); ok {
				var inner any
				if json.Unmarshal([]byte(p), &inner) == nil {
					return resource.MakeSecret(fromJSON(inner))
				}
				return resource.MakeSecret(resource.NewStringProperty(p))
			}
			if inner, ok := t["value"]; ok {
				return resource.MakeSecret(fromJSON(inner))
			}
			return resource.MakeSecret(unknownValue())
		}
		return resource.NewObjectProperty(fromJSONMap(t, false))
	}
	return resource.NewStringProperty(fmt.Sprint(v))
}
