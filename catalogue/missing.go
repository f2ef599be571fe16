package catalogue

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// attachWatch lists the documents whose attachment blocks may not all
// be held, so that MissingBlocks need not read every document: a node
// asks after every burst of received revisions, and a catalogue of
// 100,000 entries took seconds to read whole each time. The first call
// reads every document once (blocks may have been missing when the
// process last stopped); after that, only the documents that received
// a revision with attachments, and those still missing blocks, are read.
type attachWatch struct {
	mu      sync.Mutex
	scanned bool             // a full pass has run
	docs    map[cid.Cid]bool // documents to read at the next call
}

// touch notes the documents of revisions that carry attachments.
func (w *attachWatch) touch(revs []protocol.Verified) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range revs {
		if v.Rev == nil || len(v.Rev.Attachments) == 0 {
			continue
		}
		doc := v.Rev.Doc
		if !doc.Defined() {
			doc = v.Block.CID
		}
		w.add(doc)
	}
}

// add notes a document to read at the next call. The caller holds mu.
func (w *attachWatch) add(doc cid.Cid) {
	if w.docs == nil {
		w.docs = make(map[cid.Cid]bool)
	}
	w.docs[doc] = true
}

// MissingBlocks lists the attachment blocks of current entries that are
// not held.
func (c *Catalogue) MissingBlocks(ctx context.Context) ([]MissingBlock, error) {
	w := &c.attach
	w.mu.Lock()
	scanned, docs := w.scanned, w.docs
	w.scanned, w.docs = true, nil
	w.mu.Unlock()

	var out []MissingBlock
	incomplete := make(map[cid.Cid]bool)
	visit := func(d *store.Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		missing, err := c.missingOf(d)
		if len(missing) > 0 {
			incomplete[d.ID] = true
			out = append(out, missing...)
		}
		return err
	}
	var err error
	if !scanned {
		err = c.store.Docs(visit, store.WithRevisions())
	} else {
		for id := range docs {
			d, derr := c.store.Doc(id)
			if errors.Is(derr, store.ErrNotFound) {
				continue
			}
			if derr != nil {
				err = derr
				break
			}
			if err = visit(d); err != nil {
				break
			}
		}
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		// Start over at the next call: nothing is forgotten.
		w.scanned = scanned
		for id := range docs {
			incomplete[id] = true
		}
	}
	for id := range incomplete {
		w.add(id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: list missing blocks: %w", err)
	}
	return out, nil
}

// MissingBlocksOf lists the attachment blocks of entry id's current
// revision that are not held, each once.
func (c *Catalogue) MissingBlocksOf(id cid.Cid) ([]MissingBlock, error) {
	d, err := c.store.Doc(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: read entry %s: %w", id, err)
	}
	missing, err := c.missingOf(d)
	if err != nil {
		return nil, fmt.Errorf("catalogue: attachments of entry %s: %w", id, err)
	}
	return missing, nil
}

// missingOf lists the attachment blocks of d's current revision that
// are not held, each once.
func (c *Catalogue) missingOf(d *store.Doc) ([]MissingBlock, error) {
	if d.Retracted || d.Rev == nil {
		return nil, nil
	}
	var total uint64
	for _, a := range d.Rev.Attachments {
		total += a.Size
	}
	var out []MissingBlock
	seen := make(map[cid.Cid]bool)
	for _, a := range d.Rev.Attachments {
		for _, b := range a.Blocks {
			if seen[b] {
				continue
			}
			seen[b] = true
			ok, err := c.store.Has(b)
			if err != nil {
				return out, err
			}
			if !ok {
				out = append(out, MissingBlock{CID: b, Doc: d.ID, AttachmentSize: a.Size, EntrySize: total})
			}
		}
	}
	return out, nil
}
