package store_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// items returns the reconciliation items of revs, in (clock, CID)
// order.
func items(revs ...protocol.Verified) []reconcile.Item {
	out := make([]reconcile.Item, len(revs))
	for i, v := range revs {
		out[i] = reconcile.Item{Clock: v.Rev.Clock, ID: v.Block.CID}
	}
	slices.SortFunc(out, reconcile.Item.Compare)
	return out
}

// withdraw withdraws revs and checks that it removed exactly want.
func withdraw(tb testing.TB, s *store.Store, revs []protocol.Verified, want ...protocol.Verified) {
	tb.Helper()
	got, err := s.Withdraw(ids(revs...))
	if err != nil {
		tb.Fatalf("withdraw: %v", err)
	}
	if !slices.Equal(got, items(want...)) {
		tb.Fatalf("withdraw removed %v, want %v", got, items(want...))
	}
}

// descendants returns seeds and every revision of held that descends
// from one of them, found by growing the set until it stops growing.
func descendants(held, seeds []protocol.Verified) map[cid.Cid]bool {
	gone := make(map[cid.Cid]bool)
	for _, v := range seeds {
		gone[v.Block.CID] = true
	}
	for grew := true; grew; {
		grew = false
		for _, v := range held {
			if !gone[v.Block.CID] && slices.ContainsFunc(v.Rev.Parents, func(p cid.Cid) bool { return gone[p] }) {
				gone[v.Block.CID] = true
				grew = true
			}
		}
	}
	return gone
}

// putHeld stores revs with PutEach and returns those held after it.
func putHeld(tb testing.TB, s *store.Store, revs []protocol.Verified) []protocol.Verified {
	tb.Helper()
	if _, _, err := s.PutEach(revs); err != nil {
		tb.Fatal(err)
	}
	var held []protocol.Verified
	for _, v := range revs {
		if ok, err := s.Has(v.Block.CID); err != nil {
			tb.Fatal(err)
		} else if ok && !slices.ContainsFunc(held, func(h protocol.Verified) bool { return h.Block.CID.Equals(v.Block.CID) }) {
			held = append(held, v)
		}
	}
	return held
}

