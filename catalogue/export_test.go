package catalogue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/filename"
	"github.com/mutu-network/mutu/protocol"
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

// hostileNames are attachment names the network accepts that a file
// system, a shell or a terminal would misread: the longest name
// allowed, line breaks, an escape sequence, a right-to-left override,
// Windows device names, a flag, a quote, trailing dots and spaces, and
// two names that macOS and Windows take for one file.
var hostileNames = []string{
	strings.Repeat("é", 125) + "x.pdf", "ligne\r\nsuivante.txt", "esc\x1b[31mrouge.txt",
	"facture\u202Efdp.exe", "con", "con.txt", "-rf", `"`, "a.", "a ", "É.txt", "é.txt",
}

// TestExportImportHostileNames: export writes every attachment under a
// name valid on Windows, macOS and Linux, and import gives back the
// same entries with the same attachment names and bytes. A 255-byte
// name made every export fail (the temporary file's name was too long).
func TestExportImportHostileNames(t *testing.T) {
	ctx := context.Background()
	src := openTest(t, "")
	me := newKey(t)
	var files []File
	content := make(map[string]string)
	for i, n := range hostileNames {
		content[n] = fmt.Sprintf("contenu %d de %q", i, n)
		files = append(files, File{Name: n, Data: strings.NewReader(content[n])})
	}
	p, err := src.Publish(ctx, me, parse(t, "---\ntitle: Pièces jointes hostiles\ntags: [test]\n---\nCorps.\n"), files)
	if err != nil {
		t.Fatal(err)
	}
	con, err := src.Publish(ctx, me, parse(t, "---\ntitle: CON\n---\nUn titre réservé sous Windows.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := src.Export(ctx, out, nil)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if res.Attachments != len(hostileNames) {
		t.Errorf("exported %d attachments, want %d", res.Attachments, len(hostileNames))
	}
	folded := make(map[string]string)
	for _, rel := range dirFiles(t, out) {
		for _, name := range strings.Split(rel, string(filepath.Separator)) {
			if name != filename.Portable(name) {
				t.Errorf("export wrote %q, whose name %q is not portable", rel, name)
			}
		}
		key := strings.ToLower(rel)
		if prev, dup := folded[key]; dup {
			t.Errorf("export wrote %q and %q, one file where case is ignored", prev, rel)
		}
		folded[key] = rel
	}

	dst := openTest(t, "")
	imp, err := dst.Import(ctx, newKey(t), out, ImportOptions{})
	if err != nil || len(imp.Failed) != 0 || len(imp.Published) != 2 {
		t.Fatalf("import of the export: %+v, %v", imp, err)
	}
	for _, f := range imp.Published {
		got, err := dst.Get(f.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := src.Get(p.Doc)
		if got.Entry.Title() == "CON" {
			want, _ = src.Get(con.Doc)
		}
		if !sameEntry(&protocol.Entry{Meta: want.Entry.Meta, Body: want.Entry.Body}, got.Entry) {
			t.Errorf("entry %q changed on the way: %+v, want %+v", want.Entry.Title(), got.Entry, want.Entry)
		}
		var names []string
		for _, a := range got.Attachments {
			names = append(names, a.Name)
			var buf bytes.Buffer
			if _, err := dst.WriteAttachment(f.ID, a.Name, &buf); err != nil {
				t.Errorf("attachment %q: %v", a.Name, err)
			} else if buf.String() != content[a.Name] {
				t.Errorf("attachment %q holds %q, want %q", a.Name, buf.String(), content[a.Name])
			}
		}
		var wantNames []string
		for _, a := range want.Attachments {
			wantNames = append(wantNames, a.Name)
		}
		if !slices.Equal(names, wantNames) {
			t.Errorf("attachment names %q, want %q", names, wantNames)
		}
	}
}
