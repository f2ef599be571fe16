package store_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// marker is the personal data the erasure tests write and look for.
const marker = "MARQUEUR-ELEVE-Durand-7f3a9c"

// filesWith returns the files under root that hold s, as grep -r would.
func filesWith(tb testing.TB, root, s string) []string {
	tb.Helper()
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(s)) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return found
}

// decision is the erasure every test applies.
var decision = store.Erasure{
	Decision: protocol.BlockCID([]byte("a decision record")),
	Time:     time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC),
	Category: "donnees-personnelles",
}

// personal returns a revision whose body, title and attachment carry
// the marker, editing parents, and the attachment's block: a small
// body (kept inline in badger's tables and log) and a block large
// enough for the value log.
func personal(tb testing.TB, a *protocoltest.Author, parents []protocol.Verified) (protocol.Verified, protocol.Block) {
	data := bytes.Repeat([]byte("ligne "+marker+"\n"), 200)
	blk := protocol.Block{CID: protocol.BlockCID(data), Data: data}
	opts := []protocoltest.Option{
		protocoltest.Title("Bourse de " + marker),
		protocoltest.Kind("tool"),
		protocoltest.Body("Famille " + marker + ", quotient 312 €.\n"),
		func(r *protocol.Revision) {
			r.Attachments = []protocol.Attachment{{Name: "dossier.txt", Type: "text/plain", Size: uint64(len(data)), Blocks: []cid.Cid{blk.CID}}}
		},
	}
	if parents == nil {
		return a.Create(tb, opts...), blk
	}
	return a.Edit(tb, parents, opts...), blk
}

// TestEraseRemovesTheContentAndKeepsTheDAG erases the winning revision
// of a document: no file of the store holds its body or attachment,
// the document keeps its heads, history and kind, the other entries
// are intact, and the store reopens to the same.
func TestEraseRemovesTheContentAndKeepsTheDAG(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "store")
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	v1 := alice.Create(t, protocoltest.Title("Bourses : la procédure"), protocoltest.Kind("tool"))
	v2, blk := personal(t, alice, []protocol.Verified{v1})
	other := bob.Create(t, protocoltest.Title("Rapprochement bancaire"), protocoltest.Body(strings.Repeat("Exporter le relevé. ", 200)))
	if err := s.PutBlocks([]protocol.Block{blk}); err != nil {
		t.Fatal(err)
	}
	put(t, s, v1, v2, other)
	id := v1.Block.CID
	if len(filesWith(t, root, marker)) == 0 {
		t.Fatal("the marker is in no file before the erasure: the test proves nothing")
	}

	got, err := s.Erase([]cid.Cid{v2.Block.CID}, decision)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Revisions, []cid.Cid{v2.Block.CID}) || !slices.Equal(got.Blocks, []cid.Cid{blk.CID}) || !slices.Equal(got.Docs, []cid.Cid{id}) {
		t.Errorf("Erase reports %+v", got)
	}
	if found := filesWith(t, root, marker); len(found) > 0 {
		t.Errorf("the marker is still in %v", found)
	}
	check := func(s *store.Store) {
		t.Helper()
		d := doc(t, s, id)
		if !d.Winner.Equals(v2.Block.CID) || !slices.Equal(d.Heads, []cid.Cid{v2.Block.CID}) || d.Rev != nil || d.Erased == nil ||
			d.Title != "" || d.Kind != "tool" || !d.Erased.Decision.Equals(decision.Decision) || d.Erased.Category != decision.Category ||
			!d.Erased.Time.Equal(decision.Time) {
			t.Errorf("document after erasure: %+v, erased %+v", d, d.Erased)
		}
		if h, err := s.History(id); err != nil || len(h) != 2 {
			t.Errorf("history: %v, %v", h, err)
		}
		if _, _, err := s.Revision(v2.Block.CID); !errors.Is(err, store.ErrErased) || !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Revision of the erased revision: %v", err)
		}
		if _, err := s.Block(blk.CID); !errors.Is(err, store.ErrErased) {
			t.Errorf("Block of the erased attachment: %v", err)
		}
		if ok, err := s.Has(v2.Block.CID); err != nil || ok {
			t.Errorf("Has the erased revision: %v, %v", ok, err)
		}
		e, ok, err := s.Erased(v2.Block.CID)
		if err != nil || !ok || e.Stub == nil || e.Stub.Author != alice.Key || !slices.Equal(e.Stub.Parents, []cid.Cid{id}) ||
			e.Stub.Clock != v2.Rev.Clock || e.Stub.Entry == nil || e.Stub.Entry.Body != "" || e.Stub.Attachments != nil {
			t.Errorf("Erased: %+v, %v, %v", e, ok, err)
		}
		var listed []cid.Cid
		if err := s.RevisionsByClock(0, cid.Undef, func(_ protocol.Clock, c cid.Cid) error {
			listed = append(listed, c)
			return nil
		}); err != nil || !slices.ContainsFunc(listed, v2.Block.CID.Equals) {
			t.Errorf("the reconciliation set lost the erased revision: %v, %v", listed, err)
		}
		if d := doc(t, s, other.Block.CID); d.Rev == nil || d.Title != "Rapprochement bancaire" || d.Erased != nil {
			t.Errorf("the other entry: %+v", d)
		}
		if _, err := s.Block(other.Block.CID); err != nil {
			t.Errorf("the other entry's block: %v", err)
		}
		if _, err := s.Block(v1.Block.CID); err != nil {
			t.Errorf("the kept revision's block: %v", err)
		}
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, dir, store.Options{})
	check(s)

	// The DAG goes on from the erased revision.
	v3 := alice.Edit(t, []protocol.Verified{v2}, protocoltest.Title("Bourses : la procédure corrigée"))
	put(t, s, v3)
	if d := doc(t, s, id); !d.Winner.Equals(v3.Block.CID) || d.Title != "Bourses : la procédure corrigée" || d.Erased != nil {
		t.Errorf("after an edit of the erased revision: %+v", d)
	}
}

