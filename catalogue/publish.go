package catalogue

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// File is an attachment to add to an entry.
type File struct {
	Name string    // plain file name, shown to readers
	Type string    // media type; guessed from the name when empty
	Data io.Reader // read to the end once
}

// Published is the result of a local write: the document and the new
// revision. A running node learns of it, as of every revision stored,
// from the change feed (Follow).
type Published struct {
	Doc      cid.Cid
	Revision cid.Cid
	// Unchanged is set by an edit that would have stored a revision
	// the same as the current one: nothing was stored, and Revision
	// is the current head.
	Unchanged bool
}

// Publish signs and stores a new entry with its attachments, and the
// other authors it lets revise it (editors).
func (c *Catalogue) Publish(ctx context.Context, author ed25519.PrivateKey, e *entry.Entry, files []File, editors ...protocol.AuthorKey) (*Published, error) {
	if err := c.checkVouched(author); err != nil {
		return nil, err
	}
	atts, err := c.putFiles(ctx, files)
	if err != nil {
		return nil, err
	}
	return c.commit(author, &protocol.Revision{
		Op:          protocol.OpPut,
		Entry:       &protocol.Entry{Meta: e.Meta, Body: e.Body},
		Attachments: atts,
		Editors:     nonEmpty(editors),
	})
}

// PublishAll signs and stores new entries without attachments in one
// atomic batch: all are stored, or none. editors, when not nil, holds
// the editors of each entry, in the same order.
func (c *Catalogue) PublishAll(ctx context.Context, author ed25519.PrivateKey, entries []*entry.Entry, editors [][]protocol.AuthorKey) ([]*Published, error) {
	revs := make([]*protocol.Revision, len(entries))
	for i, e := range entries {
		revs[i] = &protocol.Revision{Op: protocol.OpPut, Entry: &protocol.Entry{Meta: e.Meta, Body: e.Body}}
		if i < len(editors) {
			revs[i].Editors = nonEmpty(editors[i])
		}
	}
	return c.commitMany(author, revs, nil)
}

// EditOptions say what an edit does with attachments.
type EditOptions struct {
	// Files are attachments to add; one with the name of an existing
	// attachment replaces it.
	Files []File
	// Drop names attachments to remove.
	Drop []string
	// Editors, when not nil, is the new list of editors; an empty
	// list removes them all. Only the document's author may change
	// it: an edit by an editor that gives another list is refused.
	// nil keeps the list.
	Editors []protocol.AuthorKey
}

// Edit stores a new revision of a document whose parents are all its
// current heads, so an edit also resolves a conflict. Only the
// document's author and the editors it lists may edit it.
//
// Dropping an attachment the document does not have is refused with a
// *NoAttachmentError, before anything is stored. An edit that changes
// nothing (same meta, body and attachments as the single current head)
// stores nothing either, and returns the head with Unchanged set; an
// edit of a document in conflict is always stored, since it resolves
// the conflict.
func (c *Catalogue) Edit(ctx context.Context, author ed25519.PrivateKey, id cid.Cid, e *entry.Entry, opts EditOptions) (*Published, error) {
	d, err := c.revisable(id, author)
	if err != nil {
		return nil, err
	}
	if err := checkDrop(id, d.Rev.Attachments, opts.Drop); err != nil {
		return nil, err
	}
	editors, err := editorsAfter(d, author, opts.Editors)
	if err != nil {
		return nil, err
	}
	if err := c.checkVouched(author); err != nil {
		return nil, err
	}
	added, err := c.putFiles(ctx, opts.Files)
	if err != nil {
		return nil, err
	}
	atts := mergeAttachments(d.Rev.Attachments, added, opts.Drop)
	if len(d.Heads) == 1 && sameEntry(d.Rev.Entry, e) && sameAttachments(d.Rev.Attachments, atts) && slices.Equal(d.Rev.Editors, editors) {
		return &Published{Doc: id, Revision: d.Heads[0], Unchanged: true}, nil
	}
	return c.commit(author, &protocol.Revision{
		Op:          protocol.OpPut,
		Doc:         id,
		Parents:     d.Heads,
		Entry:       &protocol.Entry{Meta: e.Meta, Body: e.Body},
		Attachments: atts,
		Editors:     editors,
	})
}

