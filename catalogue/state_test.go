package catalogue

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestCountsLeaveRetractedOut: the catalogue's entries are the
// documents not retracted; revisions are counted apart, retractions
// included.
func TestCountsLeaveRetractedOut(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Régie\n---\nCorps.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, me, parse(t, "---\ntitle: Bourses\n---\nCorps.\n"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retract(ctx, me, p.Doc); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Counts(); err != nil || n != (Counts{Revisions: 3, Entries: 1, Retracted: 1}) {
		t.Errorf("Counts = %+v, %v; want 3 revisions, 1 entry, 1 retracted", n, err)
	}
}

// TestRetractedHasNoConflict: an entry retracted on two nodes apart
// has two heads, the two retractions, and no conflict: there is
// nothing left to merge. Get and List say so, as the store does, and
// name the winning retraction.
func TestRetractedHasNoConflict(t *testing.T) {
	ctx := context.Background()
	a, b := openTest(t, ""), openTest(t, "")
	me := newKey(t)
	p, err := a.Publish(ctx, me, parse(t, "---\ntitle: Régie\n---\nCorps.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receive(ctx, b, blocksOf(t, a, p)...); err != nil {
		t.Fatal(err)
	}
	ra, err := a.Retract(ctx, me, p.Doc)
	if err != nil {
		t.Fatal(err)
	}
	// b's retraction must differ from a's: the same key, parents and
	// clock would make the same revision.
	if _, err := b.Publish(ctx, me, parse(t, "---\ntitle: Autre\n---\nCorps.\n"), nil); err != nil {
		t.Fatal(err)
	}
	rb, err := b.Retract(ctx, me, p.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receive(ctx, a, blocksOf(t, b, rb)...); err != nil {
		t.Fatal(err)
	}
	d, err := a.Get(p.Doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Heads) != 2 || !d.Retracted || d.Conflict() {
		t.Errorf("heads %v, retracted %v, conflict %v; want two heads, retracted, no conflict", d.Heads, d.Retracted, d.Conflict())
	}
	if d.Retraction != d.Heads[0] || (d.Retraction != ra.Revision && d.Retraction != rb.Revision) {
		t.Errorf("retraction %s, want the winning head of %v", d.Retraction, d.Heads)
	}
	list, err := a.List(ListOptions{Retracted: true})
	if err != nil || len(list) != 1 || list[0].Conflict || !list[0].Retracted {
		t.Errorf("List = %+v, %v; want the entry retracted, without conflict", list, err)
	}
}

// TestVersion: any revision of an entry is found by its CID or a
// unique prefix of it, with its content; a prefix of several is
// ambiguous, one of another entry's revisions is not found.
func TestVersion(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	first, err := c.Publish(ctx, me, parse(t, "---\ntitle: Version 0\n---\nCorps.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Publish(ctx, me, parse(t, "---\ntitle: Autre\n---\nCorps.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Edit until two revisions share their first MinPrefix characters.
	byPrefix := map[string]string{first.Revision.String()[:MinPrefix]: first.Revision.String()}
	shared := ""
	for i := 1; shared == "" && i < 200; i++ {
		p, err := c.Edit(ctx, me, first.Doc, parse(t, fmt.Sprintf("---\ntitle: Version %d\n---\nCorps.\n", i)), EditOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s := p.Revision.String()
		if _, ok := byPrefix[s[:MinPrefix]]; ok {
			shared = s[:MinPrefix]
		}
		byPrefix[s[:MinPrefix]] = s
	}
	v, err := c.Version(first.Doc, first.Revision.String()[:12])
	if err != nil || v.CID != first.Revision || v.Entry.Title() != "Version 0" || v.Op != protocol.OpPut {
		t.Errorf("Version of the first revision by prefix = %+v, %v", v, err)
	}
	if v, err := c.Version(first.Doc, first.Revision.String()); err != nil || v.CID != first.Revision {
		t.Errorf("Version by the whole CID = %+v, %v", v, err)
	}
	for ref, want := range map[string]error{
		other.Revision.String(): ErrNotFound, // another entry's
		"bafy":                  ErrNotFound, // too short
		shared:                  ErrAmbiguous,
	} {
		if ref == "" {
			t.Fatal("no two revisions share a prefix after 200 edits")
		}
		if _, err := c.Version(first.Doc, ref); !errors.Is(err, want) {
			t.Errorf("Version(%q) = %v, want %v", ref, err, want)
		}
	}
}
