package trust

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// The tests below follow docs/protocol.md, §4.3: rules 1 to 7, then
// the conflicts it names, then vouched authors and withdrawals. Node
// 1 signs every charter; nodes 1 to 8 are nodes, 20 and up authors.

// Rule 1: the charter whose CID is the network's identifier starts the
// roster; its coordinators are coordinators from its clock.
func TestCharterCoordinatorsAreCoordinatorsFromItsClock(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	other := newNetwork(t, PolicyClosed, 1, 3) // another network's charter, given too
	r := Fold(n.id, append(slices.Clone(n.records), other.charter))
	if r.Network() != n.id || !r.Closed() || r.CharterClock() != base {
		t.Fatalf("network %q closed %v charter clock %d", r.Network(), r.Closed(), r.CharterClock())
	}
	ch, ok := r.Charter()
	if !ok || !ch.CID.Equals(n.charter.CID) || ch.Body.(*Charter).Name != "Gestionnaires de l'académie de Lyon" {
		t.Fatalf("Charter() = %+v, %v", ch, ok)
	}
	for _, k := range []byte{1, 2} {
		info, ok := r.Node(pub(k))
		want := NodeInfo{Key: pub(k), Role: RoleCoordinator, AdmittedBy: pub(1), Since: base}
		if !ok || !reflect.DeepEqual(info, want) || !r.Active(pub(k)) || !r.Coordinator(pub(k)) {
			t.Errorf("node %d: %+v, %v; want %+v, active coordinator", k, info, ok, want)
		}
	}
	if r.Active(pub(3)) || len(r.Nodes()) != 2 {
		t.Errorf("the other network's coordinator counts: %+v", r.Nodes())
	}
}

// Rule 1: records with a clock before the charter's, and records of
// another network, count for nothing; a record at the charter's clock
// counts.
func TestRecordsBeforeTheCharterOrOfAnotherNetworkCountForNothing(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.add(1, base-1, &Admission{Node: pub(3), Role: RoleMember, Label: "trop tôt"})
	n.add(1, base, &Admission{Node: pub(4), Role: RoleMember, Label: "à l'heure"})
	other := newNetwork(t, PolicyClosed, 1, 2) // same signer, another network
	n.records = append(n.records, other.record(1, at(5), &Admission{Node: pub(5), Role: RoleMember, Label: "ailleurs"}))
	n.add(4, at(6), &Certificate{Author: pub(20), Name: "Mme Durand", Function: "gestionnaire"})
	n.records = append(n.records, other.record(4, at(7), &CertificateEnd{Author: pub(20)}))
	r := n.roster()
	if r.Active(pub(3)) || r.Active(pub(5)) {
		t.Error("an admission before the charter or of another network counts")
	}
	if !r.Active(pub(4)) {
		t.Error("an admission at the charter's clock does not count")
	}
	if r.VouchEnd(pub(20)) != Forever {
		t.Errorf("a certificate-end of another network counts: vouch end %d", r.VouchEnd(pub(20)))
	}
}

// Rule 1 (§4.1): a network named before charters is open and empty,
// whatever records are given.
func TestNetworkByNameIsOpenAndEmpty(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	for _, name := range []string{"mutu", "e2e-1234"} {
		r := Fold(name, n.records)
		if _, ok := r.Charter(); ok || r.Closed() || len(r.Nodes()) != 0 || r.Active(pub(1)) {
			t.Errorf("%s: charter or nodes in a network by name", name)
		}
		if !r.Vouched(pub(20), at(10)) || r.VouchEnd(pub(20)) != Forever {
			t.Errorf("%s: an author is not vouched for in an open network", name)
		}
	}
}

// A network whose charter is not held vouches for no entry: whether it
// is open, and since when it is closed, are the charter's to say.
func TestNetworkWithoutItsCharterVouchesForNoOne(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.certify(1, at(1), 20)
	r := Fold(n.id, n.records[1:])
	if _, ok := r.Charter(); ok || r.Closed() || r.Active(pub(1)) || len(r.Certificates()) != 0 {
		t.Fatalf("a roster without its charter: %+v", r.Nodes())
	}
	if r.Vouched(pub(20), base-1) || r.Vouched(pub(20), at(2)) || r.VouchEnd(pub(20)) != 0 {
		t.Error("an author vouched for while the charter is not held")
	}
}

