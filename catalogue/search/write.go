package search

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"golang.org/x/sync/errgroup"
)

// Apply indexes the documents in put (replacing any with the same ID),
// removes the IDs in del, and records mark, all in one atomic batch: after
// a crash the index holds either all of it or none of it, and Mark tells
// which. An ID in both put and del ends removed. Apply returns once the
// batch is on disk.
func (ix *Index) Apply(put []Doc, del []string, mark uint64) error {
	if err := ix.recover(); err != nil {
		return err
	}
	// ix.idx changes only under wmu, which Apply holds.
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.idx == nil {
		return ErrClosed
	}
	b := ix.idx.NewBatch()
	for _, d := range put {
		if err := ix.add(b, d); err != nil {
			return fmt.Errorf("apply: %w", err)
		}
	}
	for _, id := range del {
		b.Delete(id)
	}
	b.SetInternal(keyMark, encodeMark(mark))
	saved := ix.saveFacets(b)
	if err := ix.idx.Batch(b); err != nil {
		err = fmt.Errorf("apply %d puts, %d deletes at mark %d: %w", len(put), len(del), mark, err)
		return errors.Join(err, ix.reopen())
	}
	ix.dict.saved = saved
	return nil
}

// saveFacets adds the facet dictionary to b if it holds new terms, and
// publishes them to searches, which may meet them as soon as b is
// applied. It returns the number of terms saved once b is.
func (ix *Index) saveFacets(b *bleve.Batch) int {
	if ix.dict.unsaved() {
		b.SetInternal(keyFacets, ix.dict.encode())
	}
	ix.dict.publish()
	return len(ix.dict.terms)
}

func (ix *Index) add(b *bleve.Batch, d Doc) error {
	doc, err := bleveDocument(ix.fa, ix.dict, d)
	if err != nil {
		return err
	}
	if err := b.IndexAdvanced(doc); err != nil {
		return fmt.Errorf("index %s: %w", d.ID, err)
	}
	return nil
}

// rebuildWorkers is the number of batches Rebuild writes at once: while
// one waits for its segment to reach the disk, another is analysed.
const rebuildWorkers = 2

// Rebuild empties the index and fills it with the documents docs yields,
// in batches of Options.BatchSize, then records mark. docs runs on the
// calling goroutine, calls yield once per document, and stops and returns
// yield's error when it fails. progress, if not nil, is called after each
// batch with the number of documents indexed so far; calls come from
// other goroutines, one at a time.
//
// Until Rebuild returns nil, NeedsRebuild reports true, searches see a
// partial index, and a crash leaves an index that the next Open discards.
func (ix *Index) Rebuild(ctx context.Context, docs func(yield func(Doc) error) error, mark uint64, progress func(done int)) error {
	if err := ix.recover(); err != nil {
		return err
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if err := ix.reset(); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	idx := ix.idx

	type batch struct {
		b *bleve.Batch
		n int
	}
	var (
		mu   sync.Mutex // guards done and the calls to progress
		done int
	)
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan batch)
	for range rebuildWorkers {
		g.Go(func() error {
			for b := range batches {
				if err := idx.Batch(b.b); err != nil {
					return fmt.Errorf("rebuild: write batch: %w", err)
				}
				mu.Lock()
				done += b.n
				if progress != nil {
					progress(done)
				}
				mu.Unlock()
			}
			return nil
		})
	}

	cur := batch{b: idx.NewBatch()}
	err := docs(func(d Doc) error {
		if err := gctx.Err(); err != nil {
			return err
		}
		if err := ix.add(cur.b, d); err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
		if cur.n++; cur.n < ix.opts.BatchSize {
			return nil
		}
		// Batches may reach the index in any order: the dictionary is
		// saved only with the last one, and published before each.
		ix.dict.publish()
		select {
		case batches <- cur:
		case <-gctx.Done():
			return gctx.Err()
		}
		cur = batch{b: idx.NewBatch()}
		return nil
	})
	close(batches)
	if werr := g.Wait(); werr != nil && (err == nil || errors.Is(err, context.Canceled)) {
		// A failed write cancels gctx, which the producer reports as
		// context.Canceled: the write error is the cause.
		err = werr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return errors.Join(err, ix.reopen())
	}

	// The last batch records the mark and clears the rebuilding flag: the
	// index is complete exactly when both are on disk.
	cur.b.SetInternal(keyMark, encodeMark(mark))
	cur.b.DeleteInternal(keyRebuilding)
	saved := ix.saveFacets(cur.b)
	if err := idx.Batch(cur.b); err != nil {
		return errors.Join(fmt.Errorf("rebuild: write last batch: %w", err), ix.reopen())
	}
	ix.dict.saved = saved
	if progress != nil && cur.n > 0 {
		progress(done + cur.n)
	}

	ix.mu.Lock()
	ix.needsRebuild = false
	ix.mu.Unlock()
	ix.compact(idx)
	return nil
}

