package trust

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

func hide(reason string) *Decision {
	return &Decision{Action: ActionHide, Entry: docID, Category: CategorySpam, Reason: reason}
}

func erase(category Category) *Decision {
	return &Decision{Action: ActionErase, Entry: docID, Revisions: []string{revID}, Category: category, Reason: "Nom d'un élève."}
}

func report(comment string) *Report {
	return &Report{Entry: docID, Revision: revID, Category: CategoryPersonalData, Comment: comment}
}

// cids returns the CIDs of the decisions and of the reports of m.
func cids(m *Moderation) (decisions, reports []string) {
	for _, d := range m.Decisions() {
		decisions = append(decisions, d.CID.String())
	}
	for _, r := range m.Reports() {
		reports = append(reports, r.CID.String())
	}
	return decisions, reports
}

// TestFoldModerationKeepsWhatItsSignersMayDo: a decision counts if its
// signer coordinates at its point of the replay, or, for an erasure of
// personal data only, if it is an author certified at its clock; a
// report if its signer is an active node then (docs/protocol.md,
// §4.12, §4.13). The others count for nothing, and Entitled refuses
// them with not entitled.
func TestFoldModerationKeepsWhatItsSignersMayDo(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 2, RoleMember)
	n.admit(1, at(2), 3, RoleCoordinator)
	n.certify(2, at(3), 20)
	other := newNetwork(t, PolicyClosed, 1, 2)

	var want, wantReports []Record
	var refused []Record
	keep := func(r Record) { want = append(want, r) }
	refuse := func(r Record) { refused = append(refused, r) }
	keep(n.add(1, at(4), hide("charter's coordinator")))
	keep(n.add(3, at(5), hide("admitted coordinator")))
	refuse(n.add(2, at(6), hide("a member")))
	refuse(n.add(9, at(6), hide("a node never admitted")))
	refuse(n.add(1, base-1, hide("before the charter")))
	keep(n.add(3, at(9), hide("before its revocation, whenever it arrives")))
	n.revoke(1, at(10), 3)
	refuse(n.add(3, at(11), &Decision{Action: ActionBlockAuthor, Author: pub(20), Category: CategorySpam, Reason: "after its revocation"}))
	byAuthor := n.add(20, at(12), erase(CategoryPersonalData))
	keep(byAuthor)
	refuse(n.add(20, at(12), erase(CategorySpam)))
	refuse(n.add(20, at(12), hide("an author hides")))
	refuse(n.add(21, at(12), erase(CategoryPersonalData))) // never certified
	refuse(n.add(20, at(2), erase(CategoryPersonalData)))  // before its certificate
	n.endCert(2, at(14), 20)
	refuse(n.add(20, at(15), erase(CategoryPersonalData))) // after its end
	keep(n.add(1, at(16), erase(CategoryIllegal)))         // a coordinator erases for any category

	wantReports = append(wantReports, n.add(2, at(7), report("par un membre")))
	wantReports = append(wantReports, n.add(3, at(8), report("par un coordinateur")))
	refuse(n.add(3, at(12), report("par un nœud révoqué")))
	refuse(n.add(9, at(7), report("par un inconnu")))
	refuse(n.add(20, at(7), report("par un auteur")))

	// At equal clocks, the CID orders a decision and a revocation.
	n.admit(1, at(19), 4, RoleCoordinator)
	d := n.add(4, at(20), hide("au même instant"))
	rv := n.revoke(1, at(20), 4)
	if before(d, rv) {
		keep(d)
	} else {
		refuse(d)
	}
	ignored := other.record(1, at(4), hide("another network"))

	r := n.roster()
	m := FoldModeration(r, append(slices.Clone(n.records), ignored, want[0]))
	slices.SortFunc(want, compareRecords)
	var wantIDs, wantReportIDs []string
	for _, rec := range want {
		wantIDs = append(wantIDs, rec.CID.String())
	}
	for _, rec := range wantReports {
		wantReportIDs = append(wantReportIDs, rec.CID.String())
	}
	gotIDs, gotReports := cids(m)
	if !slices.Equal(gotIDs, wantIDs) || !slices.Equal(gotReports, wantReportIDs) {
		t.Fatalf("decisions %v\nwant %v\nreports %v\nwant %v", gotIDs, wantIDs, gotReports, wantReportIDs)
	}
	for _, d := range m.Decisions() {
		if d.ByAuthor != d.CID.Equals(byAuthor.CID) {
			t.Errorf("decision %q: by author %v", d.Reason, d.ByAuthor)
		}
		if d.CID.Equals(byAuthor.CID) && (d.Issuer != pub(20) || !d.AppliesTo(pub(20)) || d.AppliesTo(pub(21))) {
			t.Errorf("the author's erasure applies to others' revisions: %+v", d)
		}
		if !d.ByAuthor && !d.AppliesTo(pub(21)) {
			t.Errorf("a coordinator's decision does not apply to every revision: %+v", d)
		}
	}
	if rep := m.Reports()[0]; rep.Node != pub(2) || rep.Comment != "par un membre" || rep.Clock != at(7) {
		t.Errorf("report %+v", rep)
	}
	for _, rec := range refused {
		_, err := r.Entitled(rec)
		if protocol.CodeOf(err) != protocol.CodeNotEntitled || !strings.Contains(err.Error(), rec.CID.String()) || !strings.Contains(err.Error(), rec.Signer.Short()) {
			t.Errorf("Entitled(%s by %s at %d) = %v, want not entitled naming the record and its signer", rec.Body.Kind(), rec.Signer.Short(), rec.Clock-base, err)
		}
	}
	for _, rec := range append(want, wantReports...) {
		if _, err := r.Entitled(rec); err != nil {
			t.Errorf("Entitled(%+v) = %v", rec.Body, err)
		}
	}
	if _, err := r.Entitled(n.charter); err != nil {
		t.Errorf("Entitled(charter) = %v: the fold judges membership records", err)
	}
}

