package search

import (
	"bytes"
	"container/heap"
	"slices"

	index "github.com/blevesearch/bleve_index_api"
)

// latest keeps the k most recently updated matches of a search sorted by
// update. bleve's own sort on a date field decodes, for every match, the
// prefix-coded terms of the date; the update key read here comes with
// the facet numbers, in the one doc value every search reads anyway (see
// facets.go), which makes listing a whole catalogue several times faster.
//
// Matches rank by update key, then score, then index order, all
// descending but the last.
type latest struct {
	k    int
	hits latestHeap // the k best so far, worst first; best first once resolved
}

type latestHit struct {
	updated uint64
	score   float64
	id      index.IndexInternalID // owned copy
	ext     string                // external ID, once resolved
}

func newLatest(k int) *latest {
	return &latest{k: k, hits: make(latestHeap, 0, min(k, 1024))}
}

// better reports whether a ranks before b.
func (a *latestHit) better(b *latestHit) bool {
	if a.updated != b.updated {
		return a.updated > b.updated
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return bytes.Compare(a.id, b.id) < 0
}

// offer considers one match. id is copied if kept: bleve reuses it.
func (l *latest) offer(updated uint64, score float64, id index.IndexInternalID) {
	if l.k <= 0 {
		return
	}
	h := latestHit{updated: updated, score: score, id: id}
	if len(l.hits) < l.k {
		h.id = bytes.Clone(id)
		heap.Push(&l.hits, h)
		return
	}
	worst := &l.hits[0]
	if !h.better(worst) {
		return
	}
	worst.updated, worst.score, worst.id = updated, score, append(worst.id[:0], id...)
	heap.Fix(&l.hits, 0)
}

// resolve sorts the kept matches best first and looks up their
// external IDs in r, the reader of the search that found them.
func (l *latest) resolve(r index.IndexReader) error {
	l.rank()
	for i := range l.hits {
		ext, err := r.ExternalID(l.hits[i].id)
		if err != nil {
			return err
		}
		l.hits[i].ext = ext
	}
	return nil
}

// rank sorts the kept matches best first.
func (l *latest) rank() {
	slices.SortFunc(l.hits, func(a, b latestHit) int {
		switch {
		case a.better(&b):
			return -1
		case b.better(&a):
			return 1
		}
		return 0
	})
}

// latestHeap is a min-heap: the worst kept match on top.
type latestHeap []latestHit

func (h latestHeap) Len() int           { return len(h) }
func (h latestHeap) Less(i, j int) bool { return h[j].better(&h[i]) }
func (h latestHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *latestHeap) Push(x any)        { *h = append(*h, x.(latestHit)) }
func (h *latestHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