// An open charter vouches for every author, and still has a roster.
func TestOpenCharterVouchesForEveryAuthor(t *testing.T) {
	n := newNetwork(t, PolicyOpen, 1)
	n.admit(1, at(1), 3, RoleMember)
	r := n.roster()
	if r.Closed() || !r.Active(pub(3)) {
		t.Fatalf("open charter: closed %v, admitted node active %v", r.Closed(), r.Active(pub(3)))
	}
	if !r.Vouched(pub(20), at(5)) || r.VouchEnd(pub(20)) != Forever {
		t.Error("an author is not vouched for under an open charter")
	}
}

// Rule 2: an admission counts if its signer is a coordinator at that
// point: it makes the node active with its role and details.
func TestAdmissionCountsOnlyByACoordinator(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	n.admit(3, at(2), 4, RoleMember) // a member
	n.admit(5, at(3), 6, RoleMember) // not a node
	n.add(1, at(4), &Admission{Node: pub(7), Role: RoleCoordinator, Label: "Lycée Jean Moulin", Academie: "lyon", Contact: "Mme Petit"})
	r := n.roster()
	if r.Active(pub(4)) || r.Active(pub(6)) {
		t.Error("an admission by a member or a stranger counts")
	}
	info, ok := r.Node(pub(7))
	want := NodeInfo{Key: pub(7), Role: RoleCoordinator, Label: "Lycée Jean Moulin", Academie: "lyon", Contact: "Mme Petit", AdmittedBy: pub(1), Since: at(4)}
	if !ok || !reflect.DeepEqual(info, want) || !r.Coordinator(pub(7)) {
		t.Errorf("admitted node %+v, want %+v", info, want)
	}
	if !r.Active(pub(3)) || r.Coordinator(pub(3)) {
		t.Error("an admitted member is not an active member")
	}
}

// Rule 2: a later admission of an active node changes its role or
// details only: it stays admitted by the first coordinator, since the
// first admission; a member made coordinator admits in turn.
func TestAdmissionOfAnActiveNodeChangesRoleAndDetailsOnly(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	n.admit(1, at(1), 3, RoleMember)
	n.add(2, at(2), &Admission{Node: pub(3), Role: RoleCoordinator, Label: "nouveau nom", Contact: "M. Martin"})
	n.admit(3, at(3), 4, RoleMember)
	r := n.roster()
	info, _ := r.Node(pub(3))
	want := NodeInfo{Key: pub(3), Role: RoleCoordinator, Label: "nouveau nom", Contact: "M. Martin", AdmittedBy: pub(1), Since: at(1)}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("node %+v, want %+v", info, want)
	}
	if !r.Active(pub(4)) {
		t.Error("a member made coordinator cannot admit")
	}
}

// Rule 3: a revocation by a coordinator makes the node inactive, and
// every certificate it issued that had not ended ends at its clock.
func TestRevocationEndsMembershipAndTheCertificatesItIssued(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	n.certify(3, at(2), 20)
	n.certify(3, at(3), 21)
	n.endCert(3, at(4), 21)
	n.certify(3, at(5), 22)
	n.certify(4, at(6), 22) // not a node: counts for nothing
	n.add(1, at(10), &Revocation{Node: pub(3), Reason: "le lycée a fermé"})
	n.revoke(3, at(11), 1) // a member cannot revoke
	r := n.roster()
	info, _ := r.Node(pub(3))
	if r.Active(pub(3)) || !info.Revoked || info.RevokedBy != pub(1) || info.RevokedAt != at(10) || info.Reason != "le lycée a fermé" {
		t.Errorf("revoked node %+v", info)
	}
	if !r.Active(pub(1)) {
		t.Error("a revocation by a member counts")
	}
	ends := map[Key]protocol.Clock{}
	for _, c := range r.Certificates() {
		ends[c.Author] = c.End
	}
	want := map[Key]protocol.Clock{pub(20): at(10), pub(21): at(4), pub(22): at(10)}
	if !reflect.DeepEqual(ends, want) {
		t.Errorf("certificate ends %v, want %v", ends, want)
	}
	if r.VouchEnd(pub(20)) != at(10) || r.Vouched(pub(20), at(10)) || !r.Vouched(pub(20), at(9)) {
		t.Errorf("author of a revoked node's certificate: vouch end %d", r.VouchEnd(pub(20)))
	}
}

