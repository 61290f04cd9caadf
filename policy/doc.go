// Package policy checks the resources a stack registers against security and reliability
// rules, offline, from the recording of the program under the mock engine, or from the
// JSON of `pulumi preview` ([LoadPreview], used by cmd/policy).
//
// Each [Rule] has an id, a severity, a one-line rationale and, where one exists, the AWS
// Security Hub Foundational Security Best Practices (FSBP) control or cdk-nag rule it
// mirrors. Rules never branch on the stack name: where a stack departs from a rule on
// purpose (dev without deletion protection), the departure is an [Exception] in
// exceptions.yaml, with its reason, and the report lists it.
//
// Rules read inputs through [Graph.In]. In a preview some inputs are unknown until the
// update runs; a rule that needs one reports the resource as [Unknown] instead of passing
// or failing on a guess.
package policy
