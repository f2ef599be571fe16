package store

import (
	"log/slog"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/mutu-network/mutu/protocol"
)

// Options configures Open. The zero value is the production setting:
// on disk, every acknowledged write synced, badger's warnings and errors
// logged to slog.Default().
type Options struct {
	// InMemory keeps everything in memory; the directory is ignored.
	// For tests. Blocks and revisions must then be under 1 MiB (badger
	// keeps no value log in memory), and count whole against badger's
	// transaction size, so one PutBlocks call holds about 2 MB.
	InMemory bool
	// NoSync lets Put and the other writes return before their data
	// reaches the disk: much faster, but a power loss (not a process
	// crash) may lose the last acknowledged writes. The store stays
	// consistent either way. Default false: writes are synced.
	//
	// It is a negative so that the zero value is the safe one, as in
	// bbolt's DB.NoSync.
	NoSync bool
	// Logger receives badger's warnings and errors, with the attribute
	// component=badger. Its informational chatter is dropped.
	// Default slog.Default().
	Logger *slog.Logger
	// MinFree is the free space, in bytes, that writes leave on the
	// store's disk beyond the size of badger's tables, for badger to
	// flush and compact them; a write that would eat into it fails with
	// ErrDiskFull (see space.go). Default 64 MiB; negative turns the
	// check off. In-memory stores are not checked.
	MinFree int64
}

// minFree returns the free space the store keeps, 0 for no check.
func (o Options) minFree() int64 {
	switch {
	case o.InMemory || o.MinFree < 0:
		return 0
	case o.MinFree == 0:
		return defaultMinFree
	}
	return o.MinFree
}

// Tuning for a small machine (a school's spare PC or a 1 GB VM):
// badger's defaults (five 64 MB memtables, a 256 MB block cache, Snappy
// on every table) are sized for servers.
//
// Tables are not compressed: what they hold is keys and small records,
// the revisions and blocks being in the value log, which badger never
// compresses. Compacting compressed tables kept about 60 MB of buffers
// on the heap of a node catching up with 100,000 notes. Uncompressed
// tables are read straight from their mapped files, so the block cache
// would only copy them (badger's documentation advises against it).
const (
	memTableSize   = 16 << 20 // one transaction may hold 15% of it (2.4 MB)
	numMemtables   = 3
	blockCacheSize = 0
	indexCacheSize = 8 << 20
	// valueThreshold sends values of 1 KiB and more (revisions and
	// attachment blocks) to the value log, so that compactions move
	// only keys and small records. Blocks are never rewritten, so the
	// value log holds next to no garbage to collect.
	valueThreshold   = 1 << 10
	valueLogFileSize = 256 << 20
	// memoryMaxValue is the largest value an in-memory store holds:
	// badger's largest threshold is 1 MiB, and it must be above every
	// value (badger v4.9.6 panics on a value equal to it).
	memoryMaxValue = 1<<20 - 1
)

// maxValue returns the largest block the store can hold.
func (o Options) maxValue() int {
	if o.InMemory {
		return memoryMaxValue
	}
	return max(protocol.MaxBlockSize, protocol.MaxRevisionSize)
}

// badgerOptions returns badger's options for dir and opts.
func badgerOptions(dir string, opts Options) badger.Options {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	threshold := int64(valueThreshold)
	if opts.InMemory {
		// Without a value log every value must be under the threshold.
		dir, threshold = "", memoryMaxValue+1
	}
	return badger.DefaultOptions(dir).
		WithInMemory(opts.InMemory).
		WithSyncWrites(!opts.NoSync).
		WithLogger(badgerLogger{logger.With("component", "badger")}).
		WithLoggingLevel(badger.WARNING).
		WithMemTableSize(memTableSize).
		WithNumMemtables(numMemtables).
		WithBlockCacheSize(blockCacheSize).
		WithIndexCacheSize(indexCacheSize).
		WithValueThreshold(threshold).
		WithValueLogFileSize(valueLogFileSize).
		WithCompression(options.None).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithMetricsEnabled(false).
		// Writes are serialized by Put's mutex and metadata writes are
		// blind, so badger's conflict detection would only cost time.
		WithDetectConflicts(false)
}
