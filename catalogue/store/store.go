package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/lockfile"
	"github.com/mutu-network/mutu/protocol"
)

// formatVersion is the version of the key layout and records. A store
// of an older version is brought up to it by migrations when opened; a
// store of a later version is refused rather than misread.
const formatVersion = 5

// migrations[v] turns a store of format v into one of format v+1,
// inside the transaction that opens the store.
var migrations = map[uint64]func(txn *badger.Txn) error{
	// Format 2 lists, in each change log record, the revisions stored
	// with it; records of format 1 read as records that list none.
	1: func(*badger.Txn) error { return nil },
	// Format 3 counts, in x/counts, the retracted documents too.
	2: countRetracted,
	// Format 4 may hold change log records of revisions withdrawn
	// (changelog.go), which format 3 would take for damage: nothing
	// to change, but a mutu that reads up to format 3 refuses the
	// store rather than misread it.
	3: func(*badger.Txn) error { return nil },
	// Format 5 may hold erasures (e/ keys, erase.go): revisions held
	// without a block, which format 4 would take for damage, and the
	// rewrite mark. Nothing to change.
	4: func(*badger.Txn) error { return nil },
}

// Store is a node's database of revisions and blocks. See the package
// documentation for its rules, atomicity and concurrency.
type Store struct {
	dir      string         // for messages; "(in memory)" for an in-memory store
	path     string         // the directory; "" in memory
	bopts    badger.Options // how it was opened; a rewrite (rewrite.go) reopens with them
	maxValue int            // largest block held; see Options.InMemory
	minFree  int64          // free space kept on the disk beyond the tables; 0 for no check (see space.go)

	// life guards db: every operation holds it for reading, Close for
	// writing, so that Close waits for operations in flight and later
	// ones get ErrClosed instead of using a closed database.
	life sync.RWMutex
	db   *badger.DB

	// putMu serializes Put, PutEach and Withdraw: it guards the
	// document states and the a/, l/ and x/counts records between read
	// and write.
	putMu sync.Mutex

	// mu guards the figures below, read without a transaction. They
	// are loaded by Open and moved forward after each commit.
	mu        sync.Mutex
	maxClock  protocol.Clock
	changeSeq uint64
	changed   chan struct{} // closed and replaced at each commit to the change log
	counts    counts
	seqs      map[protocol.AuthorKey]uint64 // highest sequence number per author
}

// counts is the x/counts record: revisions, documents, and of those
// the retracted ones, each a big-endian uint64.
type counts struct{ revisions, docs, retracted uint64 }

const countsSize = 24

func (c counts) encode() []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(be64(c.revisions), c.docs), c.retracted)
}

func decodeCounts(v []byte) (counts, error) {
	if len(v) != countsSize {
		return counts{}, corruptf("counts record %x", v)
	}
	return counts{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:]), binary.BigEndian.Uint64(v[16:])}, nil
}

// countRetracted brings the x/counts record of format 2 (revisions
// and documents) to format 3 by counting the retracted documents.
func countRetracted(txn *badger.Txn) error {
	v, err := getValue(txn, []byte(keyCounts))
	if errors.Is(err, ErrNotFound) {
		return nil // an empty store
	}
	if err != nil {
		return fmt.Errorf("read counts: %w", err)
	}
	if len(v) != 16 {
		return corruptf("counts record %x", v)
	}
	c := counts{revisions: binary.BigEndian.Uint64(v), docs: binary.BigEndian.Uint64(v[8:])}
	prefix := []byte(prefixState)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		text := string(item.Key()[len(prefix):])
		id, err := cid.Decode(text)
		if err != nil {
			return corruptf("document key %q: %v", item.Key(), err)
		}
		sv, err := item.ValueCopy(nil)
		if err != nil {
			return storageError("read document states", err)
		}
		st, err := decodeDocState(id, text, sv)
		if err != nil {
			return err
		}
		if st.retract.cid.Defined() {
			c.retracted++
		}
	}
	return writeError(txn.Set([]byte(keyCounts), c.encode()))
}

