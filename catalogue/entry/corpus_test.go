package entry

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir holds 660 beta.gouv.fr start-up pages: Markdown with YAML
// front matter, many keys unknown to mutu, no url.
const corpusDir = "../testdata/corpus/betagouv-startups"

// TestCorpus parses every corpus file as a tool, validates it, and
// checks that Parse, Marshal, Parse gives back the same entry.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no corpus files in %s", corpusDir)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, _, err := Parse(name, data, KindTool)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Kind() != KindTool || f.Title() == "" {
				t.Errorf("kind %q, title %q", f.Kind(), f.Title())
			}
			if _, err := f.Validate(name); err != nil {
				t.Errorf("Validate of the parsed entry: %v", err)
			}
			if s := f.Summary(); len([]rune(s)) > MaxSummaryLen {
				t.Errorf("derived summary has %d characters", len([]rune(s)))
			}
			roundTrip(t, f, KindTool)
		})
	}
	t.Logf("%d corpus files", len(files))
}
