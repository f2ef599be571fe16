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

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// /mutu/fetch/1.0.0: the requester sends one fetchRequest listing up
// to maxFetchCIDs CIDs; the responder answers with one fetchResponse
// frame per CID, in the order asked, then closes the stream. Revisions
// and raw attachment blocks are fetched alike. See
// docs/protocol.md (Part 2), "Fetch".

// fetchRequest asks for blocks by CID.
type fetchRequest struct {
	V    uint64   `cbor:"v"`
	Net  string   `cbor:"net"`
	CIDs [][]byte `cbor:"cids"`
}

// fetchResponse is one frame of a fetch answer: the block for the CID
// asked at this position, or a code (CodeNotFound) for it. A frame
// without cid and with a code refuses the whole request.
type fetchResponse struct {
	Code protocol.Code `cbor:"code,omitempty"`
	Msg  string        `cbor:"msg,omitempty"`
	CID  []byte        `cbor:"cid,omitempty"`
	Data []byte        `cbor:"data,omitempty"`
}

// Fetch limits.
const (
	maxFetchCIDs = 1024
	// maxFetchRequestFrame bounds a request: 1024 CIDs of at most 64
	// bytes each with their CBOR heads, and the header.
	maxFetchRequestFrame = maxFetchCIDs*70 + 256
	// maxFetchResponseFrame bounds one answered block.
	maxFetchResponseFrame = max(protocol.MaxRevisionSize, protocol.MaxBlockSize) + 256
	// fetchBatch is how many revisions the node asks for at once.
	fetchBatch = 256
	// blockBatch is how many attachment blocks (up to 1 MiB each) the
	// node asks one peer for at once.
	blockBatch = 4
	// maxCIDLen bounds one CID in a request or response.
	maxCIDLen = 64
)

// handleFetch serves /mutu/fetch/1.0.0.
func (n *Node) handleFetch(ctx context.Context, s network.Stream) (err error) {
	g := guard(ctx, s, streamIdle)
	defer g.release()
	defer func() { finish(s, err) }()
	p := s.Conn().RemotePeer()
	var req fetchRequest
	if err := decodeRequest(newReader(s), maxFetchRequestFrame, n.cfg.Network, &req); err != nil {
		return n.refuseRequest(s, ProtoFetch, err)
	}
	if len(req.CIDs) > maxFetchCIDs {
		return n.refuse(s, ProtoFetch, protocol.Errorf(protocol.CodeTooLarge, "%d CIDs asked, limit %d", len(req.CIDs), maxFetchCIDs))
	}
	cids := make([]cid.Cid, len(req.CIDs))
	for i, raw := range req.CIDs {
		c, err := castCID(raw)
		if err != nil {
			return n.refuse(s, ProtoFetch, err)
		}
		cids[i] = c
	}
	for i, c := range cids {
		resp := fetchResponse{CID: req.CIDs[i]}
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
		if err := writeFrame(s, resp); err != nil {
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

// castCID decodes a CID received in a message and checks it is of a
// kind mutu uses.
func castCID(raw []byte) (cid.Cid, error) {
	if len(raw) > maxCIDLen {
		return cid.Undef, protocol.Errorf(protocol.CodeMalformed, "CID of %d bytes", len(raw))
	}
	c, err := cid.Cast(raw)
	if err != nil {
		return cid.Undef, protocol.Errorf(protocol.CodeMalformed, "CID: %v", err)
	}
	p := c.Prefix()
	if p.Version != 1 || (p.Codec != protocol.CodecDagCBOR && p.Codec != protocol.CodecRaw) {
		return cid.Undef, protocol.Errorf(protocol.CodeBadCID, "CID %s: only CIDv1 dag-cbor or raw are used", c)
	}
	return c, nil
}

// cidBytes returns the binary forms of cs.
func cidBytes(cs []cid.Cid) [][]byte {
	out := make([][]byte, len(cs))
	for i, c := range cs {
		out[i] = c.Bytes()
	}
	return out
}

// fetchRaw asks p for up to maxFetchCIDs blocks and returns those it
// sent, unverified but each under the CID asked, and the CIDs it does
// not hold. A response out of order or malformed costs p a strike.
func (n *Node) fetchRaw(ctx context.Context, p peer.ID, cids []cid.Cid) (blocks []protocol.Block, notFound []cid.Cid, err error) {
	s, err := n.openStream(ctx, p, ProtoFetch)
	if err != nil {
		return nil, nil, err
	}
	g := guard(ctx, s, streamIdle)
	defer g.release()
	defer func() { finish(s, err) }()
	if err := writeFrame(s, fetchRequest{V: wireVersion, Net: n.cfg.Network, CIDs: cidBytes(cids)}); err != nil {
		return nil, nil, wrapPeer(ProtoFetch, p, fmt.Errorf("send request: %w", err))
	}
	if err := s.CloseWrite(); err != nil {
		return nil, nil, wrapPeer(ProtoFetch, p, err)
	}
	br := newReader(s)
	for i, want := range cids {
		var resp fetchResponse
		if err := readFrame(br, maxFetchResponseFrame, &resp); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			n.penalizeCode(p, ProtoFetch, err)
			return blocks, notFound, wrapPeer(ProtoFetch, p, fmt.Errorf("response %d of %d: %w", i+1, len(cids), err))
		}
		g.extend()
		if resp.CID == nil {
			return blocks, notFound, n.checkResponse(p, ProtoFetch, resp.Code, resp.Msg)
		}
		if c, err := cid.Cast(resp.CID); err != nil || !c.Equals(want) {
			err := protocol.Errorf(protocol.CodeMalformed, "response %d is for another CID than %s", i+1, want)
			n.penalize(p, ProtoFetch, 1, err)
			return blocks, notFound, wrapPeer(ProtoFetch, p, err)
		}
		if resp.Code != protocol.CodeOK {
			notFound = append(notFound, want)
			continue
		}
		blocks = append(blocks, protocol.Block{CID: want, Data: resp.Data})
	}
	return blocks, notFound, nil
}

// fetchRevisions fetches revisions from p in batches, verifies them in
// parallel and returns the valid ones. Each invalid revision costs p a
// strike.
func (n *Node) fetchRevisions(ctx context.Context, p peer.ID, cids []cid.Cid) ([]store.Verified, error) {
	var out []store.Verified
	for start := 0; start < len(cids); start += fetchBatch {
		batch := cids[start:min(start+fetchBatch, len(cids))]
		blocks, _, err := n.fetchRaw(ctx, p, batch)
		good, bad := verifyRevisions(ctx, blocks)
		for _, b := range bad {
			n.penalize(p, ProtoFetch, 1, b.err)
		}
		out = append(out, good...)
		n.stats.revisionsReceived.Add(uint64(len(good)))
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
