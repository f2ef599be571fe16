package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Errors returned by Index methods; test them with errors.Is.
var (
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("search: index closed")
	// ErrLocked is returned by Open when another process (or another
	// Index in this process) holds the index directory.
	ErrLocked = errors.New("search: index in use by another process")
	// ErrNoID is returned by Apply and Rebuild for a Doc without an ID.
	ErrNoID = errors.New("search: document has no ID")
)

// Keys of the values kept inside the index next to the documents. They
// are written in the same bleve batch as the documents they describe, so
// a crash leaves them consistent with the documents.
var (
	keyVersion    = []byte("mutu.search.version")    // mappingVersion, decimal
	keyMark       = []byte("mutu.search.mark")       // caller's sequence, 8 bytes big-endian
	keyRebuilding = []byte("mutu.search.rebuilding") // present while Rebuild fills the index
	keyFacets     = []byte("mutu.search.facets")     // the facetDict, encoded
)

// Files that bleve keeps in an index directory: the only ones Open
// removes when it recreates an index, so that a directory given by
// mistake never loses anything else.
var bleveFiles = []string{"index_meta.json", "index_meta.json_temp", "store"}

// lockTimeout bounds how long Open waits for the directory lock; a
// variable so that tests can shorten it.
var lockTimeout = "2s"

// Options tunes an Index. The zero value gives the defaults.
type Options struct {
	// BatchSize is the number of documents Rebuild writes per batch.
	// Default 1000.
	BatchSize int
	// FacetSize is the number of values returned per facet, most
	// frequent first. Default 20.
	FacetSize int
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.FacetSize <= 0 {
		o.FacetSize = 20
	}
	return o
}

// Index is the full-text index of the catalogue. It is derived data: the
// caller's store is the truth, and an Index can always be rebuilt from it
// (see NeedsRebuild and Rebuild).
//
// An Index is safe for concurrent use. Searches run in parallel with each
// other and with Apply; Apply and Rebuild run one at a time.
type Index struct {
	dir  string
	opts Options
	fa   *frenchAnalysis

	wmu sync.Mutex // serialises Apply and Rebuild so that marks follow call order

	compacting sync.WaitGroup // the merge started by the last Rebuild

	mu           sync.RWMutex // guards idx, dict, needsRebuild and broken
	idx          bleve.Index  // nil once closed, or while broken
	dict         *facetDict   // facet terms of idx
	needsRebuild bool
	broken       bool // idx could not be opened again after a failed batch (see reopen)

	values *valueCache // the packed values of idx's segments, decoded
}

// Open opens the index kept in dir, or an index in memory when dir is "".
//
// If dir holds no index, a damaged one, one that no Rebuild has completed
// (new, or interrupted), or one built by another version of the analysis
// or the mapping, Open recreates it empty and NeedsRebuild reports true:
// the caller then fills it with Rebuild. Otherwise the index holds every
// change up to Mark, and the caller replays its change log from there.
// Open fails with ErrLocked when another process holds dir.
func Open(dir string, opts Options) (*Index, error) {
	fa, err := loadAnalysis()
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: dir, opts: opts.withDefaults(), fa: fa, values: newValueCache()}
	if dir != "" {
		idx, terms, err := openExisting(dir)
		if errors.Is(err, errUnreadable) {
			idx, err = nil, nil // damaged: recreated below
		}
		if err != nil {
			return nil, err
		}
		if idx != nil {
			ix.idx, ix.dict = idx, newFacetDict(terms)
			return ix, nil
		}
	}
	idx, err := create(dir)
	if err != nil {
		return nil, err
	}
	ix.idx, ix.dict, ix.needsRebuild = idx, newFacetDict(nil), true
	return ix, nil
}

// errUnreadable is returned by openExisting when bleve cannot open the
// index in dir: damaged, or on a disk that fails for now.
var errUnreadable = errors.New("search index unreadable")