// Rule 3: a coordinator may revoke any node, itself and other
// coordinators included.
func TestCoordinatorMayRevokeItselfAndOtherCoordinators(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2, 3)
	n.admit(1, at(1), 4, RoleCoordinator)
	n.revoke(1, at(2), 2)
	n.revoke(1, at(3), 4)
	n.revoke(1, at(4), 1)
	r := n.roster()
	for _, k := range []byte{1, 2, 4} {
		if r.Active(pub(k)) || r.Coordinator(pub(k)) {
			t.Errorf("node %d not revoked", k)
		}
	}
	if !r.Coordinator(pub(3)) {
		t.Error("the coordinator nobody revoked is not one")
	}
}

// Rule 3: a later admission admits the node again, since then, and its
// ended certificates stay ended.
func TestReadmissionKeepsEndedCertificatesEnded(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	n.admit(1, at(1), 3, RoleMember)
	n.certify(3, at(2), 20)
	n.revoke(1, at(3), 3)
	n.admit(2, at(4), 3, RoleMember)
	r := n.roster()
	info, _ := r.Node(pub(3))
	if !r.Active(pub(3)) || info.Revoked || info.AdmittedBy != pub(2) || info.Since != at(4) || info.RevokedAt != 0 {
		t.Errorf("re-admitted node %+v", info)
	}
	certs := r.Certificates()
	if len(certs) != 1 || certs[0].End != at(3) || r.VouchEnd(pub(20)) != at(3) {
		t.Errorf("certificates after re-admission %+v", certs)
	}
	// What it certifies after its return counts.
	n.certify(3, at(5), 20)
	if r := n.roster(); r.VouchEnd(pub(20)) != Forever {
		t.Error("a re-admitted node's new certificate does not count")
	}
}

// Rule 4: a certificate counts if its signer is an active node at that
// point; it ends the author's certificate in force at its clock (a
// certificate by a new node, after a move) and becomes current.
func TestCertificateByANewNodeEndsThePreviousOne(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	n.admit(1, at(1), 4, RoleMember)
	first := n.certify(3, at(2), 20)
	n.certify(5, at(3), 20) // not a node: counts for nothing
	second := n.add(4, at(4), &Certificate{Author: pub(20), Name: "Mme Durand", Function: "agent comptable", UAI: "0691234A"})
	r := n.roster()
	want := []CertInfo{
		{Certificate: *first.Body.(*Certificate), CID: first.CID, Issuer: pub(3), Clock: at(2), End: at(4)},
		{Certificate: *second.Body.(*Certificate), CID: second.CID, Issuer: pub(4), Clock: at(4)},
	}
	if got := r.Certificates(); !reflect.DeepEqual(got, want) {
		t.Fatalf("certificates\n%+v\nwant\n%+v", got, want)
	}
	if r.VouchEnd(pub(20)) != Forever {
		t.Error("the author is not vouched for after a move")
	}
	for _, tc := range []struct {
		t    protocol.Clock
		want protocol.Clock // the clock of the certificate that attributes it
	}{{at(1), at(2)}, {at(3), at(2)}, {at(4), at(4)}, {at(100), at(4)}} {
		c, ok := r.CertificateAt(pub(20), tc.t)
		if !ok || c.Clock != tc.want {
			t.Errorf("CertificateAt(%d) = %+v, want the certificate of clock %d", tc.t-base, c, tc.want-base)
		}
	}
	if _, ok := r.CertificateAt(pub(21), at(3)); ok {
		t.Error("a certificate for an author never certified")
	}
}

// Rule 5: a certificate-end counts if its signer issued the author's
// current certificate or is a coordinator.
func TestCertificateEndCountsByItsIssuerOrACoordinator(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	n.admit(1, at(1), 4, RoleMember)
	n.certify(3, at(2), 20)
	n.certify(3, at(2), 21)
	n.certify(3, at(2), 22)
	n.endCert(4, at(3), 20) // another member: nothing
	n.endCert(3, at(4), 21) // its issuer
	n.endCert(1, at(5), 22) // a coordinator
	n.certify(4, at(6), 23)
	n.certify(4, at(7), 23)
	n.endCert(3, at(8), 24) // no certificate: nothing
	r := n.roster()
	for author, want := range map[byte]protocol.Clock{20: Forever, 21: at(4), 22: at(5), 23: Forever, 24: 0} {
		if got := r.VouchEnd(pub(author)); got != want {
			t.Errorf("author %d: vouch end %d, want %d", author, got, want)
		}
	}
	// The issuer of a certificate that is no longer current cannot
	// end the current one.
	n.certify(3, at(9), 25)
	n.certify(4, at(10), 25)
	n.endCert(3, at(11), 25)
	if got := n.roster().VouchEnd(pub(25)); got != Forever {
		t.Errorf("the issuer of a previous certificate ended the current one: %d", got)
	}
}

