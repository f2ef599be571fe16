package node

import (
	"context"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// The node learns of every revision its catalogue stores from the
// catalogue's change feed, whatever stored it: a local write (CLI, API,
// web, import, bundle) or a peer (gossip, sync, bulk, announcement).
// No writer hands a revision to the node. A revision the catalogue
// withdraws (a closed network no longer vouching for its author) is
// taken out of the reconciliation set, so that the node no longer
// offers it. For each revision stored, the node adds it to its
// reconciliation set and announces it to its peers:
//
//   - a few at a time (a local write, a gossiped revision) are
//     published on the gossip topic, whole up to
//     protocol.MaxGossipRevisionSize and by CID above. A revision that
//     came by gossip was forwarded by pubsub already: publishing the
//     same message again is a no-op there;
//   - more than that (a catch-up by sync or bulk, an import) would
//     flood the topic: the node asks every connected peer for a sync
//     instead, and reconciliation sends what each one lacks.
//
// Without gossip (WithoutGossip) nothing is announced: peers learn of
// new revisions at their next sync.

// Feed tuning.
const (
	// feedBatch is about the most revisions read from the feed at once.
	feedBatch = 1024
	// announceMax is the most revisions of one read of the feed that
	// are published on gossip; past it, peers are asked to sync.
	announceMax = 64
	// announceRate and announceBurst bound the revisions published on
	// gossip per second; past them, peers are asked to sync.
	announceRate  = 200
	announceBurst = 256
	// feedRetry is the pause after the feed could not be read.
	feedRetry = time.Second
)

// newAnnounceLimiter returns the limiter of revisions published on
// gossip from the feed.
func newAnnounceLimiter() *rate.Limiter { return rate.NewLimiter(announceRate, announceBurst) }

// followLoop reads the change feed from position from, which Start
// took before loading the reconciliation set, so that nothing stored
// in between is missed (what is both loaded and read is counted once).
func (n *Node) followLoop(ctx context.Context, from uint64) {
	pos := from
	for {
		batch, next, err := n.cat.Follow(ctx, pos, feedBatch)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			n.log.Error("read the catalogue's change feed", "position", pos, "err", err)
			if !sleep(ctx, feedRetry) {
				return
			}
			continue
		}
		pos = next
		if gone := n.index.removeAll(batch.Removed); gone > 0 {
			n.log.Info("revisions withdrawn: no longer offered to peers", "revisions", gone)
		}
		n.index.addAll(batch.Added)
		n.stats.feedRevisions.Add(uint64(len(batch.Added)))
		n.announce(ctx, batch.Added)
	}
}

// announce tells the peers of revisions newly stored: on gossip when
// they are few, by asking every connected peer for a sync otherwise.
func (n *Node) announce(ctx context.Context, revs []reconcile.Item) {
	n.mu.Lock()
	g := n.gossip
	n.mu.Unlock()
	if g == nil || len(revs) == 0 {
		return
	}
	if len(revs) > announceMax || !n.announceLimit.AllowN(time.Now(), len(revs)) {
		n.stats.announcedBySync.Add(uint64(len(revs)))
		for _, p := range n.host.Network().Peers() {
			n.requestSync(p, rand.N(syncAfterStore))
		}
		return
	}
	for _, it := range revs {
		data, err := n.cat.Block(ctx, it.ID)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("read a revision to announce it; peers get it at their next sync", "revision", it.ID, "err", err)
			}
			continue
		}
		if err := g.publish(ctx, protocol.Block{CID: it.ID, Data: data}); err != nil {
			if ctx.Err() == nil {
				n.log.Debug("announce revision; peers get it at their next sync", "revision", it.ID, "err", err)
			}
			continue
		}
		n.stats.announced.Add(1)
	}
}

// syncAfterStore spreads the syncs asked of peers after many revisions
// were stored, so that several reads of the feed ask once.
const syncAfterStore = 250 * time.Millisecond
