package store_test

import (
	"cmp"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// quiet drops badger's warnings in tests that expect them.
var quiet = slog.New(slog.DiscardHandler)

func openDisk(tb testing.TB) *store.Store {
	tb.Helper()
	return openAt(tb, tb.TempDir(), store.Options{})
}

func openMemory(tb testing.TB) *store.Store {
	tb.Helper()
	return openAt(tb, "", store.Options{InMemory: true})
}

// openAt opens a store that is checked and closed when the test ends.
func openAt(tb testing.TB, dir string, opts store.Options) *store.Store {
	tb.Helper()
	s, err := store.Open(dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Check(); err != nil && !errors.Is(err, store.ErrClosed) {
			tb.Errorf("check at the end of the test: %v", err)
		}
		if err := s.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return s
}

// put stores revs and fails the test on error.
func put(tb testing.TB, s *store.Store, revs ...protocol.Verified) store.Changes {
	tb.Helper()
	ch, err := s.Put(revs)
	if err != nil {
		tb.Fatalf("put: %v", err)
	}
	return ch
}

// doc returns document id and fails the test on error.
func doc(tb testing.TB, s *store.Store, id cid.Cid) *store.Doc {
	tb.Helper()
	d, err := s.Doc(id)
	if err != nil {
		tb.Fatalf("doc %s: %v", id, err)
	}
	return d
}

func ids(revs ...protocol.Verified) []cid.Cid {
	out := make([]cid.Cid, len(revs))
	for i, v := range revs {
		out[i] = v.Block.CID
	}
	return out
}

// byHeadRule sorts revs best first: highest clock, then highest CID.
func byHeadRule(revs ...protocol.Verified) []cid.Cid {
	revs = slices.Clone(revs)
	slices.SortFunc(revs, func(a, b protocol.Verified) int {
		return -cmp.Or(cmp.Compare(a.Rev.Clock, b.Rev.Clock), cmp.Compare(a.Block.CID.KeyString(), b.Block.CID.KeyString()))
	})
	return ids(revs...)
}

// wantRule checks that err refuses revision v for the rule target.
func wantRule(tb testing.TB, err error, v protocol.Verified, target error) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Fatalf("error %v, want %v", err, target)
	}
	var re *store.RevisionError
	if !errors.As(err, &re) || !re.CID.Equals(v.Block.CID) {
		tb.Fatalf("error %v does not name revision %s", err, v.Block.CID)
	}
}

// wantAbsent checks that none of revs is held.
func wantAbsent(tb testing.TB, s *store.Store, revs ...protocol.Verified) {
	tb.Helper()
	for _, v := range revs {
		if ok, err := s.Has(v.Block.CID); err != nil || ok {
			tb.Errorf("Has(%s) = %v, %v; want false", v.Block.CID, ok, err)
		}
	}
}

// clockAt returns a fixed clock reading, so that tests control order.
func clockAt(n uint64) protocoltest.Option { return protocoltest.Clock(protocol.Clock(1<<40 + n)) }
