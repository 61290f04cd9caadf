// Package pulumitest runs the program, or one component, under Pulumi's mock engine
// and records everything it registers.
//
// [Mocks] records each resource (type, name, URN, parent, inputs, and options such as
// protect, ignoreChanges, dependsOn and deleteBeforeReplace) and answers with realistic
// outputs (AWS-shaped ids, ARNs, endpoints) so that code downstream sees plausible values.
// [StackConfig] reads a committed Pulumi.<stack>.yaml file itself, so tests exercise the
// real stack files rather than copies of their values.
//
// It is the one shared test double of the repository; every package's tests use it.
package pulumitest
