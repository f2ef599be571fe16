package catalogue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/mutu-network/mutu/protocol"
)

// TestImportBundleDamaged: a file that is not a CAR, or a CAR cut
// short, is refused with a message that names the file and says what
// is wrong with it, and where, in words; nothing is stored.
func TestImportBundleDamaged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := openTest(t, "")
	me := newKey(t)
	p, err := src.Publish(ctx, me, parse(t, "---\ntitle: Voyage scolaire\n---\nVote du CA.\n"),
		[]File{{Name: "budget.ods", Data: strings.NewReader("tableur")}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "b.car")
	f, _ := os.Create(path)
	if _, err := src.ExportBundle(ctx, f, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	whole, _ := os.ReadFile(path)

	for _, tc := range []struct {
		name string
		data []byte
		want []string // in the message
	}{
		{"text", []byte("ceci n'est pas un bundle\n"), []string{"not.car", "not a CAR file"}},
		{"empty", nil, []string{"not.car", "not a CAR file: the file is empty"}},
		// Cut in the middle of the last block, the attachment's.
		{"cut", whole[:len(whole)-3], []string{"not.car", "is damaged", "block 2", "after " + p.Doc.String()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, "not.car")
			if err := os.WriteFile(bad, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			dst := openTest(t, "")
			_, err := dst.ImportBundle(ctx, bad, BundleOptions{})
			if !errors.Is(err, protocol.ErrMalformed) {
				t.Fatalf("err = %v, want one matching protocol.ErrMalformed", err)
			}
			msg := err.Error()
			if strings.HasSuffix(strings.TrimSpace(msg), ":") || strings.Contains(msg, "malformed: )") || strings.HasSuffix(msg, "malformed: ") {
				t.Errorf("message ends without saying what is wrong: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if n, _ := dst.Counts(); n.Revisions != 0 {
				t.Errorf("a damaged bundle stored %d revisions", n.Revisions)
			}
		})
	}
}

// writeCAR writes a CAR v1 file with the given roots and blocks, in
// order, as a hostile or damaged bundle could hold them.
func writeCAR(t *testing.T, path string, roots []cid.Cid, blocks ...protocol.Block) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := storage.NewWritable(f, roots, carv2.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if err := w.Put(context.Background(), b.CID.KeyString(), b.Data); err != nil {
			t.Fatal(err)
		}
	}
}

// twoRevisions publishes an entry with an attachment, then an edit
// that drops it, and returns the two revisions and the attachment's
// block.
func twoRevisions(t *testing.T) (first, edit, att protocol.Block) {
	t.Helper()
	ctx := context.Background()
	src := openTest(t, "")
	me := newKey(t)
	p, err := src.Publish(ctx, me, parse(t, "---\ntitle: Voyage scolaire\n---\nVote du CA.\n"),
		[]File{{Name: "budget.ods", Data: strings.NewReader("tableur")}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := src.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Voyage scolaire\n---\nVote du CA, sans budget.\n"), EditOptions{Drop: []string{"budget.ods"}})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("tableur")
	revs := blocksOf(t, src, p, e)
	return revs[0], revs[1], protocol.Block{CID: protocol.BlockCID(data), Data: data}
}

// TestImportBundleStoresOnlyReferencedBlocks: a raw block of a bundle
// is stored only if a revision of its entries lists it, in the bundle
// or held already; any other is counted and dropped, so a bundle cannot
// fill a store with data that nothing refers to.
func TestImportBundleStoresOnlyReferencedBlocks(t *testing.T) {
	ctx := context.Background()
	first, edit, att := twoRevisions(t)
	stray := []byte("rien ne me cite")
	strayBlock := protocol.Block{CID: protocol.BlockCID(stray), Data: stray}
	dir := t.TempDir()

	// The first revision only, its attachment block missing.
	dst := openTest(t, "")
	writeCAR(t, filepath.Join(dir, "first.car"), []cid.Cid{first.CID}, first)
	if _, err := dst.ImportBundle(ctx, filepath.Join(dir, "first.car"), BundleOptions{}); err != nil {
		t.Fatal(err)
	}
	// The edit, which does not list the attachment, with the
	// attachment's block, which the held first revision lists, and a
	// stray block.
	path := filepath.Join(dir, "edit.car")
	writeCAR(t, path, []cid.Cid{edit.CID}, edit, att, strayBlock)
	res, err := dst.ImportBundle(ctx, path, BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Blocks != 1 || res.Ignored != 1 || res.Added != 1 {
		t.Errorf("result %+v, want 1 block stored, 1 ignored, 1 revision added", res)
	}
	if _, err := dst.Block(ctx, att.CID); err != nil {
		t.Errorf("the attachment's block, listed by a held revision, is not stored: %v", err)
	}
	if _, err := dst.Block(ctx, strayBlock.CID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a block no revision lists is stored: %v", err)
	}
}

// TestImportBundleRefusesRootsNotInFile: the header of a bundle names
// its entries; a root whose revision the file does not hold is refused
// with the root named, and nothing is stored.
func TestImportBundleRefusesRootsNotInFile(t *testing.T) {
	ctx := context.Background()
	first, edit, _ := twoRevisions(t)
	path := filepath.Join(t.TempDir(), "b.car")
	writeCAR(t, path, []cid.Cid{first.CID, edit.CID}, first)
	dst := openTest(t, "")
	_, err := dst.ImportBundle(ctx, path, BundleOptions{})
	if !errors.Is(err, protocol.ErrInvalid) || !strings.Contains(err.Error(), edit.CID.String()) || !strings.Contains(err.Error(), "not in the file") {
		t.Fatalf("import: %v, want a refusal naming root %s", err, edit.CID)
	}
	if n, _ := dst.Counts(); n.Revisions != 0 {
		t.Errorf("a refused bundle stored %d revisions", n.Revisions)
	}
}

// TestImportBundleMissingParentIsInputError: a bundle holding an edit
// without the revision it follows, which this node does not hold
// either, is the bundle's fault: the error is wrong input (exit code 1,
// not 5) naming the revision and the missing parent.
func TestImportBundleMissingParentIsInputError(t *testing.T) {
	ctx := context.Background()
	first, edit, _ := twoRevisions(t)
	path := filepath.Join(t.TempDir(), "b.car")
	writeCAR(t, path, []cid.Cid{edit.CID}, edit)
	dst := openTest(t, "")
	_, err := dst.ImportBundle(ctx, path, BundleOptions{})
	if !errors.Is(err, protocol.ErrInvalid) || errors.Is(err, protocol.ErrNotFound) {
		t.Fatalf("import: %v, want an error matching protocol.ErrInvalid only", err)
	}
	for _, want := range []string{edit.CID.String(), first.CID.String(), "neither in the bundle nor held", "nothing stored"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if n, _ := dst.Counts(); n.Revisions != 0 {
		t.Errorf("a refused bundle stored %d revisions", n.Revisions)
	}
}

// TestImportBundleBoundsRevisionsHeld: an import holds a bundle's
// revisions until it has checked them all; past the limit the bundle is
// refused, saying how to split it, and nothing is stored.
func TestImportBundleBoundsRevisionsHeld(t *testing.T) {
	ctx := context.Background()
	first, edit, _ := twoRevisions(t)
	path := filepath.Join(t.TempDir(), "b.car")
	writeCAR(t, path, []cid.Cid{first.CID}, first, edit)
	defer func(n int) { maxBundleRevisions = n }(maxBundleRevisions)
	maxBundleRevisions = len(first.Data) + len(edit.Data) - 1
	dst := openTest(t, "")
	_, err := dst.ImportBundle(ctx, path, BundleOptions{})
	if !errors.Is(err, protocol.ErrTooLarge) || !strings.Contains(err.Error(), "several bundles") {
		t.Fatalf("import: %v, want a refusal for size that says how to split the bundle", err)
	}
	if n, _ := dst.Counts(); n.Revisions != 0 {
		t.Errorf("a refused bundle stored %d revisions", n.Revisions)
	}
	maxBundleRevisions = len(first.Data) + len(edit.Data)
	if res, err := dst.ImportBundle(ctx, path, BundleOptions{}); err != nil || res.Added != 2 {
		t.Fatalf("import at the limit: %+v, %v; want both revisions stored", res, err)
	}
}
