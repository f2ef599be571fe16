package catalogue

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// hideDecision is the hide of the entry of doc, for spam.
func hideDecision(doc cid.Cid, reason string) *trust.Decision {
	return &trust.Decision{Action: trust.ActionHide, Entry: doc.String(), Category: trust.CategorySpam, Reason: reason}
}

// fired reports whether ch is closed.
func fired(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// decisionIDs returns the CIDs of the decisions that count in c.
func decisionIDs(c *Catalogue) []cid.Cid {
	var out []cid.Cid
	for _, d := range c.Moderation().Decisions() {
		out = append(out, d.CID)
	}
	return out
}

// TestCoordinatorsDecisionHeldAndListed: a decision signed by a
// coordinator, written here or received from a peer, is stored and
// listed by Moderation; ModerationChanged fires, RosterChanged does
// not (a decision changes nothing of the roster).
func TestCoordinatorsDecisionHeldAndListed(t *testing.T) {
	ctx := context.Background()
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	author := newKey(t)
	mustAdd(t, c, f.charter)
	entry := f.entry(author, "Régie d'avances")

	roster, moderation := c.RosterChanged(), c.ModerationChanged()
	rec, err := c.AddTrust(ctx, f.coord, hideDecision(entry.CID, "Publicité pour un logiciel payant."))
	if err != nil {
		t.Fatal(err)
	}
	if !fired(moderation) || fired(roster) {
		t.Errorf("ModerationChanged fired %v, RosterChanged %v; want true, false", fired(moderation), fired(roster))
	}
	fromPeer := f.record(f.coord, &trust.Decision{Action: trust.ActionBlockAuthor, Author: protocol.PublicKey(author),
		Category: trust.CategoryIllegal, Reason: "Contenu illicite."})
	mustAdd(t, c, fromPeer)
	got := c.Moderation().Decisions()
	if len(got) != 2 || !got[0].CID.Equals(fromPeer.CID) || !got[1].CID.Equals(rec.CID) {
		t.Fatalf("decisions %+v, want the peer's (earlier clock), then the one written here", got)
	}
	if d := got[1]; d.Issuer != protocol.PublicKey(f.coord) || d.Action != trust.ActionHide || d.Entry != entry.CID.String() || d.ByAuthor {
		t.Errorf("decision %+v", d)
	}
	for _, id := range []cid.Cid{rec.CID, fromPeer.CID} {
		if ok, err := c.Has(ctx, id); err != nil || !ok {
			t.Errorf("decision %s not stored: %v", id, err)
		}
	}
	res := trust.Resolve(got, nil)
	if res[trust.EntryTarget(entry.CID.String())].Action != trust.ActionHide || res[trust.AuthorTarget(protocol.PublicKey(author))].Action != trust.ActionBlockAuthor {
		t.Errorf("Resolve = %+v", res)
	}
}

// TestModerationRecordsNotEntitledRefusedAndStoredNowhere: a decision
// by a plain member, an erasure by an author without a certificate, a
// hide by a certified author, a report by a node that is not a member,
// are refused with not entitled, whether from a peer or written here,
// and stored nowhere; a member's report is kept.
func TestModerationRecordsNotEntitledRefusedAndStoredNowhere(t *testing.T) {
	ctx := context.Background()
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	member, outsider, certified, uncertified := newKey(t), newKey(t), newKey(t), newKey(t)
	mustAdd(t, c, f.charter, f.admit(member, "Lycée Jean Moulin"), f.certify(member, certified))
	entry := f.entry(certified, "Régie d'avances")
	mustAdd(t, c, entry)
	erase := &trust.Decision{Action: trust.ActionErase, Entry: entry.CID.String(), Revisions: []string{entry.CID.String()},
		Category: trust.CategoryPersonalData, Reason: "Nom d'un élève."}
	report := &trust.Report{Entry: entry.CID.String(), Revision: entry.CID.String(), Category: trust.CategoryPersonalData, Comment: "Un nom d'élève."}
	before := len(c.TrustRecords())

	refused := []protocol.Verified{
		f.record(member, hideDecision(entry.CID, "un membre")),
		f.record(uncertified, erase),
		f.record(certified, hideDecision(entry.CID, "un auteur")),
		f.record(outsider, report),
	}
	kept := f.record(member, report)
	_, rejected := add(t, c, append(refused, kept)...)
	for _, v := range refused {
		if err := rejected[v.CID]; !errors.Is(err, protocol.ErrNotEntitled) {
			t.Errorf("%s by %s: %v, want not entitled", v.Rev.Entry.Meta["record"], v.Rev.Author.Short(), err)
		}
		if holds(t, c, v) {
			t.Errorf("refused record %s is stored", v.CID)
		}
	}
	if len(rejected) != len(refused) {
		t.Errorf("rejected %v, want only the %d records not entitled", rejected, len(refused))
	}
	if r := c.Moderation().Reports(); len(r) != 1 || !r[0].CID.Equals(kept.CID) || r[0].Node != protocol.PublicKey(member) || len(c.Moderation().Decisions()) != 0 {
		t.Errorf("reports %+v, decisions %+v; want the member's report only", r, c.Moderation().Decisions())
	}

	for _, tc := range []struct {
		key  []byte
		body trust.Body
	}{{member, hideDecision(entry.CID, "un membre")}, {outsider, report}} {
		if _, err := c.AddTrust(ctx, tc.key, tc.body); !errors.Is(err, protocol.ErrNotEntitled) {
			t.Errorf("AddTrust(%s) by a node not entitled: %v, want not entitled", tc.body.Kind(), err)
		}
	}
	if n := len(c.TrustRecords()); n != before+1 {
		t.Errorf("%d trust records held, want %d: the refused ones stored somewhere", n, before+1)
	}
}

// TestDecisionOfCoordinatorRevokedBeforeItsClockCountsForNothing: a
// decision by a coordinator, received before the revocation that came
// before it, counts until the revocation arrives, and then for
// nothing; it stays stored, as a peer that had the revocation first
// would not store it, and neither matters to what counts.
func TestDecisionOfCoordinatorRevokedBeforeItsClockCountsForNothing(t *testing.T) {
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	second := newKey(t)
	entry := f.entry(newKey(t), "Régie d'avances")
	admission := f.record(f.coord, &trust.Admission{Node: protocol.PublicKey(second), Role: trust.RoleCoordinator, Label: "Rectorat"})
	revocation := f.record(f.coord, &trust.Revocation{Node: protocol.PublicKey(second), Reason: "départ"})
	decision := f.record(second, hideDecision(entry.CID, "après sa révocation"))

	mustAdd(t, c, f.charter, admission, decision)
	if got := decisionIDs(c); len(got) != 1 || !got[0].Equals(decision.CID) {
		t.Fatalf("decisions %v before the revocation is held, want the coordinator's", got)
	}
	changed := c.ModerationChanged()
	mustAdd(t, c, revocation)
	if got := decisionIDs(c); len(got) != 0 {
		t.Errorf("decisions %v once the revocation is held, want none", got)
	}
	if !fired(changed) {
		t.Error("ModerationChanged did not fire when a revocation changed what counts")
	}
	if !holds(t, c, decision) {
		t.Error("the decision left the store")
	}
	// A node that has the revocation first refuses it.
	d := openNet(t, f.id)
	mustAdd(t, d, f.charter, admission, revocation)
	if _, rejected := add(t, d, decision); !errors.Is(rejected[decision.CID], protocol.ErrNotEntitled) {
		t.Errorf("decision after its signer's revocation: %v, want not entitled", rejected[decision.CID])
	}
}

// TestModerationTheSameWhateverTheOrderOfArrival: moderation records
// and the membership records that entitle their signers, received in
// batches in any order, give the same decisions, reports and
// resolution as the fold of them all; a decision refused because its
// signer's admission had not come yet is accepted when sent again, as
// a sync does.
func TestModerationTheSameWhateverTheOrderOfArrival(t *testing.T) {
	f := newFed(t, trust.PolicyClosed, "")
	second, member := newKey(t), newKey(t)
	e1, e2 := f.entry(newKey(t), "Régie"), f.entry(newKey(t), "Bourses")
	recs := []protocol.Verified{
		f.charter,
		f.record(f.coord, &trust.Admission{Node: protocol.PublicKey(second), Role: trust.RoleCoordinator, Label: "Rectorat"}),
		f.admit(member, "Lycée"),
		f.record(f.coord, hideDecision(e1.CID, "spam")),
		f.record(second, hideDecision(e2.CID, "spam aussi")),
		f.record(member, &trust.Report{Entry: e1.CID.String(), Revision: e1.CID.String(), Category: trust.CategorySpam}),
		f.record(second, &trust.Decision{Action: trust.ActionUnhide, Entry: e1.CID.String(), Category: trust.CategorySpam, Reason: "erreur"}),
		f.record(f.coord, &trust.Revocation{Node: protocol.PublicKey(second), Reason: "départ"}),
		f.record(second, &trust.Decision{Action: trust.ActionUnhide, Entry: e2.CID.String(), Category: trust.CategorySpam, Reason: "trop tard"}),
	}
	var all []trust.Record
	for _, v := range recs {
		rec, err := trust.Decode(v)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rec)
	}
	want := trust.FoldModeration(trust.Fold(f.id, all), all)
	wantResolve := trust.Resolve(want.Decisions(), nil)
	if len(want.Decisions()) != 3 || len(want.Reports()) != 1 || wantResolve[trust.EntryTarget(e1.CID.String())].Action != trust.ActionUnhide ||
		wantResolve[trust.EntryTarget(e2.CID.String())].Action != trust.ActionHide {
		t.Fatalf("the records fold into %+v and resolve to %+v: the test needs 3 decisions, 1 report, e1 unhidden and e2 hidden", want.Decisions(), wantResolve)
	}
	resent := 0
	for seed := range uint64(8) {
		rnd := rand.New(rand.NewPCG(seed, 11))
		order := append([]protocol.Verified(nil), recs...)
		rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		c := openNet(t, f.id)
		var again []protocol.Verified
		for len(order) > 0 {
			n := 1 + rnd.IntN(len(order))
			_, rejected := add(t, c, order[:n]...)
			for _, v := range order[:n] {
				if err := rejected[v.CID]; err != nil {
					if !errors.Is(err, protocol.ErrNotEntitled) {
						t.Fatalf("order %d: %s refused: %v", seed, v.CID, err)
					}
					again = append(again, v)
				}
			}
			order = order[n:]
		}
		add(t, c, again...) // the next sync: some may count for nothing now, and be refused again
		resent += len(again)
		got := c.Moderation()
		if !reflect.DeepEqual(got.Decisions(), want.Decisions()) || !reflect.DeepEqual(got.Reports(), want.Reports()) ||
			!reflect.DeepEqual(trust.Resolve(got.Decisions(), nil), wantResolve) {
			t.Fatalf("order %d (%d sent again): decisions %+v reports %+v, want %+v %+v", seed, len(again), got.Decisions(), got.Reports(), want.Decisions(), want.Reports())
		}
	}
	if resent == 0 {
		t.Error("no order sent a decision before its signer's admission: the test does not exercise refusals")
	}
}

