package catalogue

import (
	"context"
	"errors"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// The change feed is the store's change log read as a stream: every
// revision stored, whatever stored it (a local write, the API, the web
// pages, an import, a bundle, a peer by gossip, sync or bulk), appears
// once, in the order stored. A running node follows it to keep its
// reconciliation set and to announce what its peers may lack, so that
// no writer has to tell the node anything. A position is a change log
// sequence number.

// FeedPosition returns the position of the change feed after the last
// revision stored.
func (c *Catalogue) FeedPosition() uint64 { return c.store.ChangeSeq() }

// errEnough stops a walk of the change log that has read enough.
var errEnough = errors.New("catalogue: enough")

// Follow returns the revisions stored after position after, in the
// order they were stored, and the position that follows them. It stops
// at the end of the first change log record that brings the count to
// limit, so it may return a few more. When nothing was stored after
// the position, it waits until something is, or until ctx ends.
func (c *Catalogue) Follow(ctx context.Context, after uint64, limit int) ([]reconcile.Item, uint64, error) {
	for {
		changed := c.store.Changed()
		var out []reconcile.Item
		next := after
		err := c.store.ChangesSince(after, func(ch store.Change) error {
			out = append(out, ch.Revs...)
			next = ch.Seq
			if len(out) >= limit {
				return errEnough
			}
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return nil, after, err
		}
		if next > after {
			return out, next, nil
		}
		select {
		case <-ctx.Done():
			return nil, after, ctx.Err()
		case <-changed:
		}
	}
}
