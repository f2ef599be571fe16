package node

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
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
// and stores it; the node, told by the change feed that it stored a
// revision, publishes it, which makes the same message again: pubsub
// treats a local publish of a message it saw but never delivered as new
// and forwards it. The revision thus travels one hop at a time, nothing
// unverified is forwarded, and every hop can serve what it announces.
//
// Fetching happens in the queue, not in the validator: a validator
// that waits on the network holds pubsub's validation slots, which a
// peer answering slowly could fill. The queue runs one worker per
// announcing peer, so a slow peer delays only its own announcements.
//
// An announcer answering "not found" announced what it cannot serve:
// that costs it a strike. It must not hold the revision back, though
// (a hostile peer may repeat a real announcement before the honest
// ones arrive). Pubsub drops the copies of a message it has seen, even
// one it did not accept, for as long as it remembers it; but it tells
// its tracers, and the queue follows each announcement it could not
// resolve yet: the peers that send copies are asked in turn, up to
// maxAnnouncers. When the fetch fails otherwise, or the revision's
// history is deeper than gossip resolves, a sync with the announcer is
// requested. See docs/protocol.md (Part 2), "Gossip".

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
	// maxFollowed bounds the announcements followed for copies.
	maxFollowed = 4096
	// maxAnnouncers is the most peers asked for one announced revision.
	maxAnnouncers = 8
)

// announcement is an announcement the node acts on.
type announcement struct {
	id  string // pubsub message ID
	cid cid.Cid
}

// announcements fetches announced revisions: one worker per peer with
// announcements waiting, started by loop. It is safe for concurrent
// use.
type announcements struct {
	g      *gossip
	kick   chan struct{}              // wakes loop; capacity 1
	mu     sync.Mutex                 // guards queues, followed
	queues map[peer.ID]*announceQueue // present while waiting or running
	// followed holds the announcements not resolved yet, by message ID.
	followed map[string]*followed
}

type announceQueue struct {
	waiting []announcement
	running bool // a worker serves the queue
}

// followed is an announcement of a revision the node does not hold yet.
type followed struct {
	a     announcement
	until time.Time
	busy  bool      // queued for, or being fetched from, a peer
	asked []peer.ID // peers asked, or to ask
	next  []peer.ID // peers that sent copies, to ask if the current one fails
}

func newAnnouncements(g *gossip) *announcements {
	return &announcements{
		g:        g,
		kick:     make(chan struct{}, 1),
		queues:   make(map[peer.ID]*announceQueue),
		followed: make(map[string]*followed),
	}
}

// received queues an announcement from p of a revision the node lacks,
// and follows it for copies. It never blocks: the validator calls it.
func (q *announcements) received(p peer.ID, a announcement) {
	now := time.Now()
	q.mu.Lock()
	// Only what is queued is followed: a peer whose queue is full is
	// synced with instead, and cannot fill the followed table.
	ok := q.enqueueLocked(p, a)
	if ok {
		if f := q.follow(a, now); f != nil {
			f.asked = append(f.asked, p)
			f.busy = true
		}
	}
	q.mu.Unlock()
	if !ok {
		q.g.n.log.Debug("too many announcements waiting; leaving them to sync", "peer", p)
		q.g.n.requestSync(p, 0)
	}
}

// follow starts following a; q.mu is held. It returns nil when too
// many announcements are followed already.
func (q *announcements) follow(a announcement, now time.Time) *followed {
	if len(q.followed) >= maxFollowed {
		for id, f := range q.followed {
			if now.After(f.until) {
				delete(q.followed, id)
			}
		}
		if len(q.followed) >= maxFollowed {
			return nil
		}
	}
	// Followed as long as pubsub drops its copies as seen.
	f := &followed{a: a, until: now.Add(pubsub.TimeCacheDuration)}
	q.followed[a.id] = f
	return f
}

// copied notes that p sent a copy of the message id, which pubsub
// dropped as seen. If the message is an announcement not resolved yet,
// p is asked for the revision: now if no peer is, else if the one
// asked fails. It never blocks: pubsub's tracer calls it.
func (q *announcements) copied(p peer.ID, id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	f := q.followed[id]
	if f == nil || slices.Contains(f.asked, p) || len(f.asked) >= maxAnnouncers {
		return
	}
	if time.Now().After(f.until) {
		delete(q.followed, id)
		return
	}
	f.asked = append(f.asked, p)
	if f.busy {
		f.next = append(f.next, p)
		return
	}
	f.busy = q.enqueueLocked(p, f.a)
}

