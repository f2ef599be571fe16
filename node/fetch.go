package node

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/wire"
)

// /mutu/fetch/1.0.0: the requester sends one wire.FetchRequest listing up
// to wire.MaxFetchCIDs CIDs; the responder answers with one wire.FetchResponse
// frame per CID, in the order asked, then closes the stream. Revisions
// and raw attachment blocks are fetched alike. See
// docs/protocol.md (Part 2), "Fetch".

// Fetch limits.
const (
	// fetchBatch is how many revisions the node asks for at once.
	fetchBatch = 256
	// fetchBudget is how many bytes of revisions the node reads from
	// one fetch answer (plus the revision that crosses it) before it
	// stops reading and asks for the rest in another request: it holds
	// what it fetched until it is verified and stored, and a revision
	// may weigh 1 MiB.
	fetchBudget = 4 << 20
	// maxFetchHeld bounds the bytes of revisions fetchRevisions
	// returns at once (plus one revision).
	maxFetchHeld = 16 << 20
	// blockBatch is how many attachment blocks (up to 1 MiB each) the
	// node asks one peer for at once.
	blockBatch = 4
)

// handleFetch serves /mutu/fetch/1.0.0.
func (n *Node) handleFetch(ctx context.Context, s network.Stream) (err error) {
	g := guard(ctx, s, streamIdle)
	defer g.release()
	defer func() { finish(s, err) }()
	p := s.Conn().RemotePeer()
	var req wire.FetchRequest
	if err := wire.ReadRequest(wire.NewReader(s), wire.MaxFetchRequestFrame, n.cfg.Network, &req); err != nil {
		return n.refuseRequest(s, ProtoFetch, err)
	}
	if len(req.CIDs) > wire.MaxFetchCIDs {
		return n.refuse(s, ProtoFetch, protocol.Errorf(protocol.CodeTooLarge, "%d CIDs asked, limit %d", len(req.CIDs), wire.MaxFetchCIDs))
	}
	cids := make([]cid.Cid, len(req.CIDs))
	for i, raw := range req.CIDs {
		c, err := wire.CastCID(raw)
		if err != nil {
			return n.refuse(s, ProtoFetch, err)
		}
		cids[i] = c
	}
	for i, c := range cids {
		resp := wire.FetchResponse{CID: req.CIDs[i]}
		data, err := n.cat.Block(ctx, c)
		switch {
		case err == nil:
			resp.Data = data
			if c.Prefix().Codec == protocol.CodecRaw {
				n.stats.blocksServed.Add(1)
			} else {
				n.stats.revisionsServed.Add(1)
			}
		case errors.Is(err, protocol.ErrNotFound):
			resp.Code = protocol.CodeNotFound
		default:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			n.log.Warn("read block for peer", "peer", p, "cid", c, "err", err)
			resp.Code, resp.Msg = protocol.CodeInternal, "read failed"
		}
		if err := wire.WriteFrame(s, resp); err != nil {
			return wrapPeer(ProtoFetch, p, err)
		}
		g.extend()
	}
	return nil
}

// refuseRequest answers a request that failed to decode. A stream that
// ended or broke before a whole request arrived gets no answer.
func (n *Node) refuseRequest(s network.Stream, proto libp2pproto.ID, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return wrapPeer(proto, s.Conn().RemotePeer(), fmt.Errorf("read request: %w", err))
	}
	return n.refuse(s, proto, err)
}

// fetchRaw asks p for up to wire.MaxFetchCIDs blocks and returns those it
// sent, unverified but each under the CID asked, and the CIDs it does
// not hold. It holds every block until it returns: callers bound
// len(cids) (attachments ask for blockBatch blocks at a time).
func (n *Node) fetchRaw(ctx context.Context, p peer.ID, cids []cid.Cid) (blocks []protocol.Block, notFound []cid.Cid, err error) {
	blocks, notFound, _, err = n.fetchRawUpTo(ctx, p, cids, 0)
	return blocks, notFound, err
}

