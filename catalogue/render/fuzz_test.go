package render

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRender checks that no input makes HTML produce unsafe output,
// and that nothing panics.
func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.md"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "| a |\n|---|\n| b |",
		"- [x] a", "<https://a.fr>", "![a](data:image/png;base64,AA)", "&#0; &#xD800; \x00",
		"![a](plan.png) [b](/api/v1/status) ![c](http://127.1/api) [d](/entree/x/retirer)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		out, err := HTML(md, testAttachments...)
		if err != nil {
			return // only too large, which the corpus does not reach
		}
		if err := checkSafe(string(out)); err != nil {
			t.Fatalf("unsafe output for %q: %v\n%s", md, err, out)
		}
		_ = PlainText(md)
		_ = FirstParagraph(md)
	})
}
