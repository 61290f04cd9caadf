package config

import "github.com/ecsite/infra/internal/check"

// FieldError is one invalid configuration value (see [check.FieldError]).
type FieldError = check.FieldError

// ValidationError lists every invalid configuration value found by [Load] (see
// [check.ValidationError]).
type ValidationError = check.ValidationError

// AsValidationError returns the *ValidationError inside err, if any.
func AsValidationError(err error) (*ValidationError, bool) { return check.AsValidationError(err) }
