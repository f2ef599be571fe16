package catalogue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// Bundles are CAR v1 files: the header's roots are the document IDs,
// the blocks are every revision of those documents in clock order
// (parents before children) and the attachment blocks held for them.
// They carry entries between nodes without a network (a USB key) and
// serve as backups.

// BundleResult says what a bundle export or import held.
type BundleResult struct {
	Docs      int
	Revisions int
	Blocks    int // raw attachment blocks
	Added     int // revisions new to this catalogue (import)
}

// ExportBundle writes the given documents (every document, retracted
// ones included, when ids is empty) as a CAR v1 stream to w.
func (c *Catalogue) ExportBundle(ctx context.Context, w io.Writer, ids []cid.Cid) (*BundleResult, error) {
	if len(ids) == 0 {
		list, err := c.List(ListOptions{Retracted: true})
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) == 0 {
		return nil, errorf(ErrNotFound, "the catalogue is empty: there is nothing to export")
	}
	car, err := storage.NewWritable(w, ids, carv2.WriteAsCarV1(true))
	if err != nil {
		return nil, fmt.Errorf("bundle: start CAR: %w", err)
	}
	res := &BundleResult{Docs: len(ids)}
	for _, id := range ids {
		history, err := c.store.History(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
		}
		if err != nil {
			return nil, fmt.Errorf("bundle: history of %s: %w", id, err)
		}
		// History is newest first; parents must come first.
		for i := len(history) - 1; i >= 0; i-- {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rc := history[i]
			r, data, err := c.store.Revision(rc)
			if err != nil {
				return nil, fmt.Errorf("bundle: read revision %s: %w", rc, err)
			}
			if err := car.Put(ctx, rc.KeyString(), data); err != nil {
				return nil, fmt.Errorf("bundle: write revision %s: %w", rc, err)
			}
			res.Revisions++
			for _, a := range r.Attachments {
				for _, b := range a.Blocks {
					if ok, _ := car.Has(ctx, b.KeyString()); ok {
						continue
					}
					data, err := c.store.Block(b)
					if errors.Is(err, store.ErrNotFound) {
						continue // not fetched here; the receiver fetches it from peers
					}
					if err != nil {
						return nil, fmt.Errorf("bundle: read block %s: %w", b, err)
					}
					if err := car.Put(ctx, b.KeyString(), data); err != nil {
						return nil, fmt.Errorf("bundle: write block %s: %w", b, err)
					}
					res.Blocks++
				}
			}
		}
	}
	return res, nil
}

// ImportBundle reads a CAR file written by ExportBundle (or any CAR of
// mutu blocks). Every block is verified (CID, and for revisions the
// encoding, record rules and signature) before anything is stored; a
// bad block refuses the whole bundle with its CID named, and the
// revisions are stored in one atomic batch, so nothing of a bad bundle
// is half-applied.
func (c *Catalogue) ImportBundle(ctx context.Context, path string) (*BundleResult, error) {
	res := &BundleResult{}
	var revs []protocol.Verified
	// First pass: verify everything, keep the revisions.
	err := readBundle(path, func(k cid.Cid, data []byte) error {
		switch k.Prefix().Codec {
		case protocol.CodecDagCBOR:
			v, err := c.verifyReceived(protocol.Block{CID: k, Data: data})
			if err != nil {
				return err
			}
			revs = append(revs, v)
			if !v.Rev.Doc.Defined() {
				res.Docs++
			}
		case protocol.CodecRaw:
			if len(data) > protocol.MaxBlockSize {
				return protocol.Errorf(protocol.CodeTooLarge, "block %s is %d bytes, limit %d", k, len(data), protocol.MaxBlockSize)
			}
			if err := protocol.CheckCID(k, data); err != nil {
				return err
			}
			res.Blocks++
		default:
			return protocol.Errorf(protocol.CodeBadCID, "block %s: codec %#x is not used by mutu", k, k.Prefix().Codec)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("bundle %s refused, nothing stored: %w", path, err)
	}
	res.Revisions = len(revs)
	ch, err := c.store.Put(revs)
	if err != nil {
		return nil, errorf(translateRule(err), "bundle %s refused, nothing stored: %s", path, ruleSentence(err))
	}
	res.Added = len(ch.Added)
	c.attach.touch(revs)
	// Second pass: the attachment blocks.
	var batch []protocol.Block
	var size int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.store.PutBlocks(batch)
		batch, size = batch[:0], 0
		return err
	}
	err = readBundle(path, func(k cid.Cid, data []byte) error {
		if k.Prefix().Codec != protocol.CodecRaw {
			return nil
		}
		batch = append(batch, protocol.Block{CID: k, Data: data})
		if size += len(data); size >= 8<<20 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return res, fmt.Errorf("bundle %s: entries stored, attachments incomplete (import it again to finish): %w", path, err)
	}
	for _, v := range revs {
		c.clock.Observe(v.Rev.Clock)
	}
	if err := c.catchUpIndex(ctx); err != nil {
		c.log.Warn("search index not updated", "err", err)
		c.wakeIndexer()
	}
	return res, nil
}

// readBundle calls fn for every block of the CAR file at path, after
// checking that the block's bytes match its CID. A file that is not a
// CAR, or is cut short or altered, is refused with an error matching
// protocol.ErrMalformed that says where: which block, after which CID.
func readBundle(path string, fn func(cid.Cid, []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br, err := carv2.NewBlockReader(f, carv2.MaxAllowedSectionSize(protocol.MaxRevisionSize+1024),
		// Blocks are checked below, so that a bad one is named with its CID.
		carv2.WithTrustedCAR(true))
	if err == io.EOF {
		return errorf(protocol.ErrMalformed, "not a CAR file: the file is empty")
	}
	if err != nil {
		return errorf(protocol.ErrMalformed, "not a CAR file: its header cannot be read (%v)", err)
	}
	var n int        // blocks read
	var last cid.Cid // the last block read
	for {
		blk, err := br.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return damagedBundle(n+1, last, err)
		}
		n, last = n+1, blk.Cid()
		if err := protocol.CheckCID(blk.Cid(), blk.RawData()); err != nil {
			return errorf(err, "block %d: %s", n, protocol.Sentence(err))
		}
		if err := fn(blk.Cid(), blk.RawData()); err != nil {
			return errorf(err, "block %d (%s): %s", n, blk.Cid(), protocol.Sentence(err))
		}
	}
}

// ruleSentence says for people why the store refused revisions.
func ruleSentence(err error) string {
	var missing *store.MissingParentError
	var rev *store.RevisionError
	switch {
	case errors.As(err, &missing):
		return fmt.Sprintf("it lacks revisions that its revisions build on (%s): export the entries again, with their whole history", missing)
	case errors.As(err, &rev):
		return fmt.Sprintf("revision %s: %s", rev.CID, protocol.Sentence(rev.Err))
	}
	return err.Error()
}

// damagedBundle says that block n of a CAR file, which follows the
// block prev (undefined for the first), cannot be read.
func damagedBundle(n int, prev cid.Cid, err error) error {
	where := fmt.Sprintf("block %d, the first", n)
	if prev.Defined() {
		where = fmt.Sprintf("block %d, after %s", n, prev)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(protocol.ErrMalformed, "the CAR file is damaged: it ends in the middle of %s (it was cut short; copy or export it again)", where)
	}
	return errorf(protocol.ErrMalformed, "the CAR file is damaged at %s (%v)", where, err)
}
