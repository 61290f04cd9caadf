// Package check holds what every settings check shares: the list of problems a stack's
// configuration has (each naming its key, the value and what is allowed), strict JSON
// decoding that reports unknown or mis-cased field names, and the small value checks
// (one-of, CloudWatch Logs retention) that several components apply to their settings.
//
// It is a leaf package: component packages and config both import it, it imports neither.
package check
