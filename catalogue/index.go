package catalogue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
	"golang.org/x/sync/errgroup"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/render"
	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/catalogue/store"
)

// indexProgressEvery is how often a catch-up of the search index that
// lasts (a fresh node receiving a whole catalogue) logs its progress.
const indexProgressEvery = 10 * time.Second

// indexRetryAfter is how long the indexer waits after a catch-up that
// failed (a full disk) before it tries again, when nothing wakes it.
const indexRetryAfter = time.Minute

// indexBatch is how many documents go into one index batch. bleve
// holds a batch's analysis in memory: batches of 2,048 made a fresh
// node's catch-up 15 % faster but doubled its peak memory.
const indexBatch = 512

// indexer applies received revisions to the search index in the
// background, so that a node catching up keeps receiving, verifying and
// storing while bleve analyses what came before: AddRevisions wakes it
// and returns. Local writes (Publish, Edit, Retract, imports) update the
// index before they return, so their author finds them at once.
type indexer struct {
	wake chan struct{} // capacity 1: a wake-up is pending
	stop context.CancelFunc
	done chan struct{}
}

func (c *Catalogue) startIndexer() {
	ctx, cancel := context.WithCancel(context.Background())
	c.ix = indexer{wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go c.indexLoop(ctx)
}

// stopIndexer stops the indexer between two batches; what it had not
// applied is applied at the next Open.
func (c *Catalogue) stopIndexer() {
	if c.ix.stop != nil {
		c.ix.stop()
		<-c.ix.done
	}
}

func (c *Catalogue) wakeIndexer() {
	select {
	case c.ix.wake <- struct{}{}:
	default:
	}
}

func (c *Catalogue) indexLoop(ctx context.Context) {
	defer close(c.ix.done)
	retryAfter := c.opts.indexRetry
	if retryAfter == 0 {
		retryAfter = indexRetryAfter
	}
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.ix.wake:
		case <-retry:
		}
		retry = nil
		if err := c.catchUpIndex(ctx); err != nil && ctx.Err() == nil {
			// The store holds the revisions: the next wake-up, the retry
			// or the next Open applies them.
			level := slog.LevelWarn
			if errors.Is(err, ErrDiskFull) {
				level = slog.LevelError
			}
			c.log.Log(ctx, level, "search index not updated", "err", err, "retry_in", retryAfter)
			retry = time.After(retryAfter)
		}
	}
}

// SyncIndex returns once the search index holds every change stored
// before the call. Received revisions reach the index in the
// background, moments after AddRevisions returns.
func (c *Catalogue) SyncIndex(ctx context.Context) error {
	return c.catchUpIndex(ctx)
}

