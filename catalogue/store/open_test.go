package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// TestReopen checks that everything Open keeps in memory is read back.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, protocoltest.Seq(7))
	e1 := alice.Edit(t, []protocol.Verified{v})
	e2 := alice.Edit(t, []protocol.Verified{v})
	put(t, s, v, e1, e2)
	if err := s.SetMeta("peers", []byte("x")); err != nil {
		t.Fatal(err)
	}
	before := doc(t, s, v.Block.CID)
	counts, _ := s.Counts()
	maxClock, seq, next := s.MaxClock(), s.ChangeSeq(), s.NextSeq(alice.Key)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, dir, store.Options{})
	if n, _ := s.Counts(); n != counts {
		t.Errorf("Counts after reopen = %+v; want %+v", n, counts)
	}
	if s.MaxClock() != maxClock || s.ChangeSeq() != seq || s.NextSeq(alice.Key) != next {
		t.Errorf("after reopen: MaxClock %d ChangeSeq %d NextSeq %d; want %d %d %d",
			s.MaxClock(), s.ChangeSeq(), s.NextSeq(alice.Key), maxClock, seq, next)
	}
	if after := doc(t, s, v.Block.CID); !sameDoc(after, before) || !slices.Equal(after.Heads, byHeadRule(e1, e2)) {
		t.Errorf("doc after reopen %+v, want %+v", after, before)
	}
	if val, err := s.GetMeta("peers"); err != nil || string(val) != "x" {
		t.Errorf("GetMeta after reopen = %q, %v", val, err)
	}
	// The change log continues where it stopped.
	put(t, s, alice.Edit(t, []protocol.Verified{e1, e2}))
	if s.ChangeSeq() != seq+1 {
		t.Errorf("ChangeSeq = %d, want %d", s.ChangeSeq(), seq+1)
	}
}

// TestOpenLocked checks that a second Open of a directory says what to
// do.
func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir, store.Options{})
	_, err := store.Open(dir, store.Options{Logger: quiet})
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "stop it") {
		t.Errorf("second Open: %v; want ErrLocked naming the directory and the fix", err)
	}
}

// TestOpenForeign checks that a badger database that is not a store,
// or a store of another format, is refused.
func TestOpenForeign(t *testing.T) {
	for name, kv := range map[string][2]string{
		"not a store":  {"other", "data"},
		"other format": {"x/format", "\x00\x00\x00\x00\x00\x00\x00\x63"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(8 << 20))
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(kv[0]), []byte(kv[1])) }); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			s, err := store.Open(dir, store.Options{Logger: quiet})
			if err == nil {
				s.Close()
				t.Fatal("Open accepted it")
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %v does not name the directory", err)
			}
		})
	}
}

// TestLargestBlock checks blocks of exactly protocol.MaxBlockSize on
// disk, and the clean refusal of an in-memory store, whose values must
// stay under 1 MiB.
func TestLargestBlock(t *testing.T) {
	data := bytes.Repeat([]byte("tableur "), protocol.MaxBlockSize/8)
	b := protocol.Block{CID: protocol.BlockCID(data), Data: data}

	disk := openDisk(t)
	if err := disk.PutBlocks([]protocol.Block{b}); err != nil {
		t.Fatal(err)
	}
	if got, err := disk.Block(b.CID); err != nil || !bytes.Equal(got, data) {
		t.Errorf("Block = %d bytes, %v", len(got), err)
	}

	mem := openMemory(t)
	if err := mem.PutBlocks([]protocol.Block{b}); !errors.Is(err, protocol.ErrTooLarge) {
		t.Errorf("in-memory PutBlocks of %d bytes: %v, want ErrTooLarge", len(data), err)
	}
}

// TestNoBadgerErrors checks that errors are translated at the
// boundary: they match the store's sentinels, never badger's.
func TestNoBadgerErrors(t *testing.T) {
	s, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	absent := protocoltest.NewAuthor(t).Create(t).Block.CID
	_, err = s.Block(absent)
	if !errors.Is(err, store.ErrNotFound) || errors.Is(err, badger.ErrKeyNotFound) {
		t.Errorf("Block of an absent CID: %v; want store.ErrNotFound only", err)
	}
	if _, err := s.GetMeta("absent"); !errors.Is(err, store.ErrNotFound) || errors.Is(err, badger.ErrKeyNotFound) {
		t.Errorf("GetMeta of an absent key: %v; want store.ErrNotFound only", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Block(absent); !errors.Is(err, store.ErrClosed) || errors.Is(err, badger.ErrDBClosed) {
		t.Errorf("Block after Close: %v; want store.ErrClosed only", err)
	}
}

// TestOpenAfterCrashInLogCreation reopens a store in which a crash left
// an empty memtable or value log file behind (badger issue #2207), and
// opens a directory in which the very first Open was killed after
// creating its value log.
func TestOpenAfterCrashInLogCreation(t *testing.T) {
	for _, name := range []string{"00042.mem", "000002.vlog", "000009.vlog"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SetMeta("k", []byte("v")); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err = store.Open(dir, store.Options{})
			if err != nil {
				t.Fatalf("reopen with an empty %s: %v", name, err)
			}
			defer s.Close()
			if v, err := s.GetMeta("k"); err != nil || string(v) != "v" {
				t.Fatalf("data after reopen: %q %v", v, err)
			}
		})
	}
	t.Run("first open", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "000001.vlog"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatalf("open with an empty first value log: %v", err)
		}
		defer s.Close()
		if err := s.SetMeta("k", []byte("v")); err != nil {
			t.Fatal(err)
		}
	})
}
