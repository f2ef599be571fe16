package store

import (
	"fmt"
	"os"
	"strings"
)

// Badger writes its value log, memtables and tables through files mapped
// in memory. When the disk fills up under such a write, the kernel does
// not return an error: it kills the process with SIGBUS, in the middle of
// whatever it was doing. So every write first checks that the disk keeps
// room for it and for what badger may write after it: memtables being
// flushed, tables being compacted (up to the size of the tables held).
// A write that would eat into that room fails with ErrDiskFull and
// stores nothing.

// defaultMinFree is the free space kept on the store's disk beyond the
// tables held: three 16 MB memtables and their flush, with room to spare.
const defaultMinFree = 64 << 20

// freeSpace returns the bytes available to this process on the file
// system holding dir, and false where it cannot tell; a variable so that
// tests can fill the disk at will.
var freeSpace = diskFree

// RoomFor fails with ErrDiskFull when writing n bytes would leave less
// than the store's reserve free on its disk.
func (s *Store) RoomFor(op string, n int) error {
	free, reserve, ok := s.Disk()
	if !ok {
		return nil
	}
	if need := reserve + uint64(n); free < need {
		return fmt.Errorf("%s: %w: %s has %d MB free; mutu keeps %d MB free for its database: free some space, then try again",
			op, ErrDiskFull, s.dir, free>>20, reserve>>20)
	}
	return nil
}

// Disk returns the space available on the store's disk and the part of
// it that writes leave free; ok is false where the system cannot tell,
// and for an in-memory store.
func (s *Store) Disk() (free, reserve uint64, ok bool) {
	if s.minFree <= 0 {
		return 0, 0, false
	}
	free, ok = freeSpace(s.dir)
	return free, uint64(s.minFree) + tablesSize(s.dir), ok
}

// tablesSize returns the bytes of badger's tables in dir. Badger's own
// figure (DB.Size) needs its metrics, which the store turns off; the
// directory holds a few dozen files, listed in microseconds.
func tablesSize(dir string) uint64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n uint64
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sst") {
			continue
		}
		if info, err := e.Info(); err == nil {
			n += uint64(info.Size())
		}
	}
	return n
}
