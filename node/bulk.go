package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
	"github.com/mutu-network/mutu/protocol/wire"
)

// /mutu/bulk/1.0.0: a node that starts empty or far behind asks a peer
// for every revision after a cursor, in (clock, CID) order; the peer
// streams them in batches and ends with an end frame. The receiver
// stores each batch and then saves the cursor (the last revision of the
// batch), so that a transfer cut at any point resumes after what was
// stored. One reconciliation follows, which fills whatever the ordered
// stream could not (revisions that arrived at the peer later with older
// clocks). See docs/protocol.md (Part 2), "Bulk".

// Bulk limits and tuning.
const (
	// bulkPage is how many revisions the responder reads from its
	// catalogue per walk, so that no storage iterator stays open while
	// the stream waits on the network.
	bulkPage = 1024
	// maxBulkServing is how many bulk streams a node serves at once,
	// one per peer.
	maxBulkServing = 2
	// bulkMinRate is the fewest revisions a bulk transfer must bring per
	// bulkRateWindow, or it is cut and the node reconciles instead: a
	// peer far ahead sends thousands a second, and a transfer that
	// trickles would hold up every other sync (see bulkWaitMax).
	bulkMinRate = 100
	// defaultBulkMinDiff: see WithBulkThreshold.
	defaultBulkMinDiff = 512
)

// Bulk pacing; variables so that tests can shorten them.
var (
	// bulkRateWindow is the period over which bulkMinRate is counted.
	bulkRateWindow = time.Minute
	// bulkWaitMax is the longest a sync waits for a bulk transfer with
	// another peer to end; past it, it reconciles without waiting more.
	bulkWaitMax = 2 * time.Minute
)

// errStopWalk ends a catalogue walk early.
var errStopWalk = errors.New("stop walk")

