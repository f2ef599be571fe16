package search

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"
)

// A query over a limit is refused, by Check and by Search alike, with
// an error that names the limit; a query at the limits runs.
func TestQueryOverTheLimitsIsRefused(t *testing.T) {
	ix := openFilled(t, fixtures())
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("ab ", n)) }
	for _, tc := range []struct {
		name string
		q    Query
		want string // in the message; "" for a query that runs
	}{
		{"text at the limit", Query{Text: "b" + strings.Repeat("a", MaxTextBytes-1)}, ""},
		{"text over the limit", Query{Text: "b" + strings.Repeat("a", MaxTextBytes)}, "over the limit of 500 bytes"},
		{"half a million letters", Query{Text: strings.Repeat("a", 500_000)}, "over the limit of 500 bytes"},
		{"words at the limit", Query{Text: words(MaxWords)}, ""},
		{"words over the limit", Query{Text: words(MaxWords + 1)}, "33 words, over the limit of 32"},
		{"words joined by punctuation", Query{Text: strings.Repeat("ab-", MaxWords+1)}, "over the limit of 32"},
		{"tag over the limit", Query{Tag: strings.Repeat("t", MaxFilterBytes+1)}, "tag filter is 201 bytes long"},
		{"limit at the limit", Query{Limit: MaxLimit}, ""},
		{"limit over the limit", Query{Limit: MaxLimit + 1}, "limit 101 is over the limit of 100"},
		{"offset at the limit", Query{Offset: MaxOffset}, ""},
		{"offset over the limit", Query{Offset: MaxOffset + 1}, "offset 10001 is over the limit of 10000"},
		{"offset that would overflow", Query{Offset: int(^uint(0) >> 1), Sort: SortUpdated}, "over the limit of 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tc.q)
			cerr := tc.q.Check()
			if tc.want == "" {
				if err != nil || cerr != nil {
					t.Fatalf("Search: %v; Check: %v; want both to accept it", err, cerr)
				}
				return
			}
			var le *LimitError
			for _, e := range []error{err, cerr} {
				if !errors.Is(e, ErrInvalidQuery) || !errors.As(e, &le) || !strings.Contains(e.Error(), tc.want) {
					t.Errorf("error %v, want an ErrInvalidQuery and a *LimitError saying %q", e, tc.want)
				}
			}
		})
	}
}

// The typo automaton of a word grows with its length (about 70 KB a
// letter: the 500,000 letters of finding 1 asked for 35 GB). Words past
// fuzzyMaxLen letters get none, so that a search for the longest word
// the limits let through allocates little.
func TestLongWordsGetNoTypoAutomaton(t *testing.T) {
	fa, err := loadAnalysis()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		letters int
		fuzzy   bool
	}{
		{fuzzyMaxLen, true},
		{fuzzyMaxLen + 1, false},
		{MaxTextBytes, false},
	} {
		terms := fa.analyzeQuery("b" + strings.Repeat("a", tc.letters-1))
		match, _ := textQuery(terms, modeAllTypos, nil)
		if got := countFuzzy(match); (got > 0) != tc.fuzzy {
			t.Errorf("a word of %d letters makes %d fuzzy clauses, want some: %v", tc.letters, got, tc.fuzzy)
		}
	}

	ix := openFilled(t, fixtures())
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := ix.Search(context.Background(), Query{Text: "b" + strings.Repeat("a", MaxTextBytes-1)}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// 34 MB before the bound; about 1 MB with it. Generous margin.
	if got := after.TotalAlloc - before.TotalAlloc; got > 10<<20 {
		t.Errorf("a search for a word of %d letters allocated %d MB, want under 10 MB", MaxTextBytes, got>>20)
	}
}

func countFuzzy(q query.Query) int {
	switch q := q.(type) {
	case *query.FuzzyQuery:
		return 1
	case *query.DisjunctionQuery:
		n := 0
		for _, d := range q.Disjuncts {
			n += countFuzzy(d)
		}
		return n
	case *query.ConjunctionQuery:
		n := 0
		for _, c := range q.Conjuncts {
			n += countFuzzy(c)
		}
		return n
	}
	return 0
}

// A prefix of the query completes to at most maxCompletions words of
// the index, the most frequent, rather than to every word it starts:
// a short prefix starts thousands in a large catalogue.
func TestPrefixCompletesToABoundedNumberOfWords(t *testing.T) {
	// maxCompletions+40 words start with "prefa"; the last
	// maxCompletions of them are in two entries, the others in one.
	var docs []Doc
	for i := range maxCompletions + 40 {
		docs = append(docs, Doc{ID: fmt.Sprintf("d%03d", i), Kind: "note", Title: fmt.Sprintf("Fiche prefa%03d", i), Updated: day("2026-01-01")})
	}
	for i := 40; i < maxCompletions+40; i++ {
		docs = append(docs, Doc{ID: fmt.Sprintf("e%03d", i), Kind: "note", Title: fmt.Sprintf("Fiche prefa%03d", i), Updated: day("2026-01-01")})
	}
	ix := openFilled(t, docs)
	terms := ix.fa.analyzeQuery("prefa")
	if err := ix.complete(terms); err != nil {
		t.Fatal(err)
	}
	got := terms[0].completions
	if len(got) != maxCompletions || got[0] != "prefa040" || got[len(got)-1] != fmt.Sprintf("prefa%03d", maxCompletions+39) {
		t.Fatalf("completions of prefa: %d, %v…, want the %d most frequent, prefa040 first", len(got), got[:min(3, len(got))], maxCompletions)
	}
	// The search still finds entries through the completions.
	res := search(t, ix, Query{Text: "prefa"})
	if res.Total == 0 {
		t.Errorf("search for prefa found nothing")
	}
}

// A search whose client has gone (its context cancelled) stops and
// says why, in every mode and sort, rather than run to the end.
func TestSearchStopsWhenItsContextEnds(t *testing.T) {
	ix := openFilled(t, fixtures())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, q := range []Query{{Text: "regie"}, {Text: "bource scolaire"}, {Text: "xyzzy plugh"}, {}, {Kind: "note"}, {Text: "regie", Sort: SortUpdated}} {
		if _, err := ix.Search(ctx, q); !errors.Is(err, context.Canceled) {
			t.Errorf("Search(%+v) with its context cancelled: %v, want context.Canceled", q, err)
		}
	}
}

// Shorten brings a text within the limits, cut between characters and
// after a word, so that a form can offer it back.
func TestShorten(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	got := Shorten(long)
	if len(got) > MaxTextBytes || !utf8.ValidString(got) || len(got) != 500 {
		t.Errorf("Shorten(400 é) = %d bytes, valid UTF-8: %v; want 500", len(got), utf8.ValidString(got))
	}
	many := strings.Repeat("mot ", 50)
	if got, want := Shorten(many), strings.TrimSpace(strings.Repeat("mot ", MaxWords)); got != want {
		t.Errorf("Shorten(50 words) = %q, want the first %d", got, MaxWords)
	}
	if err := (Query{Text: Shorten(strings.Repeat("ab ", 1000))}).Check(); err != nil {
		t.Errorf("shortened text refused: %v", err)
	}
	if got := Shorten("régie d'avances"); got != "régie d'avances" {
		t.Errorf("Shorten changed a text within the limits: %q", got)
	}
}
