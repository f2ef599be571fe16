package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

func testMissingParent(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t)
	e := alice.Edit(t, []protocol.Verified{v})
	_, err := s.Put([]protocol.Verified{e})
	wantRule(t, err, e, store.ErrMissingParent)
	var mp *store.MissingParentError
	if !errors.As(err, &mp) || !slices.Equal(mp.Missing, ids(v)) {
		t.Errorf("error %v, want a *MissingParentError naming the first revision", err)
	}
	wantAbsent(t, s, e)

	// The document is held, one of two parents is not.
	put(t, s, v)
	lost := alice.Edit(t, []protocol.Verified{v})
	e2 := alice.Edit(t, []protocol.Verified{v, lost})
	_, err = s.Put([]protocol.Verified{e2})
	if !errors.As(err, &mp) || !slices.Equal(mp.Missing, ids(lost)) {
		t.Errorf("error %v, want a *MissingParentError naming only the lost parent", err)
	}
	wantAbsent(t, s, e2)
}

func testAllOrNothing(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	good := alice.Create(t)
	orphan := alice.Edit(t, []protocol.Verified{alice.Create(t)})
	ch, err := s.Put([]protocol.Verified{good, orphan})
	wantRule(t, err, orphan, store.ErrMissingParent)
	if len(ch.Added) != 0 {
		t.Errorf("changes %+v after a refused put", ch)
	}
	wantAbsent(t, s, good, orphan)
	if n, _ := s.Counts(); n != (store.Counts{}) || s.ChangeSeq() != 0 || s.MaxClock() != 0 {
		t.Errorf("a refused put left counts %+v, change seq %d, max clock %d", n, s.ChangeSeq(), s.MaxClock())
	}
}

func testPutEach(t *testing.T, s *store.Store) {
	alice, mallory := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	good := alice.Create(t)
	orphan := alice.Edit(t, []protocol.Verified{alice.Create(t)})
	intruder := mallory.Edit(t, []protocol.Verified{good})
	child := alice.Edit(t, []protocol.Verified{intruder}) // its parent is refused
	ch, rejected, err := s.PutEach([]protocol.Verified{orphan, good, intruder, child})
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

	_, rejected, err = s.PutEach([]protocol.Verified{good, alice.Create(t)})
	if err != nil || rejected != nil {
		t.Errorf("PutEach of acceptable revisions: rejected %v, err %v; want nil, nil", rejected, err)
	}
}

func testParentOfAnotherDoc(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	a, b := alice.Create(t), alice.Create(t)
	put(t, s, a, b)
	e := alice.Edit(t, []protocol.Verified{b}, protocoltest.Doc(a.Block.CID))
	_, err := s.Put([]protocol.Verified{e})
	wantRule(t, err, e, protocol.ErrInvalid)
	wantAbsent(t, s, e)
}

func testDocIDNotFirst(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	a := alice.Create(t)
	e := alice.Edit(t, []protocol.Verified{a})
	put(t, s, a, e)
	bad := alice.Edit(t, []protocol.Verified{e}, protocoltest.Doc(e.Block.CID))
	_, err := s.Put([]protocol.Verified{bad})
	wantRule(t, err, bad, protocol.ErrInvalid)
}

func testClockNotIncreasing(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, clockAt(10))
	put(t, s, v)
	for _, c := range []uint64{10, 9} {
		e := alice.Edit(t, []protocol.Verified{v}, clockAt(c))
		_, err := s.Put([]protocol.Verified{e})
		wantRule(t, err, e, protocol.ErrInvalid)
	}
	// In one call, a parent with a later clock is a clock error, not a
	// missing parent.
	p := alice.Edit(t, []protocol.Verified{v}, clockAt(20))
	c := alice.Edit(t, []protocol.Verified{p}, clockAt(15))
	_, err := s.Put([]protocol.Verified{c, p})
	wantRule(t, err, c, protocol.ErrInvalid)
	if errors.Is(err, store.ErrMissingParent) {
		t.Errorf("error %v, want a clock error", err)
	}
	wantAbsent(t, s, p, c)
}

func testUnauthorized(t *testing.T, s *store.Store) {
	alice, mallory := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	v := alice.Create(t)
	put(t, s, v)
	for _, bad := range []protocol.Verified{
		mallory.Edit(t, []protocol.Verified{v}),
		mallory.Retract(t, []protocol.Verified{v}),
	} {
		_, err := s.Put([]protocol.Verified{bad})
		wantRule(t, err, bad, protocol.ErrNotAuthorized)
		wantAbsent(t, s, bad)
	}
	if d := doc(t, s, v.Block.CID); d.Retracted || !slices.Equal(d.Heads, ids(v)) {
		t.Errorf("doc %+v changed by refused revisions", d)
	}
}

func testEditorAllowed(t *testing.T, s *store.Store) {
	alice, bob, eve := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	v := alice.Create(t, protocoltest.Editors(bob.Key))
	byBob := bob.Edit(t, []protocol.Verified{v}, protocoltest.Title("Revue par Bob"), protocoltest.Editors(bob.Key))
	put(t, s, v, byBob)
	if d := doc(t, s, v.Block.CID); d.Title != "Revue par Bob" || d.Author != alice.Key {
		t.Errorf("doc %+v, want Bob's edit shown and Alice still the author", d)
	}
	// Only the author says who edits: an editor's edit that adds or
	// drops an editor is refused, whoever it names.
	for name, opts := range map[string][]protocoltest.Option{
		"adds Eve":   {protocoltest.Editors(bob.Key, eve.Key)},
		"drops all":  nil,
		"swaps Bob":  {protocoltest.Editors(eve.Key)},
		"keeps none": {protocoltest.Editors()},
	} {
		changed := bob.Edit(t, []protocol.Verified{byBob}, opts...)
		_, err := s.Put([]protocol.Verified{changed})
		if !errors.Is(err, protocol.ErrNotAuthorized) || !strings.Contains(err.Error(), "only its author") {
			t.Errorf("an editor's edit that %s: %v, want it refused as a change of editors", name, err)
		}
	}
	// An edit by Alice that drops Bob takes his right away.
	dropped := alice.Edit(t, []protocol.Verified{byBob})
	late := bob.Edit(t, []protocol.Verified{dropped})
	_, err := s.Put([]protocol.Verified{dropped, late})
	wantRule(t, err, late, protocol.ErrNotAuthorized)
	// One parent naming him is enough (keeping its list), and he may
	// retract.
	kept := alice.Edit(t, []protocol.Verified{byBob}, protocoltest.Editors(bob.Key))
	merge := bob.Edit(t, []protocol.Verified{dropped, kept}, protocoltest.Editors(bob.Key))
	gone := bob.Retract(t, []protocol.Verified{kept})
	put(t, s, dropped, kept, merge, gone)
	if d := doc(t, s, v.Block.CID); !d.Retracted || !d.Retract.Equals(gone.Block.CID) {
		t.Errorf("doc %+v, want it retracted by Bob", d)
	}
}