// Open opens the store in dir, creating it if needed. Only one process
// may have a store open; see ErrLocked.
func Open(dir string, opts Options) (*Store, error) {
	return open(dir, opts, badgerOptions(dir, opts))
}

// open is Open with badger's options given, so that tests can shrink
// them.
func open(dir string, opts Options, bopts badger.Options) (*Store, error) {
	if !opts.InMemory {
		if err := recoverRewrite(dir); err != nil {
			return nil, openError(dir, err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store %s: %w", dir, err)
		}
	}
	if !opts.InMemory {
		if err := removeEmptyLogs(dir); err != nil {
			return nil, openError(dir, err)
		}
	}
	db, err := badger.Open(bopts)
	if err != nil {
		return nil, openError(dir, err)
	}
	name := dir
	if opts.InMemory {
		name = "(in memory)"
	}
	s := &Store{dir: name, bopts: bopts, db: db, maxValue: opts.maxValue(), minFree: opts.minFree(), changed: make(chan struct{})}
	if !opts.InMemory {
		s.path = dir
	}
	err = s.load()
	if err == nil {
		// An erasure whose rewrite a crash or an error stopped. If it
		// fails again (a disk too full for the copy), the store opens
		// all the same: the erased content is out of reach, only its
		// bytes wait in the files for the next Open or Erase.
		if rerr := s.rewrite(); rerr != nil && s.db != nil {
			logger := opts.Logger
			if logger == nil {
				logger = slog.Default()
			}
			logger.Warn("the store's files still hold erased content: rewriting them failed, the next start tries again", "store", dir, "err", rerr)
		} else if rerr != nil {
			err = rerr
		}
	}
	if err != nil {
		err = fmt.Errorf("open store %s: %w", dir, err)
		if s.db != nil {
			if cerr := s.db.Close(); cerr != nil {
				err = errors.Join(err, storageError("close store "+dir, cerr))
			}
		}
		return nil, err
	}
	return s, nil
}

// openError explains why badger could not open dir and what to do.
// Badger flattens its errors to text, so the lock case is recognized
// by its message.
func openError(dir string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Another process is using this Badger database"):
		return fmt.Errorf("open store %s: %w: another mutu process holds it: stop it, or run this command while it runs so that it goes through its API", dir, ErrLocked)
	case strings.Contains(msg, "permission denied"):
		return fmt.Errorf("open store %s: permission denied: run mutu as the user that owns this directory (%v)", dir, msg)
	default:
		return fmt.Errorf("open store %s: %v (if the disk filled up or failed, free space or restore the directory from a backup)", dir, msg)
	}
}

// load checks the format version and reads the figures kept in memory.
func (s *Store) load() error {
	s.seqs = make(map[protocol.AuthorKey]uint64)
	return s.db.Update(func(txn *badger.Txn) error {
		if err := checkFormat(txn); err != nil {
			return err
		}
		return s.loadFigures(txn)
	})
}

