package catalogue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol/trust"
)

// ErasedBy is the moderation decision that erased content
// (docs/protocol.md §4.14): shown to readers in place of the content,
// « contenu effacé le … : données personnelles ».
type ErasedBy struct {
	Decision cid.Cid        // the decision record
	Time     time.Time      // when it was decided
	Category trust.Category // why; trust.CategoryPersonalData for an erasure of personal data
}

func erasedBy(e store.Erasure) *ErasedBy {
	return &ErasedBy{Decision: e.Decision, Time: e.Time, Category: trust.Category(e.Category)}
}

// Erase removes the content of the revisions revs from this node: the
// revisions' entries, bodies and attachments (the attachment blocks
// that no revision left names), from the store and from the search
// index, so that no file of the catalogue keeps their bytes. Their
// history stays (who, when, which parents), marked as erased by by.
// The CIDs erased are never stored again, whatever brings them
// (sync, gossip, bulk, a bundle), and are answered as not held.
//
// A CID of revs not held is remembered all the same, so that it never
// comes; one already erased is left as it was. Revisions of trust
// records cannot be erased: the roster needs them.
//
// Erase rewrites the store's files and rebuilds the search index: its
// cost grows with the size of the catalogue, not of what it erases
// (docs/operator.md), so erase many revisions in one call. Searches
// meanwhile see a partial index; the store is unavailable while its
// files are rewritten.
func (c *Catalogue) Erase(ctx context.Context, revs []cid.Cid, by ErasedBy) error {
	if !by.Decision.Defined() {
		return fmt.Errorf("catalogue: erase: no decision CID: name the decision record that asks for the erasure")
	}
	if !by.Category.Valid() {
		return fmt.Errorf("catalogue: erase: category %q: want one of %v", by.Category, trust.Categories)
	}
	if len(revs) == 0 {
		return nil
	}
	erased, err := c.eraseStored(revs, by)
	if err != nil {
		err = fmt.Errorf("catalogue: %w", err)
		if len(erased.Revisions)+len(erased.Blocks) == 0 {
			return err
		}
		// Erased, but the store's files are not rewritten yet: the
		// index is rebuilt all the same.
	}
	attrs := []any{"decision", by.Decision, "category", by.Category,
		"revisions", len(erased.Revisions), "blocks", len(erased.Blocks), "entries", len(erased.Docs)}
	if err != nil {
		c.log.Warn("content erased, but the store's files still hold it until they are rewritten", append(attrs, "err", err)...)
	} else {
		c.log.Info("content erased", attrs...)
	}
	if len(erased.Revisions)+len(erased.Blocks) == 0 {
		return nil
	}
	// Deleting a document from the index leaves its stored fields in
	// the segment files until a merge rewrites them: rebuilding the
	// index from the store removes every file that held them. Writes
	// go on meanwhile, as during Reindex: the indexer adds them after.
	c.rebuilding.Store(true)
	defer c.rebuilding.Store(false)
	c.ixMu.Lock()
	defer c.ixMu.Unlock()
	if rerr := c.rebuildLocked(ctx, nil); rerr != nil {
		err = errors.Join(err, fmt.Errorf("catalogue: the content is erased from the store, but the search index may keep it until it is rebuilt (run `mutu reindex`): %w", rerr))
	}
	return err
}

// eraseStored erases revs in the store, between two stores of
// revisions: none may name a trust record.
func (c *Catalogue) eraseStored(revs []cid.Cid, by ErasedBy) (store.Erased, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	for _, rc := range revs {
		r, _, err := c.store.Revision(rc)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return store.Erased{}, fmt.Errorf("erase: read revision %s: %w", rc, err)
		}
		doc := r.Doc
		if !doc.Defined() {
			doc = rc
		}
		if c.trust.isDoc(doc) {
			return store.Erased{}, fmt.Errorf("erase: revision %s is a trust record of the network, which cannot be erased", rc)
		}
	}
	return c.store.Erase(revs, store.Erasure{Decision: by.Decision, Time: by.Time, Category: string(by.Category)})
}

// Erased returns the erasure of a revision or block; ok is false if it
// was never erased.
func (c *Catalogue) Erased(k cid.Cid) (by ErasedBy, ok bool, err error) {
	e, ok, err := c.store.Erased(k)
	if err != nil || !ok {
		return ErasedBy{}, false, err
	}
	return *erasedBy(e), true, nil
}

// Erasures calls fn for every CID of the erased set with the decision
// that erased it, in the order of their bytes: what a node checks
// against the decisions it holds (docs/protocol.md §4.14).
func (c *Catalogue) Erasures(fn func(cid.Cid, ErasedBy) error) error {
	return c.store.Erasures(func(k cid.Cid, e store.Erasure) error {
		return fn(k, *erasedBy(e))
	})
}
