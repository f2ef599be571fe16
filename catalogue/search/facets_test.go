package search

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

func TestPackedDocValueRoundTrip(t *testing.T) {
	ids := []uint32{0, 1, 63, 64, 4095, 4096, 1 << 20, 1<<32 - 1, 63}
	updated := time.Date(2026, 11, 23, 18, 30, 0, 123e6, time.UTC)
	packed := packDocValue(updated, slices.Clone(ids))
	for _, b := range packed {
		if b == 0xff {
			t.Fatalf("packed doc value %x holds bleve's doc value separator", packed)
		}
	}
	var got []uint64
	decodePacked(packed, func(n uint64) { got = append(got, n) })
	want := []uint64{uint64(updated.UnixMilli()) + 1, 0, 1, 63, 64, 4095, 4096, 1 << 20, 1<<32 - 1}
	if !slices.Equal(got, want) {
		t.Errorf("decoded %v, want %v", got, want)
	}
	// Numbers beyond the dictionary a search knows are ignored.
	c := &facetCounts{n: make([]int32, 2)}
	c.add([]uint32{1, 5})
	if !slices.Equal(c.n, []int32{0, 1}) {
		t.Errorf("counts = %v", c.n)
	}
	// Dates without a time and before 1970 sort last.
	for _, d := range []time.Time{{}, time.Date(1969, 7, 21, 2, 56, 0, 0, time.UTC)} {
		if k := updateKey(d); k != 0 {
			t.Errorf("updateKey(%v) = %d, want 0", d, k)
		}
	}
	if updateKey(time.Unix(0, 0)) != 1 {
		t.Error("updateKey(1970) is not 1")
	}
}

func TestFacetDictEncoding(t *testing.T) {
	d := newFacetDict(nil)
	for _, term := range []string{"kind:note", "tags:régie", "kind:note", "academie:aix-marseille", ""} {
		d.id(term)
	}
	if !d.unsaved() {
		t.Error("new terms not reported unsaved")
	}
	got, err := decodeFacetDict(d.encode())
	if err != nil || !slices.Equal(got, []string{"kind:note", "tags:régie", "academie:aix-marseille", ""}) {
		t.Errorf("decode(encode) = %q, %v", got, err)
	}
	if got, err := decodeFacetDict(nil); err != nil || got != nil {
		t.Errorf("decode(nil) = %q, %v", got, err)
	}
	for _, bad := range [][]byte{{5}, {1, 9, 'a'}, {1, 1, 'a', 'b'}, {0xff}} {
		if _, err := decodeFacetDict(bad); !errors.Is(err, errFacetDict) {
			t.Errorf("decode(%x) = %v, want errFacetDict", bad, err)
		}
	}
	// Searches see only what was published.
	if n := len(d.view()); n != 0 {
		t.Errorf("view before publish has %d terms", n)
	}
	d.publish()
	if n := len(d.view()); n != 4 {
		t.Errorf("view after publish has %d terms, want 4", n)
	}
}

// Facets and the order by update read each entry's values from the
// segment that holds it: entries written one batch at a time, then
// edited and removed, land in several segments, some with deleted
// documents.
func TestFacetsAcrossSegments(t *testing.T) {
	ix, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := fixtures()
	// n-regie shares its segment with n-bourses: editing it leaves a
	// deleted document among live ones, still numbered.
	batches := [][]Doc{docs[:2]}
	for _, d := range docs[2:] {
		batches = append(batches, []Doc{d})
	}
	for i, b := range batches {
		if err := ix.Apply(b, nil, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	search(t, ix, Query{}) // the cache now holds the segments so far
	edited := docs[0]      // n-regie moves to the trips and becomes the latest
	edited.Category, edited.Updated = "voyages-sorties", day("2026-07-01")
	if err := ix.Apply([]Doc{edited}, []string{"n-marches"}, 100); err != nil {
		t.Fatal(err)
	}

	all := search(t, ix, Query{Limit: 20})
	want := []string{"n-regie", "t-regies", "n-bourses", "n-uai-b", "n-uai-a", "s-voyages"}
	if got := ids(all); !slices.Equal(got, want) {
		t.Errorf("listing = %v, want %v", got, want)
	}
	wantCat := map[string]int{"regies": 1, "bourses-aides": 1, "voyages-sorties": 2}
	if got := facet(all, "category"); !mapsEqual(got, wantCat) {
		t.Errorf("category facet = %v, want %v", got, wantCat)
	}
	res := search(t, ix, Query{Text: "voyage"})
	if got, want := facet(res, "category"), map[string]int{"voyages-sorties": 2}; !mapsEqual(got, want) {
		t.Errorf("category facet of voyage = %v, want %v", got, want)
	}

	// The cache holds the segments of the latest snapshot, no more.
	adv, err := ix.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	segs := r.(*scorch.IndexSnapshot).Segments()
	if len(segs) < 2 {
		t.Fatalf("%d segments: the test needs several", len(segs))
	}
	ix.values.mu.Lock()
	defer ix.values.mu.Unlock()
	if len(ix.values.segs) != len(segs) {
		t.Errorf("cache holds %d segments, the index %d", len(ix.values.segs), len(segs))
	}
	for _, ss := range segs {
		if ix.values.segs[ss.Segment()] == nil {
			t.Errorf("segment %d not in the cache", ss.Id())
		}
	}
}
