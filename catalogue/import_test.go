package catalogue

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// secretKey stands for a home's author key in the tests of Import.
const secretKey = "-----BEGIN MUTU AUTHOR KEY-----\nc2VjcmV0IGtleSBieXRlcyB0aGF0IG11c3QgbmV2ZXIgbGVhdmUgdGhlIGhvbWU=\n-----END MUTU AUTHOR KEY-----\n"

// importLayout makes, in a temporary directory, a home holding an
// author key, a folder "elsewhere" holding a valid entry, and the
// folder to import with one valid entry, a.md. It returns the base
// directory and the folder to import.
func importLayout(t *testing.T) (base, dir string) {
	t.Helper()
	base = t.TempDir()
	dir = filepath.Join(base, "import")
	for _, d := range []string{"home", "elsewhere", "import"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(base, "home", "author.key"), secretKey)
	write(t, filepath.Join(base, "elsewhere", "secret.md"), "---\ntitle: Notes privées\n---\nÀ ne pas publier.\n")
	write(t, filepath.Join(dir, "a.md"), "---\ntitle: Fiche A\n---\nCorps A.\n")
	return base, dir
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// wantRefusedNothingImported checks that Import refused the folder with
// a *RefusedFilesError naming the file, and that the catalogue holds no
// entry and no block of the key.
func wantRefusedNothingImported(t *testing.T, c *Catalogue, res *ImportResult, err error, file string) {
	t.Helper()
	var refused *RefusedFilesError
	if !errors.As(err, &refused) || !errors.Is(err, protocol.ErrInvalid) {
		t.Fatalf("import: %v (%+v), want a *RefusedFilesError matching protocol.ErrInvalid", err, res)
	}
	if !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "nothing imported") {
		t.Errorf("error %q does not name %s or say that nothing was imported", err, file)
	}
	if res != nil && len(res.Published)+len(res.Edited) > 0 {
		t.Errorf("result %+v reports writes", res)
	}
	if list, err := c.List(ListOptions{Retracted: true}); err != nil || len(list) != 0 {
		t.Errorf("catalogue holds %d entries after a refused import (%v), want none", len(list), err)
	}
	if _, err := c.Block(context.Background(), protocol.BlockCID([]byte(secretKey))); !errors.Is(err, ErrNotFound) {
		t.Errorf("the key file is stored as a block: %v", err)
	}
}

// TestImportRefusesLinksAndPublishesNothing: a folder to import may be
// someone else's export, unpacked from an archive. A link in it, to
// anything, refuses the whole import before anything is written: an
// attachment linking to the home's author key would publish the key,
// for good, to the whole network; an entry file linking out of the
// folder would publish it silently.
func TestImportRefusesLinksAndPublishesNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, base, dir string)
		file  string // the file the error must name, inside dir
	}{
		{"attachment linked to the author key", func(t *testing.T, base, dir string) {
			write(t, filepath.Join(dir, "fiche.md"), "---\ntitle: Fiche\nattachments:\n  - name: author.key\n    size: 10\n---\nVoir la pièce jointe.\n")
			os.Mkdir(filepath.Join(dir, "fiche"), 0o755)
			symlink(t, "../../home/author.key", filepath.Join(dir, "fiche", "author.key"))
		}, filepath.Join("fiche", "author.key")},
		{"entry file linked out of the folder", func(t *testing.T, base, dir string) {
			symlink(t, filepath.Join(base, "elsewhere", "secret.md"), filepath.Join(dir, "secret.md"))
		}, "secret.md"},
		{"entry file linked inside the folder", func(t *testing.T, base, dir string) {
			symlink(t, "a.md", filepath.Join(dir, "b.md"))
		}, "b.md"},
		{"folder linked out of the folder", func(t *testing.T, base, dir string) {
			symlink(t, filepath.Join(base, "elsewhere"), filepath.Join(dir, "notes"))
		}, "notes"},
		{"link that is neither an entry nor an attachment", func(t *testing.T, base, dir string) {
			symlink(t, "../home/author.key", filepath.Join(dir, "cle.txt"))
		}, "cle.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, dir := importLayout(t)
			tt.setup(t, base, dir)
			c := openTest(t, "")
			res, err := c.Import(context.Background(), newKey(t), dir, ImportOptions{})
			wantRefusedNothingImported(t, c, res, err, filepath.Join(dir, tt.file))
			if err != nil && !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("error %q does not say the file is a symbolic link", err)
			}
		})
	}
}

