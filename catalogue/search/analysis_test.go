package search

import (
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"regie":               "regie",
		"Régie":               "Regie",
		"été":                 "ete",
		"ça":                  "ca",
		"œuvre Œuvre":         "oeuvre OEuvre",
		"æ ß":                 "ae ss",
		"naïf Noël":           "naif Noel",
		"e\u0301te\u0301":     "ete", // decomposed accents
		"l’avance":            "l'avance",
		"Ελλάδα":              "Ελλάδα", // non-Latin letters are kept
		"Ampère 0691234A":     "Ampere 0691234A",
		"dépenses engagées":   "depenses engagees",
		"Saint-Étienne, Lyon": "Saint-Etienne, Lyon",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAnalysisMeets checks that the forms users type reach the same
// indexed terms as the forms written in entries.
func TestAnalysisMeets(t *testing.T) {
	fa, err := loadAnalysis()
	if err != nil {
		t.Fatal(err)
	}
	stems := func(s string) []string {
		var out []string
		for _, qt := range fa.analyzeQuery(s) {
			out = append(out, qt.stem)
		}
		return out
	}
	for _, tc := range []struct{ typed, written string }{
		{"regie", "régies"},
		{"regies", "Régie"},
		{"marche public", "marchés publics"},
		{"marches", "marché"},
		{"bourse", "bourses"},
		{"voyage scolaire", "voyages scolaires"},
		{"college", "collèges"},
		{"lycee", "Lycées"},
		{"depenses", "dépense"},
		{"hebergement", "hébergements"},
		{"ete", "été"},
		{"oeuvre", "œuvres"},
		{"avance", "l'avance"},
		{"avances", "d’avances"},
		{"avance", "jusqu'à l'avance"},
		{"il", "lorsqu'il puisqu'il qu'il"}, // elided stop words vanish
		{"ca", "CA"},
		{"0691234a", "0691234A"},
	} {
		typed, written := stems(tc.typed), stems(tc.written)
		if tc.typed == "il" {
			if len(written) != 0 || len(typed) != 0 {
				t.Errorf("%q → %v, %q → %v: want no terms", tc.typed, typed, tc.written, written)
			}
			continue
		}
		if len(typed) == 0 || len(written) == 0 || typed[len(typed)-1] != written[len(written)-1] {
			t.Errorf("%q → %v does not meet %q → %v", tc.typed, typed, tc.written, written)
		}
	}
}

func TestAnalysisCodes(t *testing.T) {
	fa, err := loadAnalysis()
	if err != nil {
		t.Fatal(err)
	}
	terms := fa.analyzeQuery("UAI 0691234E, compte 4116, GPL-3.0")
	want := map[string]bool{"0691234e": true, "4116": true, "3.0": true}
	for _, qt := range terms {
		if want[qt.exact] {
			if !qt.code || qt.stem != qt.exact {
				t.Errorf("code %q analysed as %+v: want unstemmed code", qt.exact, qt)
			}
			delete(want, qt.exact)
		} else if qt.code {
			t.Errorf("%q taken for a code", qt.exact)
		}
	}
	if len(want) > 0 {
		t.Errorf("codes missing from the analysis: %v (got %+v)", want, terms)
	}
}

func TestFuzziness(t *testing.T) {
	for _, tc := range []struct {
		word string
		want int
	}{
		{"ca", 0}, {"dbm", 0}, {"paie", 0},
		{"regie", 1}, {"bource", 1}, {"internat", 1},
		{"restaurtion", 2}, {"maintenence", 2},
		{"0691234a", 0}, {"4116", 0}, {"cc-by-sa-4.0", 0},
	} {
		if got := fuzziness(queryTerm{exact: tc.word, code: isCode(tc.word)}); got != tc.want {
			t.Errorf("fuzziness(%q) = %d, want %d", tc.word, got, tc.want)
		}
	}
}

func TestWithinEdits(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		k    int
		want bool
	}{
		{"bource", "bourse", 1, true},
		{"bource", "bourses", 1, false},
		{"bource", "bourses", 2, true},
		{"restaurtion", "restauration", 2, true},
		{"abc", "abc", 0, true},
		{"abc", "xyz", 2, false},
		{"", "ab", 2, true},
	} {
		if got := withinEdits(tc.a, tc.b, tc.k); got != tc.want {
			t.Errorf("withinEdits(%q, %q, %d) = %v, want %v", tc.a, tc.b, tc.k, got, tc.want)
		}
	}
}

// TestMemoFilter checks that remembering what the chain made of each
// word changes nothing: the same terms at the same places, whether the
// words were seen before or not, and the dropped stop words.
func TestMemoFilter(t *testing.T) {
	fa, err := loadAnalysis()
	if err != nil {
		t.Fatal(err)
	}
	plain := fa.text.(*analysis.DefaultAnalyzer).TokenFilters[0].(memoFilter).chain
	direct := &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{}, TokenFilters: plain}
	memo := &analysis.DefaultAnalyzer{Tokenizer: wordTokenizer{}, TokenFilters: []analysis.TokenFilter{newMemoFilter(plain...)}}
	g := generator{seed: 3}
	texts := []string{
		"L'acte constitutif de la régie d'avances fixe le montant : 0691234A, compte 4116. Jusqu'à l'été, ça va.",
		"Les bourses des collèges et des lycées ; QU'IL Œuvre à l'intendance " + strings.Repeat("x", 40),
	}
	for i := range 20 {
		texts = append(texts, g.note(i, 2000).Body)
	}
	for round := range 2 { // cold, then every word remembered
		for _, text := range texts {
			want, got := direct.Analyze([]byte(text)), memo.Analyze([]byte(text))
			if len(got) != len(want) {
				t.Fatalf("round %d: %d tokens, want %d", round, len(got), len(want))
			}
			for i := range want {
				if string(got[i].Term) != string(want[i].Term) || got[i].Position != want[i].Position || got[i].Start != want[i].Start {
					t.Fatalf("round %d: token %d = %q at %d, want %q at %d", round, i, got[i].Term, got[i].Position, want[i].Term, want[i].Position)
				}
			}
		}
	}
}
