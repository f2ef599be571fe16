package search

import (
	"fmt"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

func TestWordTokenizer(t *testing.T) {
	for text, want := range map[string]string{
		"Régie d'avances : l’avance":      "Régie d'avances l’avance",
		"UAI 0691234A, compte 4116.":      "UAI 0691234A compte 4116",
		"3,5 % de 1.000 € ; 4.0":          "3,5 de 1.000 4.0",
		"demi-pension, beta.gouv.fr":      "demi pension beta.gouv.fr",
		"élu·es aujourd'hui 40\u202f000":  "élu·es aujourd'hui 40 000",
		"fin. Début":                      "fin Début",
		"l'":                              "l",
		"e\u0301te\u0301 régis\u00ADseur": "e\u0301te\u0301 régis\u00ADseur",
		"snake_case _x _":                 "snake_case _x _",
		"漢字かなカタカナ":                        "漢 字 か な カタカナ",
		"":                                "",
	} {
		var got []string
		for _, tok := range (wordTokenizer{}).Tokenize([]byte(text)) {
			got = append(got, string(tok.Term))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("Tokenize(%q) = %q, want %q", text, got, strings.Fields(want))
		}
	}
}

func tokens(tz analysis.Tokenizer, text string) []string {
	var out []string
	for _, tok := range tz.Tokenize([]byte(text)) {
		out = append(out, fmt.Sprintf("%s@%d-%d#%d", tok.Term, tok.Start, tok.End, tok.Position))
	}
	return out
}

// TestWordTokenizerMatchesUnicode checks the tokenizer against bleve's
// unicode tokenizer, which implements UAX #29 in full, on real text:
// same terms, offsets and positions.
func TestWordTokenizerMatchesUnicode(t *testing.T) {
	t.Parallel()
	docs := append(loadNotes(t), loadBetagouv(t)...)
	docs = append(docs, Doc{ID: "edge cases", Body: strings.Join([]string{
		"漢字かな", "カタカナ", "snake_case _x _", "e\u0301te\u0301 régis\u00ADseur",
		"élu·es aujourd'hui 40\u202f000", "3,5 % de 1.000 € ; 4.0", "a:b", "4:5",
		"x.y.z", "1'000", "l'", "'a'", "__init__", "é_1", "😀 👍🏽 test", "Ελλάδα αβγ",
		"مرحبا", "Привет мир", "a\u200db", "a\u200bb", "ﬁnance",
	}, " | ")})
	ref := unicode.NewUnicodeTokenizer()
	n := 0
	for _, d := range docs {
		for _, text := range []string{d.Title, d.Summary, d.Body, d.Extra} {
			got, want := tokens(wordTokenizer{}, text), tokens(ref, text)
			n += len(want)
			if strings.Join(got, " ") == strings.Join(want, " ") {
				continue
			}
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("%s: token %d: got %q, bleve's unicode tokenizer %q", d.ID, i, got[i], want[i])
				}
			}
			t.Fatalf("%s: %d tokens, bleve's unicode tokenizer %d", d.ID, len(got), len(want))
		}
	}
	t.Logf("%d tokens alike over %d entries", n, len(docs))
}

func BenchmarkTokenizer(b *testing.B) {
	text := []byte(generator{seed: 1}.note(1, benchBodySize).Body)
	for _, tc := range []struct {
		name string
		tz   analysis.Tokenizer
	}{{"word", wordTokenizer{}}, {"unicode", unicode.NewUnicodeTokenizer()}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				tc.tz.Tokenize(text)
			}
		})
	}
}
