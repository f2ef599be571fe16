package store

import (
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// TestMigrationCountsRetracted: a store of format 2, whose counts
// record holds revisions and documents only, opens as format 3 with
// its retracted documents counted, and checks clean.
func TestMigrationCountsRetracted(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	alice := protocoltest.NewAuthor(t)
	a, b, c := alice.Create(t), alice.Create(t), alice.Create(t)
	revs := []protocol.Verified{a, b, c, alice.Retract(t, []protocol.Verified{b}), alice.Retract(t, []protocol.Verified{c})}
	if _, err := s.Put(revs); err != nil {
		t.Fatal(err)
	}
	// Write the store back as format 2 wrote it.
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set([]byte(keyFormat), be64(2)); err != nil {
			return err
		}
		return txn.Set([]byte(keyCounts), append(be64(5), be64(3)...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Counts(); err != nil || n != (Counts{Revisions: 5, Docs: 3, Retracted: 2}) {
		t.Errorf("Counts = %+v, %v; want 5 revisions, 3 documents, 2 retracted", n, err)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}