// TestWithdrawLeavesWhatNeverReceivingThemGives withdraws random
// revisions from random DAGs (concurrent edits, merges, retracts,
// editors, clock ties) and compares the store with one that was given
// only the revisions left: same documents (heads, winner, retraction,
// kind, title, update time), histories, clock index, counts and
// highest clock. Some trials withdraw every retraction of a retracted
// document, some the first revision of another. MUTU_STORE_SEED
// replays a seed.
func TestWithdrawLeavesWhatNeverReceivingThemGives(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("MUTU_STORE_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (set MUTU_STORE_SEED to replay)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var unretracted, docsGone, mergesGone int
	for trial := range 20 {
		revs := randomRevisions(t, rng, 4, 40)
		s := openMemory(t)
		held := putHeld(t, s, revs)
		before, err := s.Counts()
		if err != nil {
			t.Fatal(err)
		}

		seeds := []protocol.Verified{held[rng.IntN(len(held))]}
		var retracted cid.Cid // a document whose retractions are all withdrawn
		if trial%2 == 0 {
			for _, v := range held {
				if v.Rev.Op == protocol.OpRetract && (!retracted.Defined() || v.Rev.Doc.Equals(retracted)) {
					retracted = v.Rev.Doc
					seeds = append(seeds, v)
				}
			}
			if seeds[0].Doc().Equals(retracted) {
				seeds = seeds[1:]
			}
		}
		if trial%5 == 0 {
			for _, v := range held {
				if !v.Rev.Doc.Defined() && !v.Block.CID.Equals(retracted) {
					seeds = append(seeds, v)
					break
				}
			}
		}
		gone := descendants(held, seeds)
		var removed, left []protocol.Verified
		for _, v := range held {
			if gone[v.Block.CID] {
				removed = append(removed, v)
				if len(v.Rev.Parents) > 1 {
					mergesGone++
				}
			} else {
				left = append(left, v)
			}
		}
		withdraw(t, s, seeds, removed...)

		ref := openMemory(t)
		if _, rejected, err := ref.PutEach(left); err != nil || rejected != nil {
			t.Fatalf("trial %d: the revisions left do not make a store by themselves: %v %v", trial, err, rejected)
		}
		if diff := observe(t, ref).diff(observe(t, s)); diff != "" {
			t.Fatalf("trial %d: after withdrawing %d revisions: %s", trial, len(removed), diff)
		}
		got, _ := s.Counts()
		want, _ := ref.Counts()
		if got != want || s.MaxClock() != ref.MaxClock() {
			t.Fatalf("trial %d: counts %+v, highest clock %d; a store given what is left has %+v, %d", trial, got, s.MaxClock(), want, ref.MaxClock())
		}
		if retracted.Defined() {
			d := doc(t, s, retracted)
			if d.Retracted {
				t.Fatalf("trial %d: document %s still retracted after its retractions were withdrawn", trial, retracted)
			}
			unretracted++
		}
		if got.Docs < before.Docs {
			docsGone++
		}
		if err := s.Check(); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
	}
	if unretracted == 0 || docsGone == 0 {
		t.Fatalf("no trial un-retracted a document (%d) or removed a whole one (%d)", unretracted, docsGone)
	}
	t.Logf("%d documents un-retracted, %d removed whole, %d merges withdrawn", unretracted, docsGone, mergesGone)
}

// TestWithdrawMiddleRevision: withdrawing a revision in the middle of
// a history removes it and what descends from it (an edit, a merge
// with a concurrent branch), and nothing else: the concurrent branch,
// the first revision and other documents stay, and the branch left
// becomes the only head.
func TestWithdrawMiddleRevision(t *testing.T) {
	s := openMemory(t)
	alice, bob := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	first := alice.Create(t, clockAt(1), protocoltest.Title("Régie"), protocoltest.Editors(bob.Key))
	middle := bob.Edit(t, []protocol.Verified{first}, clockAt(2), protocoltest.Editors(bob.Key), protocoltest.Title("Régie, par Bob"))
	after := alice.Edit(t, []protocol.Verified{middle}, clockAt(3), protocoltest.Title("Régie, suite"))
	branch := alice.Edit(t, []protocol.Verified{first}, clockAt(4), protocoltest.Title("Régie, autre branche"))
	merge := alice.Edit(t, []protocol.Verified{after, branch}, clockAt(5), protocoltest.Title("Régie, fusion"))
	other := bob.Create(t, clockAt(6), protocoltest.Title("Autre fiche"))
	put(t, s, first, middle, after, branch, merge, other)

	withdraw(t, s, []protocol.Verified{middle}, middle, after, merge)
	d := doc(t, s, first.Block.CID)
	if !slices.Equal(d.Heads, ids(branch)) || !d.Winner.Equals(branch.Block.CID) || d.Title != "Régie, autre branche" || d.Updated != branch.Rev.Clock {
		t.Errorf("document after the withdrawal: %+v; want the other branch as only head and winner", d)
	}
	if h, err := s.History(first.Block.CID); err != nil || !slices.Equal(h, ids(branch, first)) {
		t.Errorf("history %v, %v; want the branch and the first revision", h, err)
	}
	wantAbsent(t, s, middle, after, merge)
	if d := doc(t, s, other.Block.CID); !slices.Equal(d.Heads, ids(other)) {
		t.Errorf("another document changed: %+v", d)
	}
	if n, _ := s.Counts(); n != (store.Counts{Revisions: 3, Docs: 2}) {
		t.Errorf("Counts = %+v, want 3 revisions in 2 documents", n)
	}
	if s.MaxClock() != other.Rev.Clock {
		t.Errorf("MaxClock = %d, want %d", s.MaxClock(), other.Rev.Clock)
	}
}

// TestWithdrawnRetractionUnretracts: a document whose retraction is
// withdrawn is live again, listed and counted as such.
func TestWithdrawnRetractionUnretracts(t *testing.T) {
	s := openMemory(t)
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, protocoltest.Title("Voyages scolaires"))
	r := alice.Retract(t, []protocol.Verified{v})
	put(t, s, v, r)
	if n, _ := s.Counts(); n.Retracted != 1 {
		t.Fatalf("Counts = %+v before, want 1 retracted", n)
	}
	withdraw(t, s, []protocol.Verified{r}, r)
	d := doc(t, s, v.Block.CID)
	if d.Retracted || d.Retract.Defined() || !slices.Equal(d.Heads, ids(v)) || d.Updated != v.Rev.Clock {
		t.Errorf("document %+v, want it live with its first revision as head", d)
	}
	if n, _ := s.Counts(); n != (store.Counts{Revisions: 1, Docs: 1}) {
		t.Errorf("Counts = %+v, want 1 revision, 1 live document", n)
	}
	var listed []cid.Cid
	if err := s.Docs(func(d *store.Doc) error { listed = append(listed, d.ID); return nil }, store.ByUpdated()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(listed, ids(v)) {
		t.Errorf("live documents %v, want the one un-retracted", listed)
	}
}

// TestWithdrawWholeDocument: withdrawing a first revision removes the
// document: not found, not listed, not counted, no history.
func TestWithdrawWholeDocument(t *testing.T) {
	s := openMemory(t)
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, protocoltest.Title("Marchés publics"))
	e := alice.Edit(t, []protocol.Verified{v})
	r := alice.Retract(t, []protocol.Verified{e})
	kept := protocoltest.NewAuthor(t).Create(t)
	put(t, s, v, e, r, kept)
	withdraw(t, s, []protocol.Verified{v}, v, e, r)
	for name, err := range map[string]error{
		"Doc":     second(s.Doc(v.Block.CID)),
		"History": second(s.History(v.Block.CID)),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s of a withdrawn document: %v, want ErrNotFound", name, err)
		}
	}
	if found, err := s.DocsByPrefix(v.Block.CID.String()); err != nil || len(found) != 0 {
		t.Errorf("DocsByPrefix = %v, %v; want none", found, err)
	}
	var listed []cid.Cid
	err := s.Docs(func(d *store.Doc) error { listed = append(listed, d.ID); return nil }, store.IncludeRetracted(), store.ByUpdated())
	if err != nil || !slices.Equal(listed, ids(kept)) {
		t.Errorf("documents %v, %v; want only the other one", listed, err)
	}
	if n, _ := s.Counts(); n != (store.Counts{Revisions: 1, Docs: 1}) {
		t.Errorf("Counts = %+v, want 1 revision, 1 document, none retracted", n)
	}
	// The author's sequence numbers are not given again.
	if s.NextSeq(alice.Key) != r.Rev.Seq+1 {
		t.Errorf("NextSeq = %d after the withdrawal, want %d", s.NextSeq(alice.Key), r.Rev.Seq+1)
	}
}