// TestErasedIsNeverStoredAgain offers the erased revision and block
// again on every path: each is refused with the code erased, and
// nothing is stored.
func TestErasedIsNeverStoredAgain(t *testing.T) {
	s := openMemory(t)
	alice := protocoltest.NewAuthor(t)
	v1 := alice.Create(t)
	v2, blk := personal(t, alice, []protocol.Verified{v1})
	if err := s.PutBlocks([]protocol.Block{blk}); err != nil {
		t.Fatal(err)
	}
	put(t, s, v1, v2)
	if _, err := s.Erase([]cid.Cid{v2.Block.CID}, decision); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put([]protocol.Verified{v2}); protocol.CodeOf(err) != protocol.CodeErased {
		t.Errorf("Put of the erased revision: %v", err)
	}
	ch, rejected, err := s.PutEach([]protocol.Verified{v2})
	if err != nil || len(ch.Added) != 0 || len(rejected) != 1 || protocol.CodeOf(rejected[0]) != protocol.CodeErased {
		t.Errorf("PutEach of the erased revision: %v, %v, %v", ch, rejected, err)
	}
	if err := s.PutBlocks([]protocol.Block{blk}); protocol.CodeOf(err) != protocol.CodeErased {
		t.Errorf("PutBlocks of the erased block: %v", err)
	}
	if _, err := s.Block(blk.CID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the erased block is back: %v", err)
	}
	if _, _, err := s.Revision(v2.Block.CID); !errors.Is(err, store.ErrErased) {
		t.Errorf("the erased revision is back: %v", err)
	}
}

// TestEraseOfARevisionNotHeld: a node that never received a revision
// when the erasure reaches it refuses it when it comes, and rewrites
// no file for it.
func TestEraseOfARevisionNotHeld(t *testing.T) {
	s := openDisk(t)
	alice := protocoltest.NewAuthor(t)
	v1 := alice.Create(t)
	v2, _ := personal(t, alice, []protocol.Verified{v1})
	put(t, s, v1)
	restore := store.SetBeforeRewrite(func() error { return errors.New("a rewrite for nothing") })
	got, err := s.Erase([]cid.Cid{v2.Block.CID}, decision)
	restore()
	if err != nil || len(got.Revisions) != 0 {
		t.Fatalf("Erase: %+v, %v", got, err)
	}
	if e, ok, err := s.Erased(v2.Block.CID); err != nil || !ok || e.Stub != nil {
		t.Errorf("Erased: %+v, %v, %v", e, ok, err)
	}
	if _, err := s.Put([]protocol.Verified{v2}); protocol.CodeOf(err) != protocol.CodeErased {
		t.Errorf("Put of a revision erased before it came: %v", err)
	}
	var n int
	if err := s.Erasures(func(cid.Cid, store.Erasure) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("Erasures: %d, %v", n, err)
	}
}

// TestEraseKeepsBlocksOtherRevisionsName: an attachment that a kept
// revision names too stays.
func TestEraseKeepsBlocksOtherRevisionsName(t *testing.T) {
	s := openMemory(t)
	alice := protocoltest.NewAuthor(t)
	v1, blk := personal(t, alice, nil)
	v2 := alice.Edit(t, []protocol.Verified{v1}, func(r *protocol.Revision) { r.Attachments = v1.Rev.Attachments })
	if err := s.PutBlocks([]protocol.Block{blk}); err != nil {
		t.Fatal(err)
	}
	put(t, s, v1, v2)
	got, err := s.Erase([]cid.Cid{v1.Block.CID}, decision)
	if err != nil || len(got.Blocks) != 0 {
		t.Fatalf("Erase: %+v, %v", got, err)
	}
	if ok, err := s.Has(blk.CID); err != nil || !ok {
		t.Errorf("a block the kept revision names: held %v, %v", ok, err)
	}
	if d := doc(t, s, v1.Block.CID); d.Erased != nil || d.Rev == nil {
		t.Errorf("a document whose winner is kept: %+v", d)
	}
}

