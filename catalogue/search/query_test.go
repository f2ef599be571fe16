package search

import (
	"errors"
	"slices"
	"testing"
	"time"
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
	if q, _ := (Query{Limit: MaxLimit + 1}).normalize(); q.Limit != MaxLimit {
		t.Errorf("Limit %d, want %d", q.Limit, MaxLimit)
	}
	if _, err := (Query{Sort: "title"}).normalize(); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("unknown sort: %v", err)
	}
}
