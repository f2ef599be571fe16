package node

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// badBlock is a block that failed verification, with the reason.
type badBlock struct {
	cid cid.Cid
	err error
}

// verifyRevisions verifies blocks in parallel, one worker per CPU, and
// splits them into valid revisions (in the order given) and refused
// ones. The work ends before it returns.
func verifyRevisions(ctx context.Context, blocks []protocol.Block) ([]store.Verified, []badBlock) {
	revs := make([]*protocol.Revision, len(blocks))
	errs := make([]error, len(blocks))
	workers := min(runtime.GOMAXPROCS(0), (len(blocks)+15)/16)
	if workers <= 1 {
		for i, b := range blocks {
			revs[i], errs[i] = protocol.VerifyRevision(b.CID, b.Data)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					revs[i], errs[i] = protocol.VerifyRevision(blocks[i].CID, blocks[i].Data)
				}
			})
		}
	feed:
		for i := range blocks {
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
	}
	var good []store.Verified
	var bad []badBlock
	for i, b := range blocks {
		switch {
		case errs[i] != nil:
			bad = append(bad, badBlock{b.CID, errs[i]})
		case revs[i] != nil:
			good = append(good, store.Verified{Block: b, Rev: revs[i]})
		}
	}
	return good, bad
}

// Rounds of ancestor fetching one ingest may take. A gossiped revision
// whose history is deeper than gossipRounds is left to sync.
const (
	gossipRounds = 8
	syncRounds   = 256
)

// Bounds on the ancestors one ingest fetches, which it holds until
// their descendants are stored: a revision names up to 64 parents,
// each of which may name 64 more. Histories past them come by sync,
// which fetches revisions in clock order, ancestors first.
const (
	maxAncestors     = 1024
	maxAncestorBytes = maxFetchHeld
)

// ingest stores verified revisions received from p. Revisions the
// catalogue refuses because their parents (or document) are not held
// make the node fetch those ancestors from p and try again, for at
// most rounds rounds and up to maxAncestors revisions and
// maxAncestorBytes bytes of ancestors in all. It returns how many
// revisions were newly stored and the CIDs it could not store.
func (n *Node) ingest(ctx context.Context, p peer.ID, revs []store.Verified, rounds int) (added int, unresolved []cid.Cid, err error) {
	pending := make([]store.Verified, 0, len(revs))
	for _, v := range revs {
		if !n.index.has(v.CID) {
			pending = append(pending, v)
		}
	}
	defer func() {
		if added > 0 {
			n.kickAttachments()
		}
	}()
	asked, fetchedBytes := 0, 0 // ancestors
	for round := 0; len(pending) > 0; round++ {
		// Parents carry older clocks than their children: in (clock,
		// CID) order a batch can hold a revision and its ancestors.
		slices.SortFunc(pending, func(a, b store.Verified) int {
			return compareItems(item{a.Rev.Clock, a.CID}, item{b.Rev.Clock, b.CID})
		})
		newly, addErr := n.cat.AddVerified(ctx, pending)
		if ctx.Err() != nil {
			return added, nil, ctx.Err()
		}
		if errors.Is(addErr, store.ErrDiskFull) {
			// Nothing more can be stored: no ancestors to fetch, no
			// retry until the operator frees space (the next sync).
			n.logDiskFull(addErr)
			return added, nil, addErr
		}
		stored := make(map[cid.Cid]bool, len(newly))
		for _, c := range newly {
			stored[c] = true
		}
		// One insertion per round: inserting among held items copies
		// the reconciliation set.
		fresh := make([]item, 0, len(newly))
		for _, v := range pending {
			if stored[v.CID] {
				fresh = append(fresh, item{v.Rev.Clock, v.CID})
			}
		}
		added += n.index.addAll(fresh)
		var still []store.Verified
		var heldAlready []item
		for _, v := range pending {
			if stored[v.CID] || n.index.has(v.CID) {
				continue
			}
			held, err := n.cat.Has(ctx, v.CID)
			if err != nil {
				return added, nil, fmt.Errorf("node: check revision %s: %w", v.CID, err)
			}
			if held {
				heldAlready = append(heldAlready, item{v.Rev.Clock, v.CID})
				continue
			}
			still = append(still, v)
		}
		n.index.addAll(heldAlready)
		if len(still) == 0 {
			return added, nil, nil
		}
		missing := n.missingAncestors(still)
		if len(missing) == 0 && len(fresh) > 0 && round < rounds {
			// What they lacked was stored meanwhile (an ancestor later
			// in the batch, against clock order): try them again.
			pending = still
			continue
		}
		spent := asked >= maxAncestors || fetchedBytes >= maxAncestorBytes
		if len(missing) == 0 || round >= rounds || spent {
			unresolved = make([]cid.Cid, len(still))
			for i, v := range still {
				unresolved[i] = v.CID
			}
			switch {
			case addErr != nil && len(missing) == 0:
			case spent:
				addErr = fmt.Errorf("ancestors still missing after fetching %d of them (%d bytes), the most one ingest fetches", asked, fetchedBytes)
			case addErr == nil:
				addErr = fmt.Errorf("ancestors still missing after %d rounds", round)
			}
			return added, unresolved, fmt.Errorf("node: %d revisions from %s not stored: %w", len(still), p, addErr)
		}
		missing = missing[:min(len(missing), maxAncestors-asked)]
		fetched, rest, ferr := n.fetchRevisionsUpTo(ctx, p, missing, maxAncestorBytes-fetchedBytes)
		asked += len(missing) - len(rest)
		for _, v := range fetched {
			fetchedBytes += len(v.Data)
		}
		if len(fetched) == 0 {
			if ferr == nil {
				ferr = fmt.Errorf("peer does not hold the %d ancestors they need", len(missing))
			}
			unresolved = make([]cid.Cid, len(still))
			for i, v := range still {
				unresolved[i] = v.CID
			}
			return added, unresolved, fmt.Errorf("node: %d revisions from %s not stored: %w", len(still), p, ferr)
		}
		pending = append(fetched, still...)
	}
	return added, nil, nil
}

// missingAncestors returns the parents and documents that revs name
// and that are neither held nor among revs.
func (n *Node) missingAncestors(revs []store.Verified) []cid.Cid {
	among := make(map[cid.Cid]bool, len(revs))
	for _, v := range revs {
		among[v.CID] = true
	}
	seen := make(map[cid.Cid]bool)
	var out []cid.Cid
	need := func(c cid.Cid) {
		if !c.Defined() || among[c] || seen[c] || n.index.has(c) {
			return
		}
		seen[c] = true
		out = append(out, c)
	}
	for _, v := range revs {
		for _, p := range v.Rev.Parents {
			need(p)
		}
		need(v.Rev.Doc)
	}
	return out
}

// logEvery bounds how often a condition that every message may meet
// until it changes (a full disk, a peer of another version) is logged.
const logEvery = time.Minute

// throttle lets something happen at most once per logEvery. It is safe
// for concurrent use; the zero value is ready.
type throttle struct {
	last atomic.Int64 // Unix nanoseconds
}

func (t *throttle) allow() bool {
	now := time.Now().UnixNano()
	last := t.last.Load()
	return now-last >= int64(logEvery) && t.last.CompareAndSwap(last, now)
}

// logDiskFull tells the operator that received revisions are not
// stored because the disk is full, at most once per logEvery.
func (n *Node) logDiskFull(err error) {
	if !n.stats.diskFullLog.allow() {
		return
	}
	n.log.Error("disk full: revisions received from peers are not stored until space is freed on the home's disk", "err", err)
}
