package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// FieldError is one invalid configuration value.
type FieldError struct {
	// Key is the configuration path, e.g. "network.natGateways" or "services[1].cpu".
	Key string
	// Message says what is wrong and what is allowed.
	Message string
}

// Error returns "key: message".
func (e FieldError) Error() string { return e.Key + ": " + e.Message }

// ValidationError lists every invalid configuration value found by [Load].
type ValidationError struct {
	Fields []FieldError
}

// Error lists every problem, one per line, under a count.
func (e *ValidationError) Error() string {
	lines := make([]string, 0, len(e.Fields)+1)
	lines = append(lines, fmt.Sprintf("invalid stack configuration (%d problems):", len(e.Fields)))
	for _, f := range e.Fields {
		lines = append(lines, "  "+f.Error())
	}
	return strings.Join(lines, "\n")
}

// Keys returns the keys of all invalid values, sorted and without duplicates.
func (e *ValidationError) Keys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, f := range e.Fields {
		if !seen[f.Key] {
			seen[f.Key] = true
			keys = append(keys, f.Key)
		}
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether key, or a key below it (e.g. "services[0].cpu" below "services"), is invalid.
func (e *ValidationError) Has(key string) bool {
	for _, f := range e.Fields {
		if f.Key == key || strings.HasPrefix(f.Key, key+".") || strings.HasPrefix(f.Key, key+"[") {
			return true
		}
	}
	return false
}

// AsValidationError returns the *ValidationError inside err, if any.
func AsValidationError(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}

// problems collects invalid values so that Load can report all of them at once.
type problems struct {
	fields []FieldError
}

func (p *problems) addf(key, format string, args ...any) {
	p.fields = append(p.fields, FieldError{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: p.fields}
}

// decodeStrict unmarshals a JSON config value into dst, rejecting unknown fields so
// that a typo such as "natGateway" is reported instead of silently ignored.
func decodeStrict(raw string, dst any) error {
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

func oneOf(value string, allowed []string) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	return false
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// exactFieldNames walks a decoded JSON value alongside the Go type it will be decoded
// into and reports the first object key that is not a field's exact JSON name, with the
// intended spelling when only the case differs. Types that decode themselves are skipped:
// they call decodeStrict on their own. Shape mismatches are left to the decoder.
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
