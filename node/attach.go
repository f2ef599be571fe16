package node

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
)

// Attachments are raw blocks of at most protocol.MaxBlockSize, fetched
// by CID with /mutu/fetch/1.0.0 from any connected peer that holds
// them, several requests in parallel, each block verified against its
// CID before it is stored. Blocks already held are never asked for
// again, so a transfer cut at any point resumes where it stopped.
//
// The node fetches on its own the blocks of entries whose attachments
// total at most Config.AttachmentAutoFetchLimit; larger ones wait for
// someone to ask: `mutu fetch`, the API's POST
// /api/v1/entries/{id}/fetch and the button of the entry's web page
// all come to FetchBlocks through api.Network.Fetch.

// attachWorkers is how many block requests run at once.
const attachWorkers = 4

// attachDebounce gathers the kicks of a burst of stored revisions into
// one pass over the missing blocks.
const attachDebounce = 200 * time.Millisecond

// FetchBlocks fetches the raw attachment blocks cids that are not held
// from the connected peers, verifies and stores them, and reports what
// it did. It returns an error matching protocol.ErrNotFound that counts
// the blocks no peer supplied, if any; the blocks that were found are
// stored either way, and the report counts them whatever the error.
func (n *Node) FetchBlocks(ctx context.Context, cids []cid.Cid) (api.BlockFetch, error) {
	var rep api.BlockFetch
	h, err := n.running()
	if err != nil {
		return rep, err
	}
	var want []cid.Cid
	seen := make(map[cid.Cid]bool, len(cids))
	for _, c := range cids {
		if c.Prefix().Codec != protocol.CodecRaw {
			return rep, protocol.Errorf(protocol.CodeBadCID, "fetch blocks: %s is not a raw attachment block", c)
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		held, err := n.cat.Has(ctx, c)
		if err != nil {
			return rep, fmt.Errorf("node: fetch blocks: %w", err)
		}
		if !held {
			want = append(want, c)
		}
	}
	rep.Wanted = len(want)
	if len(want) == 0 {
		return rep, nil
	}
	var peers []peer.ID
	for _, p := range h.Network().Peers() {
		if !n.pen.banned(p) && n.acc.member(p) {
			peers = append(peers, p)
		}
	}
	rep.Peers = len(peers)
	if len(peers) == 0 {
		return rep, protocol.Errorf(protocol.CodeNotFound, "%d blocks missing and no peer connected", len(want))
	}
	rand.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })

	t := &fetchTally{from: make(map[peer.ID]bool)}
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(attachWorkers)
	for k, start := 0, 0; start < len(want); k, start = k+1, start+blockBatch {
		chunk := want[start:min(start+blockBatch, len(want))]
		eg.Go(func() error {
			left, err := n.fetchChunk(ctx, chunk, peers, k, t)
			t.mu.Lock()
			t.lost = append(t.lost, left...)
			t.mu.Unlock()
			return err
		})
	}
	err = eg.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	rep.Fetched, rep.Bytes, rep.From = t.blocks, t.bytes, len(t.from)
	if err != nil {
		return rep, err
	}
	if len(t.lost) > 0 {
		return rep, protocol.Errorf(protocol.CodeNotFound, "%d of %d blocks held by none of %d connected peers", len(t.lost), len(want), len(peers))
	}
	return rep, nil
}

// fetchTally adds up what the workers of one FetchBlocks call stored.
type fetchTally struct {
	mu     sync.Mutex // guards the fields below
	lost   []cid.Cid  // blocks no peer supplied
	blocks int        // blocks stored
	bytes  uint64     // their size
	from   map[peer.ID]bool
}

// stored counts blocks that p supplied and that are now stored.
func (t *fetchTally) stored(p peer.ID, blocks []protocol.Block) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.blocks += len(blocks)
	for _, b := range blocks {
		t.bytes += uint64(len(b.Data))
	}
	t.from[p] = true
}

// fetchChunk asks the peers in turn, starting at a different one for
// every chunk to spread the load, until each block of chunk is stored,
// and counts what it stores in t. It returns the blocks none of them
// supplied. Only storage errors and the end of ctx end it early.
func (n *Node) fetchChunk(ctx context.Context, chunk []cid.Cid, peers []peer.ID, k int, t *fetchTally) ([]cid.Cid, error) {
	left := chunk
	for i := range peers {
		if len(left) == 0 || ctx.Err() != nil {
			break
		}
		p := peers[(k+i)%len(peers)]
		blocks, _, err := n.fetchRaw(ctx, p, left)
		if err != nil && ctx.Err() == nil {
			n.log.Debug("fetch blocks", "peer", p, "err", err)
		}
		var good []protocol.Block
		for _, b := range blocks {
			if err := checkBlock(b); err != nil {
				n.penalize(p, ProtoFetch, 1, err)
				continue
			}
			good = append(good, b)
		}
		if len(good) > 0 {
			if err := n.cat.AddBlocks(ctx, good); err != nil {
				return left, fmt.Errorf("node: store %d blocks from %s: %w", len(good), p, err)
			}
			n.stats.blocksReceived.Add(uint64(len(good)))
			t.stored(p, good)
		}
		got := make(map[cid.Cid]bool, len(good))
		for _, b := range good {
			got[b.CID] = true
		}
		var next []cid.Cid
		for _, c := range left {
			if !got[c] {
				next = append(next, c)
			}
		}
		left = next
	}
	return left, ctx.Err()
}

// checkBlock verifies a raw attachment block against its CID.
func checkBlock(b protocol.Block) error {
	if b.CID.Prefix().Codec != protocol.CodecRaw {
		return protocol.Errorf(protocol.CodeBadCID, "block %s is not a raw block", b.CID)
	}
	if len(b.Data) > protocol.MaxBlockSize {
		return protocol.Errorf(protocol.CodeTooLarge, "block %s is %d bytes, limit %d", b.CID, len(b.Data), protocol.MaxBlockSize)
	}
	return protocol.CheckCID(b.CID, b.Data)
}

// kickAttachments asks the attachment worker for a pass.
func (n *Node) kickAttachments() {
	select {
	case n.attach <- struct{}{}:
	default:
	}
}

// attachmentLoop fetches, after every burst of stored revisions and
// every new connection, the missing blocks of entries within the
// automatic limit.
func (n *Node) attachmentLoop(ctx context.Context) {
	if n.cfg.AttachmentAutoFetchLimit < 0 {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.attach:
		}
		if !sleep(ctx, attachDebounce) {
			return
		}
		n.fetchMissing(ctx)
		n.stats.attachPasses.Add(1)
	}
}

// fetchMissing fetches the missing attachment blocks of the entries
// within the automatic limit.
func (n *Node) fetchMissing(ctx context.Context) {
	missing, err := n.cat.MissingBlocks(ctx)
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("list missing attachment blocks", "err", err)
		}
		return
	}
	var want []cid.Cid
	for _, m := range missing {
		if m.EntrySize <= uint64(n.cfg.AttachmentAutoFetchLimit) {
			want = append(want, m.CID)
		}
	}
	if len(want) == 0 {
		return
	}
	if _, err := n.FetchBlocks(ctx, want); err != nil && ctx.Err() == nil {
		n.log.Debug("fetch attachment blocks", "blocks", len(want), "err", err)
	}
}
