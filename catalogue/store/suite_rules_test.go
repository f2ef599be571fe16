package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/catalogue/store/storetest"
	"github.com/mutu-network/mutu/protocol"
)

func testMissingParent(t *testing.T, s *store.Store) {
	alice := storetest.NewAuthor(t)
	v := alice.Create(t)
	e := alice.Edit(t, []store.Verified{v})
	_, err := s.Put([]store.Verified{e})
	wantRule(t, err, e, store.ErrMissingParent)
	var mp *store.MissingParentError
	if !errors.As(err, &mp) || !slices.Equal(mp.Missing, ids(v)) {
		t.Errorf("error %v, want a *MissingParentError naming the first revision", err)
	}
	wantAbsent(t, s, e)

	// The document is held, one of two parents is not.
	put(t, s, v)
	lost := alice.Edit(t, []store.Verified{v})
	e2 := alice.Edit(t, []store.Verified{v, lost})
	_, err = s.Put([]store.Verified{e2})
	if !errors.As(err, &mp) || !slices.Equal(mp.Missing, ids(lost)) {
		t.Errorf("error %v, want a *MissingParentError naming only the lost parent", err)
	}
	wantAbsent(t, s, e2)
}

func testAllOrNothing(t *testing.T, s *store.Store) {
	alice := storetest.NewAuthor(t)
	good := alice.Create(t)
	orphan := alice.Edit(t, []store.Verified{alice.Create(t)})
	ch, err := s.Put([]store.Verified{good, orphan})
	wantRule(t, err, orphan, store.ErrMissingParent)
	if len(ch.Added) != 0 {
		t.Errorf("changes %+v after a refused put", ch)
	}
	wantAbsent(t, s, good, orphan)
	if revs, docs, _ := s.Count(); revs != 0 || docs != 0 || s.ChangeSeq() != 0 || s.MaxClock() != 0 {
		t.Errorf("a refused put left counts %d, %d, change seq %d, max clock %d", revs, docs, s.ChangeSeq(), s.MaxClock())
	}
}

func testPutEach(t *testing.T, s *store.Store) {
	alice, mallory := storetest.NewAuthor(t), storetest.NewAuthor(t)
	good := alice.Create(t)
	orphan := alice.Edit(t, []store.Verified{alice.Create(t)})
	intruder := mallory.Edit(t, []store.Verified{good})
	child := alice.Edit(t, []store.Verified{intruder}) // its parent is refused
	ch, rejected, err := s.PutEach([]store.Verified{orphan, good, intruder, child})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Added, ids(good)) {
		t.Errorf("added %v, want only the good revision", ch.Added)
	}
	if len(rejected) != 4 || rejected[1] != nil {
		t.Fatalf("rejected %v, want one entry per revision, nil for the good one", rejected)
	}
	wantRule(t, rejected[0], orphan, store.ErrMissingParent)
	wantRule(t, rejected[2], intruder, protocol.ErrNotAuthorized)
	wantRule(t, rejected[3], child, store.ErrMissingParent)
	wantAbsent(t, s, orphan, intruder, child)

	_, rejected, err = s.PutEach([]store.Verified{good, alice.Create(t)})
	if err != nil || rejected != nil {
		t.Errorf("PutEach of acceptable revisions: rejected %v, err %v; want nil, nil", rejected, err)
	}
}

func testParentOfAnotherDoc(t *testing.T, s *store.Store) {
	alice := storetest.NewAuthor(t)
	a, b := alice.Create(t), alice.Create(t)
	put(t, s, a, b)
	e := alice.Edit(t, []store.Verified{b}, storetest.Doc(a.Block.CID))
	_, err := s.Put([]store.Verified{e})
	wantRule(t, err, e, protocol.ErrInvalid)
	wantAbsent(t, s, e)
}

func testDocIDNotFirst(t *testing.T, s *store.Store) {
	alice := storetest.NewAuthor(t)
	a := alice.Create(t)
	e := alice.Edit(t, []store.Verified{a})
	put(t, s, a, e)
	bad := alice.Edit(t, []store.Verified{e}, storetest.Doc(e.Block.CID))
	_, err := s.Put([]store.Verified{bad})
	wantRule(t, err, bad, protocol.ErrInvalid)
}

func testClockNotIncreasing(t *testing.T, s *store.Store) {
	alice := storetest.NewAuthor(t)
	v := alice.Create(t, clockAt(10))
	put(t, s, v)
	for _, c := range []uint64{10, 9} {
		e := alice.Edit(t, []store.Verified{v}, clockAt(c))
		_, err := s.Put([]store.Verified{e})
		wantRule(t, err, e, protocol.ErrInvalid)
	}
	// In one call, a parent with a later clock is a clock error, not a
	// missing parent.
	p := alice.Edit(t, []store.Verified{v}, clockAt(20))
	c := alice.Edit(t, []store.Verified{p}, clockAt(15))
	_, err := s.Put([]store.Verified{c, p})
	wantRule(t, err, c, protocol.ErrInvalid)
	if errors.Is(err, store.ErrMissingParent) {
		t.Errorf("error %v, want a clock error", err)
	}
	wantAbsent(t, s, p, c)
}

func testUnauthorized(t *testing.T, s *store.Store) {
	alice, mallory := storetest.NewAuthor(t), storetest.NewAuthor(t)
	v := alice.Create(t)
	put(t, s, v)
	for _, bad := range []store.Verified{
		mallory.Edit(t, []store.Verified{v}),
		mallory.Retract(t, []store.Verified{v}),
	} {
		_, err := s.Put([]store.Verified{bad})
		wantRule(t, err, bad, protocol.ErrNotAuthorized)
		wantAbsent(t, s, bad)
	}
	if d := doc(t, s, v.Block.CID); d.Retracted || !slices.Equal(d.Heads, ids(v)) {
		t.Errorf("doc %+v changed by refused revisions", d)
	}
}

func testEditorAllowed(t *testing.T, s *store.Store) {
	alice, bob := storetest.NewAuthor(t), storetest.NewAuthor(t)
	v := alice.Create(t, storetest.Editors(bob.Key))
	byBob := bob.Edit(t, []store.Verified{v}, storetest.Title("Revue par Bob"))
	put(t, s, v, byBob)
	if d := doc(t, s, v.Block.CID); d.Title != "Revue par Bob" || d.Author != alice.Key {
		t.Errorf("doc %+v, want Bob's edit shown and Alice still the author", d)
	}
	// Bob's edit named no editors, so it grants nothing further; an
	// edit by Alice that drops Bob takes his right away too.
	again := bob.Edit(t, []store.Verified{byBob})
	_, err := s.Put([]store.Verified{again})
	wantRule(t, err, again, protocol.ErrNotAuthorized)
	dropped := alice.Edit(t, []store.Verified{byBob})
	late := bob.Edit(t, []store.Verified{dropped})
	_, err = s.Put([]store.Verified{dropped, late})
	wantRule(t, err, late, protocol.ErrNotAuthorized)
	// One parent naming him is enough, and he may retract.
	kept := alice.Edit(t, []store.Verified{byBob}, storetest.Editors(bob.Key))
	merge := bob.Edit(t, []store.Verified{dropped, kept})
	gone := bob.Retract(t, []store.Verified{kept})
	put(t, s, dropped, kept, merge, gone)
	if d := doc(t, s, v.Block.CID); !d.Retracted || !d.Retract.Equals(gone.Block.CID) {
		t.Errorf("doc %+v, want it retracted by Bob", d)
	}
}
