package catalogue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/ipfs/go-cid"
)

// dirFiles lists the files under dir, relative to it, sorted.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// failMarkdownWrites makes Export's writes of Markdown files fail like
// a full disk, after half of the data, until the test ends; the
// attachments before them are written.
func failMarkdownWrites(t *testing.T) {
	old := writeExported
	writeExported = func(f *os.File, data []byte) error {
		if !strings.Contains(filepath.Base(f.Name()), ".md.") {
			return old(f, data)
		}
		f.Write(data[:len(data)/2])
		return syscall.ENOSPC
	}
	t.Cleanup(func() { writeExported = old })
}

// TestExportFailureLeavesNoPartialFile: a write that fails half way,
// as on a full disk, must leave the files as they were. A truncated
// file carries the entry's ID: importing it would cut the entry.
func TestExportFailureLeavesNoPartialFile(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Régie\n---\n"+strings.Repeat("Texte de la fiche. ", 500)+"\n"),
		[]File{{Name: "acte.txt", Data: strings.NewReader("acte")}})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := c.Export(ctx, out, nil); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(out, "regie.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := dirFiles(t, out)
	if _, err := c.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Régie\n---\n"+strings.Repeat("Texte revu. ", 900)+"\n"), EditOptions{}); err != nil {
		t.Fatal(err)
	}

	failMarkdownWrites(t)
	if _, err := c.Export(ctx, out, nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("export on a full disk: %v, want ENOSPC", err)
	}
	after, err := os.ReadFile(filepath.Join(out, "regie.md"))
	if err != nil || !bytes.Equal(after, before) {
		t.Fatalf("a failed export changed regie.md (%d bytes, was %d): %v", len(after), len(before), err)
	}
	if got := dirFiles(t, out); strings.Join(got, " ") != strings.Join(listed, " ") {
		t.Fatalf("a failed export left %v, want %v", got, listed)
	}

	// Into an empty directory: nothing at all is left, not even the
	// attachments written before the entry's file.
	empty := t.TempDir()
	if _, err := c.Export(ctx, empty, nil); err == nil {
		t.Fatal("export on a full disk succeeded")
	}
	if got := dirFiles(t, empty); len(got) != 0 {
		t.Fatalf("a failed export into an empty directory left %v", got)
	}
}

// TestExportKeepsOtherEntriesFiles exports entries of the same title
// one by one into the same directory: each keeps a file of its own,
// and exporting an entry again updates its file.
func TestExportKeepsOtherEntriesFiles(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	var ids []cid.Cid
	for _, body := range []string{"Premier.", "Second."} {
		p, err := c.Publish(ctx, me, parse(t, "---\ntitle: x\n---\n"+body+"\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.Doc)
	}
	out := t.TempDir()
	// A file of the user's, of the name an export would choose.
	mine := []byte("---\ntitle: x\n---\nMes notes.\n")
	os.WriteFile(filepath.Join(out, "x.md"), mine, 0o644)
	for _, id := range []cid.Cid{ids[0], ids[1], ids[0]} {
		if _, err := c.Export(ctx, out, []cid.Cid{id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Export(ctx, out, nil); err != nil {
		t.Fatal(err)
	}
	got := dirFiles(t, out)
	if len(got) != 3 {
		t.Fatalf("files after four exports of two entries: %v; want the user's file and one per entry", got)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "x.md")); !bytes.Equal(data, mine) {
		t.Fatalf("export replaced a file that held no entry:\n%s", data)
	}
	held := map[cid.Cid]string{}
	for _, name := range got {
		id := exportedID(filepath.Join(out, name))
		if id.Defined() {
			held[id] = name
		}
	}
	for i, id := range ids {
		name, ok := held[id]
		if !ok {
			t.Fatalf("entry %d has no file: %v", i, got)
		}
		data, _ := os.ReadFile(filepath.Join(out, name))
		if want := []string{"Premier.", "Second."}[i]; !bytes.Contains(data, []byte(want)) {
			t.Errorf("%s holds entry %d but not its body %q:\n%s", name, i, want, data)
		}
	}
}

// TestExportSlugFoldsEveryLatinLetter: export names files with the one
// folding table of search, which knows every Latin letter French text
// quotes; a second, shorter table dropped å, ł, ź and ß from names.
func TestExportSlugFoldsEveryLatinLetter(t *testing.T) {
	for title, want := range map[string]string{
		"Régie d'avances : ouvrir une sous-régie": "regie-d-avances-ouvrir-une-sous-regie",
		"Ångström, Łódź et la Straße":             "angstrom-lodz-et-la-strasse",
		"ŒUVRES SOCIALES":                         "oeuvres-sociales",
		"Ελλάδα":                                  "entree",
	} {
		if got := exportSlug(title); got != want {
			t.Errorf("exportSlug(%q) = %q, want %q", title, got, want)
		}
	}
}
