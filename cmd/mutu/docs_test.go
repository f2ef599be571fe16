package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// markdownBlock matches a fenced ```markdown block of a document.
var markdownBlock = regexp.MustCompile("(?ms)^```markdown\n(.*?)^```$")

// TestDocExamplesPublish publishes, with `mutu publish`, every example
// entry of README.md and docs/*.md (their ```markdown blocks): each is
// accepted without a warning, and shown with the title it was written
// with.
func TestDocExamplesPublish(t *testing.T) {
	root := filepath.Join("..", "..")
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	home := newHome(t)
	dir := t.TempDir()
	found := 0
	for _, doc := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range markdownBlock.FindAllStringSubmatch(string(data), -1) {
			found++
			name := filepath.Join(dir, strings.TrimSuffix(filepath.Base(doc), ".md")+"-"+string(rune('a'+i))+".md")
			if err := os.WriteFile(name, []byte(m[1]), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := mutuIn(t, home, "publish", name)
			if code != 0 || stderr != "" {
				t.Errorf("example %d of %s: exit %d: %s%s", i+1, doc, code, stderr, m[1])
				continue
			}
			id := strings.Fields(stdout)[len(strings.Fields(stdout))-1]
			title := regexp.MustCompile(`(?m)^title: (.*)$`).FindStringSubmatch(m[1])[1]
			if _, shown, _ := mutuIn(t, home, "show", "--json", id); !strings.Contains(shown, `"title": "`+title+`"`) {
				t.Errorf("example %d of %s: shown as:\n%s", i+1, doc, shown)
			}
		}
	}
	if found < 3 {
		t.Errorf("%d examples found in README.md and docs/, want at least 3", found)
	}
}
