package catalogue

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// moderated gives c a moderation whose journal is in dir.
func moderated(t *testing.T, c *Catalogue, dir string) *moderation.Moderator {
	t.Helper()
	j, err := moderation.OpenJournal(filepath.Join(dir, moderation.JournalFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return moderation.New(j, c.SetModeration, nil)
}

func moderate(t *testing.T, m *moderation.Moderator, action trust.Action, target string) moderation.Act {
	t.Helper()
	a, err := m.Act(moderation.Act{By: "claire", Action: action, Target: target, Category: trust.CategorySpam, Reason: "publicité pour un logiciel"})
	if err != nil {
		t.Fatalf("%s %s: %v", action, target, err)
	}
	return a
}

func publishNote(t *testing.T, c *Catalogue, author ed25519.PrivateKey, title string) *Published {
	t.Helper()
	p, err := c.Publish(context.Background(), author, parse(t, "---\ntitle: "+title+"\n---\nLa régie encaisse les recettes.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// seen returns the IDs a reader finds of the catalogue's entries: by
// List, by a search of every entry, by a search of words, and through
// the pages of one hit of the search of every entry; and the totals of
// both searches and the count of entries.
type seen struct {
	list, all, words, pages []string
	allTotal, wordsTotal    uint64
	entries, hidden         int
}

func look(t *testing.T, c *Catalogue) seen {
	t.Helper()
	ctx := context.Background()
	var s seen
	list, err := c.List(ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		s.list = append(s.list, e.ID.String())
	}
	res, err := c.Search(ctx, SearchQuery{Sort: SortUpdated})
	if err != nil {
		t.Fatal(err)
	}
	s.allTotal = res.Total
	for _, h := range res.Hits {
		s.all = append(s.all, h.ID)
	}
	res, err = c.Search(ctx, SearchQuery{Text: "régie"})
	if err != nil {
		t.Fatal(err)
	}
	s.wordsTotal = res.Total
	for _, h := range res.Hits {
		s.words = append(s.words, h.ID)
	}
	for off := 0; ; off++ {
		res, err := c.Search(ctx, SearchQuery{Sort: SortUpdated, Offset: off, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			break
		}
		s.pages = append(s.pages, res.Hits[0].ID)
	}
	n, err := c.Counts()
	if err != nil {
		t.Fatal(err)
	}
	s.entries, s.hidden = n.Entries, n.Hidden
	for _, l := range [][]string{s.list, s.all, s.words, s.pages} {
		slices.Sort(l)
	}
	return s
}

func ids(ps ...*Published) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Doc.String()
	}
	slices.Sort(out)
	return out
}

// expect fails unless a reader finds exactly want.
func expect(t *testing.T, c *Catalogue, hidden int, want ...*Published) {
	t.Helper()
	s := look(t, c)
	w := ids(want...)
	for name, got := range map[string][]string{"List": s.list, "search of all": s.all, "search of words": s.words, "pages": s.pages} {
		if !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v", name, got, w)
		}
	}
	if s.allTotal != uint64(len(w)) || s.wordsTotal != uint64(len(w)) {
		t.Errorf("search totals %d and %d, want %d", s.allTotal, s.wordsTotal, len(w))
	}
	if s.entries != len(w) || s.hidden != hidden {
		t.Errorf("Counts: %d entries, %d hidden; want %d and %d", s.entries, s.hidden, len(w), hidden)
	}
}

// The first test: a hidden entry is absent from lists, search
// (hits, totals, pages) and counts as soon as the act returns (well
// within the second the issue allows), Get still shows it with who,
// when and why, and unhiding brings it back as soon.
func TestHiddenEntryIsAbsentForReadersUntilUnhidden(t *testing.T) {
	c := openTest(t, "")
	m := moderated(t, c, t.TempDir())
	alice := newKey(t)
	a, b, d := publishNote(t, c, alice, "Régie A"), publishNote(t, c, alice, "Régie B"), publishNote(t, c, alice, "Régie C")
	expect(t, c, 0, a, b, d)

	act := moderate(t, m, trust.ActionHide, moderation.EntryTarget(b.Doc))
	expect(t, c, 1, a, d)
	doc, err := c.Get(b.Doc)
	if err != nil {
		t.Fatalf("Get of a hidden entry: %v", err)
	}
	if doc.Hidden == nil || doc.Hidden.By != "claire" || !doc.Hidden.Time.Equal(act.Time) || doc.Hidden.Reason != act.Reason {
		t.Fatalf("Get's Hidden = %+v, want the act %+v", doc.Hidden, act)
	}
	v, err := c.Version(b.Doc, b.Revision.String())
	if err != nil || v.Hidden == nil {
		t.Fatalf("Version of a hidden entry: %+v, %v", v, err)
	}

	moderate(t, m, trust.ActionUnhide, moderation.EntryTarget(b.Doc))
	expect(t, c, 0, a, b, d)
	if doc, _ := c.Get(b.Doc); doc.Hidden != nil {
		t.Fatalf("unhidden entry still says %+v", doc.Hidden)
	}
}

// A hidden revision hides its entry while it is the one shown; a later
// edit shows the entry again.
func TestHiddenRevisionHidesTheEntryWhileShown(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	alice := newKey(t)
	m := moderated(t, c, t.TempDir())
	a, b := publishNote(t, c, alice, "Régie A"), publishNote(t, c, alice, "Régie B")
	if _, err := m.Act(moderation.Act{By: moderation.Operator, Action: trust.ActionHide, Target: moderation.RevisionTarget(b.Revision),
		Entry: b.Doc.String(), Category: trust.CategoryPersonalData, Reason: "nom d'un élève"}); err != nil {
		t.Fatal(err)
	}
	expect(t, c, 1, a)
	if _, err := c.Edit(ctx, alice, b.Doc, parse(t, "---\ntitle: Régie B\n---\nLa régie, sans nom.\n"), EditOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(t, c, 0, a, b)
}

// A blocked author's entries are hidden, and their new revisions are
// refused with code 16 on every path (local publish and edit, a peer's
// gossip or sync, a bundle), stored nowhere, attachments included.
func TestBlockedAuthorIsHiddenAndRefusedEverywhere(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openTest(t, filepath.Join(dir, "cat"))
	m := moderated(t, c, dir)
	alice, bob := newKey(t), newKey(t)
	a := publishNote(t, c, alice, "Régie A")
	b := publishNote(t, c, bob, "Régie B")

	// What alice writes elsewhere, to arrive later by a peer and a bundle.
	other := openTest(t, "")
	fromPeer := publishNote(t, other, alice, "Régie pirate")
	fromBundle := publishNote(t, other, alice, "Régie en paquet")

	moderate(t, m, trust.ActionBlockAuthor, moderation.AuthorTarget(protocol.PublicKey(alice)))
	expect(t, c, 1, b)
	if doc, _ := c.Get(a.Doc); doc.Hidden == nil || doc.Hidden.Action != trust.ActionBlockAuthor {
		t.Fatalf("Get of a blocked author's entry: Hidden = %+v", doc.Hidden)
	}
	before, _ := c.Counts()

	attachment := []byte("pièce jointe de l'auteur bloqué")
	_, err := c.Publish(ctx, alice, parse(t, "---\ntitle: Encore\n---\nTexte.\n"), []File{{Name: "x.txt", Data: bytes.NewReader(attachment)}})
	if !errors.Is(err, protocol.ErrBlocked) || protocol.CodeOf(err) != protocol.CodeBlocked {
		t.Fatalf("publish by a blocked author: %v, want code 16 blocked", err)
	}
	if ok, _ := c.Has(ctx, protocol.BlockCID(attachment)); ok {
		t.Fatal("the blocked author's attachment was stored")
	}
	if _, err := c.Edit(ctx, alice, a.Doc, parse(t, "---\ntitle: Régie A2\n---\nTexte.\n"), EditOptions{}); !errors.Is(err, protocol.ErrBlocked) {
		t.Fatalf("edit by a blocked author: %v", err)
	}

	_, err = receive(ctx, c, blocksOf(t, other, fromPeer)...)
	var rej *RejectedError
	if !errors.As(err, &rej) || !errors.Is(rej.Rejected[fromPeer.Revision], protocol.ErrBlocked) {
		t.Fatalf("a peer's revision by a blocked author: %v", err)
	}

	path, _ := exportAll(t, other, t.TempDir(), fromBundle.Doc)
	if _, err := c.ImportBundle(ctx, path, BundleOptions{}); !errors.Is(err, protocol.ErrBlocked) {
		t.Fatalf("a bundle of a blocked author's entry: %v", err)
	}

	for _, rev := range []cid.Cid{fromPeer.Revision, fromBundle.Revision} {
		if ok, _ := c.Has(ctx, rev); ok {
			t.Fatalf("revision %s of the blocked author was stored", rev)
		}
	}
	if after, _ := c.Counts(); after.Revisions != before.Revisions {
		t.Fatalf("revisions %d after the refusals, %d before", after.Revisions, before.Revisions)
	}

	moderate(t, m, trust.ActionUnblockAuthor, moderation.AuthorTarget(protocol.PublicKey(alice)))
	expect(t, c, 0, a, b)
	if _, err := receive(ctx, c, blocksOf(t, other, fromPeer)...); err != nil {
		t.Fatalf("the unblocked author's revision: %v", err)
	}
}

// Blocking a node hides the entries of the authors it certifies,
// those held and those that arrive after, and nobody else's.
func TestBlockedNodeHidesTheAuthorsItCertifies(t *testing.T) {
	f := newFed(t, trust.PolicyOpen, "")
	c := openNet(t, f.id)
	m := moderated(t, c, t.TempDir())
	coordAdm := f.record(f.coord, &trust.Admission{Node: protocol.PublicKey(f.coord), Role: trust.RoleCoordinator, Label: "coord"})
	n1, n2 := newKey(t), newKey(t)
	x, y := newKey(t), newKey(t)
	mustAdd(t, c, f.charter, coordAdm, f.admit(n1, "n1"), f.admit(n2, "n2"), f.certify(n1, x), f.certify(n2, y))
	ex, ey := f.entry(x, "Régie de X"), f.entry(y, "Régie de Y")
	mustAdd(t, c, ex, ey)

	moderate(t, m, trust.ActionBlockNode, moderation.NodeTarget(protocol.PublicKey(n1)))
	if _, hidden := c.Hidden(ex.CID); !hidden {
		t.Fatal("the entry of an author the blocked node certifies is not hidden")
	}
	if _, hidden := c.Hidden(ey.CID); hidden {
		t.Fatal("another node's author's entry is hidden")
	}
	later := f.entry(x, "Autre régie de X")
	mustAdd(t, c, later)
	if _, hidden := c.Hidden(later.CID); !hidden {
		t.Fatal("a new entry of the blocked node's author is not hidden")
	}
	moderate(t, m, trust.ActionUnblockNode, moderation.NodeTarget(protocol.PublicKey(n1)))
	if _, hidden := c.Hidden(ex.CID); hidden {
		t.Fatal("still hidden after unblock-node")
	}
}

// The journal, and so what is hidden, survives a restart of the
// catalogue and its moderation.
func TestModerationSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	c := openTest(t, filepath.Join(dir, "cat"))
	j, err := moderation.OpenJournal(filepath.Join(dir, moderation.JournalFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := moderation.New(j, c.SetModeration, nil)
	alice := newKey(t)
	a, b := publishNote(t, c, alice, "Régie A"), publishNote(t, c, alice, "Régie B")
	moderate(t, m, trust.ActionHide, moderation.EntryTarget(a.Doc))
	j.Close()
	c.Close()

	c = openTest(t, filepath.Join(dir, "cat"))
	m = moderated(t, c, dir)
	expect(t, c, 1, b)
	if got := m.Journal(); len(got) != 1 || got[0].Target != moderation.EntryTarget(a.Doc) {
		t.Fatalf("journal after restart: %+v", got)
	}
}

// A local unhide wins over a followed decision's hide, and a followed
// hide applies when the node has no act of its own on the entry.
func TestLocalUnhideOverridesAFollowedHide(t *testing.T) {
	c := openTest(t, "")
	m := moderated(t, c, t.TempDir())
	alice := newKey(t)
	a, b := publishNote(t, c, alice, "Régie A"), publishNote(t, c, alice, "Régie B")
	decision := moderation.Act{Time: time.Now().UTC(), By: protocol.PublicKey(newKey(t)).String(), Action: trust.ActionHide,
		Target: moderation.EntryTarget(a.Doc), Category: trust.CategoryIllegal, Reason: "contenu illicite", Decision: b.Revision.String()}
	m.SetFollowed([]moderation.Act{decision})
	expect(t, c, 1, b)
	if doc, _ := c.Get(a.Doc); doc.Hidden == nil || doc.Hidden.Decision != decision.Decision {
		t.Fatalf("followed hide: Hidden = %+v", doc.Hidden)
	}
	moderate(t, m, trust.ActionUnhide, moderation.EntryTarget(a.Doc))
	expect(t, c, 0, a, b)
}
