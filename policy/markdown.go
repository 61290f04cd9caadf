package policy

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the results of a report as the "Policy" section of the stack
// report: a table of every rule, then the violations, the resources the rules could not
// decide on (only from a preview), the exceptions applied and those that matched nothing.
func WriteMarkdown(out io.Writer, rep Report) {
	line := func(format string, args ...any) {
		fmt.Fprintf(out, format, args...)
		fmt.Fprintln(out)
	}
	line("## Policy")
	line("")
	line("| rule | severity | result | resources checked | mirrors |")
	line("|---|---|---|---|---|")
	for _, r := range rep.Results {
		line("| %s | %s | %s | %d | %s |", r.Rule.ID, r.Rule.Severity, r.Status(), r.Checked, cell(r.Rule.Mirrors))
	}
	line("")
	if v := rep.Violations(); len(v) > 0 {
		line("### Violations")
		line("")
		for _, f := range v {
			line("- **%s** `%s` (%s): %s", f.Rule, f.Name, shortType(f.Type), f.Message)
		}
		line("")
	}
	if u := rep.Unknowns(); len(u) > 0 {
		line("### Unknown until the update runs")
		line("")
		line("These inputs depend on outputs the preview does not know yet, so the rule could not decide on these resources: not a pass, not a violation.")
		line("")
		for _, e := range u {
			fields := make([]string, len(e.Fields))
			for i, f := range e.Fields {
				fields[i] = "`" + f + "`"
			}
			text := fmt.Sprintf("- **%s** `%s` (%s): unknown %s", e.Rule, e.Name, shortType(e.Type), strings.Join(fields, ", "))
			if len(e.Findings) > 0 {
				text += "; taking the unknown values as absent, the rule would report: " + strings.Join(e.Findings, "; ")
			}
			line("%s", text)
		}
		line("")
	}
	var excepted []string
	for _, r := range rep.Results {
		for _, e := range r.Excepted {
			excepted = append(excepted, fmt.Sprintf("- **%s** `%s`: %s. Reason: %s", e.Rule, e.Name, e.Message, strings.TrimSpace(e.Reason)))
		}
	}
	if len(excepted) > 0 {
		line("### Exceptions applied (policy/exceptions.yaml)")
		line("")
		for _, e := range excepted {
			line("%s", e)
		}
		line("")
	}
	if len(rep.Unused) > 0 {
		line("### Exceptions for this stack that matched nothing")
		line("")
		for _, e := range rep.Unused {
			line("- **%s**: %s", e.Rule, strings.TrimSpace(e.Reason))
		}
		line("")
	}
}

// cell escapes a value for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}

func shortType(t string) string { return strings.TrimPrefix(t, "aws:") }
