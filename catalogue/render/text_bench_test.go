package render

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkText converts the beta.gouv.fr corpus to plain text, as
// indexing does for every entry it receives.
func BenchmarkText(b *testing.B) {
	files, _ := filepath.Glob("../testdata/corpus/betagouv-startups/*.md")
	if len(files) == 0 {
		b.Fatal("no corpus files in ../testdata/corpus/betagouv-startups")
	}
	var docs []string
	var size int64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, string(data))
		size += int64(len(data))
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, d := range docs {
			Text(d)
		}
	}
}
