package search

import (
	"errors"
	"slices"
	"testing"
)

func TestFacetIDsRoundTrip(t *testing.T) {
	ids := []uint32{0, 1, 63, 64, 4095, 4096, 1 << 20, 1<<32 - 1, 63}
	packed := packFacetIDs(slices.Clone(ids))
	for _, b := range packed {
		if b == 0xff {
			t.Fatalf("packed ids %x hold bleve's doc value separator", packed)
		}
	}
	c := &facetCounts{n: make([]int32, 1<<20+1)}
	c.visit("", packed)
	for _, id := range []uint32{0, 1, 63, 64, 4095, 4096, 1 << 20} {
		if c.n[id] != 1 {
			t.Errorf("id %d counted %d times, want 1", id, c.n[id])
		}
	}
	// Numbers beyond the dictionary a search knows are ignored.
	c = &facetCounts{n: make([]int32, 2)}
	c.visit("", packFacetIDs([]uint32{1, 5}))
	if !slices.Equal(c.n, []int32{0, 1}) {
		t.Errorf("counts = %v", c.n)
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
