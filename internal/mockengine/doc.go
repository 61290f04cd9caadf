// Package mockengine runs the program, or one component, under Pulumi's mock engine and
// records everything it registers. The tests and the offline report (cmd/report) both
// use it, so a report shows exactly what the tests check.
//
// [Mocks] records each resource (type, name, URN, parent, inputs, and options such as
// protect, ignoreChanges, dependsOn and deleteBeforeReplace) and answers with realistic
// outputs (AWS-shaped ids, ARNs, endpoints) so that code downstream sees plausible values.
// [StackConfig] reads a committed Pulumi.<stack>.yaml file the way the Pulumi CLI does
// (the SDK's workspace loader); a `secure:` value arrives as a secret placeholder.
// [RunProgram] runs a whole program with its stack outputs recorded.
package mockengine
