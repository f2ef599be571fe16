package trust

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// The property test of the fold: the same set of records gives the
// same roster, whatever order they are given in (docs/protocol.md,
// §4.3). Bounded: orderSets sets of at most 120 records, each folded
// in orderPermutations orders.
const (
	orderSets         = 20
	orderPermutations = 20
)

// universe is every key the generated records name: nodes 1 to 8,
// authors 20 to 25.
func universe() []Key {
	var keys []Key
	for _, k := range []byte{1, 2, 3, 4, 5, 6, 7, 8, 20, 21, 22, 23, 24, 25} {
		keys = append(keys, pub(k))
	}
	return keys
}

// clocks are the readings at which dump asks Vouched and
// CertificateAt: every clock the generated records may have, and then
// some.
func clocks() []protocol.Clock {
	var out []protocol.Clock
	for c := base - 4; c <= at(42); c++ {
		out = append(out, c)
	}
	return append(out, Forever-1)
}

// dump writes down everything a Roster exposes, in a canonical order:
// two rosters with the same dump are the same to every reader.
func dump(r *Roster, keys []Key, prev ...*Roster) string {
	var b strings.Builder
	ch, ok := r.Charter()
	fmt.Fprintf(&b, "network %s charter %v %s %+v closed %v clock %d\n", r.Network(), ok, ch.CID, ch.Body, r.Closed(), r.CharterClock())
	for _, n := range r.Nodes() {
		fmt.Fprintf(&b, "node %+v\n", n)
	}
	for _, c := range r.Certificates() {
		fmt.Fprintf(&b, "certificate %+v\n", c)
	}
	for _, p := range r.Pending() {
		fmt.Fprintf(&b, "pending %+v\n", p)
	}
	for _, k := range keys {
		n, ok := r.Node(k)
		fmt.Fprintf(&b, "%s active %v coordinator %v node %v %+v vouch end %d\n", k.Short(), r.Active(k), r.Coordinator(k), ok, n, r.VouchEnd(k))
		// Vouched at each clock, one character each; the certificate
		// that attributes a revision at each clock, written when it
		// changes.
		var last CertInfo
		var certs strings.Builder
		for i, t := range clocks() {
			if r.Vouched(k, t) {
				b.WriteByte('v')
			} else {
				b.WriteByte('-')
			}
			if c, _ := r.CertificateAt(k, t); i == 0 || c != last {
				fmt.Fprintf(&certs, " from %d: %+v", int64(t-base), c)
				last = c
			}
		}
		b.WriteString(certs.String())
		b.WriteString("\n")
	}
	for _, p := range prev {
		fmt.Fprintf(&b, "withdrawals %+v\nwithdrawn from %+v\n", r.Withdrawals(p), p.Withdrawals(r))
	}
	return b.String()
}

// randomRecords makes a set of records of n's network, with acts of
// its three coordinators and of other nodes that conflict: admissions
// and revocations of the same nodes (coordinators included) at close
// or equal clocks, certificates of the same authors by several nodes,
// their ends, addresses and join requests, records before the charter
// and records of another network.
func randomRecords(t *testing.T, rng *rand.Rand, n, other *network) []Record {
	node := func() byte { return byte(1 + rng.IntN(8)) }
	author := func() byte {
		if rng.IntN(5) == 0 {
			return node() // a node key may be an author key too
		}
		return byte(20 + rng.IntN(6))
	}
	signer := func() byte {
		if rng.IntN(10) < 7 {
			return byte(1 + rng.IntN(3)) // a coordinator of the charter
		}
		return node()
	}
	clock := func() protocol.Clock { return at(rng.IntN(41)) }
	label := func() string { return fmt.Sprintf("nœud %d", rng.IntN(3)) }
	roles := []Role{RoleMember, RoleMember, RoleCoordinator}
	count := 40 + rng.IntN(81)
	out := []Record{n.charter, other.charter}
	for len(out) < count {
		var body Body
		switch k := rng.IntN(20); {
		case k < 6:
			body = &Admission{Node: pub(node()), Role: roles[rng.IntN(3)], Label: label()}
		case k < 9:
			body = &Revocation{Node: pub(node())}
		case k < 13:
			body = &Certificate{Author: pub(author()), Name: label(), Function: "gestionnaire"}
		case k < 15:
			body = &CertificateEnd{Author: pub(author())}
		case k < 17:
			body = &Addresses{Addrs: []string{fmt.Sprintf("/ip4/192.0.2.%d/tcp/4001", rng.IntN(4))}}
		default:
			body = &JoinRequest{Node: pub(node()), Label: label(), Invitation: "0123456789abcdef"}
		}
		switch rng.IntN(20) {
		case 0:
			out = append(out, n.record(signer(), base-protocol.Clock(1+rng.IntN(3)), body))
		case 1:
			out = append(out, other.record(signer(), clock(), body))
		default:
			out = append(out, n.record(signer(), clock(), body))
		}
	}
	return out
}

// TestFoldIsIndependentOfOrder: random sets of records, folded in many
// random orders, with records given twice, give rosters that expose
// exactly the same thing, and withdraw the same against an earlier
// roster. The sets must exercise the fold: revoked coordinators and
// nodes, ended certificates, pending requests and withdrawals.
func TestFoldIsIndependentOfOrder(t *testing.T) {
	n := newNetwork(t, PolicyClosed, 1, 2, 3)
	other := newNetwork(t, PolicyClosed, 1, 2)
	keys := universe()
	var revokedCoordinators, revokedNodes, ended, pending, withdrawals, ignored int
	for set := range orderSets {
		rng := rand.New(rand.NewPCG(uint64(set), 1))
		records := randomRecords(t, rng, n, other)
		// An earlier roster, folded from part of the set.
		part := slices.Clone(records)
		rng.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
		prev := Fold(n.id, part[:len(part)/2])
		want := dump(Fold(n.id, records), keys, prev)
		for range orderPermutations {
			perm := slices.Clone(records)
			rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			perm = append(perm, perm[:rng.IntN(4)]...) // a few given twice
			if got := dump(Fold(n.id, perm), keys, prev); got != want {
				t.Fatalf("set %d: the roster depends on the order of the records\nin order:\n%s\npermuted:\n%s", set, want, got)
			}
		}
		r := Fold(n.id, records)
		for _, info := range r.Nodes() {
			if info.Revoked && slices.Contains([]Key{pub(1), pub(2), pub(3)}, info.RevokedBy) && slices.Contains([]Key{pub(1), pub(2), pub(3)}, info.Key) {
				revokedCoordinators++
			}
			if info.Revoked {
				revokedNodes++
			}
		}
		for _, c := range r.Certificates() {
			if c.End != 0 {
				ended++
			}
		}
		pending += len(r.Pending())
		withdrawals += len(r.Withdrawals(prev))
		if len(r.Certificates()) < countKind(records, KindCertificate) {
			ignored++
		}
	}
	t.Logf("over %d sets: %d coordinators revoked by a coordinator, %d nodes revoked, %d certificates ended, %d requests pending, %d withdrawals, %d sets with certificates that count for nothing",
		orderSets, revokedCoordinators, revokedNodes, ended, pending, withdrawals, ignored)
	if revokedCoordinators == 0 || revokedNodes == 0 || ended == 0 || pending == 0 || withdrawals == 0 || ignored == 0 {
		t.Error("the random sets do not exercise every part of the fold")
	}
}

func countKind(records []Record, kind Kind) int {
	n := 0
	for _, r := range records {
		if r.Body.Kind() == kind {
			n++
		}
	}
	return n
}