// TestImportRefusesFileSwappedForLink: a file replaced by a link
// between the look at the folder and its reading is refused too, even
// a link that stays inside the folder; the import stops there and the
// entries not yet committed are not.
func TestImportRefusesFileSwappedForLink(t *testing.T) {
	for _, target := range []string{"../home/author.key", "a.md"} {
		t.Run(target, func(t *testing.T) {
			_, dir := importLayout(t)
			write(t, filepath.Join(dir, "b.md"), "---\ntitle: Fiche B\n---\nCorps B.\n")
			old := beforeOpen
			beforeOpen = func(root *os.Root, name string) {
				if name == "b.md" {
					os.Remove(filepath.Join(dir, "b.md"))
					symlink(t, target, filepath.Join(dir, "b.md"))
				}
			}
			t.Cleanup(func() { beforeOpen = old })
			c := openTest(t, "")
			res, err := c.Import(context.Background(), newKey(t), dir, ImportOptions{})
			wantRefusedNothingImported(t, c, res, err, filepath.Join(dir, "b.md"))
		})
	}
}

// TestImportKeepsGoingPastInvalidEntries: an entry file whose content
// is invalid is listed, and the other files are imported, as before
// links were refused.
func TestImportKeepsGoingPastInvalidEntries(t *testing.T) {
	_, dir := importLayout(t)
	write(t, filepath.Join(dir, "bad.md"), "---\ntags: [x]\n---\nSans titre.\n")
	c := openTest(t, "")
	res, err := c.Import(context.Background(), newKey(t), dir, ImportOptions{})
	if err != nil || len(res.Published) != 1 || len(res.Failed) != 1 || res.Failed[0].Path != filepath.Join(dir, "bad.md") {
		t.Fatalf("import: %+v, %v; want a.md published and bad.md listed", res, err)
	}
}

// TestImportStoppedMidwaySaysWhatStays: when a file is replaced by a
// link after entries were committed (an edit is committed at once),
// the error says the import stopped and that those entries stay,
// rather than that nothing was imported.
func TestImportStoppedMidwaySaysWhatStays(t *testing.T) {
	ctx := context.Background()
	_, dir := importLayout(t)
	c := openTest(t, "")
	me := newKey(t)
	res, err := c.Import(ctx, me, dir, ImportOptions{})
	if err != nil || len(res.Published) != 1 {
		t.Fatalf("first import: %+v, %v", res, err)
	}
	write(t, filepath.Join(dir, "a.md"), "---\nid: "+res.Published[0].ID.String()+"\ntitle: Fiche A\n---\nCorps A revu.\n")
	write(t, filepath.Join(dir, "b.md"), "---\ntitle: Fiche B\n---\nCorps B.\n")
	old := beforeOpen
	beforeOpen = func(root *os.Root, name string) {
		if name == "b.md" {
			os.Remove(filepath.Join(dir, "b.md"))
			symlink(t, "../home/author.key", filepath.Join(dir, "b.md"))
		}
	}
	t.Cleanup(func() { beforeOpen = old })
	res, err = c.Import(ctx, me, dir, ImportOptions{})
	var refused *RefusedFilesError
	if !errors.As(err, &refused) || refused.Committed != 1 || len(res.Edited) != 1 {
		t.Fatalf("import: %+v, %v; want the edit of a.md committed, then a refusal of b.md", res, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "stopped") || !strings.Contains(msg, "1 entries imported before stay") || strings.Contains(msg, "nothing imported") {
		t.Errorf("message %q does not say that the import stopped and what stays", msg)
	}
}

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
