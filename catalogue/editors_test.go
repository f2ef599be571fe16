package catalogue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestEditorsChosenByTheAuthor: the editors given on publish go into
// the revision; an editor's edit keeps them and may not change them;
// the author changes them, which alone is a change worth a revision.
func TestEditorsChosenByTheAuthor(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	alice, bob, carol := newKey(t), newKey(t), newKey(t)
	bobPub, carolPub := protocol.PublicKey(bob), protocol.PublicKey(carol)
	e := parse(t, "---\ntitle: Fiche commune\n---\nTexte.\n")
	p, err := c.Publish(ctx, alice, e, nil, bobPub)
	if err != nil {
		t.Fatal(err)
	}
	editors := func() []protocol.AuthorKey {
		d, err := c.Get(p.Doc)
		if err != nil {
			t.Fatal(err)
		}
		return d.HeadRev.Editors
	}
	if got := editors(); !slices.Equal(got, []protocol.AuthorKey{bobPub}) {
		t.Fatalf("editors after publish: %v", got)
	}

	if _, err := c.Edit(ctx, bob, p.Doc, parse(t, "---\ntitle: Fiche commune\n---\nTexte revu par Bob.\n"), EditOptions{}); err != nil {
		t.Fatalf("bob's edit: %v", err)
	}
	if got := editors(); !slices.Equal(got, []protocol.AuthorKey{bobPub}) {
		t.Fatalf("editors after bob's edit: %v", got)
	}
	same := parse(t, "---\ntitle: Fiche commune\n---\nTexte revu par Bob.\n")
	for _, list := range [][]protocol.AuthorKey{{bobPub, carolPub}, {}} {
		if _, err := c.Edit(ctx, bob, p.Doc, same, EditOptions{Editors: list}); !errors.Is(err, protocol.ErrNotAuthorized) {
			t.Errorf("bob sets the editors to %v: %v", list, err)
		}
	}
	// Bob giving the list as it is changes nothing.
	if r, err := c.Edit(ctx, bob, p.Doc, same, EditOptions{Editors: []protocol.AuthorKey{bobPub}}); err != nil || !r.Unchanged {
		t.Errorf("bob gives the same list: %+v, %v", r, err)
	}

	r, err := c.Edit(ctx, alice, p.Doc, same, EditOptions{Editors: []protocol.AuthorKey{carolPub}})
	if err != nil || r.Unchanged {
		t.Fatalf("alice changes only the editors: %+v, %v", r, err)
	}
	if got := editors(); !slices.Equal(got, []protocol.AuthorKey{carolPub}) {
		t.Fatalf("editors: %v, want carol", got)
	}
	if _, err := c.Edit(ctx, bob, p.Doc, same, EditOptions{}); !errors.Is(err, protocol.ErrNotAuthorized) {
		t.Errorf("bob, no longer an editor, edits: %v", err)
	}
	if _, err := c.Edit(ctx, alice, p.Doc, same, EditOptions{Editors: []protocol.AuthorKey{}}); err != nil || len(editors()) != 0 {
		t.Errorf("alice removes every editor: %v, %v", err, editors())
	}
}

// TestExportImportKeepsEditors: an export writes the editors key, and
// an editor imports an export of the author's entry they changed as an
// edit of it.
func TestExportImportKeepsEditors(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	alice, bob := newKey(t), newKey(t)
	bobPub := protocol.PublicKey(bob)
	p, err := c.Publish(ctx, alice, parse(t, "---\ntitle: Fiche commune\n---\nTexte.\n"), nil, bobPub)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := c.Export(ctx, out, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, "fiche-commune.md")
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte("editors:\n  - "+bobPub.String()+"\n")) {
		t.Fatalf("export lacks the editors:\n%s", data)
	}
	res, err := c.Import(ctx, bob, out, ImportOptions{})
	if err != nil || len(res.Unchanged) != 1 {
		t.Fatalf("bob imports the untouched export: %+v %v", res, err)
	}
	os.WriteFile(path, bytes.Replace(data, []byte("Texte."), []byte("Texte revu par Bob."), 1), 0o644)
	res, err = c.Import(ctx, bob, out, ImportOptions{})
	if err != nil || len(res.Edited) != 1 || res.Edited[0].ID != p.Doc {
		t.Fatalf("bob imports his change: %+v %v", res, err)
	}
	d, _ := c.Get(p.Doc)
	if d.HeadRev.Author != bobPub || !slices.Equal(d.HeadRev.Editors, []protocol.AuthorKey{bobPub}) {
		t.Errorf("head by %s, editors %v", d.HeadRev.Author.Short(), d.HeadRev.Editors)
	}
}
