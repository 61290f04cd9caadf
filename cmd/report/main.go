// Command report writes the offline review of a stack (resources, security-group graph,
// outputs, policy results, monthly cost) as Markdown, from the committed stack file and
// the program run under Pulumi's mock engine. No AWS account or Pulumi CLI is needed.
//
//	go run ./cmd/report                          # rewrite docs/stacks/<stack>.md for every committed stack,
//	                                             # the deploy policies (bootstrap/policies, docs/ci-setup.md)
//	go run ./cmd/report --stack prod             # print the prod report
//	go run ./cmd/report --stack dev --out x.md   # write it to a file
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ecsite/infra/internal/deploypolicy"
	"github.com/ecsite/infra/internal/mockengine"
	"github.com/ecsite/infra/policy"
	"github.com/ecsite/infra/report"
)

func main() {
	stack := flag.String("stack", "", "stack to report on; empty rewrites the committed report of every stack and the configuration reference")
	out := flag.String("out", "", "file to write the report to; default standard output (with --stack)")
	flag.Parse()
	if err := run(*stack, *out); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(stack, out string) error {
	if stack == "" {
		if out != "" {
			return fmt.Errorf("--out needs --stack")
		}
		root, err := mockengine.RepoRoot()
		if err != nil {
			return err
		}
		// One run per stack feeds its report and, for the fixture stack, the preview the
		// policy tests read (its resources in the format of `pulumi preview --json
		// --show-sames`).
		policies := map[string]string{}
		for _, name := range report.Stacks {
			s, err := report.Run(name)
			if err != nil {
				return err
			}
			// The deploy role's policy, generated from what the stack registers.
			docs, err := deploypolicy.ForRun(s.Mocks)
			if err != nil {
				return fmt.Errorf("stack %s: %w", name, err)
			}
			if policies[name], err = deploypolicy.JSON(docs); err != nil {
				return err
			}
			if err := writeFile(filepath.Join(root, deploypolicy.Path(name)), policies[name]); err != nil {
				return err
			}
			text, err := report.Render(s)
			if err != nil {
				return err
			}
			if err := writeFile(filepath.Join(root, report.Path(name)), text); err != nil {
				return err
			}
			if name == policy.FixtureStack {
				preview, err := policy.PreviewJSON(s.Mocks.Resources())
				if err != nil {
					return err
				}
				if err := writeFile(filepath.Join(root, policy.FixturePath), string(preview)+"\n"); err != nil {
					return err
				}
			}
		}
		guide, err := os.ReadFile(filepath.Join(root, deploypolicy.DocPath))
		if err != nil {
			return err
		}
		updated, err := deploypolicy.ReplaceDocSection(string(guide), deploypolicy.DocSection(report.Stacks, policies))
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(root, deploypolicy.DocPath), updated); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(root, report.PricesPath), report.Prices()); err != nil {
			return err
		}
		review, err := os.ReadFile(filepath.Join(root, policy.RuleTableDoc))
		if err != nil {
			return err
		}
		withRules, err := policy.ReplaceRuleTable(string(review), policy.RuleTable(policy.Rules()))
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(root, policy.RuleTableDoc), withRules); err != nil {
			return err
		}
		text, err := report.Reference()
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(root, report.ReferencePath), text)
	}
	if out == "" {
		text, err := report.Generate(stack)
		if err != nil {
			return err
		}
		_, err = os.Stdout.WriteString(text)
		return err
	}
	return write(stack, out)
}

func write(stack, path string) error {
	text, err := report.Generate(stack)
	if err != nil {
		return err
	}
	return writeFile(path, text)
}

func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", path)
	return nil
}