// Rule 6: an addresses record counts if its signer is active at that
// point; the one with the highest clock is the node's addresses.
func TestAddressesOfAnActiveNodeTheLatestWins(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	n.addresses(3, at(5), "/ip4/192.0.2.1/tcp/4001")
	n.addresses(3, at(3), "/ip4/192.0.2.2/tcp/4001") // older, given after
	n.addresses(4, at(4), "/ip4/192.0.2.4/tcp/4001") // not a node
	n.revoke(1, at(6), 3)
	n.addresses(3, at(7), "/ip4/192.0.2.9/tcp/4001") // after its revocation
	r := n.roster()
	info, _ := r.Node(pub(3))
	if !slices.Equal(info.Addrs, []string{"/ip4/192.0.2.1/tcp/4001"}) || info.AddrsClock != at(5) {
		t.Errorf("addresses %v at %d", info.Addrs, info.AddrsClock-base)
	}
	if _, ok := r.Node(pub(4)); ok {
		t.Error("an addresses record made a node")
	}
}

// Rule 7: a join request counts if its signer is active and its node
// is not; it is pending until the node is admitted.
func TestJoinRequestIsPendingUntilTheNodeIsAdmitted(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	n.request(3, at(2), 5)
	n.request(4, at(2), 6) // via a stranger
	n.request(3, at(2), 1) // for an active node
	n.request(3, at(3), 7)
	latest := n.request(1, at(4), 7) // asked again: the latest is pending
	r := n.roster()
	got := r.Pending()
	if len(got) != 2 || got[0].Node != pub(5) || got[0].Via != pub(3) || got[0].Clock != at(2) || !got[1].CID.Equals(latest.CID) || got[1].Via != pub(1) {
		t.Fatalf("pending %+v", got)
	}
	n.admit(1, at(5), 5, RoleMember)
	if got := n.roster().Pending(); len(got) != 1 || got[0].Node != pub(7) {
		t.Errorf("pending after an admission %+v", got)
	}
}

// Conflicts: a revocation wins over an admission it does not postdate
// (whatever order they arrive in), an admission after it admits again,
// and at equal clocks the record with the higher CID comes later and
// wins.
func TestRevocationAndAdmissionOrderedByClockThenCID(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	n.admit(1, at(1), 3, RoleMember)
	revocation := n.record(1, at(10), &Revocation{Node: pub(3)})
	earlier := n.record(2, at(9), &Admission{Node: pub(3), Role: RoleMember, Label: "avant"})
	later := n.record(2, at(11), &Admission{Node: pub(3), Role: RoleMember, Label: "après"})
	for _, order := range [][]Record{{revocation, earlier}, {earlier, revocation}} {
		if Fold(n.id, append(slices.Clone(n.records), order...)).Active(pub(3)) {
			t.Error("an admission before the revocation wins over it")
		}
	}
	for _, order := range [][]Record{{revocation, later}, {later, revocation}} {
		if !Fold(n.id, append(slices.Clone(n.records), order...)).Active(pub(3)) {
			t.Error("an admission after the revocation does not admit again")
		}
	}
	// At equal clocks: find an admission of each side of the
	// revocation's CID.
	var below, above *Record
	for i := 0; i < 64 && (below == nil || above == nil); i++ {
		a := n.record(2, at(10), &Admission{Node: pub(3), Role: RoleMember, Label: "même heure " + string(rune('a'+i))})
		if before(a, revocation) {
			below = &a
		} else {
			above = &a
		}
	}
	if below == nil || above == nil {
		t.Fatal("no admission found on each side of the revocation's CID")
	}
	for _, tc := range []struct {
		admission Record
		active    bool
	}{{*below, false}, {*above, true}} {
		for _, order := range [][]Record{{revocation, tc.admission}, {tc.admission, revocation}} {
			if got := Fold(n.id, append(slices.Clone(n.records), order...)).Active(pub(3)); got != tc.active {
				t.Errorf("admission at the revocation's clock, later by CID %v: active %v", tc.active, got)
			}
		}
	}
}

