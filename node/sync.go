package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
	"github.com/mutu-network/mutu/protocol/wire"
)

// /mutu/sync/1.0.0: range-based set reconciliation over the
// (clock, CID) of every held revision (package protocol/reconcile).
// The initiator sends wire.SyncRequest frames carrying reconciliation
// messages, the responder answers each with a wire.SyncResponse, until the
// initiator's session completes. The initiator then knows which
// revisions it needs, and fetches them with /mutu/fetch/1.0.0, and
// which the responder lacks: it lists those in its last frame (done),
// and the responder pulls them with /mutu/fetch/1.0.0 (the node never
// pushes). Both ends tell their revision count in their first frame,
// so that a node far behind switches to /mutu/bulk/1.0.0. See
// docs/protocol.md (Part 2), "Sync".

// Sync limits.
const (
	// maxSyncServing is how many sync sessions a node answers at once.
	maxSyncServing = 8
	// maxPullPending caps the CIDs queued for pulling from one peer.
	maxPullPending = 1 << 16
)

// Sync modes shown in PeerSync.Mode.
const (
	modeReconcile = "reconcile"
	modeBulk      = "bulk+reconcile"
)

// handleSync answers /mutu/sync/1.0.0.
func (n *Node) handleSync(ctx context.Context, s network.Stream) (err error) {
	g := guard(ctx, s, streamIdle)
	defer g.release()
	defer func() { finish(s, err) }()
	p := s.Conn().RemotePeer()
	select {
	case n.syncSlots <- struct{}{}:
		defer func() { <-n.syncSlots }()
	default:
		return n.refuse(s, ProtoSync, protocol.Errorf(protocol.CodeRateLimited, "answering %d syncs already; try again later", maxSyncServing))
	}
	sess, err := reconcile.NewResponder(n.index.set)
	if err != nil {
		return wrapPeer(ProtoSync, p, err)
	}
	br := wire.NewReader(s)
	behind := false
	for round := 0; ; round++ {
		var req wire.SyncRequest
		if err := wire.ReadRequest(br, wire.MaxSyncFrame, n.cfg.Network, &req); err != nil {
			if round > 0 && errors.Is(err, io.EOF) {
				return nil // the initiator stopped, for instead a bulk transfer
			}
			return n.refuseRequest(s, ProtoSync, err)
		}
		g.extend()
		if round == 0 {
			// Far behind: catch up from this peer by bulk rather than by
			// pulling. During a bulk transfer from another peer, pulling
			// would bring what that transfer brings: this peer is
			// reconciled with once it ends.
			behind = n.cursor.busy(p) || n.farBehind(n.index.len(), req.Count)
			if behind {
				n.requestSync(p, 0)
			}
		}
		if req.Done {
			if len(req.Lack) > wire.MaxLack {
				return n.refuse(s, ProtoSync, protocol.Errorf(protocol.CodeTooLarge, "%d CIDs in lack, limit %d", len(req.Lack), wire.MaxLack))
			}
			if !behind {
				lack := make([]cid.Cid, 0, len(req.Lack))
				for _, raw := range req.Lack {
					c, err := wire.CastCID(raw)
					if err != nil {
						return n.refuse(s, ProtoSync, err)
					}
					lack = append(lack, c)
				}
				n.pull(p, lack)
			}
			return nil
		}
		if len(req.Recon) == 0 {
			return n.refuse(s, ProtoSync, protocol.Errorf(protocol.CodeMalformed, "request carries no reconciliation message and is not done"))
		}
		reply, _, _, err := sess.Step(req.Recon)
		if err != nil {
			if !errors.As(err, new(*protocol.Error)) {
				err = protocol.Errorf(protocol.CodeMalformed, "%v", err)
			}
			return n.refuse(s, ProtoSync, err)
		}
		resp := wire.SyncResponse{Recon: reply}
		if round == 0 {
			resp.Count = uint64(n.index.len())
		}
		if err := wire.WriteFrame(s, resp); err != nil {
			return wrapPeer(ProtoSync, p, err)
		}
	}
}

// farBehind reports whether a node holding local revisions should
// catch up with a peer holding remote ones by bulk transfer.
func (n *Node) farBehind(local int, remote uint64) bool {
	if uint64(local) >= remote || remote-uint64(local) < uint64(n.o.bulkMinDiff) {
		return false
	}
	return uint64(local)*2 < remote || n.cursor.pending()
}

