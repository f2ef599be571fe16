package search

import (
	"fmt"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Every search reads the packed doc value of each entry it matches (see
// facets.go). Through bleve's DocValueReader, that is a search for the
// entry's segment, then for its place in the segment's doc values, then
// a scan for separators: about a tenth of a microsecond per match, a
// sixth of a search matching a tenth of the catalogue. Segments never
// change once written, so the values of each are decoded once, into
// arrays indexed by document number, and kept while the segment is in
// use.

// segmentValues holds the decoded packed values of one segment.
type segmentValues struct {
	updated []uint64 // update key, by document number in the segment
	end     []uint32 // the terms of document i are terms[end[i-1]:end[i]]
	terms   []uint32 // facet term numbers
}

// of returns the update key and facet term numbers of document num.
func (v *segmentValues) of(num uint64) (uint64, []uint32) {
	if num >= uint64(len(v.updated)) {
		return 0, nil
	}
	var start uint32
	if num > 0 {
		start = v.end[num-1]
	}
	return v.updated[num], v.terms[start:v.end[num]]
}

// decodeSegmentValues reads the packed value of every document of seg.
func decodeSegmentValues(seg segment.Segment) (*segmentValues, error) {
	n := seg.Count()
	v := &segmentValues{updated: make([]uint64, n), end: make([]uint32, n)}
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search: segment %T has no doc values", seg)
	}
	fields := []string{fieldPacked}
	var (
		state segment.DocVisitState
		err   error
		num   uint64
	)
	visit := func(_ string, packed []byte) {
		first := true
		decodePacked(packed, func(x uint64) {
			if first {
				v.updated[num], first = x, false
			} else if x <= 1<<32-1 {
				v.terms = append(v.terms, uint32(x))
			}
		})
	}
	for num = range n {
		if state, err = dv.VisitDocValues(num, fields, visit, state); err != nil {
			return nil, fmt.Errorf("search: read doc values: %w", err)
		}
		v.end[num] = uint32(len(v.terms))
	}
	return v, nil
}

// valueCache keeps the decoded values of the segments of one index, for
// as long as they belong to the latest snapshot a search used. It is
// safe for concurrent use.
type valueCache struct {
	mu   sync.Mutex
	segs map[segment.Segment]*segmentValues
}

func newValueCache() *valueCache {
	return &valueCache{segs: make(map[segment.Segment]*segmentValues)}
}

// snapshotValues are the values of the segments of one index snapshot.
type snapshotValues struct {
	offsets []uint64 // first global document number of each segment
	segs    []*segmentValues
	last    int // segment of the last lookup: matches come in order
}

// snapshot returns the values of the segments of r, decoding those not
// seen yet, and forgets the segments r no longer holds.
func (c *valueCache) snapshot(r index.IndexReader) (*snapshotValues, error) {
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("search: index reader %T is not a scorch snapshot", r)
	}
	segs := is.Segments()
	sv := &snapshotValues{offsets: make([]uint64, len(segs)), segs: make([]*segmentValues, len(segs))}
	c.mu.Lock()
	defer c.mu.Unlock()
	var running uint64
	for i, ss := range segs {
		seg := ss.Segment()
		v := c.segs[seg]
		if v == nil {
			var err error
			if v, err = decodeSegmentValues(seg); err != nil {
				return nil, err
			}
			c.segs[seg] = v
		}
		// scorch numbers documents across segments in this order,
		// deleted ones included.
		sv.offsets[i], sv.segs[i] = running, v
		running += seg.Count()
	}
	if len(c.segs) > len(segs) {
		held := make(map[segment.Segment]bool, len(segs))
		for _, ss := range segs {
			held[ss.Segment()] = true
		}
		for seg := range c.segs {
			if !held[seg] {
				delete(c.segs, seg)
			}
		}
	}
	return sv, nil
}

// of returns the update key and facet term numbers of the document
// with global number num.
func (s *snapshotValues) of(num uint64) (uint64, []uint32) {
	i := s.last
	if i >= len(s.offsets) || num < s.offsets[i] || (i+1 < len(s.offsets) && num >= s.offsets[i+1]) {
		i = sort.Search(len(s.offsets), func(x int) bool { return s.offsets[x] > num }) - 1
		if i < 0 {
			return 0, nil
		}
		s.last = i
	}
	return s.segs[i].of(num - s.offsets[i])
}