// Retract stores a tombstone for a document: it disappears from
// listings and search on every node, for good.
func (c *Catalogue) Retract(ctx context.Context, author ed25519.PrivateKey, id cid.Cid) (*Published, error) {
	d, err := c.revisable(id, author)
	if err != nil {
		return nil, err
	}
	return c.commit(author, &protocol.Revision{Op: protocol.OpRetract, Doc: id, Parents: d.Heads})
}

// revisable returns the state of a document that author may revise.
func (c *Catalogue) revisable(id cid.Cid, author ed25519.PrivateKey) (*store.Doc, error) {
	d, err := c.store.Doc(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: read entry %s: %w", id, err)
	}
	if c.trust.isDoc(id) {
		return nil, errorf(protocol.ErrInvalid, "%s is a trust record of the network, not an entry: it is never edited nor retracted; a later record undoes it (`mutu members revoke`, `mutu user remove`)", id)
	}
	if d.Retracted {
		return nil, errorf(ErrRetracted, "entry %s was retracted by its author (revision %s); publish a new entry instead", id, d.Retract)
	}
	if d.Erased != nil {
		// An erased head: its stub keeps its editors; an edit starts
		// again from no content and no attachment.
		e, ok, err := c.store.Erased(d.Winner)
		if err != nil || !ok || e.Stub == nil {
			return nil, fmt.Errorf("catalogue: read the erased head of %s: %w", id, errors.Join(err, store.ErrCorrupt))
		}
		d.Rev = e.Stub
	}
	me := protocol.PublicKey(author)
	if d.Author != me && !listed(d.Rev.Editors, me) {
		return nil, errorf(protocol.ErrNotAuthorized, "entry %s was published by %s, and you (%s) are not among its editors; publish your own entry with `derived_from: %s` in its front matter",
			id, d.Author.Short(), me.Short(), id)
	}
	return d, nil
}

func listed(keys []protocol.AuthorKey, k protocol.AuthorKey) bool {
	for _, e := range keys {
		if e == k {
			return true
		}
	}
	return false
}

// commit fills in the author's sequence number and the clock, signs,
// stores and indexes a local revision.
func (c *Catalogue) commit(author ed25519.PrivateKey, r *protocol.Revision) (*Published, error) {
	pubs, err := c.commitMany(author, []*protocol.Revision{r}, nil)
	if err != nil {
		return nil, err
	}
	return pubs[0], nil
}

// commitMany signs and stores local revisions in one atomic batch, in
// order, then updates the index. before, when not nil, runs once the
// revisions are signed and before they are stored; its error stops the
// batch.
func (c *Catalogue) commitMany(author ed25519.PrivateKey, revs []*protocol.Revision, before func([]*Published) error) ([]*Published, error) {
	for _, r := range revs {
		if trust.IsTrust(r) {
			return nil, errorf(protocol.ErrInvalid, "the key %q is reserved for the network's trust records, which mutu writes itself: rename it in the entry's front matter (record_type, for instance)", "record")
		}
	}
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	me := protocol.PublicKey(author)
	seq := c.store.NextSeq(me)
	batch := make([]protocol.Verified, len(revs))
	pubs := make([]*Published, len(revs))
	for i, r := range revs {
		// A revision sorts after its parents, even one received from a
		// peer whose clock runs ahead.
		var floor protocol.Clock
		for _, p := range r.Parents {
			if pr, _, err := c.store.Revision(p); err == nil {
				floor = max(floor, pr.Clock)
			}
		}
		r.Seq = seq + uint64(i)
		r.Clock = c.clock.NowAfter(floor)
		v, err := r.Sign(author)
		if err != nil {
			return nil, fmt.Errorf("catalogue: sign revision: %w", err)
		}
		batch[i] = v
		pubs[i] = &Published{Doc: v.Doc(), Revision: v.CID}
	}
	if before != nil {
		if err := before(pubs); err != nil {
			return nil, fmt.Errorf("catalogue: %w", err)
		}
	}
	if err := c.storeLocal(context.Background(), "", batch); err != nil {
		return nil, err
	}
	c.attach.touch(batch)
	if c.rebuilding.Load() {
		c.wakeIndexer() // after the rebuild
	} else if err := c.catchUpIndex(context.Background()); err != nil {
		// The revisions are stored; the indexer tries again.
		c.log.Warn("search index not updated", "err", err)
		c.wakeIndexer()
	}
	return pubs, nil
}