// reconciled is what a reconciliation taught the initiator.
type reconciled struct {
	need      []reconcile.Item // held by the peer, not here
	offered   int              // held here, not by the peer: offered for pulling
	peerCount uint64
	bulk      bool // stopped early: this node is far behind
	wait      bool // stopped early: a bulk transfer with another peer runs
}

// reconcileWith runs one reconciliation with p as initiator. If
// allowBulk, it stops after the first answer and reports bulk if that
// shows this node far behind, or wait if a bulk transfer with another
// peer runs.
func (n *Node) reconcileWith(ctx context.Context, p peer.ID, allowBulk bool) (res reconciled, err error) {
	sess, err := reconcile.NewInitiator(n.index.set)
	if err != nil {
		return res, err
	}
	local := n.index.len()
	msg, err := sess.Initiate()
	if err != nil {
		return res, err
	}
	s, err := n.openStream(ctx, p, ProtoSync)
	if err != nil {
		return res, err
	}
	g := guard(ctx, s, streamIdle)
	defer g.release()
	defer func() { finish(s, err) }()
	if err := wire.WriteFrame(s, wire.SyncRequest{V: wire.Version, Net: n.cfg.Network, Count: uint64(local), Recon: msg}); err != nil {
		return res, wrapPeer(ProtoSync, p, fmt.Errorf("send: %w", err))
	}
	br := wire.NewReader(s)
	var have []reconcile.Item
	for round := 0; ; round++ {
		var resp wire.SyncResponse
		if err := wire.ReadFrame(br, wire.MaxSyncFrame, &resp); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			n.penalizeCode(p, ProtoSync, err)
			return res, wrapPeer(ProtoSync, p, fmt.Errorf("round %d: %w", round, err))
		}
		g.extend()
		if resp.Code != protocol.CodeOK {
			return res, n.checkResponse(p, ProtoSync, resp.Code, resp.Msg)
		}
		if round == 0 {
			res.peerCount = resp.Count
			switch {
			case !allowBulk:
			case n.cursor.busy(p):
				res.wait = true
				return res, nil
			case n.farBehind(local, resp.Count):
				res.bulk = true
				return res, nil
			}
		}
		reply, h, need, err := sess.Step(resp.Recon)
		if err != nil {
			n.penalizeCode(p, ProtoSync, err)
			return res, wrapPeer(ProtoSync, p, err)
		}
		have = append(have, h...)
		res.need = append(res.need, need...)
		if reply == nil {
			break
		}
		if err := wire.WriteFrame(s, wire.SyncRequest{V: wire.Version, Net: n.cfg.Network, Recon: reply}); err != nil {
			return res, wrapPeer(ProtoSync, p, fmt.Errorf("send: %w", err))
		}
	}
	done := wire.SyncRequest{V: wire.Version, Net: n.cfg.Network, Done: true}
	for _, it := range have[:min(len(have), wire.MaxLack)] {
		done.Lack = append(done.Lack, it.ID.Bytes())
	}
	res.offered = len(done.Lack)
	if err := wire.WriteFrame(s, done); err != nil {
		return res, wrapPeer(ProtoSync, p, fmt.Errorf("send: %w", err))
	}
	slices.SortFunc(res.need, reconcile.Item.Compare)
	return res, nil
}

// syncPeer brings this node up to date with p: a reconciliation, a
// bulk transfer first if this node is far behind, then the fetching of
// what it needs. A node runs one bulk transfer at a time: while one
// runs with another peer, the sync with p waits for it to end, and
// then reconciles with what it brought. The outcome is recorded for
// Status.
func (n *Node) syncPeer(ctx context.Context, p peer.ID) {
	start := time.Now()
	mode := modeReconcile
	received := 0
	var res reconciled
	var err error
	for {
		if n.cursor.busy(p) {
			n.log.Debug("sync waits for the bulk transfer to end", "peer", p)
		}
		free, werr := n.cursor.wait(ctx, p, bulkWaitMax)
		if werr != nil {
			return // closing
		}
		if !free {
			// The transfer with another peer goes on: reconcile with p
			// all the same rather than wait on it longer.
			n.log.Info("bulk transfer with another peer still runs; reconciling without waiting more", "peer", p)
			res, err = n.reconcileWith(ctx, p, false)
			break
		}
		res, err = n.reconcileWith(ctx, p, true)
		if err != nil || !res.bulk && !res.wait {
			break
		}
		if res.wait {
			continue // a bulk transfer with another peer began meanwhile
		}
		after, afterCID, from, ok := n.cursor.claim(p)
		if !ok {
			continue // another peer's claim came first
		}
		mode = modeBulk
		got, berr := n.runBulk(ctx, p, after, afterCID, from)
		n.cursor.release(p)
		received += got
		if protocol.CodeOf(berr) == protocol.CodeRateLimited {
			// p sheds load: pulling the whole difference instead would
			// load it more. The next periodic sync tries again.
			err = berr
			break
		}
		if berr != nil && ctx.Err() == nil {
			n.log.Warn("bulk transfer stopped; reconciling instead", "peer", p, "stored", got, "err", berr)
		}
		res, err = n.reconcileWith(ctx, p, false)
		break
	}
	if err == nil && len(res.need) > 0 {
		var got int
		got, err = n.fetchAndStore(ctx, p, itemCIDs(res.need))
		received += got
	}
	result := "ok"
	if err != nil {
		result = err.Error()
		if ctx.Err() == nil {
			n.log.Info("sync failed", "peer", p, "mode", mode, "err", err)
		}
	} else if received > 0 || res.offered > 0 {
		n.log.Info("synced", "peer", p, "mode", mode, "received", received, "offered", res.offered, "took", time.Since(start).Round(time.Millisecond))
		if received > 0 {
			n.known.synced(p) // it brought what the node lacked
		}
	} else {
		n.log.Debug("in sync", "peer", p, "revisions", res.peerCount)
	}
	n.syncs.record(p, PeerSync{
		LastSync: time.Now(),
		Mode:     mode,
		Result:   result,
		Received: received,
		Offered:  res.offered,
		Duration: time.Since(start),
	})
}

