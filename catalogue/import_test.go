package catalogue

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportOf publishes entries by author, one of them with a .txt
// attachment (recorded as text/plain; charset=utf-8) and one with a
// PDF, and exports the catalogue into a fresh directory.
func exportOf(t *testing.T, c *Catalogue, key ed25519.PrivateKey) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Publish(ctx, key, parse(t, "---\ntitle: Notes\n---\nCorps notes.\n"),
		[]File{{Name: "notes.txt", Data: strings.NewReader("des notes\n")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, key, parse(t, "---\ntitle: Circulaire\n---\nCorps circulaire.\n"),
		[]File{{Name: "circulaire.pdf", Data: strings.NewReader("%PDF-1.4 …")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, key, parse(t, "---\ntitle: Sans pièce\n---\nCorps seul.\n"), nil); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := c.Export(ctx, out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportOfExportTakesTextAttachments: the media type mutu records
// for a .txt file has a parameter (text/plain; charset=utf-8); the
// exported file that lists it imports, and an edit of one file of the
// export becomes an edit of that entry only.
func TestImportOfExportTakesTextAttachments(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	out := exportOf(t, c, me)
	data, err := os.ReadFile(filepath.Join(out, "notes.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("type: text/plain; charset=utf-8")) {
		t.Fatalf("export of a .txt attachment:\n%s", data)
	}
	os.WriteFile(filepath.Join(out, "notes.md"), bytes.Replace(data, []byte("Corps notes."), []byte("Corps notes revu."), 1), 0o644)
	res, err := c.Import(ctx, me, out, ImportOptions{})
	if err != nil || len(res.Failed) != 0 || len(res.Edited) != 1 || len(res.Unchanged) != 2 || len(res.Published) != 0 {
		t.Fatalf("import of an edited export: %+v %v", res, err)
	}
}

// TestReimportOfUntouchedExportCountsOthersEntriesUnchanged: importing
// an export that holds entries of other authors, untouched, changes
// nothing and refuses nothing; an entry of another author that was
// changed is refused, as an edit by someone not among its editors.
func TestReimportOfUntouchedExportCountsOthersEntriesUnchanged(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	out := exportOf(t, c, newKey(t)) // by someone else
	me := newKey(t)
	res, err := c.Import(ctx, me, out, ImportOptions{})
	if err != nil || len(res.Unchanged) != 3 || len(res.Failed) != 0 || len(res.Published)+len(res.Edited) != 0 {
		t.Fatalf("import of another author's export: %+v %v", res, err)
	}

	data, _ := os.ReadFile(filepath.Join(out, "circulaire.md"))
	os.WriteFile(filepath.Join(out, "circulaire.md"), bytes.Replace(data, []byte("Corps circulaire."), []byte("Corps changé."), 1), 0o644)
	res, err = c.Import(ctx, me, out, ImportOptions{})
	if err != nil || len(res.Unchanged) != 2 || len(res.Failed) != 1 {
		t.Fatalf("import of another author's changed entry: %+v %v", res, err)
	}
	if msg := res.Failed[0].Err.Error(); !strings.Contains(msg, "not among its editors") {
		t.Errorf("refusal: %s", msg)
	}
	// An attachment changed beside an untouched file is a change too.
	os.WriteFile(filepath.Join(out, "circulaire.md"), data, 0o644)
	os.WriteFile(filepath.Join(out, "circulaire", "circulaire.pdf"), []byte("%PDF-1.4 autre"), 0o644)
	res, _ = c.Import(ctx, me, out, ImportOptions{})
	if len(res.Failed) != 1 || len(res.Unchanged) != 2 {
		t.Errorf("import with a changed attachment: %+v", res)
	}
}
