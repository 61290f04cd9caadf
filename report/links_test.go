package report_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsite/infra/internal/mockengine"
)

var (
	mdLink  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile("(?m)^#{1,6} +(.+?) *$")
)

// slug is GitHub's anchor for a heading: lower case, punctuation other than hyphens and
// underscores dropped, spaces turned into hyphens.
func slug(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// brokenLinks returns the relative links of the Markdown text in file (under root) whose
// file or heading does not exist.
func brokenLinks(root, file, text string) []string {
	var out []string
	for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		path, anchor, _ := strings.Cut(target, "#")
		full := filepath.Join(root, filepath.Dir(file), path)
		if path == "" {
			full = filepath.Join(root, file)
		}
		data, err := os.ReadFile(full)
		if err != nil {
			if st, serr := os.Stat(full); serr == nil && st.IsDir() && anchor == "" {
				continue
			}
			out = append(out, file+": "+target+" (no such file)")
			continue
		}
		if anchor == "" || !strings.HasSuffix(full, ".md") {
			continue
		}
		found := false
		for _, h := range heading.FindAllStringSubmatch(string(data), -1) {
			if slug(strings.Trim(h[1], "`")) == anchor || slug(h[1]) == anchor {
				found = true
			}
		}
		if !found {
			out = append(out, file+": "+target+" (no such heading)")
		}
	}
	return out
}

// TestDocumentLinksResolve: every relative link of every tracked Markdown file names a
// file that exists and, with an anchor, a heading of it.
func TestDocumentLinksResolve(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command("git", "-C", root, "ls-files", "*.md").Output()
	if err != nil {
		t.Fatalf("listing the tracked Markdown files: %v", err)
	}
	files := strings.Fields(string(list))
	if len(files) < 5 {
		t.Fatalf("only %d Markdown files found", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range brokenLinks(root, f, string(data)) {
			t.Error(b)
		}
	}
}

// TestLinkCheckCatchesBrokenLinks: a missing file and a missing heading are reported.
func TestLinkCheckCatchesBrokenLinks(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	text := "[a](../policy/no-such.yaml) [b](operations.md#no-such-heading) [c](operations.md#drift) [d](https://example.com/x)"
	got := brokenLinks(root, "docs/x.md", text)
	if len(got) != 2 || !strings.Contains(got[0], "no-such.yaml") || !strings.Contains(got[1], "no-such-heading") {
		t.Errorf("broken links found: %v; want the missing file and the missing heading", got)
	}
}

// sectionPointer is how code, comments and workflows point into a document:
// `docs/operations.md, "Drift"`, `README ("Stack configuration")`, `README.md, "Tests"`.
var (
	// numbered is a heading's number ("3. "); wrapped is a line break inside a pointer
	// with the comment marker of the next line.
	numbered = regexp.MustCompile(`^[0-9]+\. `)
	wrapped  = regexp.MustCompile(`\s*\n\s*(#|//)?\s*`)
)

var sectionPointer = regexp.MustCompile(`(README(?:\.md)?|docs/[a-z0-9-]+\.md)(?:,| \(| ) ?\\?"([^"\\]+)\\?"`)

// brokenPointers returns the pointers in text whose document has no heading of that name
// (a heading may carry a number, "3. AWS: ...", or more words after the name).
func brokenPointers(root, file, text string) []string {
	var out []string
	for _, m := range sectionPointer.FindAllStringSubmatch(text, -1) {
		doc := m[1]
		if strings.HasPrefix(doc, "README") {
			doc = "README.md"
		}
		data, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			out = append(out, file+": "+m[0]+" (no such document)")
			continue
		}
		found := false
		for _, h := range heading.FindAllStringSubmatch(string(data), -1) {
			title := numbered.ReplaceAllString(strings.Trim(h[1], "`"), "")
			want := wrapped.ReplaceAllString(strings.TrimSpace(m[2]), " ")
			if strings.HasPrefix(title, want) {
				found = true
			}
		}
		if !found {
			out = append(out, file+": "+m[0]+"\" (no such heading in "+doc+")")
		}
	}
	return out
}

// TestSectionPointersResolve: every pointer to a document's section, in any tracked
// source, workflow, stack file or document, names a heading that exists.
func TestSectionPointersResolve(t *testing.T) {
	root, err := mockengine.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command("git", "-C", root, "ls-files", "*.go", "*.md", "*.yml", "*.yaml", "*.sh", ".ci/*").Output()
	if err != nil {
		t.Fatalf("listing the tracked files: %v", err)
	}
	for _, f := range strings.Fields(string(list)) {
		// The link tests and the workflow lint's self-test hold broken pointers on purpose.
		if strings.HasPrefix(f, "docs/stacks/") || strings.HasSuffix(f, "links_test.go") || f == ".ci/lint-workflows" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range brokenPointers(root, f, string(data)) {
			t.Error(b)
		}
	}
	if got := brokenPointers(root, "x", `see docs/operations.md, "No such section" and README ("Tests")`); len(got) != 1 {
		t.Errorf("the pointer check found %v; want the missing section only", got)
	}
}
