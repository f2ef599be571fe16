package search

import (
	"errors"
	"slices"
	"testing"
	"time"
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
	c := &facetCounts{n: make([]int32, 1<<20+1)}
	c.visit("", packed)
	if want := uint64(updated.UnixMilli()) + 1; c.updated != want {
		t.Errorf("update key = %d, want %d", c.updated, want)
	}
	for _, id := range []uint32{0, 1, 63, 64, 4095, 4096, 1 << 20} {
		if c.n[id] != 1 {
			t.Errorf("id %d counted %d times, want 1", id, c.n[id])
		}
	}
	// Numbers beyond the dictionary a search knows are ignored.
	c = &facetCounts{n: make([]int32, 2)}
	c.visit("", packDocValue(time.Time{}, []uint32{1, 5}))
	if !slices.Equal(c.n, []int32{0, 1}) || c.updated != 0 {
		t.Errorf("counts = %v, update key %d", c.n, c.updated)
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
