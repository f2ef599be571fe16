package catalogue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// Options configure Open. The zero value is a catalogue on disk that
// syncs every write, logs nothing, and reads the wall clock.
type Options struct {
	// InMemory keeps the store and the index in memory (tests).
	InMemory bool
	// NoSync skips the fsync after each write batch: faster, but a
	// power cut may lose the last acknowledged writes (benchmarks).
	NoSync bool
	// Logger receives warnings and progress; nil discards them.
	Logger *slog.Logger
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
	// Progress, when set, is called while the search index is rebuilt
	// with the entries indexed so far and the total.
	Progress func(done, total int)
	// MinFree is the free disk space writes leave for the store beyond
	// its tables; a write that would eat into it fails with ErrDiskFull.
	// Default 64 MiB; negative turns the check off (see store.Options).
	MinFree int64
	// Network is the identifier of the network the catalogue belongs
	// to (docs/protocol.md, §4.1): a charter's CID in text, or the
	// name of an open network made before charters. It decides which
	// trust records are kept and, in a closed network, which authors
	// may publish (Roster). "" is an open network without a name, for
	// tests: it keeps no trust record. SetNetwork changes it.
	Network string

	// progressEvery is how often a long catch-up of the index logs its
	// progress; indexProgressEvery when 0 (tests lower it).
	progressEvery time.Duration
	// indexRetry is how long the indexer waits after a failed catch-up
	// before it tries again unwoken; indexRetryAfter when 0.
	indexRetry time.Duration
	// freeSpace replaces the store's measure of the space left for an
	// index batch of n bytes (tests fill the disk with it).
	freeSpace func(n int) error
}

// Catalogue is a node's catalogue. It is safe for concurrent use.
type Catalogue struct {
	dir   string // "" in memory
	store *store.Store
	index *search.Index
	clock *protocol.HLC
	log   *slog.Logger
	now   func() time.Time
	opts  Options

	attach attachWatch // documents whose attachments may be incomplete

	ix      indexer       // applies received revisions to the index
	indexed atomic.Uint64 // the index's mark: changes up to it are indexed

	pubMu sync.Mutex // serializes local publishing, so sequence numbers follow each other
	ixMu  sync.Mutex // serializes applying the change log to the index
	// rebuilding is set while Reindex runs: local writes and searches
	// then do not wait for it to catch the index up.
	rebuilding atomic.Bool

	// writeMu serializes storing revisions, whatever brings them:
	// judging a batch against the roster, storing it, and folding the
	// trust records it brought (see trust.go). Taken after pubMu.
	writeMu sync.Mutex
	// trust holds the trust records held and the roster.
	trust trustHeld
	// mod holds what the node's moderation hides (hidden.go).
	mod hiddenHeld
}

// Files and directories of a catalogue directory.
const (
	storeSubdir = "store"
	indexSubdir = "index"
)

// Open opens the catalogue kept in dir, creating it if needed. When the
// search index is missing, damaged, built by an older analyzer, or
// behind the store (a process killed while indexing), it is repaired
// or rebuilt from the store before Open returns. ctx bounds that work:
// when it ends first, Open returns its error, and the next Open takes
// the rebuild up again.
func Open(ctx context.Context, dir string, opts Options) (*Catalogue, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	storePath, indexPath := "", ""
	if !opts.InMemory {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("catalogue: create %s: %w", dir, err)
		}
		storePath, indexPath = filepath.Join(dir, storeSubdir), filepath.Join(dir, indexSubdir)
	}
	st, err := store.Open(storePath, store.Options{InMemory: opts.InMemory, NoSync: opts.NoSync, Logger: opts.Logger, MinFree: opts.MinFree})
	if errors.Is(err, store.ErrLocked) {
		return nil, errorf(ErrLocked, "%s is open in another mutu process; stop it, or let the CLI go through its API (`mutu run` writes its address in the home)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: open store in %s: %w", dir, err)
	}
	ix, err := search.Open(indexPath, search.Options{})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("catalogue: open search index in %s: %w", dir, err)
	}
	c := &Catalogue{store: st, index: ix, log: opts.Logger, now: opts.Now, opts: opts}
	if !opts.InMemory {
		c.dir = dir
		// What an import left unpacked when its process died; the
		// store's lock is held, so no other process is using it.
		if err := os.RemoveAll(filepath.Join(dir, tempSubdir)); err != nil {
			c.log.Warn("temporary files of an earlier import not removed", "dir", filepath.Join(dir, tempSubdir), "err", err)
		}
	}
	c.clock = protocol.NewHLC(opts.Now)
	c.clock.Observe(st.MaxClock())
	// Before the index: it must know which documents are trust records.
	prevRoster, err := c.loadTrust()
	if err != nil {
		c.Close()
		return nil, err
	}
	if ix.NeedsRebuild() {
		c.log.Info("search index missing or out of date: rebuilding it from the store")
		err = c.Reindex(ctx, opts.Progress)
	} else if err = c.catchUpIndex(ctx); errors.Is(err, ErrDiskFull) {
		// What is stored can still be read; the indexer tries again.
		c.log.Error("search index not updated", "err", err)
		defer c.wakeIndexer()
		err = nil
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.openedTrust(ctx, prevRoster)
	c.startIndexer()
	return c, nil
}

// Close stops the indexer and closes the index and the store.
func (c *Catalogue) Close() error {
	c.stopIndexer()
	c.closeTrust()
	return errors.Join(c.index.Close(), c.store.Close())
}
