package protocol

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ipfs/go-cid"
)

// Verified is a revision ready to be stored: its CID addresses its
// bytes, the bytes decode canonically and keep the record rules, and
// the author's signature verifies. Verify makes one from a block
// received, Revision.Sign from a revision signed here; a store trusts
// it and checks neither again, so that each signature is checked once
// on its way in.
type Verified struct {
	Block
	Rev *Revision
}

// Doc returns the ID of the revision's document: its Doc, or its own
// CID for the first revision of a document.
func (v Verified) Doc() cid.Cid {
	if v.Rev.Doc.Defined() {
		return v.Rev.Doc
	}
	return v.CID
}

// signatures counts the signatures Verify checked; see
// SignaturesChecked.
var signatures atomic.Uint64

// SignaturesChecked returns how many revision signatures Verify has
// checked in this process since it started: a measure of the work done
// on what comes in, and the way tests show that a revision is verified
// once on its way in, whatever path it takes. Recheck is not counted.
func SignaturesChecked() uint64 { return signatures.Load() }

// Verify is what a node does with a revision it receives: the CID must
// address exactly the data, the bytes must decode canonically and keep
// the record rules, and the signature must verify.
func Verify(b Block) (Verified, error) {
	r, err := verifyRevision(b.CID, b.Data, &signatures)
	if err != nil {
		return Verified{}, err
	}
	return Verified{Block: b, Rev: r}, nil
}

// Recheck makes the checks of Verify on a revision read back from a
// store, which verified it on its way in: a damaged store then does not
// go unnoticed. It is not counted in SignaturesChecked.
func Recheck(b Block) error {
	_, err := verifyRevision(b.CID, b.Data, nil)
	return err
}

// Rejected is a block that failed verification, with the reason.
type Rejected struct {
	CID cid.Cid
	Err error
}

func (r Rejected) Error() string { return fmt.Sprintf("revision %s: %v", r.CID, r.Err) }
func (r Rejected) Unwrap() error { return r.Err }

// VerifyAll verifies blocks in parallel, one worker per CPU, and splits
// them into valid revisions, in the order given, and rejected ones.
// The work ends before it returns; when ctx ends first, the blocks not
// verified yet are in neither list.
func VerifyAll(ctx context.Context, blocks []Block) (good []Verified, bad []Rejected) {
	out := make([]Verified, len(blocks))
	errs := make([]error, len(blocks))
	verify := func(i int) { out[i], errs[i] = Verify(blocks[i]) }
	workers := min(runtime.GOMAXPROCS(0), (len(blocks)+15)/16)
	if workers <= 1 {
		for i := range blocks {
			if ctx.Err() != nil {
				break
			}
			verify(i)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					verify(i)
				}
			})
		}
	feed:
		for i := range blocks {
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
	}
	for i, b := range blocks {
		switch {
		case errs[i] != nil:
			bad = append(bad, Rejected{CID: b.CID, Err: errs[i]})
		case out[i].Rev != nil:
			good = append(good, out[i])
		}
	}
	return good, bad
}
