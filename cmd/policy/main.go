// Command policy runs the policy suite of package policy, with the committed exceptions
// of policy/exceptions.yaml, on what `pulumi preview` says a stack will hold, and prints
// the results as the Markdown policy section of the stack report.
//
//	pulumi preview --stack prod --json --show-sames > preview.json
//	go run ./cmd/policy --stack prod --preview preview.json
//
// It exits 0 when no rule is violated, 1 when a violation is not covered by an exception,
// and 2 when the preview cannot be read (or the flags are wrong). Resources on which a
// rule could not decide because the preview does not know an input yet are listed as
// unknown; they do not fail the command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ecsite/infra/policy"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack the preview is of (\"prod\", or \"<org>/prod\")")
	preview := fs.String("preview", "", "file holding the output of `pulumi preview --json --show-sames` (\"-\" for standard input)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" || *preview == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "policy: usage: go run ./cmd/policy --stack <stack> --preview <preview.json>")
		return 2
	}
	rep, err := evaluate(*stack, *preview)
	if err != nil {
		fmt.Fprintln(stderr, "policy:", err)
		return 2
	}
	policy.WriteMarkdown(stdout, rep)
	v, u := len(rep.Violations()), len(rep.Unknowns())
	fmt.Fprintf(stderr, "policy: stack %s: %d rules, %d violation(s), %d resource(s) undecided (unknown until the update runs)\n",
		*stack, len(rep.Results), v, u)
	if v > 0 {
		return 1
	}
	return 0
}

func evaluate(stack, path string) (policy.Report, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return policy.Report{}, err
	}
	if len(data) == 0 {
		return policy.Report{}, errors.New(path + " is empty")
	}
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