// putFiles cuts attachments into raw blocks of at most
// protocol.MaxBlockSize, stores them, and returns their manifests.
// Blocks are stored before the revision that names them, so a crash
// in between leaves only unreferenced blocks.
func (c *Catalogue) putFiles(ctx context.Context, files []File) ([]protocol.Attachment, error) {
	var atts []protocol.Attachment
	seen := make(map[string]bool)
	for _, f := range files {
		if seen[f.Name] {
			return nil, errorf(protocol.ErrInvalid, "attachment %q given twice", f.Name)
		}
		seen[f.Name] = true
		a := protocol.Attachment{Name: f.Name, Type: f.Type}
		if a.Type == "" {
			a.Type = mime.TypeByExtension(filepath.Ext(f.Name))
		}
		if a.Type == "" {
			a.Type = "application/octet-stream"
		}
		buf := make([]byte, protocol.MaxBlockSize)
		for {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			n, err := io.ReadFull(f.Data, buf)
			if n > 0 {
				data := append([]byte(nil), buf[:n]...)
				blk := protocol.Block{CID: protocol.BlockCID(data), Data: data}
				if err := c.store.PutBlocks([]protocol.Block{blk}); err != nil {
					return nil, fmt.Errorf("catalogue: store attachment %q: %w", f.Name, err)
				}
				a.Blocks = append(a.Blocks, blk.CID)
				a.Size += uint64(n)
				if a.Size > protocol.MaxAttachmentSize {
					return nil, errorf(protocol.ErrTooLarge, "attachment %q is over %d bytes (1 GiB), the limit of an attachment", f.Name, protocol.MaxAttachmentSize)
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read attachment %q: %w", f.Name, err)
			}
		}
		if err := a.Check(); err != nil {
			return nil, fmt.Errorf("attachment %q: %w", f.Name, err)
		}
		atts = append(atts, a)
	}
	return atts, nil
}

// checkDrop refuses to drop an attachment that document id does not
// have: the name is most likely mistyped, and the edit would silently
// keep the attachment the user meant to remove.
func checkDrop(id cid.Cid, have []protocol.Attachment, drop []string) error {
	for _, n := range drop {
		if !slices.ContainsFunc(have, func(a protocol.Attachment) bool { return a.Name == n }) {
			e := &NoAttachmentError{Doc: id, Name: n}
			for _, a := range have {
				e.Have = append(e.Have, a.Name)
			}
			return e
		}
	}
	return nil
}

// mergeAttachments keeps the old attachments, minus those dropped, each
// replaced in its place by an added one of the same name, then appends
// the other added ones.
func mergeAttachments(old, added []protocol.Attachment, drop []string) []protocol.Attachment {
	gone := make(map[string]bool)
	for _, n := range drop {
		gone[n] = true
	}
	byName := make(map[string]protocol.Attachment, len(added))
	for _, a := range added {
		byName[a.Name] = a
	}
	var out []protocol.Attachment
	for _, a := range old {
		if r, ok := byName[a.Name]; ok {
			out = append(out, r)
			delete(byName, a.Name)
		} else if !gone[a.Name] {
			out = append(out, a)
		}
	}
	for _, a := range added {
		if _, ok := byName[a.Name]; ok {
			out = append(out, a)
		}
	}
	return out
}

// sameAttachments reports whether a and b list the same files, with
// the same names, types and blocks, in the same order.
func sameAttachments(a, b []protocol.Attachment) bool {
	return slices.EqualFunc(a, b, func(x, y protocol.Attachment) bool {
		return x.Name == y.Name && x.Type == y.Type && x.Size == y.Size &&
			slices.EqualFunc(x.Blocks, y.Blocks, cid.Cid.Equals)
	})
}
