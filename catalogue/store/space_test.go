package store_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// A write that would leave less than the reserve free on the disk is
// refused with ErrDiskFull, stores nothing, and leaves the store as it
// was; once space is freed, the same write succeeds.
func TestDiskFullRefusesWrites(t *testing.T) {
	var free atomic.Uint64
	free.Store(1 << 40)
	defer store.SetFreeSpace(func(string) (uint64, bool) { return free.Load(), true })()
	const reserve = 8 << 20
	s := openAt(t, t.TempDir(), store.Options{MinFree: reserve})
	a := protocoltest.NewAuthor(t)
	first := a.Create(t, protocoltest.Title("Budget"))
	if _, err := s.Put([]protocol.Verified{first}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta("session", []byte("a")); err != nil {
		t.Fatal(err)
	}

	free.Store(reserve) // the reserve, not a byte more
	second := a.Create(t, protocoltest.Title("Voyages scolaires"))
	_, err := s.Put([]protocol.Verified{second})
	if !errors.Is(err, store.ErrDiskFull) || !strings.Contains(err.Error(), "free some space") {
		t.Fatalf("Put on a full disk = %v, want ErrDiskFull saying what to do", err)
	}
	data := []byte("relevé de compte")
	if err := s.PutBlocks([]protocol.Block{{CID: protocol.BlockCID(data), Data: data}}); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("PutBlocks on a full disk = %v, want ErrDiskFull", err)
	}
	if err := s.SetMeta("other", []byte("b")); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("SetMeta on a full disk = %v, want ErrDiskFull", err)
	}
	if err := s.DeleteMeta("session"); err != nil {
		t.Errorf("DeleteMeta on a full disk: %v (removing must stay possible)", err)
	}
	if n, err := s.Counts(); err != nil || n.Revisions != 1 || n.Docs != 1 {
		t.Errorf("after the refusals: %d revisions, %d documents (%v), want 1 and 1", n.Revisions, n.Docs, err)
	}
	if held, _ := s.Has(second.Block.CID); held {
		t.Error("a refused revision is stored")
	}

	free.Store(1 << 40)
	if _, err := s.Put([]protocol.Verified{second}); err != nil {
		t.Fatalf("Put once space is freed: %v", err)
	}
	if n, _ := s.Counts(); n.Revisions != 2 {
		t.Errorf("%d revisions, want 2", n.Revisions)
	}
}

// In-memory stores, and stores told not to, do not check.
func TestDiskFullCheckOff(t *testing.T) {
	defer store.SetFreeSpace(func(string) (uint64, bool) { return 0, true })()
	for name, s := range map[string]*store.Store{
		"memory":      openMemory(t),
		"MinFree < 0": openAt(t, t.TempDir(), store.Options{MinFree: -1}),
	} {
		a := protocoltest.NewAuthor(t)
		if _, err := s.Put([]protocol.Verified{a.Create(t)}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The reserve grows with badger's tables, which a compaction may
// rewrite whole.
func TestDiskReserveCountsTables(t *testing.T) {
	defer store.SetFreeSpace(func(string) (uint64, bool) { return 1 << 40, true })()
	const minFree = 8 << 20
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{MinFree: minFree})
	if err != nil {
		t.Fatal(err)
	}
	a := protocoltest.NewAuthor(t)
	for range 20 {
		if _, err := s.Put([]protocol.Verified{a.Create(t, protocoltest.Title("Budget"))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil { // flushes the memtable to a table
		t.Fatal(err)
	}
	s = openAt(t, dir, store.Options{MinFree: minFree})
	if _, reserve, ok := s.Disk(); !ok || reserve <= minFree {
		t.Errorf("Disk() reserve = %d (ok %v), want MinFree %d plus the tables", reserve, ok, minFree)
	}
}
