package catalogue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// eraseMarker is the personal data the erasure tests write and look
// for: one word, so that the search index holds it as a term too.
const eraseMarker = "zorglubdurand"

// homeFilesWith returns the files under root that hold s, as grep -r
// would.
func homeFilesWith(tb testing.TB, root, s string) []string {
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

var testErasure = ErasedBy{
	Decision: protocol.BlockCID([]byte("decision")),
	Time:     time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC),
	Category: trust.CategoryPersonalData,
}

// TestEraseLeavesTheMarkerInNoFile publishes an entry whose body and
// attachment carry a marker among other entries, erases it, and finds
// the marker in no file of the catalogue, before and after a reopen;
// the other entries are intact, the history lists the erased revision
// as erased, and no path stores it again.
func TestEraseLeavesTheMarkerInNoFile(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	dir := filepath.Join(home, "catalogue")
	c := openTest(t, dir)
	me := newKey(t)
	var others []cid.Cid
	for i, title := range []string{"Régie d'avances", "Rapprochement bancaire", "Voyages scolaires"} {
		p, err := c.Publish(ctx, me, parse(t, "---\ntitle: "+title+"\n---\nProcédure "+strings.Repeat("détaillée ", i+1)+".\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, p.Doc)
	}
	first, err := c.Publish(ctx, me, parse(t, "---\ntitle: Fonds social\n---\nLa procédure d'attribution.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	attachment := bytes.Repeat([]byte("élève "+eraseMarker+", quotient familial 312\n"), 100)
	bad, err := c.Edit(ctx, me, first.Doc, parse(t, "---\ntitle: Fonds social\n---\nExemple : la famille "+eraseMarker+", quotient 312.\n"),
		EditOptions{Files: []File{{Name: "dossier.txt", Data: bytes.NewReader(attachment)}}})
	if err != nil {
		t.Fatal(err)
	}
	var bundle bytes.Buffer
	if _, err := c.ExportBundle(ctx, &bundle, []cid.Cid{first.Doc}); err != nil {
		t.Fatal(err)
	}
	badRev, badData, err := c.Revision(bad.Revision)
	if err != nil {
		t.Fatal(err)
	}
	blocks := badRev.Attachments[0].Blocks
	blockData, err := c.Block(ctx, blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Search(ctx, search.Query{Text: eraseMarker}); err != nil || res.Total != 1 {
		t.Fatalf("search for the marker before the erasure: %+v, %v", res, err)
	}
	if len(homeFilesWith(t, home, eraseMarker)) == 0 {
		t.Fatal("the marker is in no file before the erasure: the test proves nothing")
	}

	start := time.Now()
	if err := c.Erase(ctx, []cid.Cid{bad.Revision}, testErasure); err != nil {
		t.Fatal(err)
	}
	t.Logf("erasure of 1 revision among 5 in %v", time.Since(start))

	check := func(c *Catalogue) {
		t.Helper()
		if found := homeFilesWith(t, home, eraseMarker); len(found) > 0 {
			t.Errorf("the marker is still in %v", found)
		}
		d, err := c.Get(first.Doc)
		if err != nil {
			t.Fatal(err)
		}
		if d.Erased == nil || d.Entry != nil || d.HeadRev != nil || !d.Head.Equals(bad.Revision) ||
			!d.Erased.Decision.Equals(testErasure.Decision) || d.Erased.Category != trust.CategoryPersonalData || !d.Erased.Time.Equal(testErasure.Time) {
			t.Errorf("entry after erasure: %+v", d)
		}
		h, err := c.History(first.Doc)
		if err != nil || len(h) != 2 || h[0].Erased == nil || h[0].Title != "" || h[1].Erased != nil || h[1].Title != "Fonds social" {
			t.Errorf("history after erasure: %+v, %v", h, err)
		}
		v, err := c.Version(first.Doc, bad.Revision.String())
		if err != nil || v.Erased == nil || v.Entry != nil || v.Attachments != nil {
			t.Errorf("version after erasure: %+v, %v", v, err)
		}
		if _, err := c.Block(ctx, blocks[0]); !errors.Is(err, protocol.ErrNotFound) {
			t.Errorf("the erased attachment block is served: %v", err)
		}
		if _, err := c.Block(ctx, bad.Revision); !errors.Is(err, protocol.ErrNotFound) {
			t.Errorf("the erased revision is served: %v", err)
		}
		if res, err := c.Search(ctx, search.Query{Text: eraseMarker}); err != nil || res.Total != 0 {
			t.Errorf("search for the marker after the erasure: %+v, %v", res, err)
		}
		for _, id := range others {
			if d, err := c.Get(id); err != nil || d.Entry == nil || d.Erased != nil {
				t.Errorf("another entry after the erasure: %+v, %v", d, err)
			}
		}
		if res, err := c.Search(ctx, search.Query{Text: "rapprochement"}); err != nil || res.Total != 1 {
			t.Errorf("search for another entry: %+v, %v", res, err)
		}
		if by, ok, err := c.Erased(bad.Revision); err != nil || !ok || !by.Decision.Equals(testErasure.Decision) {
			t.Errorf("Erased: %+v, %v, %v", by, ok, err)
		}
		set := make(map[cid.Cid]ErasedBy)
		if err := c.Erasures(func(k cid.Cid, by ErasedBy) error { set[k] = by; return nil }); err != nil ||
			len(set) != 2 || set[bad.Revision].Category != trust.CategoryPersonalData || !set[blocks[0]].Decision.Equals(testErasure.Decision) {
			t.Errorf("Erasures: %v, %v", set, err)
		}
	}
	check(c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c = openTest(t, dir)
	check(c)

	// Every path refuses the erased content, and stores nothing.
	v, err := protocol.Verify(protocol.Block{CID: bad.Revision, Data: badData})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AddVerified(ctx, []protocol.Verified{v})
	var rejected *RejectedError
	if !errors.As(err, &rejected) || protocol.CodeOf(rejected.Rejected[bad.Revision]) != protocol.CodeErased {
		t.Errorf("AddVerified of the erased revision: %v", err)
	}
	if err := c.AddBlocks(ctx, []protocol.Block{{CID: blocks[0], Data: blockData}}); protocol.CodeOf(errors.Unwrap(err)) != protocol.CodeErased && !errors.Is(err, protocol.ErrErased) {
		t.Errorf("AddBlocks of the erased block: %v", err)
	}
	if _, err := c.ImportBundleFrom(ctx, bytes.NewReader(bundle.Bytes()), BundleOptions{Name: "avant.car"}); !errors.Is(err, protocol.ErrErased) {
		t.Errorf("import of a bundle holding the erased revision: %v", err)
	}
	check(c)

	// A bundle of the catalogue made after the erasure leaves the erased
	// revision out, and this node, which holds its stub, takes it back.
	bundle.Reset()
	res, err := c.ExportBundle(ctx, &bundle, nil)
	if err != nil || res.Erased != 1 || bytes.Contains(bundle.Bytes(), []byte(eraseMarker)) {
		t.Fatalf("export after the erasure: %+v, %v (marker in it: %v)", res, err, bytes.Contains(bundle.Bytes(), []byte(eraseMarker)))
	}
	if _, err := c.ImportBundleFrom(ctx, bytes.NewReader(bundle.Bytes()), BundleOptions{Name: "apres.car"}); err != nil {
		t.Errorf("import of a bundle made after the erasure: %v", err)
	}

	// The author publishes a corrected version on top of the erased one.
	fixed, err := c.Edit(ctx, me, first.Doc, parse(t, "---\ntitle: Fonds social\n---\nExemple : une famille, quotient 312.\n"), EditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := c.Get(first.Doc); err != nil || d.Erased != nil || d.Entry == nil || !d.Head.Equals(fixed.Revision) || len(d.Attachments) != 0 {
		t.Errorf("entry after an edit of its erased head: %+v, %v", d, err)
	}
}

// TestEraseRefusesTrustRecords: the roster's records stay, since the
// roster is folded from them.
func TestEraseRefusesTrustRecords(t *testing.T) {
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	mustAdd(t, c, f.charter)
	err := c.Erase(context.Background(), []cid.Cid{f.charter.CID}, testErasure)
	if err == nil || !strings.Contains(err.Error(), "trust record") {
		t.Fatalf("erasure of the charter: %v", err)
	}
	if _, ok, err := c.Erased(f.charter.CID); err != nil || ok {
		t.Errorf("the charter entered the erased set: %v, %v", ok, err)
	}
	if c.Roster() == nil || len(c.TrustRecords()) != 1 {
		t.Errorf("the roster after a refused erasure: %+v", c.TrustRecords())
	}
}

// TestEraseRefusesBadInput: an erasure names its decision and a known
// category.
func TestEraseRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	p, err := c.Publish(ctx, newKey(t), parse(t, "---\ntitle: Fiche\n---\nTexte.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Erase(ctx, []cid.Cid{p.Revision}, ErasedBy{Category: trust.CategoryPersonalData}); err == nil {
		t.Error("an erasure without a decision was accepted")
	}
	if err := c.Erase(ctx, []cid.Cid{p.Revision}, ErasedBy{Decision: testErasure.Decision, Category: "rgpd"}); err == nil || !strings.Contains(err.Error(), "rgpd") {
		t.Errorf("an erasure of an unknown category: %v", err)
	}
	if d, err := c.Get(p.Doc); err != nil || d.Erased != nil {
		t.Errorf("a refused erasure erased: %+v, %v", d, err)
	}
}

// TestEraseWhileWritingAndSearching erases revisions on disk while
// other goroutines publish and search: every call returns, nothing
// races, and what was published meanwhile is all there afterwards.
func TestEraseWhileWritingAndSearching(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, t.TempDir())
	me := newKey(t)
	var targets []cid.Cid
	for i := range 6 {
		p, err := c.Publish(ctx, me, parse(t, fmt.Sprintf("---\ntitle: Fiche %d\n---\nFamille %s %d.\n", i, eraseMarker, i)), nil)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, p.Revision)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	published := make(chan cid.Cid, 1000)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p, err := c.Publish(ctx, me, parse(t, fmt.Sprintf("---\ntitle: Pendant %d\n---\nTexte %d.\n", i, i)), nil)
			if err != nil {
				t.Errorf("publish during an erasure: %v", err)
				return
			}
			published <- p.Doc
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.Search(ctx, search.Query{Text: "texte"}); err != nil {
				t.Errorf("search during an erasure: %v", err)
				return
			}
		}
	}()
	for _, rc := range targets {
		if err := c.Erase(ctx, []cid.Cid{rc}, testErasure); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(published)
	n := 0
	for id := range published {
		n++
		if d, err := c.Get(id); err != nil || d.Entry == nil || d.Erased != nil {
			t.Errorf("entry published during the erasures: %+v, %v", d, err)
		}
	}
	if err := c.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := c.Search(ctx, search.Query{Text: eraseMarker}); err != nil || res.Total != 0 {
		t.Errorf("search for the erased text: %+v, %v", res, err)
	}
	if res, err := c.Search(ctx, search.Query{Text: "texte"}); err != nil || res.Total != uint64(n) {
		t.Errorf("search for what was published during the erasures: %d of %d, %v", res.Total, n, err)
	}
	t.Logf("%d entries published during 6 erasures", n)
}
