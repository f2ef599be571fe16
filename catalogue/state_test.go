package catalogue

import (
	"context"
	"testing"
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
