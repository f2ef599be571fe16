package reconcile

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Set is a sorted in-memory set of items that answers the count and
// fingerprint of any range in constant time.
//
// New revisions usually carry recent clocks, so Insert appends in
// amortised constant time; an item that sorts among the held ones costs
// a copy of the set, so a batch fetched during catch-up should be
// inserted with one call; so does Remove. Existing elements are never
// modified in place, which is what lets sessions read a snapshot
// without a lock.
//
// A Set is safe for concurrent use.
type Set struct {
	mu    sync.RWMutex // guards items
	items []entry      // sorted by compareEntries, no duplicates, running sums filled in
}

// NewSet returns a set holding items, which may come in any order and
// with duplicates. It refuses an item whose ID is not a kind of CID that
// reconciliation handles (see Item) with protocol.CodeBadCID, or whose
// clock is reserved with protocol.CodeInvalid.
func NewSet(items []Item) (*Set, error) {
	es, err := entries(items)
	if err != nil {
		return nil, err
	}
	fillSums(es, 0)
	return &Set{items: es}, nil
}

// entries checks items and returns them sorted, without duplicates.
func entries(items []Item) ([]entry, error) {
	for i, it := range items {
		if err := checkItem(it); err != nil {
			return nil, fmt.Errorf("reconcile: item %d (%s): %w", i, it, err)
		}
	}
	// Items are smaller than entries, so they sort faster.
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, Item.Compare)
	sorted = slices.CompactFunc(sorted, func(a, b Item) bool { return a.Compare(b) == 0 })
	es := make([]entry, len(sorted))
	for i, it := range sorted {
		es[i] = entry{clock: uint64(it.Clock), id: it.ID}
	}
	return es, nil
}

// Insert adds items to the set and returns how many were not already
// held. It checks every item first and adds none if one is refused
// (see NewSet for the errors).
func (s *Set) Insert(items ...Item) (int, error) {
	batch, err := entries(items)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.items
	if len(old) == 0 || compareEntries(&batch[0], &old[len(old)-1]) > 0 {
		// Appending writes only past the end of every snapshot.
		s.items = append(old, batch...)
		fillSums(s.items, len(old))
		return len(batch), nil
	}
	// Merge into a new array: snapshots keep reading the old one.
	merged := make([]entry, 0, len(old)+len(batch)+len(old)/8)
	first := -1 // index in merged of the first new entry
	i, j := 0, 0
	for i < len(old) || j < len(batch) {
		var c int
		switch {
		case i == len(old):
			c = 1
		case j == len(batch):
			c = -1
		default:
			c = compareEntries(&old[i], &batch[j])
		}
		switch {
		case c < 0:
			merged = append(merged, old[i])
			i++
		case c > 0:
			if first < 0 {
				first = len(merged)
			}
			merged = append(merged, batch[j])
			j++
		default:
			merged = append(merged, old[i])
			i++
			j++
		}
	}
	added := len(merged) - len(old)
	if added == 0 {
		return 0, nil
	}
	fillSums(merged, first)
	s.items = merged
	return added, nil
}

// Remove takes items out of the set and returns how many were held.
// Items not held are ignored; it checks every item first and removes
// none if one is refused (see NewSet for the errors).
//
// Removal is rare (a closed network withdrawing the revisions a
// revocation no longer vouches for): it copies the set from the first
// item removed onward, O(n) for a set of n items, so that sessions
// reading an earlier snapshot keep reading it unchanged, and the
// running sums from that point are computed again.
func (s *Set) Remove(items ...Item) (int, error) {
	batch, err := entries(items)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.items
	first := -1 // index in old of the first entry removed
	kept := make([]entry, 0, len(old))
	j := 0
	for i := range old {
		for j < len(batch) && compareEntries(&batch[j], &old[i]) < 0 {
			j++
		}
		if j < len(batch) && compareEntries(&batch[j], &old[i]) == 0 {
			if first < 0 {
				first = i
			}
			j++
			continue
		}
		kept = append(kept, old[i])
	}
	removed := len(old) - len(kept)
	if removed == 0 {
		return 0, nil
	}
	fillSums(kept, first)
	s.items = kept
	return removed, nil
}

// Len returns the number of items in the set.
func (s *Set) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}

// Has reports whether the set holds it.
func (s *Set) Has(it Item) bool {
	return holds(s.snapshot(), &entry{clock: uint64(it.Clock), id: it.ID})
}

// snapshot returns the items as they are now. The caller must not
// modify them; later inserts do not show in the result.
func (s *Set) snapshot() []entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.items[:len(s.items):len(s.items)]
}

// search returns the index of the first entry of es not below b.
func search(es []entry, b bound) int {
	return sort.Search(len(es), func(k int) bool { return !below(&es[k], b) })
}

// holds reports whether the sorted es contains e.
func holds(es []entry, e *entry) bool {
	k := sort.Search(len(es), func(k int) bool { return compareEntries(&es[k], e) >= 0 })
	return k < len(es) && compareEntries(&es[k], e) == 0
}
