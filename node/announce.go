package node

import (
	"context"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/mutu-network/mutu/protocol"
)

// Announced revisions. A revision too large to travel whole on gossip
// is announced by CID, and whoever receives the announcement fetches
// the revision from the peer that sent it. So a node passes an
// announcement on only once it holds the revision: the next node will
// ask it. The validator accepts (and pubsub forwards) an announcement
// of a revision the node holds; one of a revision it lacks is ignored,
// neither delivered nor forwarded, and handed to the announcement
// queue. The queue fetches the revision from the announcer, verifies
// and stores it, then publishes the same message again: pubsub treats
// a local publish of a message it saw but never delivered as new and
// forwards it. The revision thus travels one hop at a time, nothing
// unverified is forwarded, and every hop can serve what it announces.
//
// Fetching happens in the queue, not in the validator: a validator
// that waits on the network holds pubsub's validation slots, which a
// peer answering slowly could fill. The queue runs one worker per
// announcing peer, so a slow peer delays only its own announcements.
//
// An announcer answering "not found" announced what it cannot serve:
// that costs it a strike. When the fetch fails otherwise, or the
// revision's history is deeper than gossip resolves, a sync with the
// announcer is requested. See docs/protocol.md (Part 2), "Gossip".

// Announcement queue limits.
const (
	// announceTimeout bounds one fetch of announced revisions from a
	// peer, with their missing ancestors, and their storing.
	announceTimeout = 30 * time.Second
	// announceBatch is the most announced revisions (up to
	// protocol.MaxRevisionSize each) asked of a peer at once.
	announceBatch = 16
	// announceBacklog is the most announcements waiting for one peer;
	// past it they are left to a sync with that peer.
	announceBacklog = 256
)

// announcement is an announcement the node acts on.
type announcement struct {
	cid  cid.Cid
	data []byte // the message, published again once the revision is held
}

// announcements fetches announced revisions: one worker per peer with
// announcements waiting, started by loop. It is safe for concurrent
// use.
type announcements struct {
	g      *gossip
	kick   chan struct{}              // wakes loop; capacity 1
	mu     sync.Mutex                 // guards queues
	queues map[peer.ID]*announceQueue // present while waiting or running
}

type announceQueue struct {
	waiting []announcement
	running bool // a worker serves the queue
}

func newAnnouncements(g *gossip) *announcements {
	return &announcements{g: g, kick: make(chan struct{}, 1), queues: make(map[peer.ID]*announceQueue)}
}

// received queues an announcement from p of a revision the node lacks.
// It never blocks: the validator calls it.
func (q *announcements) received(p peer.ID, a announcement) {
	q.mu.Lock()
	ok := q.enqueueLocked(p, a)
	q.mu.Unlock()
	if !ok {
		q.g.n.log.Debug("too many announcements waiting; leaving them to sync", "peer", p)
		q.g.n.requestSync(p, 0)
	}
}

// enqueueLocked adds a to p's queue and wakes loop; q.mu is held. It
// reports false when the queue is full.
func (q *announcements) enqueueLocked(p peer.ID, a announcement) bool {
	qu := q.queues[p]
	if qu == nil {
		qu = &announceQueue{}
		q.queues[p] = qu
	}
	if len(qu.waiting) >= announceBacklog {
		return false
	}
	qu.waiting = append(qu.waiting, a)
	select {
	case q.kick <- struct{}{}:
	default:
	}
	return true
}

// loop starts a worker for every peer with announcements waiting and
// none running.
func (q *announcements) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.kick:
		}
		for _, p := range q.idle() {
			if !q.g.n.spawn(func(ctx context.Context) { q.work(ctx, p) }) {
				return
			}
		}
	}
}

// idle marks the queues waiting without a worker as running and
// returns their peers.
func (q *announcements) idle() []peer.ID {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []peer.ID
	for p, qu := range q.queues {
		if !qu.running && len(qu.waiting) > 0 {
			qu.running = true
			out = append(out, p)
		}
	}
	return out
}

// work resolves p's announcements, a batch at a time, until none wait.
func (q *announcements) work(ctx context.Context, p peer.ID) {
	for ctx.Err() == nil {
		batch := q.take(p)
		if batch == nil {
			return
		}
		q.resolve(ctx, p, batch)
	}
}

// take returns up to announceBatch announcements waiting for p, or nil
// and forgets the queue when none wait.
func (q *announcements) take(p peer.ID) []announcement {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu := q.queues[p]
	if qu == nil {
		return nil
	}
	if len(qu.waiting) == 0 {
		delete(q.queues, p)
		return nil
	}
	k := min(len(qu.waiting), announceBatch)
	batch := qu.waiting[:k:k]
	qu.waiting = qu.waiting[k:]
	return batch
}

// resolve fetches the revisions of batch that the node lacks from p,
// their announcer, stores the valid ones, and announces on every
// revision of batch the node then holds.
func (q *announcements) resolve(ctx context.Context, p peer.ID, batch []announcement) {
	n := q.g.n
	var want []cid.Cid
	for _, a := range batch {
		if !n.index.has(a.cid) {
			want = append(want, a.cid)
		}
	}
	if len(want) > 0 && !n.pen.banned(p) {
		fctx, cancel := context.WithTimeout(ctx, announceTimeout)
		blocks, notFound, err := n.fetchRaw(fctx, p, want)
		good, bad := verifyRevisions(fctx, blocks)
		for _, b := range bad {
			n.penalize(p, ProtoFetch, 1, b.err)
		}
		for _, c := range notFound {
			n.penalize(p, libp2pproto.ID(q.g.name), 1, protocol.Errorf(protocol.CodeNotFound, "announced revision %s on gossip but does not serve it", c))
		}
		n.stats.revisionsReceived.Add(uint64(len(good)))
		n.stats.gossipReceived.Add(uint64(len(good)))
		_, unresolved, ierr := n.ingest(fctx, p, good, gossipRounds)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil || ierr != nil {
			n.log.Debug("fetch announced revisions", "peer", p, "fetch", err, "store", ierr)
		}
		if (err != nil && !n.pen.banned(p)) || len(unresolved) > 0 {
			// The revisions may still come from p: sync with it.
			n.requestSync(p, 0)
		}
	}
	for _, a := range batch {
		if !n.index.has(a.cid) {
			continue
		}
		if err := q.g.topic.Publish(ctx, a.data); err != nil && ctx.Err() == nil {
			n.log.Debug("announce revision on", "cid", a.cid, "err", err)
		}
	}
}