func itemCIDs(items []reconcile.Item) []cid.Cid {
	out := make([]cid.Cid, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// fetchAndStore fetches revisions from p, batch by batch, and stores
// them, each batch before fetching the next: a batch is at most
// fetchBatch revisions and fetchBudget bytes. It returns how many were
// newly stored.
func (n *Node) fetchAndStore(ctx context.Context, p peer.ID, cids []cid.Cid) (stored int, err error) {
	var unresolved int
	// What was erased is never fetched again (docs/protocol.md §4.14).
	cids = n.notErased(cids)
	// What another transfer is receiving is left to it.
	cids = n.index.claim(cids)
	defer func() { n.index.release(cids) }()
	for len(cids) > 0 {
		revs, rest, ferr := n.fetchSome(ctx, p, cids, fetchBudget)
		done := cids[:len(cids)-len(rest)]
		cids = rest
		res, ierr := n.ingest(ctx, p, revs, syncRounds)
		n.index.release(done)
		stored += res.added
		unresolved += len(res.unresolved)
		if ferr != nil {
			return stored, ferr
		}
		if ierr != nil && (ctx.Err() != nil || errors.Is(ierr, catalogue.ErrDiskFull)) {
			return stored, ierr
		}
		if ierr != nil {
			n.log.Debug("revisions not stored", "peer", p, "err", ierr)
		}
	}
	if unresolved > 0 {
		return stored, fmt.Errorf("node: %d revisions from %s could not be stored", unresolved, p)
	}
	return stored, nil
}

// syncTracker runs at most one sync per peer at a time and keeps the
// outcome of the last one, for peers connected or active within
// peerForget (prune).
// It is safe for concurrent use.
type syncTracker struct {
	mu    sync.Mutex // guards peers
	peers map[peer.ID]*syncEntry
}

type syncEntry struct {
	scheduled bool // a start is pending
	running   bool
	again     bool // asked for while running: run once more after
	last      PeerSync
	received  int       // revisions received from the peer since start
	active    time.Time // when a sync with the peer last began or ended, or it sent revisions
}

// peerForget is how long the sync table keeps a peer that is gone.
const peerForget = 10 * time.Minute

func newSyncTracker() *syncTracker {
	return &syncTracker{peers: make(map[peer.ID]*syncEntry)}
}

func (t *syncTracker) entry(p peer.ID) *syncEntry {
	e := t.peers[p]
	if e == nil {
		e = &syncEntry{}
		t.peers[p] = e
	}
	return e
}

// claim reports whether the caller should schedule a sync with p. A
// sync already running is asked to run once more instead.
func (t *syncTracker) claim(p peer.ID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(p)
	switch {
	case e.running:
		e.again = true
		return false
	case e.scheduled:
		return false
	}
	e.scheduled = true
	return true
}

// begin marks the scheduled sync with p as running.
func (t *syncTracker) begin(p peer.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(p)
	e.scheduled, e.running = false, true
	e.active = time.Now()
}

// end reports whether another sync was asked for meanwhile; if not, it
// marks the sync with p as over.
func (t *syncTracker) end(p peer.ID) (again bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(p)
	if e.again {
		e.again = false
		return true
	}
	e.running, e.scheduled = false, false
	return false
}

// cancel forgets a scheduled sync that could not start.
func (t *syncTracker) cancel(p peer.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(p)
	e.scheduled, e.running, e.again = false, false, false
}

func (t *syncTracker) record(p peer.ID, st PeerSync) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st.Peer = p
	e := t.entry(p)
	e.last = st
	e.received += st.Received
	e.active = time.Now()
}

// pulled counts revisions received from p outside a sync of this
// node's: those p offered at the end of a sync it started.
func (t *syncTracker) pulled(p peer.ID, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(p)
	e.received += n
	e.active = time.Now()
}

// prune forgets the peers that are not connected, have no sync
// scheduled or running, and were last active more than peerForget
// before now: without it the table would grow with every peer ever
// met, and Status with it.
func (t *syncTracker) prune(now time.Time, connected func(peer.ID) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for p, e := range t.peers {
		if !e.scheduled && !e.running && now.Sub(e.active) > peerForget && !connected(p) {
			delete(t.peers, p)
		}
	}
}

func (t *syncTracker) snapshot() []PeerSync {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]PeerSync, 0, len(t.peers))
	for _, p := range slices.Sorted(maps.Keys(t.peers)) {
		e := t.peers[p]
		st := e.last
		st.Peer = p
		st.Running = e.running
		st.ReceivedTotal = e.received
		out = append(out, st)
	}
	return out
}