func checkFormat(txn *badger.Txn) error {
	item, err := txn.Get([]byte(keyFormat))
	if errors.Is(err, badger.ErrKeyNotFound) {
		if nonEmpty(txn) {
			return corruptf("the database has no format version: it is not a mutu store")
		}
		return storageError("write format version", txn.Set([]byte(keyFormat), be64(formatVersion)))
	}
	if err != nil {
		return storageError("read format version", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return storageError("read format version", err)
	}
	if len(v) != 8 {
		return corruptf("format version record %x", v)
	}
	got := binary.BigEndian.Uint64(v)
	if got == formatVersion {
		return nil
	}
	if got > formatVersion {
		return fmt.Errorf("store format %d, this mutu reads formats up to %d: use the mutu version that wrote it, or a later one", got, formatVersion)
	}
	for ; got < formatVersion; got++ {
		migrate, ok := migrations[got]
		if !ok {
			return fmt.Errorf("store format %d is too old for this mutu (no migration to format %d)", got, got+1)
		}
		if err := migrate(txn); err != nil {
			return fmt.Errorf("migrate store from format %d to %d: %w", got, got+1, err)
		}
	}
	return storageError("write format version", txn.Set([]byte(keyFormat), be64(formatVersion)))
}

func nonEmpty(txn *badger.Txn) bool {
	it := txn.NewIterator(badger.IteratorOptions{})
	defer it.Close()
	it.Rewind()
	return it.Valid()
}

// loadFigures reads the highest clock, the change log position, the
// counts and every author's sequence number.
func (s *Store) loadFigures(txn *badger.Txn) error {
	if k, ok := lastKeyWith(txn, []byte(prefixClock)); ok {
		r, err := parseRefKey(k[len(prefixClock):])
		if err != nil {
			return err
		}
		s.maxClock = r.clock
	}
	if k, ok := lastKeyWith(txn, []byte(prefixLog)); ok {
		if len(k) != len(prefixLog)+8 {
			return corruptf("change log key %x", k)
		}
		s.changeSeq = binary.BigEndian.Uint64(k[len(prefixLog):])
	}
	v, err := getValue(txn, []byte(keyCounts))
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return fmt.Errorf("read counts: %w", err)
	default:
		if s.counts, err = decodeCounts(v); err != nil {
			return err
		}
	}
	prefix := []byte(prefixAuthor)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		var a protocol.AuthorKey
		k := item.Key()
		v, err := item.ValueCopy(nil)
		if err != nil {
			return storageError("read author sequence numbers", err)
		}
		if len(k) != len(prefix)+len(a) || len(v) != 8 {
			return corruptf("author record %x", k)
		}
		copy(a[:], k[len(prefix):])
		s.seqs[a] = binary.BigEndian.Uint64(v)
	}
	return nil
}

// lastKeyWith returns the greatest key that starts with prefix.
func lastKeyWith(txn *badger.Txn, prefix []byte) ([]byte, bool) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
	defer it.Close()
	it.Seek(lastKey(prefix))
	if !it.ValidForPrefix(prefix) {
		return nil, false
	}
	return it.Item().KeyCopy(nil), true
}

// Close closes the database, after the operations in flight. Using the
// store afterwards returns ErrClosed. Close is idempotent.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("close store %s: %v", s.dir, err)
	}
	return nil
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(txn *badger.Txn) error) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(fn)
}

// update runs fn in a write transaction and commits it.
func (s *Store) update(op string, fn func(txn *badger.Txn) error) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	if err := fn(txn); err != nil {
		return err
	}
	return storageError(op, txn.Commit())
}

// getValue returns a copy of the value of k; ErrNotFound if absent.
// The caller adds what it was reading to the error.
func getValue(txn *badger.Txn, k []byte) ([]byte, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, storageError("get", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, storageError("get", err)
	}
	return v, nil
}

// exists reports whether k is held. The caller adds what it was
// reading to the error.
func exists(txn *badger.Txn, k []byte) (bool, error) {
	_, err := txn.Get(k)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return false, nil
	default:
		return false, storageError("get", err)
	}
}

// removeEmptyLogs removes the 0-byte .mem and .vlog files of dir. A
// crash between the creation of a memtable or value log file and its
// first write leaves one, on which badger's Open fails (badger issue
// #2207; "Open existing file: ... Create a new file" for a value log)
// and, failing, leaves goroutines running. Such a file holds nothing,
// so no key points into it. It is removed
// only under the lock of badger's LOCK file (flock, which badger takes
// too on Unix; on Windows badger opens the file unshared, which
// lockfile reports as locked), so never under a running process.
func removeEmptyLogs(dir string) error {
	l, err := lockfile.TryLock(filepath.Join(dir, "LOCK"))
	if errors.Is(err, lockfile.ErrLocked) || errors.Is(err, errors.ErrUnsupported) {
		// Another process has the store, and Open will say so; or
		// no lock can be taken here, and badger will report the
		// empty files.
		return nil
	}
	if err != nil {
		return err
	}
	defer l.Unlock()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".mem") && !strings.HasSuffix(e.Name(), ".vlog") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		if info.Size() == 0 {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
