package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
	"github.com/mutu-network/mutu/protocol/reconcile"
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

// TestMigrationToFormat4: a store of format 3 opens as format 4, the
// format whose change log may list withdrawals, which a mutu reading
// up to format 3 then refuses rather than take them for damage.
func TestMigrationToFormat4(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	alice := protocoltest.NewAuthor(t)
	if _, err := s.Put([]protocol.Verified{alice.Create(t)}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(keyFormat), be64(3)) }); err != nil {
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
	var v []byte
	if err := s.view(func(txn *badger.Txn) error { v, err = getValue(txn, []byte(keyFormat)); return err }); err != nil {
		t.Fatal(err)
	}
	if string(v) != string(be64(formatVersion)) {
		t.Errorf("format after opening: %x, want %d", v, formatVersion)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestCheckReplaysWithdrawals: Check replays the change log, stores and
// withdrawals, and finds a revision held that the log says was
// withdrawn.
func TestCheckReplaysWithdrawals(t *testing.T) {
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t)
	e := alice.Edit(t, []protocol.Verified{v})
	if _, err := s.Put([]protocol.Verified{v, e}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Withdraw([]cid.Cid{e.Block.CID}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("check after a withdrawal: %v", err)
	}
	// A record that withdraws v while v stays held.
	err = s.db.Update(func(txn *badger.Txn) error {
		s.changeSeq++
		return txn.Set(logKey(s.changeSeq), encodeRemoval(v.Block.CID, []reconcile.Item{{Clock: v.Rev.Clock, ID: v.Block.CID}}))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "held but not in the change log") {
		t.Errorf("check of a log that withdrew a revision held: %v", err)
	}
}

// TestMigrationToFormat5: a store of format 4 opens as format 5, the
// one that may hold erasures, and is then erased and checked.
func TestMigrationToFormat5(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t)
	if _, err := s.Put([]protocol.Verified{v}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(keyFormat), be64(4)) }); err != nil {
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
	var f []byte
	if err := s.view(func(txn *badger.Txn) error { f, err = getValue(txn, []byte(keyFormat)); return err }); err != nil {
		t.Fatal(err)
	}
	if string(f) != string(be64(5)) {
		t.Errorf("format after opening: %x, want 5", f)
	}
	if _, err := s.Erase([]cid.Cid{v.Block.CID}, Erasure{Decision: v.Block.CID, Category: "donnees-personnelles"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}
