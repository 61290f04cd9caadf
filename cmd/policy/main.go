// Command policy runs the policy suite of package policy, with the committed exceptions
// of policy/exceptions.yaml, on what `pulumi preview` says a stack will hold, and prints
// the results as the Markdown policy section of the stack report.
//
//	pulumi preview --stack prod --json --show-sames > preview.json
//	go build -o policy ./cmd/policy && ./policy --stack prod --preview preview.json --changes changes.md
//
// Build it and run the binary: `go run` reports every non-zero exit status of the
// program as 1, so a workflow could not tell an unreadable preview from a violation.
// --changes also writes the preview's changes as Markdown (a count per operation and one
// row per resource that changes, with the properties that differ), so that one preview
// serves both the pull-request comment and the policy suite.
//
// It exits 0 when the gate passes (policy.Report.Gate), 1 when a violation or a resource
// on which a rule could not decide (because the preview does not know an input yet) is not
// covered by an exception, and 2 when the preview cannot be read (or the flags are wrong).
// The Markdown lists both, each with its rule and resource.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/ecsite/infra/policy"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack the preview is of (\"prod\", or \"<org>/prod\")")
	preview := fs.String("preview", "", "file holding the output of `pulumi preview --json --show-sames` (\"-\" for standard input)")
	changes := fs.String("changes", "", "optional: file to write the preview's changes to, as Markdown")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" || *preview == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "policy: usage: go run ./cmd/policy --stack <stack> --preview <preview.json>")
		return 2
	}
	data, err := read(*preview)
	if err != nil {
		fmt.Fprintln(stderr, "policy:", err)
		return 2
	}
	rep, err := evaluate(*stack, *preview, data)
	if err != nil {
		fmt.Fprintln(stderr, "policy:", err)
		return 2
	}
	if *changes != "" {
		if err := writeChanges(*changes, *stack, data); err != nil {
			fmt.Fprintln(stderr, "policy:", err)
			return 2
		}
	}
	policy.WriteMarkdown(stdout, rep)
	passed, summary := rep.Gate()
	fmt.Fprintln(stderr, "policy:", summary)
	if !passed {
		return 1
	}
	return 0
}

func read(path string) ([]byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, errors.New(path + " is empty")
	}
	return data, nil
}

func evaluate(stack, path string, data []byte) (policy.Report, error) {
	g, err := policy.LoadPreview(data, stack)
	if err != nil {
		return policy.Report{}, fmt.Errorf("%s: %w", path, err)
	}
	exc, err := policy.Exceptions()
	if err != nil {
		return policy.Report{}, err
	}
	return policy.EvaluateGraph(g, policy.Rules(), exc), nil
}

// step is the part of a `pulumi preview --json` step the change summary shows.
type step struct {
	Op    string   `json:"op"`
	URN   string   `json:"urn"`
	Diffs []string `json:"diffs"`
}

// writeChanges writes the preview's changes as Markdown: the count of each operation,
// then a row per step that is not "same" (reads included: they show what the program
// looked up).
func writeChanges(path, stack string, data []byte) error {
	var d struct {
		Steps         []step         `json:"steps"`
		ChangeSummary map[string]int `json:"changeSummary"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#### Changes `pulumi preview` proposes for `%s`\n\n", stack)
	ops := make([]string, 0, len(d.ChangeSummary))
	for op := range d.ChangeSummary {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		fmt.Fprintf(&b, "- %s: %d\n", op, d.ChangeSummary[op])
	}
	rows := 0
	for _, s := range d.Steps {
		if s.Op == "same" {
			continue
		}
		if rows == 0 {
			b.WriteString("\n| operation | type | name | properties that differ |\n|---|---|---|---|\n")
		}
		rows++
		urn := resource.URN(s.URN)
		typ, name := urn.Type(), urn.Name()
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", s.Op, typ, name, strings.Join(s.Diffs, ", "))
	}
	if rows == 0 {
		b.WriteString("\nNo resource changes.\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