// requestSync starts a sync with p after delay, unless one is already
// scheduled or running (which then runs once more).
func (n *Node) requestSync(p peer.ID, delay time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.requestSyncLocked(p, delay)
}

// requestSyncLocked is requestSync with n.mu held.
func (n *Node) requestSyncLocked(p peer.ID, delay time.Duration) {
	if n.state != stateRunning || p == n.host.ID() || !n.acc.member(p) || !n.syncs.claim(p) {
		return
	}
	n.goLocked(func(ctx context.Context) {
		if !sleep(ctx, delay) {
			n.syncs.cancel(p)
			return
		}
		n.syncs.begin(p)
		for {
			n.syncPeer(ctx, p)
			if ctx.Err() != nil {
				n.syncs.cancel(p)
				return
			}
			if !n.syncs.end(p) {
				return
			}
		}
	})
}

// SyncNow starts a sync with every connected peer at once and returns;
// Status shows the outcome.
func (n *Node) SyncNow() {
	h, err := n.running()
	if err != nil {
		return
	}
	for _, p := range h.Network().Peers() {
		n.requestSync(p, 0)
	}
}

// pullQueue holds, per peer, CIDs a peer offered at the end of a sync
// and that the node will fetch from it, one puller per peer.
// It is safe for concurrent use.
type pullQueue struct {
	mu      sync.Mutex // guards pending, running
	pending map[peer.ID][]cid.Cid
	running map[peer.ID]bool
}

func newPullQueue() *pullQueue {
	return &pullQueue{pending: make(map[peer.ID][]cid.Cid), running: make(map[peer.ID]bool)}
}

// pull queues cids (those not held) for fetching from p and starts a
// puller for p if none runs.
func (n *Node) pull(p peer.ID, cids []cid.Cid) {
	q := n.pulls
	q.mu.Lock()
	for _, c := range cids {
		if len(q.pending[p]) >= maxPullPending {
			break
		}
		if c.Prefix().Codec == protocol.CodecDagCBOR && !n.index.has(c) {
			q.pending[p] = append(q.pending[p], c)
		}
	}
	start := len(q.pending[p]) > 0 && !q.running[p]
	if start {
		q.running[p] = true
	}
	q.mu.Unlock()
	if !start {
		return
	}
	started := n.spawn(func(ctx context.Context) {
		for {
			q.mu.Lock()
			todo := q.pending[p]
			delete(q.pending, p)
			if len(todo) == 0 || ctx.Err() != nil {
				delete(q.running, p)
				q.mu.Unlock()
				return
			}
			q.mu.Unlock()
			var fresh []cid.Cid
			for _, c := range todo {
				if !n.index.has(c) {
					fresh = append(fresh, c)
				}
			}
			got, err := n.fetchAndStore(ctx, p, fresh)
			n.syncs.pulled(p, got)
			if err != nil && ctx.Err() == nil {
				n.log.Debug("pull offered revisions", "peer", p, "stored", got, "err", err)
			}
		}
	})
	if !started {
		q.mu.Lock()
		delete(q.running, p)
		delete(q.pending, p)
		q.mu.Unlock()
	}
}