// Conflicts: two coordinators who revoke each other concurrently: the
// earlier revocation counts, and the later one, signed by a node no
// longer coordinator, counts for nothing. At equal clocks, the CID
// decides which is earlier.
func TestCoordinatorsRevokingEachOtherTheEarlierCounts(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	oneRevokesTwo := n.record(1, at(10), &Revocation{Node: pub(2)})
	twoRevokesOne := n.record(2, at(11), &Revocation{Node: pub(1)})
	for _, order := range [][]Record{{oneRevokesTwo, twoRevokesOne}, {twoRevokesOne, oneRevokesTwo}} {
		r := Fold(n.id, append(slices.Clone(n.records), order...))
		if !r.Coordinator(pub(1)) || r.Active(pub(2)) {
			t.Errorf("1 revokes 2 at 10, 2 revokes 1 at 11: 1 coordinator %v, 2 active %v", r.Coordinator(pub(1)), r.Active(pub(2)))
		}
	}
	same := n.record(2, at(10), &Revocation{Node: pub(1)})
	first, second := oneRevokesTwo, same
	if before(same, oneRevokesTwo) {
		first, second = same, oneRevokesTwo
	}
	for _, order := range [][]Record{{first, second}, {second, first}} {
		r := Fold(n.id, append(slices.Clone(n.records), order...))
		winner := first.Signer
		loser := first.Body.(*Revocation).Node
		if !r.Coordinator(winner) || r.Active(loser) {
			t.Errorf("at equal clocks the revocation with the lower CID does not win")
		}
	}
}

// Conflicts: what a revoked coordinator signs after its revocation
// counts for nothing; what it signed before still counts.
func TestRevokedCoordinatorsLaterActsCountForNothing(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	n.admit(2, at(1), 3, RoleMember) // before: counts
	n.admit(1, at(1), 4, RoleMember)
	n.certify(3, at(2), 21)
	n.revoke(1, at(10), 2)
	n.admit(2, at(11), 5, RoleMember)
	n.revoke(2, at(12), 4)
	n.certify(2, at(13), 20)
	n.endCert(2, at(14), 21)
	n.addresses(2, at(15), "/ip4/192.0.2.2/tcp/4001")
	n.request(2, at(16), 6)
	r := n.roster()
	if !r.Active(pub(3)) || !r.Active(pub(4)) || r.Active(pub(5)) {
		t.Errorf("active: 3 %v (want true), 4 %v (want true), 5 %v (want false)", r.Active(pub(3)), r.Active(pub(4)), r.Active(pub(5)))
	}
	if r.VouchEnd(pub(20)) != 0 || r.VouchEnd(pub(21)) != Forever {
		t.Error("a revoked coordinator's certificate or certificate-end counts")
	}
	if info, _ := r.Node(pub(2)); info.Addrs != nil || len(r.Pending()) != 0 {
		t.Error("a revoked coordinator's addresses or join request counts")
	}
}

// Vouched authors: in a closed network, a revision is vouched for if
// its clock is before the charter's, or before the latest end of its
// author's certificates; a certificate vouches for the revisions
// before it too.
func TestVouchedBeforeTheCharterOrTheLatestCertificateEnd(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.certify(1, at(10), 20)
	n.endCert(1, at(20), 20)
	r := n.roster()
	for _, tc := range []struct {
		author byte
		t      protocol.Clock
		want   bool
	}{
		{21, base - 1, true}, // never certified, before the charter
		{21, base, false},
		{20, base - 1000, true},
		{20, at(5), true}, // before its certificate
		{20, at(19), true},
		{20, at(20), false}, // at its end
		{20, at(25), false},
	} {
		if got := r.Vouched(pub(tc.author), tc.t); got != tc.want {
			t.Errorf("Vouched(%d, charter%+d) = %v, want %v", tc.author, int64(tc.t)-int64(base), got, tc.want)
		}
	}
	if r.VouchEnd(pub(20)) != at(20) || r.VouchEnd(pub(21)) != 0 {
		t.Errorf("VouchEnd: %d, %d", r.VouchEnd(pub(20)), r.VouchEnd(pub(21)))
	}
	// A later certificate vouches for what was refused in between.
	n.certify(1, at(30), 20)
	r = n.roster()
	if !r.Vouched(pub(20), at(25)) || r.VouchEnd(pub(20)) != Forever {
		t.Error("a certificate does not vouch for the revisions before it")
	}
}

