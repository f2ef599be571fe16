// Package lockfile takes exclusive locks on files, shared by every
// process of the machine: the one scheme by which mutu processes keep
// out of each other's way (the store's directory, the home's accounts
// file).
//
// The lock belongs to the open file, and the operating system drops it
// when the holder closes it or dies: a crash never leaves a lock behind,
// so there is no stale timeout to guess and no lock file to remove by
// hand. On Unix it is flock(2) on the whole file; on Windows, LockFileEx
// on its first byte. The locks are advisory: they keep out only
// processes that take the same lock, and on Windows a process that opened
// the file without sharing it (badger's own directory lock does) makes
// TryLock report ErrLocked too. On other systems (plan9, wasm) taking a
// lock fails with an error wrapping errors.ErrUnsupported.
//
// The lock file itself is created if absent and never removed: removing
// it while another process waits for it would let two processes hold
// "the" lock at once, on two different files. Locks are per process,
// not per goroutine or per File: two Files on the same path in one
// process exclude each other on Unix and on Windows alike.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrLocked is returned by TryLock when another holder has the lock.
var ErrLocked = errors.New("lockfile: locked by another process")

// pollInterval is how often Lock tries again while the lock is held.
const pollInterval = 20 * time.Millisecond

// File is a held lock. Its methods are not safe for concurrent use.
type File struct {
	f    *os.File
	path string
}

// TryLock takes the lock of the file at path, creating the file (mode
// 0600) and its directory if absent, without waiting: it returns an
// error wrapping ErrLocked when another holder has it.
func TryLock(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := openLockFile(path)
	if err != nil {
		if isSharingViolation(err) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &File{f: f, path: path}, nil
}

// Lock takes the lock of the file at path like TryLock, waiting while
// another holder has it, until ctx is done; it then returns an error
// wrapping both ErrLocked and ctx's error.
func Lock(ctx context.Context, path string) (*File, error) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		l, err := TryLock(path)
		if !errors.Is(err, ErrLocked) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// Unlock releases the lock and closes the file. It is safe to call
// more than once; later calls do nothing.
func (l *File) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("unlock %s: %w", l.path, err)
	}
	return nil
}
