package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTooComplex(t *testing.T) {
	var table strings.Builder
	table.WriteString("| Compte | Libellé | Montant |\n|---|---|--:|\n")
	for i := range 400 {
		fmt.Fprintf(&table, "| 6%04d | **Achats** de _fournitures_ [détail](https://a.fr/%d) | %d,00 |\n", i, i, i*7)
	}
	var links strings.Builder
	for i := range 500 {
		fmt.Fprintf(&links, "- [Établissement n° %d](https://annuaire.education.gouv.fr/etab/%d) `code`\n", i, i)
	}
	var paragraphs strings.Builder
	for range 2000 {
		paragraphs.WriteString("Un *paragraphe* avec un [lien](https://a.fr) et du `code`.\n\n")
	}
	tests := []struct {
		name string
		md   string
		want bool
	}{
		{"empty", "", false},
		{"400-row table", table.String(), false},
		{"500-link tight list", links.String(), false},
		{"2000 paragraphs", paragraphs.String(), false},
		{"quote nested 32 deep", strings.Repeat("> ", 32) + "x", false},
		{"list nested by indentation", "- a\n  - b\n    - c\n      - d\n", false},
		{"quote nested 33 deep", strings.Repeat("> ", 33) + "x", true},
		{"quotes without spaces", strings.Repeat(">", 100_000), true},
		{"ordered lists on one line", strings.Repeat("1. ", 50_000), true},
		{"bullets on one line", strings.Repeat("- ", 50_000), true},
		{"unclosed links", strings.Repeat("[a](", 50_000), true},
		{"unclosed links over lines", strings.Repeat("[a](\n", 50_000), true},
		{"code span openers", strings.Repeat("\\``", 50_000), true},
		{"reference definitions", strings.Repeat("[a]: b\n", 50_000), true},
		{"emphasis openers", strings.Repeat("a*", 100_000), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tooComplex(tt.md); got != tt.want {
				t.Fatalf("tooComplex = %v, want %v", got, tt.want)
			}
			out, err := HTML(tt.md)
			if err != nil {
				t.Fatalf("HTML: %v", err)
			}
			if pre := strings.HasPrefix(string(out), "<pre>"); pre != tt.want {
				t.Errorf("HTML shown as preformatted text: %v, want %v", pre, tt.want)
			}
			if err := checkSafe(string(out)); err != nil {
				t.Errorf("unsafe output: %v", err)
			}
		})
	}
}

func TestTooComplexKeepsGoldenDocuments(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.md"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if tooComplex(string(b)) {
			t.Errorf("%s is taken for a pathological document", p)
		}
	}
}

func TestComplexFallbackIsEscaped(t *testing.T) {
	md := strings.Repeat("> ", 40) + "<script>alert(1)</script> & [x](javascript:alert(1))"
	out, err := HTML(md)
	if err != nil {
		t.Fatal(err)
	}
	want := "<pre>" + strings.Repeat("&gt; ", 40) + "&lt;script&gt;alert(1)&lt;/script&gt; &amp; [x](javascript:alert(1))</pre>\n"
	if string(out) != want {
		t.Errorf("HTML = %q\nwant   %q", out, want)
	}
	if got := PlainText(md); got != md {
		t.Errorf("PlainText changed the text of a pathological document")
	}
	if got := FirstParagraph("> > x\n\n" + md); got != "> > x" {
		t.Errorf("FirstParagraph = %q", got)
	}
}

// BenchmarkHTMLWorstAdmitted renders inputs just inside the bounds of
// tooComplex, to show what one body can cost at most.
func BenchmarkHTMLWorstAdmitted(b *testing.B) {
	cases := map[string]string{
		"unclosed links": admitted("[a]("),
		"code spans":     admitted("\\``"),
		"nested quotes":  strings.Repeat(strings.Repeat("> ", maxLineNesting)+"x\n", 500),
		"paragraphs":     strings.Repeat("Un *mot* [lien](https://a.fr).\n\n", 16_000),
	}
	for name, md := range cases {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(md)))
			for b.Loop() {
				if _, err := HTML(md); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// admitted returns the largest repetition of pat that tooComplex lets
// through.
func admitted(pat string) string {
	lo, hi := 1, 1<<20/len(pat)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if tooComplex(strings.Repeat(pat, mid)) {
			hi = mid - 1
		} else {
			lo = mid
		}
	}
	return strings.Repeat(pat, lo)
}