// TestEraseRewriteStoppedIsDoneAtOpen: when the rewrite of the files
// fails after the erasure is committed, the next Open does it.
func TestEraseRewriteStoppedIsDoneAtOpen(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "store")
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	alice := protocoltest.NewAuthor(t)
	v1, blk := personal(t, alice, nil)
	if err := s.PutBlocks([]protocol.Block{blk}); err != nil {
		t.Fatal(err)
	}
	put(t, s, v1)
	restore := store.SetBeforeRewrite(func() error { return errors.New("disk failed") })
	_, err = s.Erase([]cid.Cid{v1.Block.CID}, decision)
	restore()
	if err == nil {
		t.Fatal("Erase did not report the failed rewrite")
	}
	if _, _, err := s.Revision(v1.Block.CID); !errors.Is(err, store.ErrErased) {
		t.Errorf("the erasure was not committed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(filesWith(t, root, marker)) == 0 {
		t.Fatal("the marker is gone without a rewrite: the test proves nothing")
	}
	// A rewrite that fails again does not keep the store from opening.
	restore = store.SetBeforeRewrite(func() error { return errors.New("disk full") })
	s, err = store.Open(dir, store.Options{Logger: quiet})
	restore()
	if err != nil {
		t.Fatalf("open with a rewrite that fails: %v", err)
	}
	if _, _, err := s.Revision(v1.Block.CID); !errors.Is(err, store.ErrErased) {
		t.Errorf("after an open whose rewrite failed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	openAt(t, dir, store.Options{})
	if found := filesWith(t, root, marker); len(found) > 0 {
		t.Errorf("the marker is still in %v after Open", found)
	}
}

// TestRewriteCrashBetweenRenamesIsFinished: a crash between the two
// renames of the swap leaves the copy under its temporary name and the
// old store under another; Open finishes the swap.
func TestRewriteCrashBetweenRenamesIsFinished(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "store")
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := protocoltest.NewAuthor(t).Create(t)
	put(t, s, v)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir, dir+".rewrite"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir+".old", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir+".old", "000001.vlog"), []byte(marker), 0o600); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, dir, store.Options{})
	if d := doc(t, s, v.Block.CID); d.Rev == nil {
		t.Errorf("document after the swap: %+v", d)
	}
	for _, gone := range []string{dir + ".rewrite", dir + ".old"} {
		if _, err := os.Stat(gone); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left: %v", gone, err)
		}
	}
}

// TestRewriteCrashDuringCopyIsDropped: a partial copy next to the
// store is removed at Open.
func TestRewriteCrashDuringCopyIsDropped(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "store")
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir+".rewrite", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir+".rewrite", "000001.vlog"), []byte(marker), 0o600); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, dir, store.Options{})
	v := protocoltest.NewAuthor(t).Create(t)
	put(t, s, v)
	if found := filesWith(t, root, marker); len(found) > 0 {
		t.Errorf("the partial copy is left: %v", found)
	}
}

// TestErasedRevisionsCanBeWithdrawn: RevisionsOf still lists an erased
// revision under its author, and Withdraw removes it and its
// descendants like any other; the CID stays refused.
func TestErasedRevisionsCanBeWithdrawn(t *testing.T) {
	s := openMemory(t)
	alice := protocoltest.NewAuthor(t)
	v1 := alice.Create(t)
	v2, blk := personal(t, alice, []protocol.Verified{v1})
	v3 := alice.Edit(t, []protocol.Verified{v2})
	if err := s.PutBlocks([]protocol.Block{blk}); err != nil {
		t.Fatal(err)
	}
	put(t, s, v1, v2, v3)
	if _, err := s.Erase([]cid.Cid{v2.Block.CID}, decision); err != nil {
		t.Fatal(err)
	}
	var listed []cid.Cid
	if err := s.RevisionsOf(alice.Key, 0, protocol.Clock(1<<62), func(_ protocol.Clock, c cid.Cid) error {
		listed = append(listed, c)
		return nil
	}); err != nil || len(listed) != 3 {
		t.Fatalf("RevisionsOf: %v, %v", listed, err)
	}
	if _, err := s.Withdraw([]cid.Cid{v2.Block.CID}); err != nil {
		t.Fatal(err)
	}
	if d := doc(t, s, v1.Block.CID); !d.Winner.Equals(v1.Block.CID) || d.Erased != nil {
		t.Errorf("after withdrawing the erased revision: %+v", d)
	}
	if _, err := s.Put([]protocol.Verified{v2}); protocol.CodeOf(err) != protocol.CodeErased {
		t.Errorf("Put of a withdrawn erased revision: %v", err)
	}
}
