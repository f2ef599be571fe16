package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
)

// Badger never overwrites a file in place: a deleted value stays in
// the value log until garbage collection rewrites its file, which it
// does only past a ratio of garbage; a deleted key and its small value
// stay in the SSTables until a compaction reaches the last level; and
// the memtable's write-ahead log keeps what was written since the last
// flush. None of these is bounded in time, so erasure does not rely on
// them: rewrite copies the live keys into a fresh database next to the
// store and swaps the directories.
//
// The swap is crash-safe (recoverRewrite): until the store directory
// is renamed to its ".old" name, the copy (".rewrite") is incomplete
// and the next Open removes it; once renamed, the copy is complete and
// Open finishes the swap. The erasure mark (x/rewrite), committed with
// the erasure, is copied by no rewrite: a store that still carries it
// was not rewritten since, and Open rewrites it.

const (
	rewriteSuffix = ".rewrite" // the copy being made
	oldSuffix     = ".old"     // the store before the swap, removed after it
)

// beforeRewrite, when set by a test, runs before each rewrite; its
// error stops the rewrite as a failed copy would.
var beforeRewrite func() error

// onDisk reports whether the store has files to rewrite.
func (s *Store) onDisk() bool { return !s.bopts.InMemory }

// rewrite copies the live keys of the database into a fresh one and
// swaps it in, if an erasure asked for it (x/rewrite). Every other
// operation waits meanwhile; the caller holds putMu or is Open.
func (s *Store) rewrite() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	var pending bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		pending, err = exists(txn, []byte(keyRewrite))
		return err
	})
	if err != nil || !pending {
		return err
	}
	if !s.onDisk() {
		return storageError("clear the rewrite mark", s.db.Update(func(txn *badger.Txn) error {
			return txn.Delete([]byte(keyRewrite))
		}))
	}
	if beforeRewrite != nil {
		if err := beforeRewrite(); err != nil {
			return err
		}
	}
	fresh := s.path + rewriteSuffix
	if err := s.copyLive(fresh); err != nil {
		return errors.Join(err, os.RemoveAll(fresh))
	}
	if err := s.db.Close(); err != nil {
		s.db = nil
		return storageError("close store "+s.dir+" to swap it with its rewritten copy", err)
	}
	s.db = nil
	old := s.path + oldSuffix
	swapErr := swapDirs(s.path, fresh, old)
	db, err := badger.Open(s.bopts)
	if err != nil {
		return errors.Join(swapErr, openError(s.dir, err))
	}
	s.db = db
	if swapErr != nil {
		return swapErr
	}
	return nil
}

// copyLive writes every live key of the database but the rewrite mark
// into a new database in dir, synced when it returns.
func (s *Store) copyLive(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove an unfinished copy of the store: %w", err)
	}
	fresh, err := badger.Open(s.bopts.WithDir(dir).WithValueDir(dir).WithSyncWrites(false))
	if err != nil {
		return openError(dir, err)
	}
	wb := fresh.NewWriteBatch()
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if string(item.Key()) == keyRewrite {
				continue
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := wb.Set(item.KeyCopy(nil), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = wb.Flush()
	} else {
		wb.Cancel()
	}
	if err == nil {
		err = fresh.Sync()
	}
	cerr := fresh.Close() // flushes the memtable into a table, synced
	if err = errors.Join(err, cerr); err != nil {
		return storageError("copy the store to "+dir, err)
	}
	return syncDir(dir)
}

// swapDirs puts the directory fresh in the place of dir, through old.
func swapDirs(dir, fresh, old string) error {
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("swap the rewritten store: %w", err)
	}
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("swap the rewritten store: %w", err)
	}
	if err := os.Rename(fresh, dir); err != nil {
		// Put the store back where it was; Open would finish the swap
		// otherwise.
		return errors.Join(fmt.Errorf("swap the rewritten store: %w", err), os.Rename(old, dir))
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("swap the rewritten store: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("remove the store before its rewrite, %s (remove it by hand: it holds erased content): %w", old, err)
	}
	return nil
}

// recoverRewrite finishes or undoes a rewrite that a crash stopped,
// before the store in dir is opened.
func recoverRewrite(dir string) error {
	fresh, old := dir+rewriteSuffix, dir+oldSuffix
	_, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, ferr := os.Stat(fresh); ferr == nil {
			// Stopped between the two renames: the copy is complete.
			if err := os.Rename(fresh, dir); err != nil {
				return fmt.Errorf("finish the rewrite of the store: %w", err)
			}
			if err := syncDir(filepath.Dir(dir)); err != nil {
				return err
			}
		}
	case err != nil:
		return err
	default:
		// Stopped before the swap: the copy may be partial; the
		// store still has its mark and is rewritten once open.
		if err := os.RemoveAll(fresh); err != nil {
			return fmt.Errorf("remove an unfinished copy of the store: %w", err)
		}
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("remove the store before its rewrite, %s (remove it by hand: it holds erased content): %w", old, err)
	}
	return nil
}

// syncDir makes the entries of dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}
