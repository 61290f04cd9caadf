package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

func (e FieldError) Error() string { return e.Key + ": " + e.Message }

// ValidationError lists every invalid configuration value found by [Load].
type ValidationError struct {
	Fields []FieldError
}

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
