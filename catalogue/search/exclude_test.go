package search

import (
	"slices"
	"testing"
)

// Entries excluded are absent from hits, totals, facets and pages, for
// every kind of search: words, filters, neither, either order.
func TestExcludedEntriesCountNowhere(t *testing.T) {
	ix := openFilled(t, fixtures())
	exclude := []string{"n-regie", "n-uai-a"}
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"all, by update", Query{Sort: SortUpdated}, []string{"n-bourses", "n-marches", "n-uai-b", "s-voyages", "t-regies"}},
		{"words", Query{Text: "regie"}, []string{"t-regies"}},
		{"words, by update", Query{Text: "regie", Sort: SortUpdated}, []string{"t-regies"}},
		{"filter", Query{Category: "regies"}, []string{"t-regies"}},
		{"typo fallback", Query{Text: "agence comptable"}, []string{"n-uai-b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Exclude = exclude
			res := search(t, ix, q)
			if got := sorted(ids(res)); !slices.Equal(got, tc.want) {
				t.Errorf("hits %v, want %v", got, tc.want)
			}
			if res.Total != uint64(len(tc.want)) {
				t.Errorf("Total = %d, want %d", res.Total, len(tc.want))
			}
			for _, f := range res.Facets[facetCategory] {
				if f.Value == "regies" && f.Count != 1 && tc.name != "words" {
					t.Errorf("facet regies counts %d, want 1 (the excluded note counted)", f.Count)
				}
			}
		})
	}
	// Pages: the second page of one hit each starts after the first,
	// with no excluded entry among them.
	var seen []string
	for off := 0; off < 6; off++ {
		res := search(t, ix, Query{Sort: SortUpdated, Offset: off, Limit: 1, Exclude: exclude})
		if res.Total != 5 {
			t.Fatalf("page %d: Total = %d, want 5", off, res.Total)
		}
		seen = append(seen, ids(res)...)
	}
	if len(seen) != 5 || slices.Contains(seen, "n-regie") || slices.Contains(seen, "n-uai-a") {
		t.Fatalf("pages gave %v", seen)
	}
}
