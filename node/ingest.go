package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

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

// ingested is what became of revisions given to ingest.
type ingested struct {
	added      int              // newly stored
	held       map[cid.Cid]bool // those given that are held now, stored before or now
	unresolved []cid.Cid        // not stored: their ancestors could not be had
	notVouched int              // not stored: their authors are not vouched for (no fault of the peer)
}

// ingest stores verified revisions received from p. Revisions the
// catalogue refuses because their parents (or document) are not held
// make the node fetch those ancestors from p and try again, for at
// most rounds rounds and up to maxAncestors revisions and
// maxAncestorBytes bytes of ancestors in all. What is stored joins the
// node's set at once; it is announced from the catalogue's change
// feed, like every other revision stored (feed.go).
func (n *Node) ingest(ctx context.Context, p peer.ID, revs []protocol.Verified, rounds int) (res ingested, err error) {
	res.held = make(map[cid.Cid]bool, len(revs))
	pending := make([]protocol.Verified, 0, len(revs))
	for _, v := range revs {
		if n.index.has(v.CID) {
			res.held[v.CID] = true
		} else {
			pending = append(pending, v)
		}
	}
	defer func() {
		if res.added > 0 {
			n.kickAttachments()
		}
	}()
	asked, fetchedBytes := 0, 0 // ancestors
	// Revisions whose authors the roster does not vouch for, or this
	// node's moderation blocks, and moderation records whose signers
	// it does not entitle, are no fault of the peer that holds them
	// (docs/protocol.md §4.4, §4.12): they are counted apart from those
	// it failed to complete.
	notVouched := make(map[cid.Cid]bool)
	unresolved := func(still []protocol.Verified) []cid.Cid {
		out := make([]cid.Cid, 0, len(still))
		for _, v := range still {
			if !notVouched[v.CID] {
				out = append(out, v.CID)
			}
		}
		res.notVouched = len(still) - len(out)
		return out
	}
	for round := 0; len(pending) > 0; round++ {
		// Parents carry older clocks than their children: in (clock,
		// CID) order a batch can hold a revision and its ancestors.
		slices.SortFunc(pending, func(a, b protocol.Verified) int {
			return reconcile.Item{Clock: a.Rev.Clock, ID: a.CID}.Compare(reconcile.Item{Clock: b.Rev.Clock, ID: b.CID})
		})
		newly, addErr := n.cat.AddVerified(ctx, pending)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if errors.Is(addErr, catalogue.ErrDiskFull) {
			// Nothing more can be stored: no ancestors to fetch, no
			// retry until the operator frees space (the next sync).
			n.logDiskFull(addErr)
			return res, addErr
		}
		var rejected *catalogue.RejectedError
		if errors.As(addErr, &rejected) {
			for c, err := range rejected.Rejected {
				// Not vouched, not entitled, erased or blocked is no
				// fault of the peer: it may hold a record this node
				// lacks, or not follow the moderation that refuses
				// the revision.
				if errors.Is(err, protocol.ErrNotVouched) || errors.Is(err, protocol.ErrNotEntitled) || errors.Is(err, protocol.ErrErased) || errors.Is(err, protocol.ErrBlocked) {
					notVouched[c] = true
				}
			}
		}
		res.added += len(newly)
		if len(newly) > 0 {
			stored := make(map[cid.Cid]bool, len(newly))
			for _, c := range newly {
				res.held[c] = true
				stored[c] = true
			}
			items := make([]reconcile.Item, 0, len(newly))
			for _, v := range pending {
				if stored[v.CID] {
					items = append(items, reconcile.Item{Clock: v.Rev.Clock, ID: v.CID})
				}
			}
			n.index.addReceived(items)
		}
		var still []protocol.Verified
		for _, v := range pending {
			if res.held[v.CID] {
				continue
			}
			held, err := n.cat.Has(ctx, v.CID)
			if err != nil {
				return res, fmt.Errorf("node: check revision %s: %w", v.CID, err)
			}
			if held {
				res.held[v.CID] = true
				continue
			}
			still = append(still, v)
		}
		if len(still) == 0 {
			return res, nil
		}
		missing := n.missingAncestors(still, res.held)
		if len(missing) == 0 && len(newly) > 0 && round < rounds {
			// What they lacked was stored meanwhile (an ancestor later
			// in the batch, against clock order): try them again.
			pending = still
			continue
		}
		spent := asked >= maxAncestors || fetchedBytes >= maxAncestorBytes
		if len(missing) == 0 || round >= rounds || spent {
			res.unresolved = unresolved(still)
			switch {
			case addErr != nil && len(missing) == 0:
			case spent:
				addErr = fmt.Errorf("ancestors still missing after fetching %d of them (%d bytes), the most one ingest fetches", asked, fetchedBytes)
			case addErr == nil:
				addErr = fmt.Errorf("ancestors still missing after %d rounds", round)
			}
			return res, fmt.Errorf("node: %d revisions from %s not stored: %w", len(still), p, addErr)
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
			res.unresolved = unresolved(still)
			return res, fmt.Errorf("node: %d revisions from %s not stored: %w", len(still), p, ferr)
		}
		pending = append(fetched, still...)
	}
	return res, nil
}

// missingAncestors returns the parents and documents that revs name
// and that are neither held (by the index or in held) nor among revs.
func (n *Node) missingAncestors(revs []protocol.Verified, held map[cid.Cid]bool) []cid.Cid {
	among := make(map[cid.Cid]bool, len(revs))
	for _, v := range revs {
		among[v.CID] = true
	}
	seen := make(map[cid.Cid]bool)
	var out []cid.Cid
	need := func(c cid.Cid) {
		if !c.Defined() || among[c] || seen[c] || held[c] || n.index.has(c) {
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
