package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// DecodeStrict unmarshals a JSON config value into dst, rejecting unknown fields so
// that a typo such as "natGateway" is reported instead of silently ignored.
func DecodeStrict(raw string, dst any) error {
	// encoding/json matches field names case-insensitively, so DisallowUnknownFields
	// alone would take "ratelimit" for "rateLimit". Check the exact spelling first.
	var generic any
	if err := json.Unmarshal([]byte(raw), &generic); err == nil {
		if err := exactFieldNames(generic, reflect.TypeOf(dst), ""); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the value")
	}
	return nil
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// exactFieldNames walks a decoded JSON value alongside the Go type it will be decoded
// into and reports the first object key that is not a field's exact JSON name, with the
// intended spelling when only the case differs. Types that decode themselves are skipped:
// they call DecodeStrict on their own. Shape mismatches are left to the decoder.
func exactFieldNames(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) {
			return nil
		}
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				for name := range fields {
					if strings.EqualFold(name, k) {
						return fmt.Errorf("unknown field %q (did you mean %q?)", path+k, path+name)
					}
				}
				return fmt.Errorf("unknown field %q", path+k)
			}
			if err := exactFieldNames(obj[k], ft, path+k+"."); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, e := range arr {
			if err := exactFieldNames(e, t.Elem(), fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for k, e := range obj {
			if err := exactFieldNames(e, t.Elem(), path+k+"."); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFields maps the JSON names of a struct's exported fields, embedded ones included,
// to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// DecodeFresh decodes b strictly into a zero value and stores it in *dst. A list element
// type calls it from its UnmarshalJSON, through a plain copy of itself so that the call
// does not recurse:
//
//	func (s *Schedule) UnmarshalJSON(b []byte) error {
//		type plain Schedule
//		return check.DecodeFresh(b, (*plain)(s))
//	}
//
// encoding/json decodes a list element into the element already at that position, so
// without it an entry the stack sets would keep the fields of the default entry it replaces.
func DecodeFresh[T any](b []byte, dst *T) error {
	var v T
	if err := DecodeStrict(string(b), &v); err != nil {
		return err
	}
	*dst = v
	return nil
}
