package store_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// TestConformance runs the same suite on disk and in memory.
func TestConformance(t *testing.T) {
	t.Run("disk", func(t *testing.T) { runSuite(t, openDisk) })
	t.Run("memory", func(t *testing.T) { runSuite(t, openMemory) })
}

// suite lists the behaviours every store must show.
var suite = []struct {
	name string
	test func(t *testing.T, s *store.Store)
}{
	{"PutAndGet", testPutAndGet},
	{"IdempotentPut", testIdempotentPut},
	{"SameCallDependencies", testSameCallDependencies},
	{"MissingParent", testMissingParent},
	{"AllOrNothing", testAllOrNothing},
	{"PutEach", testPutEach},
	{"ParentOfAnotherDoc", testParentOfAnotherDoc},
	{"DocIDNotFirst", testDocIDNotFirst},
	{"ClockNotIncreasing", testClockNotIncreasing},
	{"Unauthorized", testUnauthorized},
	{"EditorAllowed", testEditorAllowed},
	{"HeadsAndWinner", testHeadsAndWinner},
	{"TieBreakByCID", testTieBreakByCID},
	{"RetractIsFinal", testRetractIsFinal},
	{"RetractBeforeConcurrentPut", testRetractBeforeConcurrentPut},
	{"History", testHistory},
	{"DocsByPrefix", testDocsByPrefix},
	{"Docs", testDocs},
	{"RevisionsByClock", testRevisionsByClock},
	{"CountAndMaxClock", testCountAndMaxClock},
	{"NextSeq", testNextSeq},
	{"Meta", testMeta},
	{"ChangeLog", testChangeLog},
	{"Blocks", testBlocks},
	{"Closed", testClosed},
}

func runSuite(t *testing.T, open func(testing.TB) *store.Store) {
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, open(t))
		})
	}
}

func testPutAndGet(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t, protocoltest.Title("Régie d'avances"), protocoltest.Kind("tool"))
	ch := put(t, s, v)
	if !slices.Equal(ch.Added, ids(v)) || !slices.Equal(ch.Docs, ids(v)) {
		t.Errorf("changes %+v, want the revision added and its document changed", ch)
	}
	if ok, err := s.Has(v.Block.CID); err != nil || !ok {
		t.Errorf("Has = %v, %v; want true", ok, err)
	}
	data, err := s.Block(v.Block.CID)
	if err != nil || !bytes.Equal(data, v.Block.Data) {
		t.Errorf("Block = %d bytes, %v; want the revision's %d bytes", len(data), err, len(v.Block.Data))
	}
	rev, data, err := s.Revision(v.Block.CID)
	if err != nil || !bytes.Equal(data, v.Block.Data) || rev.Clock != v.Rev.Clock || rev.Entry.Body != v.Rev.Entry.Body {
		t.Errorf("Revision = %+v, %v; want the revision put", rev, err)
	}
	d := doc(t, s, v.Block.CID)
	want := store.Doc{
		ID: v.Block.CID, Author: alice.Key, Heads: ids(v), Winner: v.Block.CID,
		Created: v.Rev.Clock, Updated: v.Rev.Clock, Kind: "tool", Title: "Régie d'avances",
	}
	if !sameDoc(d, &want) || d.Rev == nil || d.Rev.Entry.Meta["title"] != "Régie d'avances" || d.Conflict() {
		t.Errorf("Doc = %+v, want %+v with its revision", d, want)
	}

	absent := alice.Create(t)
	for name, err := range map[string]error{
		"Block":    second(s.Block(absent.Block.CID)),
		"Revision": third(s.Revision(absent.Block.CID)),
		"Doc":      second(s.Doc(absent.Block.CID)),
		"History":  second(s.History(absent.Block.CID)),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s of an absent CID: %v, want ErrNotFound", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func third[T, U any](_ T, _ U, err error) error { return err }

// sameDoc compares everything but Rev.
func sameDoc(a, b *store.Doc) bool {
	return a.ID.Equals(b.ID) && a.Author == b.Author && slices.Equal(a.Heads, b.Heads) &&
		a.Winner.Equals(b.Winner) && a.Retracted == b.Retracted && a.Retract.Equals(b.Retract) &&
		a.Created == b.Created && a.Updated == b.Updated && a.Kind == b.Kind && a.Title == b.Title
}

func testIdempotentPut(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t)
	e := alice.Edit(t, []protocol.Verified{v})
	put(t, s, v, v, e)
	seq := s.ChangeSeq()
	before := doc(t, s, v.Block.CID)
	ch := put(t, s, e, v, e)
	if len(ch.Added) != 0 || len(ch.Docs) != 0 {
		t.Errorf("second put reports changes %+v", ch)
	}
	if n, err := s.Counts(); err != nil || n.Revisions != 2 || n.Docs != 1 {
		t.Errorf("Counts = %+v, %v; want 2 revisions, 1 document", n, err)
	}
	if s.ChangeSeq() != seq || !sameDoc(doc(t, s, v.Block.CID), before) {
		t.Error("a put of revisions already held changed the store")
	}
}

