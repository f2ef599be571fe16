package catalogue

import (
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// receive hands blocks to c as a node does with what a peer sends:
// verified on receipt, then stored with AddVerified. Blocks that fail
// verification are reported in the *RejectedError with the others.
func receive(ctx context.Context, c *Catalogue, blocks ...protocol.Block) ([]cid.Cid, error) {
	good, bad := protocol.VerifyAll(ctx, blocks)
	added, err := c.AddVerified(ctx, good)
	if len(bad) == 0 {
		return added, err
	}
	rej, ok := err.(*RejectedError)
	if !ok {
		if err != nil {
			return added, err
		}
		rej = &RejectedError{Rejected: make(map[cid.Cid]error)}
	}
	for _, b := range bad {
		rej.Rejected[b.CID] = b.Err
	}
	return added, rej
}

// blocksOf returns the blocks of the revisions of pubs, read from c.
func blocksOf(t testing.TB, c *Catalogue, pubs ...*Published) []protocol.Block {
	t.Helper()
	out := make([]protocol.Block, len(pubs))
	for i, p := range pubs {
		data, err := c.Block(context.Background(), p.Revision)
		if err != nil {
			t.Fatalf("read revision %s: %v", p.Revision, err)
		}
		out[i] = protocol.Block{CID: p.Revision, Data: data}
	}
	return out
}
