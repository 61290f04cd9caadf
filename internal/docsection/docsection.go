// Package docsection replaces the generated part of a hand-written document: the text
// between two marker lines, which a generator rewrites and a test checks.
package docsection

import (
	"fmt"
	"strings"
)

// Replace returns doc with the text from start to end (both markers included) replaced by
// section, which must begin with start and finish with end. It fails when the markers are
// missing or out of order.
func Replace(doc, start, end, section string) (string, error) {
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("the markers %q and %q are missing", start, end)
	}
	return doc[:i] + section + doc[j+len(end):], nil
}