// fetchRawUpTo is fetchRaw reading the answer only until the blocks
// received reach budget bytes (no limit if 0): it then resets the
// stream. answered counts the CIDs answered, in the order asked; the
// others are to be asked for again. A response out of order or
// malformed costs p a strike.
func (n *Node) fetchRawUpTo(ctx context.Context, p peer.ID, cids []cid.Cid, budget int) (blocks []protocol.Block, notFound []cid.Cid, answered int, err error) {
	s, err := n.openStream(ctx, p, ProtoFetch)
	if err != nil {
		return nil, nil, 0, err
	}
	g := guard(ctx, s, streamIdle)
	defer g.release()
	cut := false
	defer func() {
		if cut {
			_ = s.Reset() // the rest of the answer is not wanted now
			return
		}
		finish(s, err)
	}()
	if err := wire.WriteFrame(s, wire.FetchRequest{V: wire.Version, Net: n.cfg.Network, CIDs: wire.CIDBytes(cids)}); err != nil {
		return nil, nil, 0, wrapPeer(ProtoFetch, p, fmt.Errorf("send request: %w", err))
	}
	if err := s.CloseWrite(); err != nil {
		return nil, nil, 0, wrapPeer(ProtoFetch, p, err)
	}
	br := wire.NewReader(s)
	size := 0
	for i, want := range cids {
		var resp wire.FetchResponse
		if err := wire.ReadFrame(br, wire.MaxFetchResponseFrame, &resp); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			n.penalizeCode(p, ProtoFetch, err)
			return blocks, notFound, i, wrapPeer(ProtoFetch, p, fmt.Errorf("response %d of %d: %w", i+1, len(cids), err))
		}
		g.extend()
		if resp.CID == nil {
			return blocks, notFound, i, n.checkResponse(p, ProtoFetch, resp.Code, resp.Msg)
		}
		if c, err := cid.Cast(resp.CID); err != nil || !c.Equals(want) {
			err := protocol.Errorf(protocol.CodeMalformed, "response %d is for another CID than %s", i+1, want)
			n.penalize(p, ProtoFetch, 1, err)
			return blocks, notFound, i, wrapPeer(ProtoFetch, p, err)
		}
		switch resp.Code {
		case protocol.CodeOK:
		case protocol.CodeNotFound:
			notFound = append(notFound, want)
			continue
		default:
			// The peer holds it but could not read it (CodeInternal):
			// neither a block nor a denial, and no fault of the peer's.
			continue
		}
		blocks = append(blocks, protocol.Block{CID: want, Data: resp.Data})
		size += len(resp.Data)
		if budget > 0 && size >= budget && i+1 < len(cids) {
			cut = true
			return blocks, notFound, i + 1, nil
		}
	}
	return blocks, notFound, len(cids), nil
}

// fetchSome fetches from p the first revisions of cids: at most
// fetchBatch of them, read up to budget bytes (fetchRawUpTo). It
// verifies them in parallel and returns the valid ones and the CIDs
// still to fetch, the tail of cids. Each invalid revision costs p a
// strike.
func (n *Node) fetchSome(ctx context.Context, p peer.ID, cids []cid.Cid, budget int) (good []protocol.Verified, rest []cid.Cid, err error) {
	batch := cids[:min(fetchBatch, len(cids))]
	blocks, _, answered, err := n.fetchRawUpTo(ctx, p, batch, budget)
	good, bad := protocol.VerifyAll(ctx, blocks)
	for _, b := range bad {
		n.penalize(p, ProtoFetch, 1, b.Err)
	}
	n.stats.revisionsReceived.Add(uint64(len(good)))
	return good, cids[answered:], err
}

// fetchRevisionsUpTo fetches revisions from p, request by request, and
// returns the valid ones, no more than budget bytes of them (plus one
// revision), and the CIDs it left for lack of budget.
func (n *Node) fetchRevisionsUpTo(ctx context.Context, p peer.ID, cids []cid.Cid, budget int) (out []protocol.Verified, rest []cid.Cid, err error) {
	size := 0
	for len(cids) > 0 && size < budget {
		good, left, err := n.fetchSome(ctx, p, cids, min(fetchBudget, budget-size))
		out = append(out, good...)
		for _, v := range good {
			size += len(v.Data)
		}
		cids = left
		if err != nil {
			return out, cids, err
		}
	}
	return out, cids, nil
}

// fetchRevisions fetches revisions from p and returns the valid ones,
// up to maxFetchHeld bytes of them: the others are left, with an
// error saying so, to a later sync.
func (n *Node) fetchRevisions(ctx context.Context, p peer.ID, cids []cid.Cid) ([]protocol.Verified, error) {
	out, rest, err := n.fetchRevisionsUpTo(ctx, p, cids, maxFetchHeld)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("node: %d of %d revisions from %s not fetched: over %d bytes at once", len(rest), len(cids), p, maxFetchHeld)
	}
	return out, err
}
