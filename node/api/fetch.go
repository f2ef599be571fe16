package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
)

// ErrOffline means that what was asked needs the other nodes and no
// node runs: the catalogue is used without one.
var ErrOffline = errors.New("api: the node is not running")

// Fetch asks the connected peers for the attachment blocks of entry
// ref that this node lacks: those of entries above the automatic
// fetch limit wait for this. See FetchAttachments.
func (l *Local) Fetch(ctx context.Context, ref string) (*FetchResult, error) {
	id, err := l.Cat.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return FetchAttachments(ctx, l.Cat, l.Net, id)
}

// FetchAttachments fetches from the peers of net the blocks of the
// current attachments of document id that cat does not hold, and says
// what it did. Blocks no peer holds are no error: the result counts
// them and says why (Reason); so does a fetch that ctx ends early,
// once it has begun. The errors are those of the catalogue (no such
// entry, retracted, storage), and ErrOffline when blocks are missing
// and net is nil.
func FetchAttachments(ctx context.Context, cat *catalogue.Catalogue, net Network, id cid.Cid) (*FetchResult, error) {
	d, err := cat.Get(id)
	if err != nil {
		return nil, err
	}
	if d.Retracted {
		return nil, retracted(d) // its attachments are no longer shared
	}
	want, err := missingBlocks(cat, id)
	if err != nil {
		return nil, err
	}
	res := &FetchResult{ID: id.String(), Wanted: len(want), Attachments: []Attachment{}}
	var rep BlockFetch
	if len(want) > 0 {
		if net == nil {
			return nil, fmt.Errorf("%d attachment blocks of entry %s are missing and only the other nodes have them: %w", len(want), id, ErrOffline)
		}
		rep, err = net.Fetch(ctx, want)
		res.Fetched, res.Bytes, res.Peers, res.From = rep.Fetched, rep.Bytes, rep.Peers, rep.From
		switch {
		case err == nil, errors.Is(err, protocol.ErrNotFound):
		case ctx.Err() != nil:
			res.Reason = FetchInterrupted
		default:
			return nil, fmt.Errorf("fetch the attachments of entry %s: %w", id, err)
		}
	}
	// Read the entry again: what is held now (the node may have
	// fetched some blocks on its own meanwhile), and an edit that
	// arrived meanwhile.
	if d, err = cat.Get(id); err != nil {
		return nil, err
	}
	for _, a := range d.Attachments {
		res.Attachments = append(res.Attachments, Attachment{Name: a.Name, Type: a.Type, Size: a.Size, Blocks: strs(a.Blocks), Held: a.Held})
	}
	if len(want) == 0 {
		return res, nil
	}
	left, err := missingBlocks(cat, id)
	if err != nil {
		return nil, err
	}
	res.Missing = len(left)
	switch {
	case res.Missing == 0:
		res.Reason = ""
	case res.Reason != "":
	case rep.Peers == 0:
		res.Reason = FetchNoPeer
	default:
		res.Reason = FetchNotHeld
	}
	res.Problem = fetchProblem(res)
	return res, nil
}

// missingBlocks lists the blocks of entry id's attachments that cat
// does not hold.
func missingBlocks(cat *catalogue.Catalogue, id cid.Cid) ([]cid.Cid, error) {
	missing, err := cat.MissingBlocksOf(id)
	if err != nil {
		return nil, err
	}
	out := make([]cid.Cid, len(missing))
	for i, m := range missing {
		out[i] = m.CID
	}
	return out, nil
}

// fetchProblem says why blocks are still missing, and what to do.
func fetchProblem(r *FetchResult) string {
	switch r.Reason {
	case FetchNoPeer:
		return "no other node is connected; check `mutu peers` and the node's peers, then ask again"
	case FetchNotHeld:
		return fmt.Sprintf("none of the %d connected nodes holds them; ask again later, when the nodes that have them are connected", r.Peers)
	case FetchInterrupted:
		return "the fetch stopped before the end; what arrived is kept: ask again to fetch the rest"
	}
	return ""
}
