package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

func testHistory(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, clockAt(1))
	e1 := alice.Edit(t, []protocol.Verified{v}, clockAt(2))
	e2 := alice.Edit(t, []protocol.Verified{v}, clockAt(2), protocoltest.Title("autre"))
	e3 := alice.Edit(t, []protocol.Verified{e1, e2}, clockAt(7))
	put(t, s, e3, e2, e1, v, alice.Create(t))
	h, err := s.History(v.Block.CID)
	if want := byHeadRule(v, e1, e2, e3); err != nil || !slices.Equal(h, want) {
		t.Errorf("History = %v, %v; want %v", h, err, want)
	}
}

func testDocsByPrefix(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	var all []string
	for range 40 {
		v := alice.Create(t)
		put(t, s, v)
		all = append(all, v.Block.CID.String())
	}
	slices.Sort(all)
	// The shortest unique prefix of the first ID, and a prefix that
	// two IDs share.
	a, b := all[0], all[1]
	common := 0
	for common < len(a) && a[common] == b[common] {
		common++
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{a[:common+1], all[:1]},
		{a[:common], matching(all, a[:common])},
		{"bafy", all},
		{"bafyzzzz", nil},
		{"Qm", nil},
	} {
		got, err := s.DocsByPrefix(tc.prefix)
		if err != nil {
			t.Fatal(err)
		}
		texts := make([]string, len(got))
		for i, c := range got {
			texts[i] = c.String()
		}
		if !slices.Equal(texts, tc.want) {
			t.Errorf("DocsByPrefix(%q) = %v, want %v", tc.prefix, texts, tc.want)
		}
	}
}

