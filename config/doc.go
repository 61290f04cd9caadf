// Package config loads and validates the stack configuration of the web shop.
//
// All project keys are read once, in one typed step, by [Load]. Every value is
// checked before any resource is registered, and every problem is reported
// together: each message names the key (e.g. "network.natGateways"), the bad
// value and what is allowed. Code defaults are the production-safe choice; the
// dev stack opts out explicitly in Pulumi.dev.yaml.
package config