// TestAuthorsEraseInAnOpenNetwork: in an open network, where no author
// needs a certificate, an author's erasure of personal data counts;
// its decisions of any other kind do not.
func TestAuthorsEraseInAnOpenNetwork(t *testing.T) {
	n := newNetwork(t, PolicyOpen, 1)
	e := n.add(20, at(1), erase(CategoryPersonalData))
	n.add(20, at(2), hide("an author"))
	n.add(1, at(3), hide("a coordinator"))
	m := FoldModeration(n.roster(), n.records)
	d := m.Decisions()
	if len(d) != 2 || !d[0].CID.Equals(e.CID) || !d[0].ByAuthor || d[1].Issuer != pub(1) || d[1].ByAuthor {
		t.Fatalf("decisions %+v, want the author's erasure and the coordinator's hide", d)
	}
	// A network by name has no records, hence no decisions.
	if m := FoldModeration(Fold("mutu", n.records), n.records); len(m.Decisions()) != 0 || m.Network() != "mutu" {
		t.Errorf("decisions in a network by name: %+v", m.Decisions())
	}
}

// TestRosterStateAtAPointOfTheReplay: CoordinatorAt and ActiveAt follow
// a node through admission, change of role, revocation and return;
// CertifiedAt an author through certificates and their ends.
func TestRosterStateAtAPointOfTheReplay(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(10), 2, RoleMember)
	n.admit(1, at(20), 2, RoleCoordinator)
	n.revoke(1, at(30), 2)
	n.admit(1, at(40), 2, RoleMember)
	n.certify(2, at(12), 20)
	n.endCert(1, at(25), 20)
	r := n.roster()
	id := protocol.RevisionCID([]byte("x"))
	for _, tc := range []struct {
		t                          int
		active, coordinator, certd bool
	}{
		{5, false, false, false}, {11, true, false, false}, {12, true, false, true}, {21, true, true, true},
		{25, true, true, false}, {31, false, false, false}, {41, true, false, false},
	} {
		if r.ActiveAt(pub(2), at(tc.t), id) != tc.active || r.CoordinatorAt(pub(2), at(tc.t), id) != tc.coordinator || r.CertifiedAt(pub(20), at(tc.t)) != tc.certd {
			t.Errorf("at %d: active %v coordinator %v certified %v, want %v %v %v", tc.t,
				r.ActiveAt(pub(2), at(tc.t), id), r.CoordinatorAt(pub(2), at(tc.t), id), r.CertifiedAt(pub(20), at(tc.t)), tc.active, tc.coordinator, tc.certd)
		}
	}
	if !r.CoordinatorAt(pub(1), base, id) || r.CoordinatorAt(pub(1), base-1, id) {
		t.Error("the charter's coordinator coordinates from the charter's clock, not before")
	}
	if Fold(n.id, n.records[1:]).CoordinatorAt(pub(1), at(1), id) {
		t.Error("a coordinator without the charter held")
	}
}

