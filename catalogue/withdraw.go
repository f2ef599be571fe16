package catalogue

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// WithdrawAuthor removes every revision by author with a clock from
// from (inclusive) until until (exclusive), in every document, and
// every revision that descends from one of them, whoever signed it (a
// co-editor's edit made on top of the author's): what a closed network
// does when it no longer vouches for the author over that span
// (docs/protocol.md §4.4). It returns how many revisions it removed.
//
// Documents are left as if those revisions had never arrived: a
// document loses its newest content, comes back from a withdrawn
// retraction, or goes if none of its revisions is left. The change
// feed reports the removals (FeedBatch.Removed), and the search index
// is brought up to date before WithdrawAuthor returns, so that no
// withdrawn text is found or shown. Withdrawing again does nothing.
//
// It reads every revision stored in the span (the store keeps no index
// by author); withdrawals are rare.
func (c *Catalogue) WithdrawAuthor(ctx context.Context, author protocol.AuthorKey, from, until protocol.Clock) (int, error) {
	var cids []cid.Cid
	err := c.store.RevisionsOf(author, from, until, func(_ protocol.Clock, id cid.Cid) error {
		// A trust record is an act of a node, undone only by a later
		// act: never withdrawn, even if its signer's key was also
		// certified as an author's.
		if !c.trust.isDoc(id) {
			cids = append(cids, id)
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("catalogue: list the revisions of %s to withdraw: %w", author, err)
	}
	if len(cids) == 0 {
		return 0, nil
	}
	seq := c.store.ChangeSeq()
	removed, err := c.store.Withdraw(cids)
	if len(removed) > 0 {
		c.afterWithdrawal(seq)
	}
	if err != nil {
		return len(removed), fmt.Errorf("catalogue: withdraw the revisions of %s: %w", author, err)
	}
	return len(removed), nil
}

// afterWithdrawal brings what the catalogue derives from the store up
// to date with the withdrawals logged after seq: the search index, and
// the documents whose attachments MissingBlocks reads (a document that
// lost its newest revision shows an older one, whose blocks may not be
// held).
func (c *Catalogue) afterWithdrawal(seq uint64) {
	err := c.store.ChangesSince(seq, func(ch store.Change) error {
		if len(ch.Removed) > 0 {
			c.attach.mu.Lock()
			c.attach.add(ch.Doc)
			c.attach.mu.Unlock()
		}
		return nil
	})
	if err != nil {
		// MissingBlocks reads every document at its next call.
		c.log.Warn("documents changed by a withdrawal not read", "err", err)
		c.attach.mu.Lock()
		c.attach.scanned = false
		c.attach.mu.Unlock()
	}
	if c.rebuilding.Load() {
		c.wakeIndexer() // after the rebuild
	} else if err := c.catchUpIndex(context.Background()); err != nil {
		// The withdrawal is stored; the indexer tries again.
		c.log.Warn("search index not updated", "err", err)
		c.wakeIndexer()
	}
}
