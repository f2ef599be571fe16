package search

import (
	"slices"
	"testing"

	index "github.com/blevesearch/bleve_index_api"
)

func TestLatestKeepsTheBest(t *testing.T) {
	l := newLatest(3)
	id := make(index.IndexInternalID, 1)
	for i, m := range []struct {
		updated uint64
		score   float64
	}{{5, 1}, {9, 1}, {0, 7}, {9, 2}, {3, 1}, {9, 2}, {7, 1}} {
		id[0] = byte(i) // bleve reuses the buffer: latest must copy it
		l.offer(m.updated, m.score, id)
	}
	l.rank()
	var got []byte
	for _, h := range l.hits {
		got = append(got, h.id[0])
	}
	// Latest first, then the better score, then the earlier match.
	if want := []byte{3, 5, 1}; !slices.Equal(got, want) {
		t.Errorf("kept matches %v, want %v", got, want)
	}

	none := newLatest(0)
	none.offer(1, 1, id)
	if len(none.hits) != 0 {
		t.Errorf("k = 0 kept %d matches", len(none.hits))
	}
}