// TestResolveTakesTheLatestFollowedActPerTarget: per target, the act
// with the highest (clock, CID) among the followed issuers' wins, an
// unhide cancels an earlier hide, whatever the order of the
// decisions; erasures and authors' decisions are not resolved.
func TestResolveTakesTheLatestFollowedActPerTarget(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	n.certify(1, at(1), 20)
	n.add(1, at(2), hide("spam")) // undone by the unhide
	unhide := n.add(1, at(3), &Decision{Action: ActionUnhide, Entry: docID, Category: CategorySpam, Reason: "erreur"})
	hideRev := n.add(2, at(3), &Decision{Action: ActionHide, Entry: docID, Revisions: []string{revID}, Category: CategoryWrong, Reason: "taux"})
	block := n.add(2, at(4), &Decision{Action: ActionBlockAuthor, Author: pub(20), Category: CategoryIllegal, Reason: "illicite"})
	a := n.add(1, at(5), &Decision{Action: ActionBlockAuthor, Author: pub(21), Category: CategorySpam, Reason: "a"})
	b := n.add(2, at(5), &Decision{Action: ActionUnblockAuthor, Author: pub(21), Category: CategorySpam, Reason: "b"})
	n.add(1, at(6), erase(CategoryPersonalData))
	n.add(20, at(7), erase(CategoryPersonalData))
	m := FoldModeration(n.roster(), n.records)
	if len(m.Decisions()) != 8 {
		t.Fatalf("%d decisions, want 8", len(m.Decisions()))
	}
	tie := a
	if before(a, b) {
		tie = b
	}
	want := map[string]Record{
		EntryTarget(docID):    unhide,
		RevisionTarget(revID): hideRev,
		AuthorTarget(pub(20)): block,
		AuthorTarget(pub(21)): tie,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10 {
		ds := m.Decisions()
		rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
		got := Resolve(ds, nil)
		if len(got) != len(want) {
			t.Fatalf("Resolve = %v, want %d targets", got, len(want))
		}
		for target, rec := range want {
			if !got[target].CID.Equals(rec.CID) {
				t.Fatalf("target %s: %+v, want %s", target, got[target], rec.CID)
			}
		}
	}
	// Following node 1 only: node 2's acts are not seen.
	got := Resolve(m.Decisions(), func(k Key) bool { return k == pub(1) })
	if len(got) != 2 || !got[EntryTarget(docID)].CID.Equals(unhide.CID) || !got[AuthorTarget(pub(21))].CID.Equals(a.CID) {
		t.Errorf("Resolve following node 1 = %+v", got)
	}
	if got := Resolve(m.Decisions(), func(Key) bool { return false }); len(got) != 0 {
		t.Errorf("Resolve following no one = %+v", got)
	}
}

// The property test of FoldModeration: bounded like
// TestFoldIsIndependentOfOrder, orderSets sets each folded in
// orderPermutations orders.
func TestFoldModerationIsIndependentOfOrder(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2, 3)
	other := newNetwork(t, PolicyClosed, 1, 2)
	var counted, refused, byAuthor, reports, resolved int
	for set := range orderSets {
		rng := rand.New(rand.NewPCG(uint64(set), 3))
		records := randomRecords(t, rng, n, other)
		total := 0
		for range 30 + rng.IntN(30) {
			signer := byte(1 + rng.IntN(8))
			if rng.IntN(4) == 0 {
				signer = byte(20 + rng.IntN(6)) // an author
			}
			var body Body
			switch k := rng.IntN(6); k {
			case 0, 1:
				action := []Action{ActionHide, ActionUnhide}[rng.IntN(2)]
				d := &Decision{Action: action, Entry: docID, Category: CategorySpam, Reason: fmt.Sprint(rng.IntN(3))}
				if rng.IntN(2) == 0 {
					d.Revisions = []string{revID}
				}
				body = d
			case 2:
				body = &Decision{Action: []Action{ActionBlockAuthor, ActionUnblockAuthor}[rng.IntN(2)], Author: pub(byte(20 + rng.IntN(3))), Category: CategoryIllegal, Reason: "r"}
			case 3:
				body = erase([]Category{CategoryPersonalData, CategoryPersonalData, CategoryIllegal}[rng.IntN(3)])
			default:
				body = report(fmt.Sprint(rng.IntN(3)))
			}
			rec := n.record(signer, at(rng.IntN(41)), body)
			if rng.IntN(15) == 0 {
				rec = other.record(signer, at(rng.IntN(41)), body)
			}
			records = append(records, rec)
			total++
		}
		dumpOf := func(recs []Record) string {
			m := FoldModeration(Fold(n.id, recs), recs)
			var b strings.Builder
			for _, d := range m.Decisions() {
				fmt.Fprintf(&b, "decision %+v\n", d)
			}
			for _, r := range m.Reports() {
				fmt.Fprintf(&b, "report %+v\n", r)
			}
			for _, follow := range []func(Key) bool{nil, func(k Key) bool { return k == pub(1) || k == pub(5) }} {
				res := Resolve(m.Decisions(), follow)
				targets := make([]string, 0, len(res))
				for t := range res {
					targets = append(targets, t)
				}
				slices.Sort(targets)
				for _, t := range targets {
					fmt.Fprintf(&b, "resolved %s %s\n", t, res[t].CID)
				}
			}
			return b.String()
		}
		want := dumpOf(records)
		for range orderPermutations {
			perm := slices.Clone(records)
			rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			perm = append(perm, perm[:rng.IntN(4)]...)
			if got := dumpOf(perm); got != want {
				t.Fatalf("set %d: moderation depends on the order of the records\nin order:\n%s\npermuted:\n%s", set, want, got)
			}
		}
		m := FoldModeration(Fold(n.id, records), records)
		for _, d := range m.Decisions() {
			if d.ByAuthor {
				byAuthor++
			}
		}
		counted += len(m.Decisions()) + len(m.Reports())
		reports += len(m.Reports())
		refused += total - len(m.Decisions()) - len(m.Reports())
		resolved += len(Resolve(m.Decisions(), nil))
	}
	t.Logf("over %d sets: %d moderation records count (%d reports, %d erasures by their author), %d count for nothing, %d targets resolved",
		orderSets, counted, reports, byAuthor, refused, resolved)
	if counted == 0 || refused == 0 || byAuthor == 0 || reports == 0 || resolved == 0 {
		t.Error("the random sets do not exercise every part of FoldModeration")
	}
}
