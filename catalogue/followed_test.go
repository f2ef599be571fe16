package catalogue

import (
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// TestFollowedActsAreThoseOfTheCoordinatorsFollowed: a coordinator's
// hide is an act in force for a node that follows all coordinators or
// that one, none for a node that follows none or another; a later
// unhide by the same coordinator shows the entry again.
func TestFollowedActsAreThoseOfTheCoordinatorsFollowed(t *testing.T) {
	ctx := context.Background()
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	mustAdd(t, c, f.charter)
	doc := f.entry(newKey(t), "Régie d'avances").CID
	hide, err := c.AddTrust(ctx, f.coord, hideDecision(doc, "Publicité."))
	if err != nil {
		t.Fatal(err)
	}
	coord := protocol.PublicKey(f.coord)
	for _, tc := range []struct {
		name   string
		follow moderation.Follow
		hidden bool
	}{
		{"all", moderation.Follow{All: true}, true},
		{"that coordinator", moderation.Follow{Keys: []protocol.AuthorKey{coord}}, true},
		{"none", moderation.Follow{}, false},
		{"another node", moderation.Follow{Keys: []protocol.AuthorKey{protocol.PublicKey(newKey(t))}}, false},
	} {
		acts := c.FollowedActs(tc.follow)
		_, hidden := moderation.Effective(nil, acts).HiddenEntry(doc)
		if hidden != tc.hidden {
			t.Errorf("following %s: hidden %v, want %v (acts %+v)", tc.name, hidden, tc.hidden, acts)
		}
		if tc.hidden && (len(acts) != 1 || acts[0].Decision != hide.CID.String() || acts[0].By != coord.String() ||
			acts[0].Target != moderation.EntryTarget(doc) || acts[0].Reason != "Publicité.") {
			t.Errorf("following %s: acts %+v, want the hide with its decision, issuer and reason", tc.name, acts)
		}
	}
	if _, err := c.AddTrust(ctx, f.coord, &trust.Decision{Action: trust.ActionUnhide, Entry: doc.String(),
		Category: trust.CategoryOther, Reason: "Erreur."}); err != nil {
		t.Fatal(err)
	}
	if _, hidden := moderation.Effective(nil, c.FollowedActs(moderation.Follow{All: true})).HiddenEntry(doc); hidden {
		t.Error("the entry stays hidden after the coordinator's unhide")
	}
}

// TestApplyErasuresCarriesOutWhatApplies: an author's erasure of their
// own revision applies whatever the node follows; a coordinator's
// only on a node that follows it; applying again erases nothing more.
func TestApplyErasuresCarriesOutWhatApplies(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, t.TempDir())
	node, me, _, mine, theirs := twoAuthors(t, c)
	erase := func(doc, rev cid.Cid) trust.Decision {
		return trust.Decision{Action: trust.ActionErase, Entry: doc.String(), Revisions: []string{rev.String()},
			Category: trust.CategoryPersonalData, Reason: "Nom d'une famille."}
	}
	byAuthor, err := c.AddTrust(ctx, me, erase(mine.Doc, mine.Revision))
	if err != nil {
		t.Fatal(err)
	}
	byCoord, err := c.AddTrust(ctx, node, erase(theirs.Doc, theirs.Revision))
	if err != nil {
		t.Fatal(err)
	}
	erased := func(rev cid.Cid) (ErasedBy, bool) {
		t.Helper()
		by, ok, err := c.Erased(rev)
		if err != nil {
			t.Fatal(err)
		}
		return by, ok
	}

	n, err := c.ApplyErasures(ctx, moderation.Follow{})
	if err != nil || n != 1 {
		t.Fatalf("following none: erased %d (%v), want the author's own revision", n, err)
	}
	if by, ok := erased(mine.Revision); !ok || !by.Decision.Equals(byAuthor.CID) || by.Category != trust.CategoryPersonalData {
		t.Errorf("the author's revision: erased %v by %+v, want by %s", ok, by, byAuthor.CID)
	}
	if _, ok := erased(theirs.Revision); ok {
		t.Error("a node that follows no coordinator erased by a coordinator's decision")
	}

	n, err = c.ApplyErasures(ctx, moderation.Follow{All: true})
	if err != nil || n != 1 {
		t.Fatalf("following all: erased %d (%v), want the coordinator's revision", n, err)
	}
	if by, ok := erased(theirs.Revision); !ok || !by.Decision.Equals(byCoord.CID) {
		t.Errorf("the coordinator's erasure: erased %v by %+v", ok, by)
	}
	doc, err := c.Get(theirs.Doc)
	if err != nil || doc.Erased == nil || doc.Entry != nil {
		t.Errorf("Get after the erasure: %+v, %v; want it erased, with no content", doc, err)
	}
	if n, err := c.ApplyErasures(ctx, moderation.Follow{All: true}); err != nil || n != 0 {
		t.Errorf("applying again: erased %d (%v), want 0", n, err)
	}
}
