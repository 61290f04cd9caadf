package mockengine

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Value is a recorded property value with small accessors for tests.
type Value struct{ V resource.PropertyValue }

// In returns the input property at a dotted path ("serverlessv2ScalingConfiguration.minCapacity").
func (r *Resource) In(path string) Value { return lookup(r.Inputs, path) }

// Out returns the output property at a dotted path.
func (r *Resource) Out(path string) Value { return lookup(r.Outputs, path) }

func lookup(m resource.PropertyMap, path string) Value {
	v := resource.NewObjectProperty(m)
	for _, part := range splitPath(path) {
		v = unwrap(v)
		switch {
		case v.IsObject():
			v = v.ObjectValue()[resource.PropertyKey(part.key)]
		case v.IsArray() && part.index >= 0 && part.index < len(v.ArrayValue()):
			v = v.ArrayValue()[part.index]
		default:
			return Value{resource.NewNullProperty()}
		}
	}
	return Value{v}
}

type pathPart struct {
	key   string
	index int
}

func splitPath(path string) []pathPart {
	var parts []pathPart
	cur := ""
	flush := func() {
		if cur != "" {
			parts = append(parts, pathPart{key: cur, index: -1})
			cur = ""
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			j := i + 1
			n := 0
			for j < len(path) && path[j] != ']' {
				n = n*10 + int(path[j]-'0')
				j++
			}
			parts = append(parts, pathPart{index: n})
			i = j
		default:
			cur += string(c)
		}
	}
	flush()
	return parts
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

// Secret reports whether the value is marked secret.
func (v Value) Secret() bool {
	return v.V.IsSecret() || v.V.IsOutput() && v.V.OutputValue().Secret
}

// Null reports whether the value is absent or null.
func (v Value) Null() bool { u := unwrap(v.V); return u.IsNull() || u.IsComputed() }

// Str returns the value as a string ("" when it is not one).
func (v Value) Str() string {
	u := unwrap(v.V)
	if u.IsString() {
		return u.StringValue()
	}
	return ""
}

// Num returns the value as a number (0 when it is not one).
func (v Value) Num() float64 {
	u := unwrap(v.V)
	if u.IsNumber() {
		return u.NumberValue()
	}
	return 0
}

// Bool returns the value as a boolean (false when it is not one).
func (v Value) Bool() bool {
	u := unwrap(v.V)
	return u.IsBool() && u.BoolValue()
}

// Len returns the length of an array or object value.
func (v Value) Len() int {
	u := unwrap(v.V)
	switch {
	case u.IsArray():
		return len(u.ArrayValue())
	case u.IsObject():
		return len(u.ObjectValue())
	}
	return 0
}

// Strs returns an array of strings.
func (v Value) Strs() []string {
	u := unwrap(v.V)
	if !u.IsArray() {
		return nil
	}
	var out []string
	for _, e := range u.ArrayValue() {
		out = append(out, Value{e}.Str())
	}
	return out
}

// Map returns an object of strings (e.g. tags).
func (v Value) Map() map[string]string {
	u := unwrap(v.V)
	if !u.IsObject() {
		return nil
	}
	out := map[string]string{}
	for k, e := range u.ObjectValue() {
		out[string(k)] = Value{e}.Str()
	}
	return out
}

// JSON decodes a string value holding JSON (a policy document, container definitions).
func (v Value) JSON(dst any) error { return json.Unmarshal([]byte(v.Str()), dst) }

// Plain converts the value to plain Go values (secrets unwrapped) for comparisons.
func (v Value) Plain() any { return plain(v.V) }

func plain(v resource.PropertyValue) any {
	v = unwrap(v)
	switch {
	case v.IsNull() || v.IsComputed():
		return nil
	case v.IsString():
		return v.StringValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsBool():
		return v.BoolValue()
	case v.IsArray():
		var out []any
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = plain(e)
		}
		return out
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return v.String()
}

// Unknown reports whether the value, or anything inside it, is unknown (computed), as
// the values of a preview are wherever they depend on an output not yet known.
func (v Value) Unknown() bool { return unknown(v.V) }

func unknown(v resource.PropertyValue) bool {
	if v.IsOutput() && !v.OutputValue().Known {
		return true
	}
	v = unwrap(v)
	switch {
	case v.IsComputed():
		return true
	case v.IsArray():
		for _, e := range v.ArrayValue() {
			if unknown(e) {
				return true
			}
		}
	case v.IsObject():
		for _, e := range v.ObjectValue() {
			if unknown(e) {
				return true
			}
		}
	}
	return false
}

// InUnknown reports whether the input at path cannot be read because it, something
// inside it, or one of the objects or arrays on the way to it is unknown.
func (r *Resource) InUnknown(path string) bool {
	v := resource.NewObjectProperty(r.Inputs)
	for _, part := range splitPath(path) {
		if v.IsOutput() && !v.OutputValue().Known {
			return true
		}
		v = unwrap(v)
		switch {
		case v.IsComputed():
			return true
		case v.IsObject():
			v = v.ObjectValue()[resource.PropertyKey(part.key)]
		case v.IsArray() && part.index >= 0 && part.index < len(v.ArrayValue()):
			v = v.ArrayValue()[part.index]
		default:
			return false
		}
	}
	return unknown(v)
}