func testSameCallDependencies(t *testing.T, s *store.Store) {
	alice := protocoltest.NewAuthor(t)
	v := alice.Create(t)
	e1 := alice.Edit(t, []protocol.Verified{v})
	e2 := alice.Edit(t, []protocol.Verified{e1}, protocoltest.Title("Deuxième version"))
	ch := put(t, s, e2, v, e1)
	if !slices.Equal(ch.Added, ids(v, e1, e2)) {
		t.Errorf("added %v, want all three in clock order", ch.Added)
	}
	if d := doc(t, s, v.Block.CID); !slices.Equal(d.Heads, ids(e2)) || d.Title != "Deuxième version" {
		t.Errorf("doc %+v, want the last edit as only head", d)
	}
}

func testBlocks(t *testing.T, s *store.Store) {
	data := [][]byte{[]byte("modèle de tableau"), bytes.Repeat([]byte{7}, protocol.MaxBlockSize/2)}
	var blocks []protocol.Block
	for _, d := range data {
		blocks = append(blocks, protocol.Block{CID: protocol.BlockCID(d), Data: d})
	}
	if err := s.PutBlocks(blocks); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBlocks(blocks); err != nil {
		t.Fatalf("PutBlocks of held blocks: %v", err)
	}
	for _, b := range blocks {
		got, err := s.Block(b.CID)
		if err != nil || !bytes.Equal(got, b.Data) {
			t.Errorf("Block(%s) = %d bytes, %v", b.CID, len(got), err)
		}
		if _, _, err := s.Revision(b.CID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Revision of a raw block: %v, want ErrNotFound", err)
		}
	}
	v := protocoltest.NewAuthor(t).Create(t)
	fresh := []byte("autre")
	for name, tc := range map[string]struct {
		blocks []protocol.Block
		want   error
	}{
		"wrong CID": {[]protocol.Block{{CID: protocol.BlockCID([]byte("x")), Data: fresh}}, protocol.ErrBadCID},
		"revision":  {[]protocol.Block{v.Block}, protocol.ErrInvalid},
		"too large": {[]protocol.Block{{CID: protocol.BlockCID(make([]byte, protocol.MaxBlockSize+1)), Data: make([]byte, protocol.MaxBlockSize+1)}}, protocol.ErrTooLarge},
	} {
		batch := append([]protocol.Block{{CID: protocol.BlockCID(fresh), Data: fresh}}, tc.blocks...)
		if err := s.PutBlocks(batch); !errors.Is(err, tc.want) {
			t.Errorf("%s: PutBlocks = %v, want %v", name, err, tc.want)
		}
		if ok, _ := s.Has(batch[0].CID); ok {
			t.Errorf("%s: a refused PutBlocks stored its good block", name)
		}
	}
}

func testClosed(t *testing.T, s *store.Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	v := protocoltest.NewAuthor(t).Create(t)
	for name, err := range map[string]error{
		"Put":     second(s.Put([]protocol.Verified{v})),
		"Has":     second(s.Has(v.Block.CID)),
		"Doc":     second(s.Doc(v.Block.CID)),
		"SetMeta": s.SetMeta("k", nil),
		"Docs":    s.Docs(func(*store.Doc) error { return nil }),
		"Counts":  second(s.Counts()),
	} {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}
