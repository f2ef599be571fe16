package catalogue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// AddVerified stores revisions received from peers, which the caller
// verified on receipt (protocol.Verify or protocol.VerifyAll): each
// signature is checked once. Revisions already held are skipped. The
// store enforces the DAG rules in atomic batches, revisions whose clock
// runs too far ahead (MaxClockSkew) are refused, and the indexer then
// brings the search index up to date in the background (SyncIndex
// waits for it).
//
// Trust records (docs/protocol.md, Part 4) are judged first and folded
// into the roster, then the entries against that roster: in a closed
// network, an entry revision whose author no member node vouches for
// at its clock is refused with protocol.ErrNotVouched, which is no
// fault of the peer that sent it; a trust record of another network
// with protocol.ErrWrongNetwork; a revision of a trust record's
// document with protocol.ErrInvalid. A refused revision is accepted
// when sent again once the certificate that vouches for it is held.
//
// It returns the CIDs newly stored. Refused revisions are listed in a
// *RejectedError, and the valid ones are stored all the same; a
// revision whose parents are not held carries a *protocol.MissingError
// naming them.
func (c *Catalogue) AddVerified(ctx context.Context, revs []protocol.Verified) ([]cid.Cid, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.addVerified(ctx, slices.Clone(revs), make(map[cid.Cid]error))
}

// addVerified stores valid (which it may reorder and shorten) and
// reports the revisions in rejected and those refused.
func (c *Catalogue) addVerified(ctx context.Context, valid []protocol.Verified, rejected map[cid.Cid]error) ([]cid.Cid, error) {
	kept := valid[:0]
	for _, v := range valid {
		if err := c.checkClock(v.Block.CID, v.Rev); err != nil {
			rejected[v.Block.CID] = err
			continue
		}
		kept = append(kept, v)
	}
	valid = kept
	var added []cid.Cid
	if len(valid) > 0 {
		c.writeMu.Lock()
		j := c.judge(c.Network(), valid, rejected)
		ch, errs, err := c.storeJudged(ctx, j, c.store.PutEach)
		c.writeMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("catalogue: store revisions: %w", err)
		}
		added = ch.Added
		c.attach.touch(j.ok)
		for _, e := range errs {
			var re *store.RevisionError
			if errors.As(e, &re) {
				rejected[re.CID] = translateRule(re.Err)
			}
		}
		if len(ch.Added) > 0 {
			for _, v := range j.ok {
				c.clock.Observe(v.Rev.Clock)
			}
			c.wakeIndexer()
		}
	}
	if len(rejected) > 0 {
		return added, &RejectedError{Rejected: rejected}
	}
	return added, nil
}

// MaxClockSkew is how far ahead of this node's wall clock a received
// revision's clock may be. A revision from further in the future would
// outrank every later edit (the head rule prefers the highest clock)
// and, at the extreme, leave no clock for a child: it is refused, and
// offered again by peers once the time has come.
const MaxClockSkew = 24 * time.Hour

// verifyReceived checks a revision received from outside: CID,
// encoding, record rules, signature, and a clock not too far ahead.
func (c *Catalogue) verifyReceived(b protocol.Block) (protocol.Verified, error) {
	v, err := protocol.Verify(b)
	if err != nil {
		return protocol.Verified{}, err
	}
	return v, c.checkClock(b.CID, v.Rev)
}

// checkClock refuses a revision whose clock is more than MaxClockSkew
// ahead of this node's wall clock.
func (c *Catalogue) checkClock(k cid.Cid, r *protocol.Revision) error {
	if limit := protocol.MakeClock(c.now().Add(MaxClockSkew)); r.Clock > limit {
		return protocol.Errorf(protocol.CodeInvalid, "revision %s: its clock (%s) is more than %v ahead of this node's", k, r.Clock.Time().Format(time.RFC3339), MaxClockSkew)
	}
	return nil
}

// translateRule turns a store rule error into the protocol's terms.
func translateRule(err error) error {
	var m *store.MissingParentError
	if errors.As(err, &m) {
		return &protocol.MissingError{CIDs: m.Missing}
	}
	return err
}

// AddBlocks verifies and stores raw attachment blocks.
func (c *Catalogue) AddBlocks(ctx context.Context, blocks []protocol.Block) error {
	for _, b := range blocks {
		if b.CID.Prefix().Codec != protocol.CodecRaw {
			return protocol.Errorf(protocol.CodeBadCID, "block %s is not a raw block", b.CID)
		}
		if len(b.Data) > protocol.MaxBlockSize {
			return protocol.Errorf(protocol.CodeTooLarge, "block %s is %d bytes, limit %d", b.CID, len(b.Data), protocol.MaxBlockSize)
		}
		if err := protocol.CheckCID(b.CID, b.Data); err != nil {
			return err
		}
	}
	if err := c.store.PutBlocks(blocks); err != nil {
		return fmt.Errorf("catalogue: store blocks: %w", err)
	}
	return nil
}

// Block returns a held block; an error matching protocol.ErrNotFound
// and ErrNotFound when it is not held.
func (c *Catalogue) Block(ctx context.Context, k cid.Cid) ([]byte, error) {
	data, err := c.store.Block(k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(errors.Join(ErrNotFound, protocol.ErrNotFound), "block %s is not held here", k)
	}
	return data, err
}

// Has reports whether a block is held.
func (c *Catalogue) Has(ctx context.Context, k cid.Cid) (bool, error) {
	return c.store.Has(k)
}

// RevisionsByClock calls fn for every held revision in (clock, CID)
// order after the exclusive cursor (after, afterCID).
func (c *Catalogue) RevisionsByClock(ctx context.Context, after protocol.Clock, afterCID cid.Cid, fn func(protocol.Clock, cid.Cid) error) error {
	return c.store.RevisionsByClock(after, afterCID, func(cl protocol.Clock, k cid.Cid) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(cl, k)
	})
}

// Disk returns the space available on the catalogue's disk and the part
// of it that writes leave free: below it they fail with ErrDiskFull. ok
// is false where the system cannot tell, and in memory.
func (c *Catalogue) Disk() (free, reserve uint64, ok bool) {
	return c.store.Disk()
}
