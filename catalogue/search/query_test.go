package search

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

func TestFallbacks(t *testing.T) {
	fa, err := loadAnalysis()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want []textMode
	}{
		{"ca", []textMode{modeAll}},                   // too short for typos
		{"0691234A", []textMode{modeAll}},             // a code
		{"bource", []textMode{modeAll, modeAllTypos}}, // one word: no "all but one"
		{"ca dbm", []textMode{modeAll, modeAnyTypos}}, // short words
		{"regie avances", []textMode{modeAll, modeAllTypos, modeAnyTypos}},
		{"paie 4116", []textMode{modeAll, modeAllTypos, modeAnyTypos}}, // "paie" may be a prefix
		{"paie", []textMode{modeAll, modeAllTypos}},
	} {
		if got := fallbacks(fa.analyzeQuery(tc.text)); !slices.Equal(got, tc.want) {
			t.Errorf("fallbacks(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestQueryNormalize(t *testing.T) {
	q, err := Query{}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	if q.Sort != SortRelevance || q.Limit != DefaultLimit || q.Now.IsZero() || time.Since(q.Now) > time.Minute {
		t.Errorf("defaults: %+v", q)
	}
	if _, err := (Query{Sort: "title"}).normalize(); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("unknown sort: %v", err)
	}
}

// The facet searcher's boosted scores are those of bleve's boolean query
// with the boost as its optional part: same hits, same order, same
// scores, whatever the mode, whether the boost steps or skips.
func TestBoostMatchesBooleanQuery(t *testing.T) {
	ix := openFilled(t, append(loadNotes(t), loadBetagouv(t)...))
	defer func(v float64) { boostStepWithin = v }(boostStepWithin)
	for _, step := range []float64{boostStepWithin, 0, math.Inf(1)} {
		boostStepWithin = step
		checkBoostMatchesBooleanQuery(t, ix)
	}
}

func checkBoostMatchesBooleanQuery(t *testing.T, ix *Index) {
	t.Helper()
	ctx := context.Background()
	for _, text := range []string{"ma cantine", "bourses", "regie d'avances", "voyage scolaire ca", "bource", "marches publics", "fond de roulement", "logiciel libre education"} {
		terms := ix.fa.analyzeQuery(text)
		if err := ix.complete(terms); err != nil {
			t.Fatal(err)
		}
		for _, mode := range fallbacks(terms) {
			match, boost := textQuery(terms, mode, nil)
			got, _, err := ix.run(ctx, Query{Limit: 50}, match, boost, SortRelevance)
			if err != nil {
				t.Fatal(err)
			}
			req := bleve.NewSearchRequestOptions(query.NewBooleanQuery([]query.Query{match}, []query.Query{boost}, nil), 50, 0, false)
			want, err := ix.idx.SearchInContext(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want.Total || len(got.Hits) != len(want.Hits) {
				t.Fatalf("%q mode %d: %d hits of %d, want %d of %d", text, mode, len(got.Hits), got.Total, len(want.Hits), want.Total)
			}
			for i, h := range got.Hits {
				w := want.Hits[i]
				if h.ID != w.ID || math.Abs(h.Score-w.Score) > 1e-9*w.Score {
					t.Errorf("step within %g, %q mode %d: hit %d is %s (%g), want %s (%g)", boostStepWithin, text, mode, i, h.ID, h.Score, w.ID, w.Score)
					break
				}
			}
		}
	}
}
