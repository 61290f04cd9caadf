// Package report renders the offline review of a stack: it runs the program under the
// mock engine with a committed stack file and writes a deterministic Markdown report of
// what will exist (resources by component with their key settings, the security-group
// graph, the outputs), whether it passes the [policy] suite, and what it will cost per
// month ([cost]). Secret values never appear in it.
//
// The reports of the committed stacks live in docs/stacks/ and a test fails when they
// are stale; `go run ./cmd/report` regenerates them.
package report
