package node

import (
	"context"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
)

// Catalogue is what the node needs from the local catalogue: verified
// storage of revisions and blocks, the set of revisions in clock order
// for reconciliation, and the change feed that tells of every revision
// stored. *catalogue.Catalogue implements it.
//
// All methods are safe for concurrent use.
type Catalogue interface {
	// AddVerified stores revisions received from peers, which the node
	// verified on receipt (protocol.Verify), in one or more atomic
	// batches, and has the search index updated. It checks the record
	// and DAG rules and the clock. Revisions already held are skipped.
	// It returns the CIDs newly stored. When some revisions are
	// refused, the valid ones are still stored and the error lists the
	// refused CIDs with their reasons; errors.Is with
	// protocol.ErrBadSignature, ... works on it. A revision whose
	// parents are not held is refused with an error for which
	// protocol.Missing returns their CIDs. A full disk is
	// catalogue.ErrDiskFull.
	AddVerified(ctx context.Context, revs []protocol.Verified) (added []cid.Cid, err error)

	// AddBlocks verifies and stores raw attachment blocks.
	AddBlocks(ctx context.Context, blocks []protocol.Block) error

	// Block returns a held block (revision or raw); an error matching
	// protocol.ErrNotFound when it is not held.
	Block(ctx context.Context, c cid.Cid) ([]byte, error)

	// Has reports whether a block is held.
	Has(ctx context.Context, c cid.Cid) (bool, error)

	// RevisionsByClock calls fn for every held revision in (clock, CID)
	// order, starting after the exclusive cursor (after, afterCID);
	// cid.Undef starts from the beginning. fn returning an error stops
	// the walk and returns that error.
	RevisionsByClock(ctx context.Context, after protocol.Clock, afterCID cid.Cid, fn func(protocol.Clock, cid.Cid) error) error

	// FeedPosition returns the position of the change feed after the
	// last revision stored or withdrawn.
	FeedPosition() uint64

	// Follow returns what changed after position after: the revisions
	// stored, in the order they were stored, and those withdrawn (two
	// disjoint lists, see catalogue.FeedBatch), about limit of them at
	// most, and the position that follows them. Every revision stored
	// or withdrawn, whatever did it, appears once. When nothing changed
	// after the position, Follow waits until something does, or until
	// ctx ends.
	Follow(ctx context.Context, after uint64, limit int) (batch FeedBatch, next uint64, err error)

	// MissingBlocks lists the attachment blocks referenced by current
	// entries that are not held, with the total size of their
	// attachment, so the node can fetch them.
	MissingBlocks(ctx context.Context) ([]MissingBlock, error)
}

var _ Catalogue = (*catalogue.Catalogue)(nil)

// erasedSet is what a catalogue that erases content (Erase,
// docs/protocol.md §4.14) tells the node: the node never asks a peer
// for a CID it erased, even one it never held.
type erasedSet interface {
	Erased(c cid.Cid) (by catalogue.ErasedBy, ok bool, err error)
}

var _ erasedSet = (*catalogue.Catalogue)(nil)

// notErased returns cids without those the catalogue erased; cids as
// they are if it erases nothing. A CID it cannot check stays.
func (n *Node) notErased(cids []cid.Cid) []cid.Cid {
	es, ok := n.cat.(erasedSet)
	if !ok {
		return cids
	}
	out := cids[:0:0]
	for _, c := range cids {
		if _, erased, err := es.Erased(c); err == nil && erased {
			continue
		}
		out = append(out, c)
	}
	return out
}

// MissingBlock is an attachment block referenced but not held.
type MissingBlock = catalogue.MissingBlock

// FeedBatch is what one read of the change feed brings.
type FeedBatch = catalogue.FeedBatch