// TestModerationOfAnotherNetworkRefused: a node of an open network
// keeps the membership records of a charter that closes it (to learn
// whether it is admitted), but not that network's decisions: it judges
// moderation of its own network only (wrong network).
func TestModerationOfAnotherNetworkRefused(t *testing.T) {
	c := openNet(t, "mutu")
	f := newFed(t, trust.PolicyClosed, "mutu")
	member := newKey(t)
	decision := f.record(f.coord, hideDecision(f.entry(newKey(t), "Régie").CID, "spam"))
	_, rejected := add(t, c, f.charter, f.admit(member, "Lycée"), decision)
	if len(rejected) != 1 || !errors.Is(rejected[decision.CID], protocol.ErrWrongNetwork) {
		t.Fatalf("rejected %v, want the decision only, of another network", rejected)
	}
	if holds(t, c, decision) || len(c.TrustRecords()) != 2 {
		t.Errorf("the decision of the closing network is stored: %d trust records", len(c.TrustRecords()))
	}
}

// TestModerationRecordsNeverAmongEntries: decisions and reports are
// trust records: out of lists, searches, entry counts and Get.
func TestModerationRecordsNeverAmongEntries(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	node, me := newKey(t), newKey(t)
	if _, err := c.CreateNetwork(ctx, node, trust.Charter{Name: "Bassin Lyon Est", Policy: trust.PolicyClosed,
		Coordinators: []trust.Key{protocol.PublicKey(node)}}, trust.Admission{Label: "Agence comptable"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddTrust(ctx, node, trust.Certificate{Author: protocol.PublicKey(me), Name: "Mme Durand", Function: "gestionnaire"}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Régie d'avances\n---\nLe régisseur.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.AddTrust(ctx, node, hideDecision(p.Doc, "Régie en doublon."))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.AddTrust(ctx, node, trust.Report{Entry: p.Doc.String(), Revision: p.Revision.String(), Category: trust.CategoryOther, Comment: "Régie"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if list, err := c.List(ListOptions{}); err != nil || len(list) != 1 || !list[0].ID.Equals(p.Doc) {
		t.Errorf("List = %+v, %v; want the entry only", list, err)
	}
	if res, err := c.Search(ctx, search.Query{Text: "regie"}); err != nil || res.Total != 1 {
		t.Errorf("search: %+v, %v; want the entry only", res, err)
	}
	if n, err := c.Counts(); err != nil || n.Entries != 1 || n.Trust != 5 {
		t.Errorf("counts %+v, %v; want 1 entry and 5 trust records", n, err)
	}
	for _, id := range []cid.Cid{d.CID, r.CID} {
		if _, err := c.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%s) = %v, want not found", id, err)
		}
	}
}

