package store_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

func testHeadsAndWinner(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t)
	e1 := alice.Edit(t, []protocol.Verified{v}, protocoltest.Title("Version de Lyon"))
	e2 := alice.Edit(t, []protocol.Verified{v}, protocoltest.Title("Version de Grenoble"), protocoltest.Kind("software"))
	put(t, s, v, e2, e1)
	d := doc(t, s, v.Block.CID)
	if !slices.Equal(d.Heads, ids(e2, e1)) || !d.Winner.Equals(e2.Block.CID) || !d.Conflict() {
		t.Errorf("heads %v winner %s, want both edits, the later first and winning", d.Heads, d.Winner)
	}
	if d.Title != "Version de Grenoble" || d.Kind != "software" || d.Rev.Entry.Meta["title"] != "Version de Grenoble" || d.Updated != e2.Rev.Clock {
		t.Errorf("doc %+v, want the winner's title, kind and clock", d)
	}
	merge := alice.Edit(t, []protocol.Verified{e1, e2}, protocoltest.Title("Fusion"))
	put(t, s, merge)
	d = doc(t, s, v.Block.CID)
	if !slices.Equal(d.Heads, ids(merge)) || d.Conflict() || d.Title != "Fusion" || d.Kind != "note" {
		t.Errorf("doc %+v after a merge, want one head", d)
	}
}

func testTieBreakByCID(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, clockAt(1))
	e1 := alice.Edit(t, []protocol.Verified{v}, clockAt(5), protocoltest.Title("un"))
	e2 := alice.Edit(t, []protocol.Verified{v}, clockAt(5), protocoltest.Title("deux"))
	put(t, s, v, e1, e2)
	want := byHeadRule(e1, e2)
	d := doc(t, s, v.Block.CID)
	if !slices.Equal(d.Heads, want) || !d.Winner.Equals(want[0]) {
		t.Errorf("heads %v winner %s, want %v with the higher CID winning", d.Heads, d.Winner, want)
	}
	if bytes.Compare(want[0].Bytes(), want[1].Bytes()) <= 0 {
		t.Error("the winner's CID bytes are not the higher")
	}
}

func testRetractIsFinal(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, clockAt(1))
	e1 := alice.Edit(t, []protocol.Verified{v}, clockAt(2), protocoltest.Title("Dernière version"))
	r := alice.Retract(t, []protocol.Verified{e1}, clockAt(3))
	put(t, s, v, e1, r)
	d := doc(t, s, v.Block.CID)
	if !d.Retracted || !d.Retract.Equals(r.Block.CID) || !d.Winner.Equals(e1.Block.CID) || d.Title != "Dernière version" || !slices.Equal(d.Heads, ids(r)) || d.Updated != r.Rev.Clock {
		t.Errorf("doc %+v, want retracted by r, showing e1 as withdrawn", d)
	}
	// A stale peer's edit, concurrent and later, and even an edit on
	// top of the retract, are stored but bring nothing back.
	stale := alice.Edit(t, []protocol.Verified{e1}, clockAt(4), protocoltest.Title("Retour"))
	after := alice.Edit(t, []protocol.Verified{r}, clockAt(5))
	put(t, s, stale, after)
	d = doc(t, s, v.Block.CID)
	if !d.Retracted || !d.Retract.Equals(r.Block.CID) || d.Conflict() || !slices.Equal(d.Heads, ids(after, stale)) {
		t.Errorf("doc %+v, want still retracted with both late revisions as heads", d)
	}
	var listed []cid.Cid
	if err := s.Docs(func(d *store.Doc) error { listed = append(listed, d.ID); return nil }); err != nil || len(listed) != 0 {
		t.Errorf("Docs lists %v, %v; want retracted documents left out", listed, err)
	}
}

func testRetractBeforeConcurrentPut(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, clockAt(1))
	r := alice.Retract(t, []protocol.Verified{v}, clockAt(2))
	e := alice.Edit(t, []protocol.Verified{v}, clockAt(3), protocoltest.Title("Modifiée ailleurs"))
	put(t, s, v)
	put(t, s, r)
	put(t, s, e)
	d := doc(t, s, v.Block.CID)
	if !d.Retracted || !d.Retract.Equals(r.Block.CID) || !d.Winner.Equals(e.Block.CID) || !slices.Equal(d.Heads, ids(e, r)) {
		t.Errorf("doc %+v, want retracted, with the concurrent edit as winner and both heads", d)
	}
	// The other order gives the same state.
	other := openMemory(t)
	put(t, other, v)
	put(t, other, e)
	put(t, other, r)
	if o := doc(t, other, v.Block.CID); !sameDoc(d, o) {
		t.Errorf("arrival order changed the state: %+v vs %+v", d, o)
	}
}