// forget stops following a: the node holds its revision.
func (q *announcements) forget(a announcement) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.followed, a.id)
}

// askNext asks the next peer that sent a copy of a, if any; else a
// waits for copies.
func (q *announcements) askNext(a announcement) {
	q.mu.Lock()
	defer q.mu.Unlock()
	f := q.followed[a.id]
	if f == nil {
		return
	}
	f.busy = false
	for len(f.next) > 0 && !f.busy {
		p := f.next[0]
		f.next = f.next[1:]
		f.busy = q.enqueueLocked(p, a)
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
// revision of batch the node then holds. The others go to the next
// peer that sent a copy.
func (q *announcements) resolve(ctx context.Context, p peer.ID, batch []announcement) {
	n := q.g.n
	var want []cid.Cid
	held := make(map[cid.Cid]bool)
	for _, a := range batch {
		if n.index.has(a.cid) {
			held[a.cid] = true
		} else {
			want = append(want, a.cid)
		}
	}
	if len(want) > 0 && !n.pen.banned(p) {
		fctx, cancel := context.WithTimeout(ctx, announceTimeout)
		blocks, notFound, err := n.fetchRaw(fctx, p, want)
		good, bad := protocol.VerifyAll(fctx, blocks)
		for _, b := range bad {
			n.penalize(p, ProtoFetch, 1, b.Err)
		}
		for _, c := range notFound {
			n.penalize(p, libp2pproto.ID(q.g.name), 1, protocol.Errorf(protocol.CodeNotFound, "announced revision %s on gossip but does not serve it", c))
		}
		n.stats.revisionsReceived.Add(uint64(len(good)))
		n.stats.gossipReceived.Add(uint64(len(good)))
		res, ierr := n.ingest(fctx, p, good, gossipRounds)
		for c := range res.held {
			held[c] = true
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil || ierr != nil {
			n.log.Debug("fetch announced revisions", "peer", p, "fetch", err, "store", ierr)
		}
		unread := len(want) - len(blocks) - len(notFound) // p could not read them
		if (err != nil || unread > 0) && !n.pen.banned(p) || len(res.unresolved) > 0 {
			// The revisions may still come from p: sync with it.
			n.requestSync(p, 0)
		}
	}
	for _, a := range batch {
		if held[a.cid] {
			// The change feed announces it on (feed.go).
			q.forget(a)
		} else {
			q.askNext(a)
		}
	}
}

// copyTracer tells the announcements which peers send copies of a
// message pubsub has already seen. Pubsub calls tracers synchronously,
// from its event loop among others: it must not block.
type copyTracer struct {
	q     *announcements
	topic string
}

var _ pubsub.RawTracer = copyTracer{}

func (t copyTracer) DuplicateMessage(msg *pubsub.Message) {
	// Pubsub sets the ID before it looks for the message among those
	// seen.
	if msg.GetTopic() == t.topic && msg.ID != "" {
		t.q.copied(msg.ReceivedFrom, msg.ID)
	}
}

// The other events are of no use here.

func (copyTracer) OnNewOutboundStream(peer.ID, libp2pproto.ID)          {}
func (copyTracer) OnClosedOutboundStream(peer.ID)                       {}
func (copyTracer) Join(string)                                          {}
func (copyTracer) Leave(string)                                         {}
func (copyTracer) Graft(peer.ID, string)                                {}
func (copyTracer) Prune(peer.ID, string)                                {}
func (copyTracer) ValidateMessage(*pubsub.Message)                      {}
func (copyTracer) DeliverMessage(*pubsub.Message)                       {}
func (copyTracer) RejectMessage(*pubsub.Message, string)                {}
func (copyTracer) ThrottlePeer(peer.ID)                                 {}
func (copyTracer) RecvRPC(*pubsub.RPC)                                  {}
func (copyTracer) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (copyTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (copyTracer) DropRPC(*pubsub.RPC, peer.ID)                         {}
func (copyTracer) UndeliverableMessage(*pubsub.Message)                 {}