// TestWithdrawIsIdempotent: withdrawing again, or withdrawing what is
// not held or not a revision, changes nothing and logs nothing.
func TestWithdrawIsIdempotent(t *testing.T) {
	s := openMemory(t)
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t)
	e := alice.Edit(t, []protocol.Verified{v})
	put(t, s, v, e)
	withdraw(t, s, []protocol.Verified{e}, e)
	seq, before := s.ChangeSeq(), doc(t, s, v.Block.CID)
	absent := alice.Create(t)
	raw := protocol.BlockCID([]byte("pièce jointe"))
	for _, cids := range [][]cid.Cid{ids(e), ids(e, absent), {raw, cid.Undef}, nil} {
		got, err := s.Withdraw(cids)
		if err != nil || len(got) != 0 {
			t.Errorf("Withdraw(%v) = %v, %v; want nothing", cids, got, err)
		}
	}
	if s.ChangeSeq() != seq || !sameDoc(doc(t, s, v.Block.CID), before) {
		t.Error("a withdrawal of nothing held changed the store")
	}
}

// TestWithdrawSurvivesReopen: what Withdraw removed stays removed, and
// the states and counts it wrote are read back, after the store is
// closed and opened again.
func TestWithdrawSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, protocoltest.Title("Bourses"))
	e := alice.Edit(t, []protocol.Verified{v}, protocoltest.Title("Bourses, modifiée"))
	r := alice.Retract(t, []protocol.Verified{e})
	gone := alice.Create(t)
	put(t, s, v, e, r, gone)
	withdraw(t, s, []protocol.Verified{e, gone}, e, r, gone)
	seq := s.ChangeSeq()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, dir, store.Options{})
	d := doc(t, s, v.Block.CID)
	if d.Retracted || !slices.Equal(d.Heads, ids(v)) || d.Title != "Bourses" {
		t.Errorf("document after reopening: %+v; want its first revision, live", d)
	}
	wantAbsent(t, s, e, r, gone)
	if n, _ := s.Counts(); n != (store.Counts{Revisions: 1, Docs: 1}) {
		t.Errorf("Counts after reopening = %+v, want 1 revision, 1 document", n)
	}
	if s.ChangeSeq() != seq || s.MaxClock() != v.Rev.Clock {
		t.Errorf("ChangeSeq %d, MaxClock %d after reopening; want %d, %d", s.ChangeSeq(), s.MaxClock(), seq, v.Rev.Clock)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestChangeLogListsWithdrawals: a withdrawal appends, after the
// records of what was stored, one record per document listing the
// revisions removed, and a reader replaying the log from its start
// ends with the revisions held.
func TestChangeLogListsWithdrawals(t *testing.T) {
	s := openMemory(t)
	alice := protocoltest.NewAuthor(t)
	a := alice.Create(t)
	a1 := alice.Edit(t, []protocol.Verified{a})
	b := alice.Create(t)
	c := alice.Create(t)
	put(t, s, a, a1, b)
	put(t, s, c)
	seq := s.ChangeSeq()
	withdraw(t, s, []protocol.Verified{a1, b}, a1, b)

	var after []store.Change
	err := s.ChangesSince(seq, func(ch store.Change) error { after = append(after, ch); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]reconcile.Item{a.Block.CID.String(): items(a1), b.Block.CID.String(): items(b)}
	if len(after) != len(want) {
		t.Fatalf("%d records after the withdrawal, want %d: %+v", len(after), len(want), after)
	}
	for _, ch := range after {
		if len(ch.Revs) != 0 || !slices.Equal(ch.Removed, want[ch.Doc.String()]) {
			t.Errorf("record %d of document %s: stored %v, removed %v; want removed %v", ch.Seq, ch.Doc, ch.Revs, ch.Removed, want[ch.Doc.String()])
		}
	}

	held := make(map[cid.Cid]bool)
	err = s.ChangesSince(0, func(ch store.Change) error {
		for _, it := range ch.Revs {
			held[it.ID] = true
		}
		for _, it := range ch.Removed {
			delete(held, it.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 || !held[a.Block.CID] || !held[c.Block.CID] {
		t.Errorf("the log replayed holds %v, want the two revisions left", held)
	}
}

// TestWithdrawDropsUnnamedAttachmentBlocks: the attachment blocks of
// the revisions withdrawn go when no revision left names them, and
// stay when one does, in the same document or another.
func TestWithdrawDropsUnnamedAttachmentBlocks(t *testing.T) {
	s := openMemory(t)
	blocks := make([]protocol.Block, 4)
	for i := range blocks {
		data := bytes.Repeat([]byte{byte('a' + i)}, 100)
		blocks[i] = protocol.Block{CID: protocol.BlockCID(data), Data: data}
	}
	if err := s.PutBlocks(blocks); err != nil {
		t.Fatal(err)
	}
	att := func(bs ...protocol.Block) protocoltest.Option {
		return func(r *protocol.Revision) {
			for i, b := range bs {
				r.Attachments = append(r.Attachments, protocol.Attachment{
					Name: "modele-" + strconv.Itoa(i) + ".ods", Type: "application/vnd.oasis.opendocument.spreadsheet",
					Size: uint64(len(b.Data)), Blocks: []cid.Cid{b.CID},
				})
			}
		}
	}
	alice, bob := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	v := alice.Create(t, att(blocks[0]))
	e := alice.Edit(t, []protocol.Verified{v}, att(blocks[0], blocks[1], blocks[2], blocks[3]))
	other := bob.Create(t, att(blocks[2]))
	put(t, s, v, e, other)

	withdraw(t, s, []protocol.Verified{e}, e)
	for i, want := range []bool{true, false, true, false} {
		if ok, err := s.Has(blocks[i].CID); err != nil || ok != want {
			t.Errorf("block %d held: %v, %v; want %v (named by a revision left: %v)", i, ok, err, want, want)
		}
	}
	// When the last revision naming a block goes, the block goes.
	withdraw(t, s, []protocol.Verified{other}, other)
	if ok, err := s.Has(blocks[2].CID); err != nil || ok {
		t.Errorf("block named by no revision left: held %v, %v", ok, err)
	}
	if ok, err := s.Has(blocks[0].CID); err != nil || !ok {
		t.Errorf("block named by the first revision: held %v, %v", ok, err)
	}
}

// TestRevisionsOf lists an author's revisions within a span of
// clocks, in every document, and none of another author, even one
// that names the author as editor.
func TestRevisionsOf(t *testing.T) {
	s := openMemory(t)
	alice, bob := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	a := alice.Create(t, clockAt(1), protocoltest.Editors(bob.Key))
	b := bob.Edit(t, []protocol.Verified{a}, clockAt(2), protocoltest.Editors(bob.Key))
	c := bob.Create(t, clockAt(3), protocoltest.Editors(alice.Key))
	d := alice.Edit(t, []protocol.Verified{b}, clockAt(4), protocoltest.Editors(bob.Key))
	e := bob.Edit(t, []protocol.Verified{c}, clockAt(5), protocoltest.Editors(alice.Key))
	put(t, s, a, b, c, d, e)
	list := func(author protocol.AuthorKey, from, until uint64) []reconcile.Item {
		var out []reconcile.Item
		err := s.RevisionsOf(author, protocol.Clock(1<<40+from), protocol.Clock(1<<40+until), func(clock protocol.Clock, c cid.Cid) error {
			out = append(out, reconcile.Item{Clock: clock, ID: c})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct {
		author      protocol.AuthorKey
		from, until uint64
		want        []reconcile.Item
	}{
		{bob.Key, 0, 10, items(b, c, e)},
		{bob.Key, 3, 5, items(c)},
		{alice.Key, 1, 4, items(a)},
		{alice.Key, 4, 4, nil},
	} {
		if got := list(tc.author, tc.from, tc.until); !slices.Equal(got, tc.want) {
			t.Errorf("RevisionsOf(%s, %d, %d) = %v, want %v", tc.author, tc.from, tc.until, got, tc.want)
		}
	}
}

// TestWithdrawSplitsLargeCalls shrinks the store's transactions so
// that a withdrawal needs several: many documents, one of them with a
// history too long for one transaction, and an attachment block. The
// store ends as one given only the revisions left.
func TestWithdrawSplitsLargeCalls(t *testing.T) {
	dir := t.TempDir()
	s, err := store.OpenSmall(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := []byte("modèle de budget")
	block := protocol.Block{CID: protocol.BlockCID(data), Data: data}
	if err := s.PutBlocks([]protocol.Block{block}); err != nil {
		t.Fatal(err)
	}
	alice := protocoltest.NewAuthor(t)
	var all, seeds, removed []protocol.Verified
	chain := func(n int, opts ...protocoltest.Option) []protocol.Verified {
		revs := []protocol.Verified{alice.Create(t)}
		for len(revs) < n {
			revs = append(revs, alice.Edit(t, revs[len(revs)-1:], opts...))
		}
		all = append(all, revs...)
		return revs
	}
	for range 40 {
		revs := chain(5)
		seeds = append(seeds, revs[1])
		removed = append(removed, revs[1:]...)
	}
	for range 20 {
		chain(3)
	}
	long := chain(150, func(r *protocol.Revision) {
		r.Attachments = []protocol.Attachment{{Name: "budget.ods", Size: uint64(len(data)), Blocks: []cid.Cid{block.CID}}}
	})
	seeds = append(seeds, long[0])
	removed = append(removed, long...)
	if _, err := s.Put(all); err != nil {
		t.Fatal(err)
	}
	seq := s.ChangeSeq()

	withdraw(t, s, seeds, removed...)
	if records := s.ChangeSeq() - seq; records <= 41 {
		t.Errorf("%d change log records for 41 documents: the withdrawal was not split", records)
	}
	if ok, err := s.Has(block.CID); err != nil || ok {
		t.Errorf("attachment block of the revisions withdrawn: held %v, %v", ok, err)
	}
	gone := descendants(all, seeds)
	var left []protocol.Verified
	for _, v := range all {
		if !gone[v.Block.CID] {
			left = append(left, v)
		}
	}
	ref := openMemory(t)
	put(t, ref, left...)
	if diff := observe(t, ref).diff(observe(t, s)); diff != "" {
		t.Fatal(diff)
	}
	if got, want := value(s.Counts()), value(ref.Counts()); got != want {
		t.Errorf("Counts = %+v, want %+v", got, want)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// value drops the error of a call that cannot fail here.
func value[T any](v T, _ error) T { return v }