// compact merges a rebuilt index into a single segment, in the
// background. Rebuild leaves a dozen segments of various sizes, and every
// search pays for each: looking its words up in every segment's
// dictionary, reading every segment's postings. One segment makes
// searches about a tenth faster, for a merge that costs a tenth of the
// rebuild. A merge replaces segments atomically: a crash or Close in the
// middle leaves the index as it was. In-memory indexes have no merger and
// are left alone.
func (ix *Index) compact(idx bleve.Index) {
	if ix.dir == "" {
		return
	}
	adv, err := idx.Advanced()
	if err != nil {
		return
	}
	merger, ok := adv.(interface {
		ForceMerge(context.Context, *mergeplan.MergePlanOptions) error
		StatsMap() map[string]any
	})
	if !ok {
		return
	}
	ix.compacting.Add(1)
	go func() {
		defer ix.compacting.Done()
		// One forced merge plans over the segments on disk when it
		// starts: the last batch of a rebuild may still be in memory,
		// and stay a segment of its own. A few rounds end with one.
		// An error leaves more segments, not a damaged index; the merge
		// also ends when the index closes.
		plan := mergeplan.SingleSegmentMergePlanOptions
		for range compactRounds {
			err := merger.ForceMerge(context.Background(), &plan)
			if mem, file := rootSegments(merger.StatsMap()); err != nil || mem+file <= 1 {
				return
			}
		}
	}()
}

// compactRounds bounds the forced merges of one compaction.
const compactRounds = 4

// rootSegments returns, from the statistics of a scorch index, the
// number of its segments in memory and on disk.
func rootSegments(stats map[string]any) (mem, file uint64) {
	mem, _ = stats["num_root_memorysegments"].(uint64)
	file, _ = stats["num_root_filesegments"].(uint64)
	return mem, file
}

// reopen closes the index and opens it again from its files, after a
// batch failed (a full disk). bleve keeps such a batch in memory although
// it is not on disk, and may have closed segments that its snapshot still
// holds: the next batch then panics on them. What is on disk is
// consistent and holds every batch up to Mark, from which the caller
// replays its changes; an interrupted Rebuild starts over. If the index
// cannot be opened again (the disk still failing), it is broken: searches
// fail with ErrClosed, and Apply, Rebuild and Mark try to open it again
// (recover). The caller holds wmu.
func (ix *Index) reopen() error {
	if ix.dir == "" {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return ErrClosed
	}
	cerr := ix.idx.Close()
	ix.idx, ix.broken = nil, true
	ix.compacting.Wait()
	if cerr != nil {
		cerr = fmt.Errorf("close search index %s: %w", ix.dir, cerr)
	}
	return errors.Join(cerr, ix.openLocked())
}

// recover opens a broken index again; it does nothing to an index that
// is open, or closed by Close.
func (ix *Index) recover() error {
	ix.mu.RLock()
	broken := ix.broken
	ix.mu.RUnlock()
	if !broken {
		return nil
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.broken {
		return nil
	}
	return ix.openLocked()
}

// openLocked opens the broken index from its files, recreating it only
// when they hold no current index (an unfinished Rebuild): never on a
// read error, which may pass. The caller holds wmu and mu.
func (ix *Index) openLocked() error {
	idx, terms, err := openExisting(ix.dir)
	if err != nil {
		return err
	}
	if idx == nil {
		if idx, err = create(ix.dir); err != nil {
			return err
		}
		ix.idx, ix.dict, ix.needsRebuild, ix.broken = idx, newFacetDict(nil), true, false
		return nil
	}
	ix.idx, ix.dict, ix.broken = idx, newFacetDict(terms), false
	return nil
}

// reset replaces the index with an empty one flagged as being rebuilt.
// The caller holds wmu.
func (ix *Index) reset() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return ErrClosed
	}
	err := ix.idx.Close()
	ix.idx = nil
	ix.compacting.Wait()
	if err != nil {
		return fmt.Errorf("close search index %s: %w", ix.dir, err)
	}
	idx, err := create(ix.dir)
	if err != nil {
		return err
	}
	ix.idx, ix.dict, ix.needsRebuild = idx, newFacetDict(nil), true
	return nil
}
