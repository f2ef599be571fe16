package catalogue

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestEditDropsOnlyWhatIsThere: dropping an attachment the entry does
// not have is a mistake (a typo), not an edit that keeps everything.
func TestEditDropsOnlyWhatIsThere(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	e := parse(t, "---\ntitle: Régie\n---\nCorps.\n")
	p, err := c.Publish(ctx, me, e, []File{{Name: "acte.txt", Data: strings.NewReader("acte")}, {Name: "annexe.txt", Data: strings.NewReader("annexe")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Régie\n---\nCorps revu.\n"), EditOptions{Drop: []string{"typo.txt"}})
	var na *NoAttachmentError
	if !errors.As(err, &na) || !errors.Is(err, protocol.ErrInvalid) {
		t.Fatalf("drop of an attachment the entry does not have: %v, want a *NoAttachmentError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"typo.txt"`) || !strings.Contains(msg, "its attachments are: acte.txt, annexe.txt") {
		t.Errorf("message %q does not name the attachment and the entry's", msg)
	}
	if h, _ := c.History(p.Doc); len(h) != 1 {
		t.Fatalf("a refused edit stored a revision: %d revisions", len(h))
	}
	// A real drop keeps the order of the others.
	if _, err := c.Edit(ctx, me, p.Doc, e, EditOptions{Drop: []string{"acte.txt"}}); err != nil {
		t.Fatal(err)
	}
	d, _ := c.Get(p.Doc)
	if len(d.Attachments) != 1 || d.Attachments[0].Name != "annexe.txt" {
		t.Fatalf("attachments after dropping acte.txt: %+v", d.Attachments)
	}
}

// TestEditThatChangesNothing stores no revision: not for the same
// file, not for the same attachment attached again. An edit of an
// entry in conflict is stored whatever it holds: it resolves the
// conflict.
func TestEditThatChangesNothing(t *testing.T) {
	ctx := context.Background()
	a := openTest(t, "")
	me := newKey(t)
	text := "---\ntitle: Régie\ntags: [regies]\n---\nCorps.\n"
	p, err := a.Publish(ctx, me, parse(t, text), []File{{Name: "acte.txt", Data: strings.NewReader("acte")}, {Name: "annexe.txt", Data: strings.NewReader("annexe")}})
	if err != nil {
		t.Fatal(err)
	}
	revisions := func() int {
		t.Helper()
		h, err := a.History(p.Doc)
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	for _, opts := range []EditOptions{
		{},
		{Files: []File{{Name: "acte.txt", Data: strings.NewReader("acte")}}},
	} {
		q, err := a.Edit(ctx, me, p.Doc, parse(t, text), opts)
		if err != nil {
			t.Fatal(err)
		}
		if !q.Unchanged || q.Doc != p.Doc || q.Revision != p.Revision {
			t.Errorf("edit with %d files that changes nothing: %+v, want Unchanged and the head %s", len(opts.Files), q, p.Revision)
		}
		if n := revisions(); n != 1 {
			t.Fatalf("an edit that changes nothing stored a revision: %d revisions", n)
		}
	}
	q, err := a.Edit(ctx, me, p.Doc, parse(t, text), EditOptions{Files: []File{{Name: "acte.txt", Data: strings.NewReader("acte v2")}}})
	if err != nil || q.Unchanged || revisions() != 2 {
		t.Fatalf("an edit of an attachment: %+v %v, %d revisions", q, err, revisions())
	}
	if d, _ := a.Get(p.Doc); len(d.Attachments) != 2 || d.Attachments[0].Name != "acte.txt" {
		t.Errorf("a replaced attachment moved: %+v", d.Attachments)
	}

	// A conflict: the same author edits on another node from the same head.
	b := openTest(t, "")
	if _, err := receive(ctx, b, blocksOf(t, a, p, q)...); err != nil {
		t.Fatal(err)
	}
	other, err := b.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Régie\n---\nAutre corps.\n"), EditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Régie\n---\nCorps de A.\n"), EditOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := receive(ctx, a, blocksOf(t, b, other)...); err != nil {
		t.Fatal(err)
	}
	d, _ := a.Get(p.Doc)
	if !d.Conflict() {
		t.Fatal("no conflict to resolve")
	}
	r, err := a.Edit(ctx, me, p.Doc, d.Entry, EditOptions{})
	if err != nil || r.Unchanged {
		t.Fatalf("an edit that resolves a conflict with the winner's content: %+v %v; want a revision", r, err)
	}
	if d, _ := a.Get(p.Doc); d.Conflict() {
		t.Errorf("the conflict is still there: heads %v", d.Heads)
	}
}
