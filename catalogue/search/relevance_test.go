package search

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// minPrecisionAt3 is the share of relevance queries whose expected
// entries must all be in the top 3.
const minPrecisionAt3 = 0.90

// docsOf adapts a slice to Rebuild's iterator.
func docsOf(docs []Doc) func(yield func(Doc) error) error {
	return func(yield func(Doc) error) error {
		for _, d := range docs {
			if err := yield(d); err != nil {
				return err
			}
		}
		return nil
	}
}

// openFilled returns an in-memory index holding docs.
func openFilled(t testing.TB, docs []Doc) *Index {
	t.Helper()
	ix, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if err := ix.Rebuild(context.Background(), docsOf(docs), 1, nil); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestRelevance(t *testing.T) {
	t.Parallel()
	notes, tools := loadNotes(t), loadBetagouv(t)
	if len(notes) < 30 || len(tools) != 660 {
		t.Fatalf("relevance set has %d notes and %d tools, want ≥ 30 and 660", len(notes), len(tools))
	}
	docs := append(notes, tools...)
	ids := map[string]bool{}
	for _, d := range docs {
		if ids[d.ID] {
			t.Fatalf("duplicate ID %s in the relevance set", d.ID)
		}
		ids[d.ID] = true
	}
	ix := openFilled(t, docs)

	queries := loadQueries(t)
	if len(queries) < 40 {
		t.Fatalf("%d relevance queries, want ≥ 40", len(queries))
	}
	ok := 0
	var slowest time.Duration
	for _, q := range queries {
		for _, id := range q.want {
			if !ids[id] {
				t.Fatalf("queries.txt:%d: %s is not in the relevance set", q.line, id)
			}
		}
		res, err := ix.Search(context.Background(), Query{Text: q.text, Limit: 3})
		if err != nil {
			t.Fatalf("queries.txt:%d: %q: %v", q.line, q.text, err)
		}
		slowest = max(slowest, res.Took)
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.ID)
		}
		missing := slices.DeleteFunc(slices.Clone(q.want), func(id string) bool { return slices.Contains(got, id) })
		if len(missing) == 0 {
			ok++
			continue
		}
		t.Logf("MISS queries.txt:%d %q: want %s, top 3: %s", q.line, q.text,
			strings.Join(q.want, " "), strings.Join(got, " "))
	}
	p := float64(ok) / float64(len(queries))
	t.Logf("precision@3 = %d/%d = %.1f%% over %d entries (slowest query %v)", ok, len(queries), 100*p, len(docs), slowest)
	if p < minPrecisionAt3 {
		t.Errorf("precision@3 %.1f%% is under %.0f%%", 100*p, 100*minPrecisionAt3)
	}
}
