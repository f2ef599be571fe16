package catalogue

import (
	"context"
	"errors"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// The change feed is the store's change log read as a stream: every
// revision stored, whatever stored it (a local write, the API, the web
// pages, an import, a bundle, a peer by gossip, sync or bulk), appears
// once, in the order stored, and so does every revision withdrawn
// (WithdrawAuthor). A running node follows it to keep its
// reconciliation set and to announce what its peers may lack, so that
// no writer has to tell the node anything. A position is a change log
// sequence number.

// FeedBatch is what one read of the change feed brings: the revisions
// stored and the revisions withdrawn since the position read from.
// The two lists are disjoint, so a follower may apply them in either
// order: a revision stored then withdrawn within the batch is in
// Removed only, and a batch ends before a revision it withdrew is
// stored again. Removed may name revisions the follower never saw
// (stored before its position, or both stored and withdrawn in the
// batch); removing them changes nothing.
type FeedBatch struct {
	Added   []reconcile.Item // stored, in the order stored
	Removed []reconcile.Item // withdrawn, in the order withdrawn
}

// FeedPosition returns the position of the change feed after the last
// revision stored or withdrawn.
func (c *Catalogue) FeedPosition() uint64 { return c.store.ChangeSeq() }

// errEnough stops a walk of the change log that has read enough.
var errEnough = errors.New("catalogue: enough")

// Follow returns the revisions stored and withdrawn after position
// after, and the position that follows them. It stops at the end of
// the first change log record that brings the count of both to limit,
// so it may return a few more. When nothing changed after the
// position, it waits until something does, or until ctx ends.
//
// A follower that applies every batch to a set, from the set held at
// a position, holds at each position it reaches the revisions the
// catalogue held then, whatever limits it reads with.
func (c *Catalogue) Follow(ctx context.Context, after uint64, limit int) (FeedBatch, uint64, error) {
	for {
		changed := c.store.Changed()
		var b FeedBatch
		removed := make(map[cid.Cid]bool)
		next, n := after, 0
		err := c.store.ChangesSince(after, func(ch store.Change) error {
			if slices.ContainsFunc(ch.Revs, func(it reconcile.Item) bool { return removed[it.ID] }) {
				return errEnough // stored again: the next batch says so
			}
			b.Added = append(b.Added, ch.Revs...)
			b.Removed = append(b.Removed, ch.Removed...)
			for _, it := range ch.Removed {
				removed[it.ID] = true
			}
			next, n = ch.Seq, n+len(ch.Revs)+len(ch.Removed)
			if n >= limit {
				return errEnough
			}
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return FeedBatch{}, after, err
		}
		if next > after {
			b.Added = slices.DeleteFunc(b.Added, func(it reconcile.Item) bool { return removed[it.ID] })
			return b, next, nil
		}
		select {
		case <-ctx.Done():
			return FeedBatch{}, after, ctx.Err()
		case <-changed:
		}
	}
}
