package catalogue

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/protocol"
)

func openTest(t testing.TB, dir string) *Catalogue {
	t.Helper()
	opts := Options{InMemory: dir == ""}
	c, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("open catalogue: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func parse(t testing.TB, text string) *entry.Entry {
	t.Helper()
	f, _, err := entry.Parse("test.md", []byte(text), entry.KindNote)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return &f.Entry
}

func TestPublishEditRetract(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, t.TempDir()) // on disk: in memory, badger holds no 1 MiB block
	me := newKey(t)
	p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Régie d'avances\ntags: [regies]\n---\nL'acte constitutif fixe le montant.\n"),
		[]File{{Name: "acte.odt", Data: bytes.NewReader(bytes.Repeat([]byte("x"), protocol.MaxBlockSize+10))}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Get(p.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if d.Entry.Title() != "Régie d'avances" || !d.Verified || d.Conflict() || len(d.Attachments) != 1 {
		t.Fatalf("unexpected doc: %+v", d)
	}
	if a := d.Attachments[0]; a.Size != protocol.MaxBlockSize+10 || len(a.Blocks) != 2 || !a.Held {
		t.Fatalf("attachment manifest: %+v", a)
	}
	var buf bytes.Buffer
	if _, err := c.WriteAttachment(p.Doc, "acte.odt", &buf); err != nil || buf.Len() != protocol.MaxBlockSize+10 {
		t.Fatalf("read attachment back: %d bytes, %v", buf.Len(), err)
	}

	res, err := c.Search(ctx, search.Query{Text: "regie d'avance"})
	if err != nil || res.Total != 1 || res.Hits[0].ID != p.Doc.String() {
		t.Fatalf("search after publish: %+v %v", res, err)
	}

	e2, err := c.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Régie de recettes\n---\nAutre texte.\n"), EditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e2.Doc != p.Doc {
		t.Fatalf("edit changed the document ID: %s", e2.Doc)
	}
	d, _ = c.Get(p.Doc)
	if d.Entry.Title() != "Régie de recettes" || len(d.Attachments) != 1 {
		t.Fatalf("after edit: title %q, %d attachments (an edit keeps attachments)", d.Entry.Title(), len(d.Attachments))
	}
	hist, err := c.History(p.Doc)
	if err != nil || len(hist) != 2 || hist[0].CID != e2.Revision || !hist[0].Head || hist[1].Head {
		t.Fatalf("history: %+v %v", hist, err)
	}

	// Someone else may not edit it.
	other := newKey(t)
	if _, err := c.Edit(ctx, other, p.Doc, parse(t, "---\ntitle: X\n---\n"), EditOptions{}); !errors.Is(err, protocol.ErrNotAuthorized) {
		t.Fatalf("edit by another author: %v", err)
	}

	if _, err := c.Retract(ctx, me, p.Doc); err != nil {
		t.Fatal(err)
	}
	list, _ := c.List(ListOptions{})
	if len(list) != 0 {
		t.Fatalf("retracted entry still listed: %+v", list)
	}
	res, _ = c.Search(ctx, search.Query{Text: "regie"})
	if res.Total != 0 {
		t.Fatalf("retracted entry still found: %+v", res.Hits)
	}
	if _, err := c.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Y\n---\n"), EditOptions{}); !errors.Is(err, ErrRetracted) {
		t.Fatalf("edit after retract: %v", err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	var ids []cid.Cid
	for range 40 {
		p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Fiche\n---\nCorps.\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.Doc)
	}
	id := ids[0].String()
	if got, err := c.Resolve(id); err != nil || got != ids[0] {
		t.Fatalf("whole ID: %v %v", got, err)
	}
	if got, err := c.Resolve(id[:20]); err != nil || got != ids[0] {
		t.Fatalf("prefix: %v %v", got, err)
	}
	// 40 IDs share "bafyrei": an 8-character prefix matches several.
	var amb *AmbiguousError
	if _, err := c.Resolve("bafyrei"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("7 characters: %v", err)
	}
	found := false
	for _, x := range ids[1:] {
		if x.String()[:8] == id[:8] {
			found = true
		}
	}
	_, err := c.Resolve(id[:8])
	if found && (!errors.As(err, &amb) || len(amb.Candidates) < 2 || !strings.Contains(err.Error(), id)) {
		t.Fatalf("ambiguous prefix: %v", err)
	}
}

func TestReceiveRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	src, dst := openTest(t, ""), openTest(t, "")
	me := newKey(t)
	p, err := src.Publish(ctx, me, parse(t, "---\ntitle: Original\n---\nTexte.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := src.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Revu\n---\nTexte revu.\n"), EditOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The edit alone: its parent is missing, and the error says which.
	_, err = receive(ctx, dst, blocksOf(t, src, e)...)
	if m := protocol.Missing(err); len(m) == 0 || m[0] != p.Doc {
		t.Fatalf("missing parent: %v (missing %v)", err, m)
	}

	pb := blocksOf(t, src, p)[0]
	forged := bytes.Clone(pb.Data)
	i := bytes.Index(forged, []byte("Original"))
	forged[i] = 'X'
	badSig := protocol.Block{CID: protocol.RevisionCID(forged), Data: forged}
	badCID := protocol.Block{CID: protocol.RevisionCID([]byte("autre")), Data: pb.Data}
	added, err := receive(ctx, dst, append([]protocol.Block{badSig, badCID}, blocksOf(t, src, p, e)...)...)
	if !errors.Is(err, protocol.ErrBadSignature) || !errors.Is(err, protocol.ErrBadCID) {
		t.Fatalf("bad input not reported: %v", err)
	}
	if len(added) != 2 {
		t.Fatalf("valid revisions in the same call: %d stored, want 2", len(added))
	}
	for _, b := range []protocol.Block{badSig, badCID} {
		if ok, _ := dst.Has(ctx, b.CID); ok {
			t.Fatalf("invalid revision %s stored", b.CID)
		}
	}
	d, err := dst.Get(p.Doc)
	if err != nil || d.Entry.Title() != "Revu" {
		t.Fatalf("replicated doc: %v %v", d, err)
	}
	res, _ := dst.Search(ctx, search.Query{Text: "revu"})
	if res.Total != 1 {
		t.Fatalf("replicated revision not indexed: %+v", res)
	}
}

func TestBundleRoundTripAndTampering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := openTest(t, ""), openTest(t, "")
	me := newKey(t)
	p, err := src.Publish(ctx, me, parse(t, "---\ntitle: Voyage scolaire\n---\nVote du CA.\n"),
		[]File{{Name: "budget.ods", Data: strings.NewReader("tableur")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Voyage scolaire (revu)\n---\nVote du CA et budget.\n"), EditOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "b.car")
	f, _ := os.Create(path)
	res, err := src.ExportBundle(ctx, f, nil)
	f.Close()
	if err != nil || res.Revisions != 2 || res.Blocks != 1 {
		t.Fatalf("export: %+v %v", res, err)
	}

	// Flip one byte of the edit's content: the bundle is refused whole.
	data, _ := os.ReadFile(path)
	bad := bytes.Clone(data)
	i := bytes.Index(bad, []byte("budget."))
	bad[i] = 'B'
	badPath := filepath.Join(dir, "bad.car")
	os.WriteFile(badPath, bad, 0o644)
	_, err = dst.ImportBundle(ctx, badPath, BundleOptions{})
	if !errors.Is(err, protocol.ErrBadCID) || !strings.Contains(err.Error(), "nothing stored") {
		t.Fatalf("tampered bundle: %v", err)
	}
	if n, _ := dst.Counts(); n.Revisions != 0 {
		t.Fatalf("a tampered bundle stored %d revisions", n.Revisions)
	}

	res, err = dst.ImportBundle(ctx, path, BundleOptions{})
	if err != nil || res.Added != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	d, _ := dst.Get(p.Doc)
	if d.Entry.Title() != "Voyage scolaire (revu)" || !d.Attachments[0].Held {
		t.Fatalf("imported doc: %+v", d)
	}
}

func TestImportIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.md"), []byte("---\ntitle: A\n---\nCorps A.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.md"), []byte("---\ntitle: B\n---\nCorps B.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.md"), []byte("---\ntags: [x]\n---\nSans titre.\n"), 0o644)
	c := openTest(t, "")
	me := newKey(t)
	res, err := c.Import(ctx, me, dir, ImportOptions{})
	if err != nil || len(res.Published) != 2 || len(res.Failed) != 1 {
		t.Fatalf("first import: %+v %v", res, err)
	}
	res, err = c.Import(ctx, me, dir, ImportOptions{})
	if err != nil || len(res.Published) != 0 || len(res.Unchanged) != 2 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	// Export, change one file, import: an edit of that entry only.
	out := t.TempDir()
	if _, err := c.Export(ctx, out, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(out, "a.md"))
	os.WriteFile(filepath.Join(out, "a.md"), bytes.Replace(data, []byte("Corps A."), []byte("Corps A revu."), 1), 0o644)
	res, err = c.Import(ctx, me, out, ImportOptions{})
	if err != nil || len(res.Edited) != 1 || len(res.Unchanged) != 1 || len(res.Published) != 0 {
		t.Fatalf("import of an edited export: %+v %v", res, err)
	}
}

// corpus is the betagouv corpus (testdata/corpus/README).
const corpus = "testdata/corpus/betagouv-startups"

// TestCorpusRoundTrip imports the 660 corpus files as tools, exports
// them, imports the export into a fresh catalogue, and checks that
// every file keeps its title, body and front-matter keys and values.
func TestCorpusRoundTrip(t *testing.T) {
	ctx := context.Background()
	a := openTest(t, t.TempDir())
	res, err := a.Import(ctx, newKey(t), corpus, ImportOptions{Kind: entry.KindTool})
	if err != nil || len(res.Failed) != 0 || len(res.Published) != 660 {
		t.Fatalf("import corpus: %d published, failures %v, %v", len(res.Published), res.Failed, err)
	}
	out := t.TempDir()
	if _, err := a.Export(ctx, out, nil); err != nil {
		t.Fatal(err)
	}
	b := openTest(t, "")
	res, err = b.Import(ctx, newKey(t), out, ImportOptions{Kind: entry.KindTool})
	if err != nil || len(res.Published) != 660 {
		t.Fatalf("import export: %d published, %v %v", len(res.Published), res.Failed, err)
	}
	want := readEntries(t, corpus)
	list, _ := b.List(ListOptions{})
	if len(list) != len(want) {
		t.Fatalf("%d entries after the round trip, want %d", len(list), len(want))
	}
	for _, s := range list {
		d, err := b.Get(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		key := d.Entry.Title() + "\x00" + d.Entry.Body
		w, ok := want[key]
		if !ok {
			t.Errorf("%q: no corpus file with this title and body", d.Entry.Title())
			continue
		}
		if !reflect.DeepEqual(w.Meta, d.Entry.Meta) {
			t.Errorf("%q: front matter changed:\n got %v\nwant %v", d.Entry.Title(), d.Entry.Meta, w.Meta)
		}
	}
}

func readEntries(t *testing.T, dir string) map[string]*entry.File {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	out := make(map[string]*entry.File)
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		f, _, err := entry.ParseImported(p, data, entry.KindTool)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Title()+"\x00"+f.Body] = f
	}
	return out
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	me := newKey(t)
	p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Inventaire\n---\nInventaire annuel du mobilier.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open of the same directory: %v, want ErrLocked", err)
	}
	c.Close()

	// A lost index is rebuilt from the store on open.
	if err := os.RemoveAll(filepath.Join(dir, indexSubdir)); err != nil {
		t.Fatal(err)
	}
	var progress int
	c, err = Open(context.Background(), dir, Options{Progress: func(done, total int) { progress = done }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Search(ctx, search.Query{Text: "inventaire"})
	if err != nil || res.Total != 1 || res.Hits[0].ID != p.Doc.String() {
		t.Fatalf("search after rebuild: %+v %v", res, err)
	}
	if progress != 1 {
		t.Errorf("rebuild progress reported %d, want 1", progress)
	}
	// A clock from a peer in the future moves this node's clock on.
	if next := c.clock.Now(); next <= protocol.MakeClock(time.Now().Add(-time.Minute)) {
		t.Errorf("clock %v is behind the wall clock", next.Time())
	}
}

func TestRefusesClockFromTheFuture(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	r := &protocol.Revision{Op: protocol.OpPut, Seq: 1, Clock: protocol.Clock(1<<64 - 1),
		Entry: &protocol.Entry{Meta: map[string]any{"title": "Futur"}}}
	b, err := r.Sign(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receive(ctx, c, b.Block); !errors.Is(err, protocol.ErrInvalid) || !strings.Contains(err.Error(), "ahead") {
		t.Fatalf("a revision from the far future: %v", err)
	}
	if ok, _ := c.Has(ctx, b.CID); ok {
		t.Fatal("a revision from the far future was stored")
	}
	r.Clock = protocol.MakeClock(time.Now())
	if b, err = r.Sign(newKey(t)); err != nil {
		t.Fatal(err)
	}
	if added, err := c.AddVerified(ctx, []protocol.Verified{b}); err != nil || len(added) != 1 {
		t.Fatalf("AddVerified of a revision of now: added %v, %v", added, err)
	}
}

// TestPeerCannotMoveClockAhead (finding 6): a revision 23 hours in the
// future is accepted (within MaxClockSkew), but this node's own
// revisions keep clocks close to its wall clock, except an edit of that
// revision, which must sort after it.
func TestPeerCannotMoveClockAhead(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	future := protocol.MakeClock(time.Now().Add(23 * time.Hour))
	r := &protocol.Revision{Op: protocol.OpPut, Seq: 1, Clock: future,
		Entry: &protocol.Entry{Meta: map[string]any{"title": "Venue du futur"}}}
	peer := newKey(t)
	v, err := r.Sign(peer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receive(ctx, c, v.Block); err != nil {
		t.Fatalf("a revision 23 h ahead, within the skew allowed: %v", err)
	}
	bound := protocol.MakeClock(time.Now().Add(protocol.MaxClockDrift + time.Second))

	me := newKey(t)
	p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Fiche d'aujourd'hui\n---\nCorps.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := c.Get(p.Doc); d.HeadRev.Clock >= bound {
		t.Errorf("a revision made after one from the future is dated %v, more than %v ahead", d.HeadRev.Clock.Time(), protocol.MaxClockDrift)
	}
	// The peer's author edits its own entry here: the edit sorts after it.
	e, err := c.Edit(ctx, peer, v.CID, parse(t, "---\ntitle: Venue du futur, revue\n---\nCorps.\n"), EditOptions{})
	if err != nil {
		t.Fatalf("edit of a revision from the future: %v", err)
	}
	if d, _ := c.Get(e.Doc); d.HeadRev.Clock <= future || d.Head != e.Revision {
		t.Errorf("the edit is dated %v, not after its parent %v", d.HeadRev.Clock.Time(), future.Time())
	}
	// And the next revision of another entry is back near wall time.
	q, err := c.Publish(ctx, me, parse(t, "---\ntitle: Encore aujourd'hui\n---\nCorps.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := c.Get(q.Doc); d.HeadRev.Clock >= bound {
		t.Errorf("a revision made after an edit of a future one is dated %v", d.HeadRev.Clock.Time())
	}
}