// openExisting opens the index in dir if it is healthy and current, and
// returns it with its facet terms. It returns a nil index when the index
// must be recreated (none, outdated, or left by an unfinished Rebuild),
// and errUnreadable when bleve cannot open it.
func openExisting(dir string) (bleve.Index, []string, error) {
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		return nil, nil, nil
	}
	idx, err := bleve.OpenUsing(dir, map[string]interface{}{"bolt_timeout": lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, nil, fmt.Errorf("open search index %s: %w", dir, ErrLocked)
	}
	if err != nil {
		// bleve has released what it opened; idx is a typed nil.
		return nil, nil, fmt.Errorf("open search index %s: %w: %v", dir, errUnreadable, err)
	}
	version, verr := idx.GetInternal(keyVersion)
	rebuilding, rerr := idx.GetInternal(keyRebuilding)
	facets, ferr := idx.GetInternal(keyFacets)
	terms, derr := decodeFacetDict(facets)
	if err := errors.Join(verr, rerr, ferr, derr); err != nil || string(version) != strconv.Itoa(mappingVersion) || rebuilding != nil {
		if err := idx.Close(); err != nil {
			return nil, nil, fmt.Errorf("close outdated search index %s: %w", dir, err)
		}
		return nil, nil, nil
	}
	return idx, terms, nil
}

// create makes a new empty index in dir (in memory when dir is ""),
// removing bleve's files of any previous index there. The index carries
// the rebuilding flag until a Rebuild completes, so that an index left
// empty or half-filled by a crash is started over by the next Open.
func create(dir string) (bleve.Index, error) {
	var (
		idx bleve.Index
		err error
	)
	if dir == "" {
		// scorch without a path keeps its segments in memory; bleve's
		// NewMemOnly would use the older upsidedown index instead.
		idx, err = bleve.NewUsing("", newMapping(), scorch.Name, scorch.Name, nil)
	} else {
		for _, name := range bleveFiles {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("remove old search index %s: %w", dir, err)
			}
		}
		idx, err = bleve.NewUsing(dir, newMapping(), scorch.Name, scorch.Name,
			map[string]interface{}{"bolt_timeout": lockTimeout})
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("create search index %s: %w", dir, ErrLocked)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create search index %s: %w", dir, err)
	}
	b := idx.NewBatch()
	b.SetInternal(keyVersion, []byte(strconv.Itoa(mappingVersion)))
	b.SetInternal(keyRebuilding, []byte{1})
	if err := idx.Batch(b); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("initialise search index %s: %w", dir, err)
	}
	return idx, nil
}

// NeedsRebuild reports whether the index was created empty by Open, or
// is being refilled by Rebuild, and so does not reflect the store yet. It
// becomes false when a Rebuild completes. Apply works on such an index,
// but until a Rebuild completes, the next Open starts it over.
func (ix *Index) NeedsRebuild() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.needsRebuild
}

// Mark returns the sequence recorded by the last Apply or Rebuild, or 0
// for an index that never recorded one. Every change the caller made up
// to that sequence is in the index; none after it is.
func (ix *Index) Mark() (uint64, error) {
	if err := ix.recover(); err != nil {
		return 0, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	v, err := ix.idx.GetInternal(keyMark)
	if err != nil {
		return 0, fmt.Errorf("read search index mark: %w", err)
	}
	if len(v) == 0 {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("read search index mark: %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func encodeMark(mark uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, mark)
}

// Count returns the number of documents in the index.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count search index: %w", err)
	}
	return n, nil
}

// Close releases the index. Every acknowledged Apply is already on disk;
// a compaction still running stops, leaving the index as it was.
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		if ix.broken {
			ix.broken = false // nothing left open
			return nil
		}
		return ErrClosed
	}
	err := ix.idx.Close()
	ix.idx = nil
	ix.compacting.Wait() // returns once bleve's merger has stopped
	if err != nil {
		return fmt.Errorf("close search index %s: %w", ix.dir, err)
	}
	return nil
}