// handleBulk serves /mutu/bulk/1.0.0.
func (n *Node) handleBulk(ctx context.Context, s network.Stream) (err error) {
	g := guard(ctx, s, streamIdle)
	defer g.release()
	defer func() { finish(s, err) }()
	p := s.Conn().RemotePeer()
	var req wire.BulkRequest
	if err := wire.ReadRequest(wire.NewReader(s), wire.MaxBulkRequestFrame, n.cfg.Network, &req); err != nil {
		return n.refuseRequest(s, ProtoBulk, err)
	}
	after, afterCID := protocol.Clock(req.After), cid.Undef
	if req.AfterCID != nil {
		if afterCID, err = wire.CastCID(req.AfterCID); err != nil {
			return n.refuse(s, ProtoBulk, err)
		}
	} else if req.After != 0 {
		return n.refuse(s, ProtoBulk, protocol.Errorf(protocol.CodeMalformed, "after without after_cid"))
	}
	if !n.bulkServing.start(p) {
		return n.refuse(s, ProtoBulk, protocol.Errorf(protocol.CodeRateLimited, "serving a bulk stream to this peer or %d already; try again later", maxBulkServing))
	}
	defer n.bulkServing.end(p)
	n.log.Debug("serving bulk", "peer", p, "after", after, "after_cid", afterCID)
	var frame wire.BulkResponse
	size := 0
	flush := func() error {
		if len(frame.Revs) == 0 {
			return nil
		}
		if err := wire.WriteFrame(s, frame); err != nil {
			return wrapPeer(ProtoBulk, p, err)
		}
		g.extend()
		n.stats.bulkServed.Add(uint64(len(frame.Revs)))
		frame.Revs, size = nil, 0
		return nil
	}
	for {
		page := make([]reconcile.Item, 0, bulkPage)
		err := n.cat.RevisionsByClock(ctx, after, afterCID, func(c protocol.Clock, id cid.Cid) error {
			page = append(page, reconcile.Item{Clock: c, ID: id})
			if len(page) == bulkPage {
				return errStopWalk
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopWalk) {
			return wrapPeer(ProtoBulk, p, fmt.Errorf("walk revisions: %w", err))
		}
		if len(page) == 0 {
			if err := flush(); err != nil {
				return err
			}
			if err := wire.WriteFrame(s, wire.BulkResponse{End: true}); err != nil {
				return wrapPeer(ProtoBulk, p, err)
			}
			return nil
		}
		for _, it := range page {
			data, err := n.cat.Block(ctx, it.ID)
			if err != nil {
				if errors.Is(err, protocol.ErrNotFound) {
					continue // removed meanwhile; reconciliation settles it
				}
				return wrapPeer(ProtoBulk, p, fmt.Errorf("read %s: %w", it.ID, err))
			}
			frame.Revs = append(frame.Revs, wire.BulkRev{CID: it.ID.Bytes(), Data: data})
			size += len(data)
			if size >= wire.BulkFrameBytes || len(frame.Revs) >= wire.BulkFrameRevs {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		last := page[len(page)-1]
		after, afterCID = last.Clock, last.ID
	}
}

// bulkProgressEvery is how often a bulk transfer logs its progress.
const bulkProgressEvery = 10 * time.Second

// runBulk fetches from p every revision after the saved cursor, storing
// and saving the cursor batch by batch, until p sends the end frame.
// Verification of a batch runs in parallel with the reading of the
// next one. The caller holds the claim on the cursor (claim) and gives
// the position it returned. It returns the number of revisions stored.
func (n *Node) runBulk(ctx context.Context, p peer.ID, after protocol.Clock, afterCID cid.Cid, from peer.ID) (stored int, err error) {
	switch {
	case !afterCID.Defined():
		n.log.Info("bulk transfer", "peer", p)
	case from != "" && from != p:
		n.log.Info("bulk transfer", "peer", p, "resume_after", afterCID, "reached_with", from)
	default:
		n.log.Info("bulk transfer", "peer", p, "resume_after", afterCID)
	}
	s, err := n.openStream(ctx, p, ProtoBulk)
	if err != nil {
		return 0, err
	}
	gd := guard(ctx, s, streamIdle)
	defer gd.release()
	defer func() { finish(s, err) }()
	req := wire.BulkRequest{V: wire.Version, Net: n.cfg.Network}
	if afterCID.Defined() {
		req.After, req.AfterCID = uint64(after), afterCID.Bytes()
	}
	if err := wire.WriteFrame(s, req); err != nil {
		return 0, wrapPeer(ProtoBulk, p, fmt.Errorf("send request: %w", err))
	}
	if err := s.CloseWrite(); err != nil {
		return 0, wrapPeer(ProtoBulk, p, err)
	}

	eg, ctx := errgroup.WithContext(ctx)
	// A failed stage ends the reading too, which may be waiting on the
	// network.
	defer context.AfterFunc(ctx, func() { s.Reset() })()
	batches := make(chan []protocol.Block, 4)
	eg.Go(func() error {
		defer close(batches)
		br := wire.NewReader(s)
		window, inWindow := time.Now(), 0
		for {
			var resp wire.BulkResponse
			if err := wire.ReadFrame(br, wire.MaxBulkFrame, &resp); err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				n.penalizeCode(p, ProtoBulk, err)
				return wrapPeer(ProtoBulk, p, fmt.Errorf("read batch: %w", err))
			}
			gd.extend()
			if resp.Code != protocol.CodeOK {
				return n.checkResponse(p, ProtoBulk, resp.Code, resp.Msg)
			}
			if resp.End {
				return nil
			}
			if len(resp.Revs) == 0 {
				// A responder sends no empty batch: one only keeps the
				// stream open.
				err := protocol.Errorf(protocol.CodeMalformed, "bulk batch without revisions")
				n.penalize(p, ProtoBulk, 1, err)
				return wrapPeer(ProtoBulk, p, err)
			}
			if inWindow += len(resp.Revs); time.Since(window) >= bulkRateWindow {
				if inWindow < bulkMinRate {
					return wrapPeer(ProtoBulk, p, fmt.Errorf("too slow: %d revisions in %s, fewer than %d", inWindow, time.Since(window).Round(time.Second), bulkMinRate))
				}
				window, inWindow = time.Now(), 0
			}
			blocks := make([]protocol.Block, len(resp.Revs))
			for i, r := range resp.Revs {
				c, err := wire.CastCID(r.CID)
				if err != nil {
					n.penalize(p, ProtoBulk, 1, err)
					return wrapPeer(ProtoBulk, p, err)
				}
				blocks[i] = protocol.Block{CID: c, Data: r.Data}
			}
			select {
			case batches <- blocks:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	// Verification of one batch overlaps the storing of the previous
	// one.
	checked := make(chan bulkBatch, 2)
	eg.Go(func() error {
		defer close(checked)
		last := reconcile.Item{Clock: after, ID: afterCID}
		for blocks := range batches {
			batch, err := n.checkBulkBatch(ctx, p, blocks, &last)
			if err != nil {
				return err
			}
			select {
			case checked <- batch:
			case <-ctx.Done():
				n.index.release(batch.claimed)
				return ctx.Err()
			}
		}
		return nil
	})
	eg.Go(func() error {
		start := time.Now()
		logged := start
		for batch := range checked {
			res, err := n.ingest(ctx, p, batch.fresh, syncRounds)
			n.index.release(batch.claimed)
			stored += res.added
			if time.Since(logged) >= bulkProgressEvery {
				n.log.Info("bulk transfer progress", "peer", p, "stored", stored,
					"per_second", int(float64(stored)/time.Since(start).Seconds()))
				logged = time.Now()
			}
			if err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, catalogue.ErrDiskFull) {
				// The cursor stays before this batch, for when space is
				// freed.
				return err
			}
			if err != nil {
				// Left to the reconciliation that follows.
				n.log.Debug("bulk batch partly stored", "peer", p, "err", err)
			}
			// The cursor moves to the last revision of the batch held
			// now: one refused (a clock too far ahead) leaves it
			// before, so that a resumption elsewhere asks for it again.
			for _, it := range slices.Backward(batch.items) {
				if res.held[it.ID] || n.index.has(it.ID) {
					if err := n.cursor.save(p, it.Clock, it.ID); err != nil {
						n.log.Warn("save bulk cursor", "path", n.cfg.BulkCursorPath, "err", err)
					}
					break
				}
			}
		}
		return nil
	})
	err = eg.Wait()
	for batch := range checked { // left by an error
		n.index.release(batch.claimed)
	}
	if err != nil {
		return stored, err
	}
	if err := n.cursor.finish(p); err != nil {
		n.log.Warn("remove bulk cursor", "path", n.cfg.BulkCursorPath, "err", err)
	}
	return stored, nil
}

// bulkCursor is the position of an unfinished bulk transfer, and the
// claim on the one bulk transfer a node runs at a time: two transfers
// at once would each bring the whole catalogue, and would overwrite
// each other's position.
//
// The position is the last revision of the last stored batch that the
// node holds, in (clock, CID) order, with the peer it came from. It is kept in memory and, if a path is
// configured, in a small JSON file rewritten atomically after every
// stored batch. A cursor that lags behind what was stored is harmless
// (revisions already held are skipped), so the file is not synced to
// disk.
//
// The position certifies that what the serving peer held up to it was
// received. (clock, CID) order is the same on every node, so the
// position means the same at any peer, and a transfer cut with one
// peer resumes with another from there: what that other peer holds
// before the position and the first did not is brought by the
// reconciliation with it that ends every bulk transfer. Between nodes
// of one network, which replicate each other, that difference is
// small.
// It is safe for concurrent use.
type bulkCursor struct {
	path   string
	mu     sync.Mutex // guards every field below
	active bool       // a transfer started and did not finish
	clock  protocol.Clock
	id     cid.Cid
	from   peer.ID // the peer the position was reached with; "" if unknown
	// owner is the peer a transfer runs with now, "" when none; done
	// is closed when it stops.
	owner peer.ID
	done  chan struct{}
}

// cursorFile is the JSON form of a bulk cursor. Peer is absent from
// files written before it was kept, and is ignored by nodes that do
// not keep it: it needs no new version.
type cursorFile struct {
	Version int    `json:"version"`
	Peer    string `json:"peer,omitempty"`
	Clock   uint64 `json:"clock"`
	CID     string `json:"cid"`
}

// load reads the saved cursor, if any.
func (b *bulkCursor) load() error {
	if b.path == "" {
		return nil
	}
	data, err := os.ReadFile(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read bulk cursor: %w", err)
	}
	var f cursorFile
	if err := json.Unmarshal(data, &f); err != nil || f.Version != 1 {
		// Starting over costs time, not data.
		return nil
	}
	c, err := protocol.ParseCID(f.CID)
	if err != nil {
		return nil
	}
	from, err := peer.Decode(f.Peer)
	if err != nil {
		from = ""
	}
	b.mu.Lock()
	b.active, b.clock, b.id, b.from = true, protocol.Clock(f.Clock), c, from
	b.mu.Unlock()
	return nil
}

// pending reports whether a transfer is unfinished.
func (b *bulkCursor) pending() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.active
}

// claim starts the transfer with p unless one runs already. It returns
// where to resume (cid.Undef for the beginning) and the peer that
// position was reached with. release must follow a claim that
// succeeded.
func (b *bulkCursor) claim(p peer.ID) (after protocol.Clock, afterCID cid.Cid, from peer.ID, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.owner != "" {
		return 0, cid.Undef, "", false
	}
	b.owner, b.done = p, make(chan struct{})
	b.active = true
	return b.clock, b.id, b.from, true
}

// release ends p's claim; syncs waiting for it go on.
func (b *bulkCursor) release(p peer.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.owner != p {
		return
	}
	b.owner = ""
	close(b.done)
}

// busy reports whether a transfer with another peer than p runs.
func (b *bulkCursor) busy(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.owner != "" && b.owner != p
}

// wait returns true when no transfer with another peer than p runs,
// false if one still runs after max. It fails only when ctx ends.
func (b *bulkCursor) wait(ctx context.Context, p peer.ID, max time.Duration) (bool, error) {
	timeout := time.NewTimer(max)
	defer timeout.Stop()
	for {
		b.mu.Lock()
		if b.owner == "" || b.owner == p {
			b.mu.Unlock()
			return true, ctx.Err()
		}
		done := b.done
		b.mu.Unlock()
		select {
		case <-done:
		case <-timeout.C:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// bulkServing counts the bulk streams a node serves: at most
// maxBulkServing, one per peer, so that one peer cannot hold them all.
type bulkServing struct {
	mu    sync.Mutex
	peers map[peer.ID]bool
}

func (b *bulkServing) start(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.peers[p] || len(b.peers) >= maxBulkServing {
		return false
	}
	if b.peers == nil {
		b.peers = make(map[peer.ID]bool)
	}
	b.peers[p] = true
	return true
}

func (b *bulkServing) end(p peer.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.peers, p)
}

// save records the last revision stored by p's transfer.
func (b *bulkCursor) save(p peer.ID, clock protocol.Clock, id cid.Cid) error {
	b.mu.Lock()
	if b.owner != p {
		b.mu.Unlock()
		return nil
	}
	b.clock, b.id, b.from = clock, id, p
	b.mu.Unlock()
	if b.path == "" {
		return nil
	}
	data, err := json.Marshal(cursorFile{Version: 1, Peer: p.String(), Clock: uint64(clock), CID: id.String()})
	if err != nil {
		return err
	}
	// Written outside the lock: only the owner writes.
	return atomicfile.WriteNoSync(b.path, data, 0o644)
}

// finish forgets the cursor once p's transfer reached its end.
func (b *bulkCursor) finish(p peer.ID) error {
	b.mu.Lock()
	if b.owner != p {
		b.mu.Unlock()
		return nil
	}
	b.active, b.clock, b.id, b.from = false, 0, cid.Undef, ""
	b.mu.Unlock()
	if b.path == "" {
		return nil
	}
	if err := os.Remove(b.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// bulkBatch is one batch of a bulk transfer, checked.
type bulkBatch struct {
	items   []reconcile.Item    // the whole batch, in stream order
	fresh   []protocol.Verified // those neither held nor being received otherwise, verified
	claimed []cid.Cid           // fresh's claim, released once they are stored
}

// checkBulkBatch checks a batch of a bulk transfer from p: it verifies
// the revisions neither held nor being received by another transfer
// (claiming them), and that the batch follows last in (clock, CID)
// order, moving last to its end. Revisions held already are neither
// verified nor stored again: a transfer from the start brings them
// too. Those another transfer is receiving are left to it, and decoded
// only for their clock, which the order check needs.
func (n *Node) checkBulkBatch(ctx context.Context, p peer.ID, blocks []protocol.Block, last *reconcile.Item) (bulkBatch, error) {
	cids := make([]cid.Cid, len(blocks))
	for i, b := range blocks {
		cids[i] = b.CID
	}
	mine := n.index.claim(cids)
	fail := func(err error) (bulkBatch, error) {
		n.index.release(mine)
		return bulkBatch{}, err
	}
	claimed := make(map[cid.Cid]bool, len(mine))
	for _, c := range mine {
		claimed[c] = true
	}
	var unheld []protocol.Block
	for _, b := range blocks {
		if claimed[b.CID] {
			unheld = append(unheld, b)
		}
	}
	good, bad := protocol.VerifyAll(ctx, unheld)
	if len(bad) > 0 {
		for _, b := range bad {
			n.penalize(p, ProtoBulk, 1, b.Err)
		}
		return fail(wrapPeer(ProtoBulk, p, fmt.Errorf("%d invalid revisions in the stream: %w", len(bad), bad[0].Err)))
	}
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}
	clocks := make(map[cid.Cid]protocol.Clock, len(good))
	for _, v := range good {
		clocks[v.CID] = v.Rev.Clock
	}
	batch := bulkBatch{items: make([]reconcile.Item, len(blocks)), fresh: good, claimed: mine}
	for i, b := range blocks {
		clock, ok := clocks[b.CID]
		if !ok {
			clock, ok = n.index.clock(b.CID)
		}
		if !ok { // being received by another transfer
			rev, err := protocol.DecodeRevision(b.Data)
			if err != nil {
				n.penalize(p, ProtoBulk, 1, err)
				return fail(wrapPeer(ProtoBulk, p, fmt.Errorf("revision %s: %w", b.CID, err)))
			}
			clock = rev.Clock
		}
		it := reconcile.Item{Clock: clock, ID: b.CID}
		if last.ID.Defined() && it.Compare(*last) <= 0 {
			err := protocol.Errorf(protocol.CodeMalformed, "revision %s is out of (clock, CID) order", b.CID)
			n.penalize(p, ProtoBulk, 1, err)
			return fail(wrapPeer(ProtoBulk, p, err))
		}
		batch.items[i], *last = it, it
	}
	n.stats.revisionsReceived.Add(uint64(len(good)))
	return batch, nil
}