// catchUpIndex applies to the search index every document change the
// store logged after the index's mark, in batches, until ctx is done.
// The mark moves in the same index batch as the documents, so a process
// killed midway resumes where it stopped.
func (c *Catalogue) catchUpIndex(ctx context.Context) error {
	c.ixMu.Lock()
	defer c.ixMu.Unlock()
	mark, err := c.index.Mark()
	if err != nil {
		return fmt.Errorf("catalogue: read index mark: %w", err)
	}
	c.indexed.Store(mark)
	if mark > c.store.ChangeSeq() {
		// The index is ahead of the store: it belongs to another store.
		c.log.Warn("search index is ahead of the store: rebuilding it", "index_mark", mark, "store_seq", c.store.ChangeSeq())
		return c.rebuildLocked(context.Background(), nil)
	}
	// Two stages: one reads the changed documents from the store and
	// makes them into index documents, while the other has bleve
	// analyse and write the batch before.
	type work struct {
		puts []search.Doc
		dels []string
		last uint64
	}
	batches := make(chan work, 1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(batches)
		pending := make(map[cid.Cid]bool)
		var last uint64
		send := func() error {
			if len(pending) == 0 {
				return nil
			}
			puts, dels, err := c.indexDocs(pending)
			if err != nil {
				return err
			}
			pending = make(map[cid.Cid]bool)
			select {
			case batches <- work{puts, dels, last}:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		err := c.store.ChangesSince(mark, func(ch store.Change) error {
			pending[ch.Doc] = true
			last = ch.Seq
			if len(pending) < indexBatch {
				return nil
			}
			if err := gctx.Err(); err != nil {
				return err
			}
			return send()
		})
		if err != nil {
			return fmt.Errorf("catalogue: read change log: %w", err)
		}
		return send()
	})
	g.Go(func() error {
		every := c.opts.progressEvery
		if every == 0 {
			every = indexProgressEvery
		}
		start := time.Now()
		logged, done := start, 0
		for w := range batches {
			if err := c.indexRoom(w.puts); err != nil {
				return fmt.Errorf("catalogue: update search index: %w", err)
			}
			if err := c.index.Apply(w.puts, w.dels, w.last); err != nil {
				return fmt.Errorf("catalogue: update search index: %w", err)
			}
			c.indexed.Store(w.last)
			done += len(w.puts) + len(w.dels)
			if time.Since(logged) >= every {
				c.log.Info("indexing received entries", "indexed", done, "changes_left", c.IndexBacklog())
				logged = time.Now()
			}
		}
		if logged != start {
			c.log.Info("search index caught up", "indexed", done, "took", time.Since(start).Round(time.Millisecond))
		}
		return nil
	})
	err = g.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// indexRoom fails with ErrDiskFull when indexing docs would eat into the
// space the store keeps free on the disk they share: badger needs that
// space for its own writes, which fail with SIGBUS where it lacks. A
// segment takes about as much as its text, and merging segments
// rewrites them: count twice the text.
func (c *Catalogue) indexRoom(docs []search.Doc) error {
	n := 0
	for _, d := range docs {
		n += len(d.Title) + len(d.Summary) + len(d.Body) + len(d.Extra)
	}
	if c.opts.freeSpace != nil {
		return c.opts.freeSpace(2 * n)
	}
	return c.store.RoomFor("index "+strconv.Itoa(len(docs))+" entries", 2*n)
}

// indexDocs turns changed documents into index puts and deletes.
func (c *Catalogue) indexDocs(ids map[cid.Cid]bool) (puts []search.Doc, dels []string, err error) {
	for id := range ids {
		if c.trust.isDoc(id) {
			continue // never an entry: never indexed
		}
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
//
// A running node may reindex: searches meanwhile find the entries
// indexed so far, and local writes return without waiting for the
// rebuild; the indexer adds them once it ends.
func (c *Catalogue) Reindex(ctx context.Context, progress func(done, total int)) error {
	c.rebuilding.Store(true)
	defer c.rebuilding.Store(false)
	c.ixMu.Lock()
	defer c.ixMu.Unlock()
	return c.rebuildLocked(ctx, progress)
}

func (c *Catalogue) rebuildLocked(ctx context.Context, progress func(done, total int)) error {
	n, err := c.store.Counts()
	if err != nil {
		return fmt.Errorf("catalogue: count documents: %w", err)
	}
	total := n.Docs - c.trust.count()
	mark := c.store.ChangeSeq()
	docs := func(yield func(search.Doc) error) error {
		return c.store.Docs(func(d *store.Doc) error {
			if d.Retracted || d.Rev == nil || d.Rev.Entry == nil || c.trust.isDoc(d.ID) {
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
	c.indexed.Store(mark)
	c.log.Info("search index rebuilt", "documents", total, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Indexed returns the sequence number of the last store change the
// search index holds. It grows whenever the index changes: what is
// computed from searches may be cached under it.
func (c *Catalogue) Indexed() uint64 {
	return c.indexed.Load()
}

// IndexBacklog returns the number of store changes that the search
// index does not hold yet: revisions received and stored, which searches
// find once the indexer reaches them. It is 0 when search is up to date.
func (c *Catalogue) IndexBacklog() uint64 {
	indexed, stored := c.indexed.Load(), c.store.ChangeSeq()
	if indexed >= stored {
		return 0
	}
	return stored - indexed
}

// searchCatchUp is the most changes a search applies to the index
// itself before it runs. A few revisions just received (a live edit, a
// retract) are then found at once; a node deep in a catch-up searches
// what is indexed so far rather than wait for the indexer.
const searchCatchUp = 64

// Search runs a query over the catalogue; entries the moderation
// hides are left out of its hits, total and facets.
func (c *Catalogue) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	if q.Now.IsZero() {
		q.Now = c.now()
	}
	if hidden := c.mod.hiddenIDs(); len(hidden) > 0 {
		q.Exclude = append(slices.Clip(q.Exclude), hidden...)
	}
	if behind := c.store.ChangeSeq() - c.indexed.Load(); behind > 0 && behind <= searchCatchUp && !c.rebuilding.Load() {
		if err := c.catchUpIndex(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("search index not updated", "err", err)
		}
	}
	res, err := c.index.Search(ctx, q)
	if errors.Is(err, search.ErrInvalidQuery) {
		return nil, err // it says what to change, for people
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: search %q: %w", q.Text, err)
	}
	return res, nil
}