func matching(all []string, prefix string) []string {
	var out []string
	for _, s := range all {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func testDocs(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	note := alice.Create(t, clockAt(1))
	tool := alice.Create(t, clockAt(2), protocoltest.Kind("tool"))
	gone := alice.Create(t, clockAt(3))
	edit := alice.Edit(t, []protocol.Verified{note}, clockAt(4))
	put(t, s, note, tool, gone, alice.Retract(t, []protocol.Verified{gone}, clockAt(5)), edit)

	list := func(opts ...store.DocsOption) []cid.Cid {
		t.Helper()
		var out []cid.Cid
		err := s.Docs(func(d *store.Doc) error {
			out = append(out, d.ID)
			return nil
		}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	byText := func(cs ...cid.Cid) []cid.Cid {
		cs = slices.Clone(cs)
		slices.SortFunc(cs, func(a, b cid.Cid) int { return strings.Compare(a.String(), b.String()) })
		return cs
	}
	docs := ids(note, tool, gone)
	for _, tc := range []struct {
		name string
		opts []store.DocsOption
		want []cid.Cid
	}{
		{"default", nil, byText(docs[0], docs[1])},
		{"retracted", []store.DocsOption{store.IncludeRetracted()}, byText(docs...)},
		{"kind", []store.DocsOption{store.OfKind("tool")}, docs[1:2]},
		{"updated", []store.DocsOption{store.ByUpdated(), store.IncludeRetracted()}, []cid.Cid{docs[2], docs[0], docs[1]}},
	} {
		if got := list(tc.opts...); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Docs = %v, want %v", tc.name, got, tc.want)
		}
	}
	err := s.Docs(func(d *store.Doc) error {
		if d.Rev == nil || d.Rev.Clock != d.Updated {
			t.Errorf("WithRevisions: doc %s has revision %+v", d.ID, d.Rev)
		}
		return nil
	}, store.WithRevisions())
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.Docs(func(*store.Doc) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Docs returned %v after %d calls, want the callback's error after one", err, n)
	}
}

func testRevisionsByClock(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	var all []protocol.Verified
	for i := range 300 { // more than one page
		v := alice.Create(t, clockAt(uint64(i/3))) // three revisions per clock
		all = append(all, v)
	}
	put(t, s, all...)
	want := byHeadRule(all...)
	slices.Reverse(want)

	type pos struct {
		clock protocol.Clock
		cid   cid.Cid
	}
	from := func(after protocol.Clock, afterCID cid.Cid) []pos {
		t.Helper()
		var out []pos
		if err := s.RevisionsByClock(after, afterCID, func(c protocol.Clock, id cid.Cid) error {
			out = append(out, pos{c, id})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := from(0, cid.Undef)
	if len(got) != len(want) {
		t.Fatalf("%d revisions, want %d", len(got), len(want))
	}
	for i, p := range got {
		if !p.cid.Equals(want[i]) {
			t.Fatalf("revision %d is %s, want %s", i, p.cid, want[i])
		}
	}
	// Resume after any position: the rest, exclusive of the cursor.
	for _, i := range []int{0, 1, 150, 298, 299} {
		rest := from(got[i].clock, got[i].cid)
		if len(rest) != len(got)-i-1 || (len(rest) > 0 && rest[0] != got[i+1]) {
			t.Errorf("after position %d: %d revisions starting %v", i, len(rest), rest[:min(1, len(rest))])
		}
	}
	// A clock with cid.Undef starts at that clock.
	if rest := from(got[150].clock, cid.Undef); len(rest) != 150 || rest[0] != got[150] {
		t.Errorf("from clock %d: %d revisions, want 150 starting at position 150", got[150].clock, len(rest))
	}
	stop := errors.New("stop")
	if err := s.RevisionsByClock(0, cid.Undef, func(protocol.Clock, cid.Cid) error { return stop }); err != stop {
		t.Errorf("RevisionsByClock returned %v, want the callback's error as is", err)
	}
}

func testCountAndMaxClock(t *testing.T, s *store.Store) {
	if n, err := s.Counts(); err != nil || n != (store.Counts{}) || s.MaxClock() != 0 {
		t.Errorf("empty store: Counts = %+v, %v, MaxClock = %d", n, err, s.MaxClock())
	}
	alice := protocoltest.NewAuthor(t)
	a, b := alice.Create(t), alice.Create(t)
	ea := alice.Edit(t, []protocol.Verified{a})
	rb := alice.Retract(t, []protocol.Verified{b})
	put(t, s, rb, a, b, ea)
	if n, err := s.Counts(); err != nil || n != (store.Counts{Revisions: 4, Docs: 2, Retracted: 1}) {
		t.Errorf("Counts = %+v, %v; want 4 revisions, 2 documents, 1 retracted", n, err)
	}
	if got := s.MaxClock(); got != rb.Rev.Clock {
		t.Errorf("MaxClock = %d, want %d", got, rb.Rev.Clock)
	}
	// A second retraction of the same document, concurrent with the
	// first, retracts nothing more.
	put(t, s, alice.Retract(t, []protocol.Verified{b}))
	if n, err := s.Counts(); err != nil || n != (store.Counts{Revisions: 5, Docs: 2, Retracted: 1}) {
		t.Errorf("after a second retraction: Counts = %+v, %v; want 5 revisions, 2 documents, 1 retracted", n, err)
	}
}

func testNextSeq(t *testing.T, s *store.Store) {
	alice, bob := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	if got := s.NextSeq(alice.Key); got != 1 {
		t.Errorf("NextSeq of an unknown author = %d, want 1", got)
	}
	v := alice.Create(t, protocoltest.Seq(5))
	put(t, s, v, alice.Edit(t, []protocol.Verified{v}, protocoltest.Seq(3)), bob.Create(t))
	if got := s.NextSeq(alice.Key); got != 6 {
		t.Errorf("NextSeq = %d, want 6: one more than the highest seen", got)
	}
	if got := s.NextSeq(bob.Key); got != 2 {
		t.Errorf("NextSeq of Bob = %d, want 2", got)
	}
}

func testMeta(t *testing.T, s *store.Store) {
	if _, err := s.GetMeta("search/applied"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetMeta of an absent key: %v, want ErrNotFound", err)
	}
	for _, val := range []string{"41", "42"} {
		if err := s.SetMeta("search/applied", []byte(val)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetMeta("search/applied"); err != nil || string(got) != val {
			t.Errorf("GetMeta = %q, %v; want %q", got, err, val)
		}
	}
	if err := s.DeleteMeta("search/applied"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetMeta("search/applied"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetMeta after DeleteMeta: %v, want ErrNotFound", err)
	}
	if err := s.SetMeta("", nil); err == nil {
		t.Error("SetMeta accepted an empty key")
	}
}

func testChangeLog(t *testing.T, s *store.Store) {
	if s.ChangeSeq() != 0 {
		t.Errorf("ChangeSeq of an empty store = %d", s.ChangeSeq())
	}
	changed := s.Changed()
	alice := protocoltest.NewAuthor(t)
	a, b := alice.Create(t), alice.Create(t)
	put(t, s, a, b)
	select {
	case <-changed:
	default:
		t.Error("Changed was not closed by a put")
	}
	ea := alice.Edit(t, []protocol.Verified{a})
	eea := alice.Edit(t, []protocol.Verified{ea})
	put(t, s, ea, eea)
	changed = s.Changed()
	put(t, s, a) // held already: no record
	select {
	case <-changed:
		t.Error("Changed was closed by a put that stored nothing")
	default:
	}
	type rec struct {
		seq  uint64
		doc  cid.Cid
		revs string
	}
	items := func(vs ...protocol.Verified) string {
		var out []string
		for _, v := range vs {
			out = append(out, reconcile.Item{Clock: v.Rev.Clock, ID: v.CID}.String())
		}
		return strings.Join(out, " ")
	}
	since := func(seq uint64) []rec {
		t.Helper()
		var out []rec
		if err := s.ChangesSince(seq, func(ch store.Change) error {
			var revs []string
			for _, it := range ch.Revs {
				revs = append(revs, it.String())
			}
			out = append(out, rec{ch.Seq, ch.Doc, strings.Join(revs, " ")})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := []protocol.Verified{a, b}
	slices.SortFunc(first, func(x, y protocol.Verified) int { return strings.Compare(x.CID.String(), y.CID.String()) })
	want := []rec{{1, first[0].CID, items(first[0])}, {2, first[1].CID, items(first[1])}, {3, a.CID, items(ea, eea)}}
	if got := since(0); !slices.Equal(got, want) || s.ChangeSeq() != 3 {
		t.Errorf("ChangesSince(0) = %v, ChangeSeq = %d; want %v, 3", got, s.ChangeSeq(), want)
	}
	if got := since(2); !slices.Equal(got, want[2:]) {
		t.Errorf("ChangesSince(2) = %v, want %v", got, want[2:])
	}
	if got := since(3); len(got) != 0 {
		t.Errorf("ChangesSince(3) = %v, want nothing", got)
	}
	stop := errors.New("stop")
	if err := s.ChangesSince(0, func(store.Change) error { return stop }); err != stop {
		t.Errorf("ChangesSince returned %v, want the callback's error as is", err)
	}
}
