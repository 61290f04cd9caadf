package check

import (
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

// Error returns "key: message".
func (e FieldError) Error() string { return e.Key + ": " + e.Message }

// ValidationError lists every invalid configuration value of a stack.
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

// Problems collects invalid values so that a stack reports all of them at once. A
// Problems made by [Problems.Under] shares its list with its parent and prefixes every
// key it records, so a settings check names its fields relative to its own config key:
//
//	p := check.NewProblems()
//	net := p.Under("network")
//	net.Addf("natGateways", "%q is not allowed", v) // key "network.natGateways"
type Problems struct {
	prefix string
	list   *[]FieldError
}

// NewProblems returns an empty list at the root of the configuration.
func NewProblems() *Problems { return &Problems{list: &[]FieldError{}} }

// Key returns the full key of field below p: "" is p's own key, "[2]" an element of it,
// anything else a field ("vpcCidr" under "network" is "network.vpcCidr").
func (p *Problems) Key(field string) string {
	switch {
	case p.prefix == "":
		return field
	case field == "":
		return p.prefix
	case strings.HasPrefix(field, "["):
		return p.prefix + field
	default:
		return p.prefix + "." + field
	}
}

// Under returns a view of the same list whose keys are below field.
func (p *Problems) Under(field string) *Problems {
	return &Problems{prefix: p.Key(field), list: p.list}
}

// Addf records a problem with field (relative to p, see [Problems.Key]).
func (p *Problems) Addf(field, format string, args ...any) {
	*p.list = append(*p.list, FieldError{Key: p.Key(field), Message: fmt.Sprintf(format, args...)})
}

// Fields returns every problem recorded so far, under any prefix, in order.
func (p *Problems) Fields() []FieldError { return append([]FieldError(nil), *p.list...) }

// Err returns a *ValidationError listing every problem, or nil when there is none.
func (p *Problems) Err() error {
	if len(*p.list) == 0 {
		return nil
	}
	return &ValidationError{Fields: p.Fields()}
}