// TestAuthorPublishesTheErasureOfTheirOwnRevisions: an author with a
// certificate erases personal data from their own revision with their
// author key; the decision counts as theirs, and applies to their
// revisions only. Naming another author's revision, one not held, or
// one of another entry, is refused before anything is signed.
func TestAuthorPublishesTheErasureOfTheirOwnRevisions(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	node, me, other, mine, theirs := twoAuthors(t, c)
	erase := func(entry cid.Cid, revs ...cid.Cid) trust.Decision {
		d := trust.Decision{Action: trust.ActionErase, Entry: entry.String(), Category: trust.CategoryPersonalData, Reason: "Nom d'une famille."}
		for _, r := range revs {
			d.Revisions = append(d.Revisions, r.String())
		}
		return d
	}
	for _, tc := range []struct {
		name string
		body trust.Decision
		want error
	}{
		{"another author's revision", erase(theirs.Doc, theirs.Revision), protocol.ErrNotAuthorized},
		{"a revision not held", erase(mine.Doc, protocol.RevisionCID([]byte("ailleurs"))), protocol.ErrNotAuthorized},
		{"a revision of another entry", erase(mine.Doc, theirs.Revision), protocol.ErrInvalid},
	} {
		if _, err := c.AddTrust(ctx, me, tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	rec, err := c.AddTrust(ctx, me, erase(mine.Doc, mine.Revision))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Moderation().Decisions()
	if len(got) != 1 || !got[0].CID.Equals(rec.CID) || !got[0].ByAuthor || got[0].Issuer != protocol.PublicKey(me) ||
		!got[0].AppliesTo(protocol.PublicKey(me)) || got[0].AppliesTo(protocol.PublicKey(other)) {
		t.Fatalf("decisions %+v, want the author's erasure, applying to their revisions only", got)
	}
	// A coordinator may name any revision held, of the entry named.
	if _, err := c.AddTrust(ctx, node, erase(theirs.Doc, theirs.Revision)); err != nil {
		t.Errorf("a coordinator's erasure: %v", err)
	}
	if _, err := c.AddTrust(ctx, node, erase(theirs.Doc, mine.Revision)); !errors.Is(err, protocol.ErrInvalid) {
		t.Errorf("a coordinator's erasure of a revision of another entry: %v, want invalid", err)
	}
}

// TestModerationReadBackAtOpen: the decisions held count again after
// a restart.
func TestModerationReadBackAtOpen(t *testing.T) {
	dir := t.TempDir()
	f := newFed(t, trust.PolicyClosed, "")
	c := openWith(t, dir, Options{Network: f.id})
	d := f.record(f.coord, hideDecision(f.entry(newKey(t), "Régie").CID, "spam"))
	mustAdd(t, c, f.charter, d)
	c.Close()
	c = openWith(t, dir, Options{Network: f.id})
	if got := decisionIDs(c); len(got) != 1 || !got[0].Equals(d.CID) {
		t.Errorf("decisions after reopening: %v, want %s", got, d.CID)
	}
}

// twoAuthors founds on c a closed network whose coordinator node
// certifies two authors, me and other, and publishes an entry of each.
func twoAuthors(t *testing.T, c *Catalogue) (node, me, other ed25519.PrivateKey, mine, theirs *Published) {
	t.Helper()
	ctx := context.Background()
	node, me, other = newKey(t), newKey(t), newKey(t)
	if _, err := c.CreateNetwork(ctx, node, trust.Charter{Name: "Bassin Lyon Est", Policy: trust.PolicyClosed,
		Coordinators: []trust.Key{protocol.PublicKey(node)}}, trust.Admission{Label: "Agence comptable"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []ed25519.PrivateKey{me, other} {
		if _, err := c.AddTrust(ctx, node, trust.Certificate{Author: protocol.PublicKey(k), Name: "Mme Durand", Function: "gestionnaire"}); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if mine, err = c.Publish(ctx, me, parse(t, "---\ntitle: Bourses\n---\nLa famille Dupont.\n"), nil); err != nil {
		t.Fatal(err)
	}
	if theirs, err = c.Publish(ctx, other, parse(t, "---\ntitle: Fonds social\n---\nLa famille Martin.\n"), nil); err != nil {
		t.Fatal(err)
	}
	return node, me, other, mine, theirs
}
