package publiccode

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzImport: no input makes Import panic, and a file it accepts
// exports to a file it accepts again, as the same entry.
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.yml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, _, err := Import("fuzz.yml", data)
		if err != nil {
			return
		}
		out, _, err := Export(&e.Entry)
		if err != nil {
			t.Fatalf("export of an accepted file: %v", err)
		}
		again, _, err := Import("exported.yml", out)
		if err != nil {
			t.Fatalf("exported file refused: %v\n%s", err, out)
		}
		if again.Body != e.Body || again.Title() != e.Title() {
			t.Fatalf("round trip changed the entry")
		}
	})
}
