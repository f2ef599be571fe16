package catalogue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/render"
	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/catalogue/store"
)

// indexBatch is how many documents go into one index batch.
const indexBatch = 512

// catchUpIndex applies to the search index every document change the
// store logged after the index's mark, in batches. The mark moves in
// the same index batch as the documents, so a process killed midway
// resumes where it stopped.
func (c *Catalogue) catchUpIndex() error {
	c.ixMu.Lock()
	defer c.ixMu.Unlock()
	mark, err := c.index.Mark()
	if err != nil {
		return fmt.Errorf("catalogue: read index mark: %w", err)
	}
	if mark > c.store.ChangeSeq() {
		// The index is ahead of the store: it belongs to another store.
		c.log.Warn("search index is ahead of the store: rebuilding it", "index_mark", mark, "store_seq", c.store.ChangeSeq())
		return c.rebuildLocked(context.Background(), nil)
	}
	pending := make(map[cid.Cid]bool)
	var last uint64
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		puts, dels, err := c.indexDocs(pending)
		if err != nil {
			return err
		}
		if err := c.index.Apply(puts, dels, last); err != nil {
			return fmt.Errorf("catalogue: update search index: %w", err)
		}
		clear(pending)
		return nil
	}
	err = c.store.ChangesSince(mark, func(seq uint64, doc cid.Cid) error {
		pending[doc] = true
		last = seq
		if len(pending) >= indexBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catalogue: read change log: %w", err)
	}
	return flush()
}

// indexDocs turns changed documents into index puts and deletes.
func (c *Catalogue) indexDocs(ids map[cid.Cid]bool) (puts []search.Doc, dels []string, err error) {
	for id := range ids {
		d, err := c.store.Doc(id)
		if errors.Is(err, store.ErrNotFound) {
			dels = append(dels, id.String())
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("catalogue: read document %s: %w", id, err)
		}
		if d.Retracted || d.Rev == nil || d.Rev.Entry == nil {
			dels = append(dels, id.String())
			continue
		}
		puts = append(puts, searchDoc(d))
	}
	return puts, dels, nil
}

// searchDoc is what the index holds of a document.
func searchDoc(d *store.Doc) search.Doc {
	e := &entry.Entry{Meta: d.Rev.Entry.Meta, Body: d.Rev.Entry.Body}
	var extra []string
	for _, k := range []string{"provider", "url", "repository", "tool_type", "software_type", "license", "status"} {
		if s, ok := e.Meta[k].(string); ok {
			extra = append(extra, s)
		}
	}
	if m, ok := e.Meta["maintainers"].([]any); ok {
		for _, v := range m {
			if s, ok := v.(string); ok {
				extra = append(extra, s)
			}
		}
	}
	for _, a := range d.Rev.Attachments {
		extra = append(extra, a.Name)
	}
	plain, first := render.Text(e.Body)
	doc := search.Doc{
		ID:       d.ID.String(),
		Kind:     string(e.Kind()),
		Title:    e.Title(),
		Summary:  e.SummaryWith(first),
		Tags:     e.Tags(),
		Category: e.Category(),
		Academie: e.Academie(),
		Audience: e.Audience(),
		Body:     plain,
		Extra:    strings.Join(extra, " "),
		Updated:  d.Updated.Time(),
	}
	if t, ok := e.ReviewBy(); ok {
		doc.ReviewBy = t
	}
	return doc
}

// Reindex rebuilds the search index from the store. progress, when
// not nil, is called with the entries indexed so far and the total.
func (c *Catalogue) Reindex(ctx context.Context, progress func(done, total int)) error {
	c.ixMu.Lock()
	defer c.ixMu.Unlock()
	return c.rebuildLocked(ctx, progress)
}

func (c *Catalogue) rebuildLocked(ctx context.Context, progress func(done, total int)) error {
	_, total, err := c.store.Count()
	if err != nil {
		return fmt.Errorf("catalogue: count documents: %w", err)
	}
	mark := c.store.ChangeSeq()
	docs := func(yield func(search.Doc) error) error {
		return c.store.Docs(func(d *store.Doc) error {
			if d.Retracted || d.Rev == nil || d.Rev.Entry == nil {
				return nil
			}
			return yield(searchDoc(d))
		}, store.WithRevisions())
	}
	var report func(int)
	if progress != nil {
		report = func(done int) { progress(done, total) }
	}
	start := time.Now()
	if err := c.index.Rebuild(ctx, docs, mark, report); err != nil {
		return fmt.Errorf("catalogue: rebuild search index: %w", err)
	}
	c.log.Info("search index rebuilt", "documents", total, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Search runs a query over the catalogue.
func (c *Catalogue) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if q.Now.IsZero() {
		q.Now = c.now()
	}
	res, err := c.index.Search(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("catalogue: search %q: %w", q.Text, err)
	}
	return res, nil
}