// Withdrawals: what a roster vouches for less than an earlier one, by
// author, computed by hand for a revocation, a certificate-end, a
// certificate that no longer counts since a revocation comes before the
// admission of its issuer, and authors that gain or keep.
func TestWithdrawalsMatchHandComputedExpectations(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2)
	n.admit(1, at(1), 3, RoleMember)
	n.admit(1, at(1), 4, RoleMember)
	n.admit(2, at(3), 6, RoleMember)
	n.certify(3, at(10), 20) // ends when 3 is revoked at 20
	n.certify(4, at(12), 21) // ends at 15
	n.certify(3, at(5), 22)  // then 4 certifies it at 8: in force still
	n.certify(4, at(8), 22)
	n.certify(3, at(6), 23) // ended at 9 already
	n.endCert(3, at(9), 23)
	n.certify(6, at(7), 24) // 6's admitter revoked before admitting it
	prev := n.roster()
	n.revoke(1, at(20), 3)
	n.endCert(4, at(15), 21)
	n.revoke(1, at(2), 2)
	n.certify(4, at(25), 25) // gains
	r := n.roster()
	want := []Withdrawal{
		{Author: pub(20), From: at(20), Until: Forever},
		{Author: pub(21), From: at(15), Until: Forever},
		{Author: pub(24), From: base, Until: Forever},
	}
	slices.SortFunc(want, func(a, b Withdrawal) int { return compareKeys(a.Author, b.Author) })
	if got := r.Withdrawals(prev); !reflect.DeepEqual(got, want) {
		t.Errorf("withdrawals\n%+v\nwant\n%+v", got, want)
	}
	// A certificate-end of what had ended by revocation withdraws the
	// revisions between the two ends.
	n.endCert(1, at(18), 20)
	later := n.roster()
	if got, want := later.Withdrawals(r), []Withdrawal{{Author: pub(20), From: at(18), Until: at(20)}}; !reflect.DeepEqual(got, want) {
		t.Errorf("withdrawals\n%+v\nwant\n%+v", got, want)
	}
	if got := r.Withdrawals(later); got != nil {
		t.Errorf("a roster that vouches for more withdraws %+v", got)
	}
	if r.Withdrawals(r) != nil || r.Withdrawals(nil) != nil {
		t.Error("a roster withdraws against itself or nothing")
	}
	other := newNetwork(t, PolicyClosed, 1)
	if r.Withdrawals(other.roster()) != nil || r.Withdrawals(Fold("mutu", nil)) != nil || r.Withdrawals(Fold(n.id, nil)) != nil {
		t.Error("a roster withdraws against another network's, an open one or one without its charter")
	}
}

func compareKeys(a, b Key) int {
	return slices.Compare(a[:], b[:])
}

// The roster is immutable: what its methods return, and the records it
// was folded from, can be changed without changing it; and it is read
// from several goroutines at once.
func TestRosterIsImmutableAndSafeForConcurrentReads(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	n.admit(1, at(1), 3, RoleMember)
	addrs := n.addresses(3, at(2), "/ip4/192.0.2.1/tcp/4001")
	r := n.roster()
	ch, _ := r.Charter()
	ch.Body.(*Charter).Coordinators[0] = pub(9)
	n.charter.Body.(*Charter).Coordinators[0] = pub(9)
	addrs.Body.(*Addresses).Addrs[0] = "/changé"
	info, _ := r.Node(pub(3))
	info.Addrs[0] = "/changé aussi"
	for _, info := range r.Nodes() {
		if info.Key == pub(3) {
			info.Addrs[0] = "/encore"
		}
	}
	ch, _ = r.Charter()
	info, _ = r.Node(pub(3))
	if ch.Body.(*Charter).Coordinators[0] != pub(1) || info.Addrs[0] != "/ip4/192.0.2.1/tcp/4001" {
		t.Fatalf("the roster changed: coordinators %v, addresses %v", ch.Body.(*Charter).Coordinators, info.Addrs)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				_ = dump(r, universe())
			}
		}()
	}
	wg.Wait()
}

// §4.1: a network is identified by its charter's CID, or by a name:
// anything else, other kinds of CID included, since no charter has
// one. The CID may be written in another base: it is the same network.
func TestNetworkIsACharterCIDOrAName(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1)
	for _, name := range []string{"mutu", "e2e-1234", "", "f01550000", protocol.BlockCID([]byte("x")).String(), strings.ToUpper(n.id)[:20]} {
		if !IsName(name) {
			t.Errorf("IsName(%q) = false", name)
		}
	}
	base58, err := n.charter.CID.StringOfBase('z') // multibase base58btc
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{n.id, base58} {
		if IsName(id) {
			t.Errorf("IsName(%q) = true", id)
		}
		if r := Fold(id, n.records); !r.Closed() || !r.Coordinator(pub(1)) || r.Network() != id {
			t.Errorf("Fold(%q) does not find its charter", id)
		}
	}
}
