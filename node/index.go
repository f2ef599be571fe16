package node

import (
	"context"
	"fmt"
	"sync"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// revIndex is the node's in-memory set of the revisions its catalogue
// holds: the reconciliation set, and a map that answers "is this
// held?" without a storage read. It is filled from the catalogue at
// start, then from its change feed (feed.go), which tells of every
// revision stored or withdrawn, whatever did it. What the node
// receives from its peers is added as soon as it is stored too
// (addReceived, from ingest), so that a sync that follows at once does
// not ask for it again; the feed's later addition of it changes
// nothing. A revision the feed withdrew is not added that way, only by
// the feed again: the catalogue may have withdrawn it between storing
// it and ingest's addition, and the set must not offer what is not
// held.
//
// It also knows the revisions being received (claim): two transfers
// running at once, such as a sync and the pull of what its peer
// offered, or a bulk transfer and a sync with another peer, fetch and
// check each revision once.
//
// It is safe for concurrent use.
type revIndex struct {
	set *reconcile.Set
	// wmu serializes changes, so that the set and clocks end alike
	// when an addition and a removal of one revision race; readers
	// take mu only.
	wmu       sync.Mutex
	mu        sync.Mutex // guards clocks, receiving, withdrawn
	clocks    map[cid.Cid]protocol.Clock
	receiving map[cid.Cid]struct{}
	withdrawn map[cid.Cid]struct{} // removed by the feed and not added by it since
}

func newRevIndex() *revIndex {
	set, _ := reconcile.NewSet(nil) // an empty set cannot be refused
	return &revIndex{
		set:       set,
		clocks:    make(map[cid.Cid]protocol.Clock),
		receiving: make(map[cid.Cid]struct{}),
		withdrawn: make(map[cid.Cid]struct{}),
	}
}

// claim returns those of cids that are neither held nor being received
// by another transfer, and marks them as being received until release.
func (x *revIndex) claim(cids []cid.Cid) []cid.Cid {
	x.mu.Lock()
	defer x.mu.Unlock()
	var mine []cid.Cid
	for _, c := range cids {
		if _, ok := x.clocks[c]; ok {
			continue
		}
		if _, ok := x.receiving[c]; ok {
			continue
		}
		x.receiving[c] = struct{}{}
		mine = append(mine, c)
	}
	return mine
}

// release ends the claim on cids, stored or not.
func (x *revIndex) release(cids []cid.Cid) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, c := range cids {
		delete(x.receiving, c)
	}
}

// addAll records held revisions, as the catalogue's feed or its walk
// at start tells of them, and returns how many were new. Items the
// reconciliation set refuses (CIDs of a kind mutu does not use, which
// verified revisions never have) are left out.
func (x *revIndex) addAll(items []reconcile.Item) int {
	return x.add(items, true)
}

// addReceived records revisions that ingest just stored, except those
// the feed withdrew since (see revIndex).
func (x *revIndex) addReceived(items []reconcile.Item) int {
	return x.add(items, false)
}

func (x *revIndex) add(items []reconcile.Item, fromFeed bool) int {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	var fresh []reconcile.Item
	for _, it := range items {
		if _, ok := x.withdrawn[it.ID]; ok {
			if !fromFeed {
				continue
			}
			delete(x.withdrawn, it.ID)
		}
		if _, ok := x.clocks[it.ID]; ok {
			continue
		}
		x.clocks[it.ID] = it.Clock
		fresh = append(fresh, it)
	}
	x.mu.Unlock()
	if len(fresh) == 0 {
		return 0
	}
	if _, err := x.set.Insert(fresh...); err != nil {
		// One bad item refuses the batch: insert one by one.
		for _, it := range fresh {
			if _, err := x.set.Insert(it); err != nil {
				x.mu.Lock()
				delete(x.clocks, it.ID)
				x.mu.Unlock()
			}
		}
	}
	return len(fresh)
}

// removeAll forgets revisions the catalogue's feed says were
// withdrawn, and returns how many were held.
func (x *revIndex) removeAll(items []reconcile.Item) int {
	if len(items) == 0 {
		return 0
	}
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	var gone []reconcile.Item
	for _, it := range items {
		x.withdrawn[it.ID] = struct{}{}
		if _, ok := x.clocks[it.ID]; ok {
			delete(x.clocks, it.ID)
			gone = append(gone, it)
		}
	}
	x.mu.Unlock()
	// What clocks held, the set took: Remove refuses nothing of it.
	n, _ := x.set.Remove(gone...)
	return n
}

// clock returns the clock of a held revision.
func (x *revIndex) clock(c cid.Cid) (protocol.Clock, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	clock, ok := x.clocks[c]
	return clock, ok
}

// has reports whether c is held.
func (x *revIndex) has(c cid.Cid) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	_, ok := x.clocks[c]
	return ok
}

// len returns the number of held revisions.
func (x *revIndex) len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.clocks)
}

// load adds every revision the catalogue holds.
func (x *revIndex) load(ctx context.Context, cat Catalogue) error {
	var batch []reconcile.Item
	err := cat.RevisionsByClock(ctx, 0, cid.Undef, func(clock protocol.Clock, c cid.Cid) error {
		batch = append(batch, reconcile.Item{Clock: clock, ID: c})
		if len(batch) == 8192 {
			x.addAll(batch)
			batch = batch[:0]
		}
		return nil
	})
	x.addAll(batch)
	if err != nil {
		return fmt.Errorf("walk revisions: %w", err)
	}
	return nil
}

// atClocks returns the held revisions whose clock is among clocks, by
// clock. It walks the whole set: for the rare lookups of a few trust
// records by the clock the roster gives them (join.go).
func (x *revIndex) atClocks(clocks map[protocol.Clock]bool) map[protocol.Clock][]cid.Cid {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make(map[protocol.Clock][]cid.Cid)
	for c, clock := range x.clocks {
		if clocks[clock] {
			out[clock] = append(out[clock], c)
		}
	}
	return out
}
