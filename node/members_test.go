package node

import (
	"crypto/sha256"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Members find each other through their address records: B and C know
// only the coordinator A (their bootstrap) and learn each other's
// addresses from the records each publishes; they connect directly,
// and with A stopped an entry written on B reaches C.
func TestAddressRecordsConnectMembersDirectly(t *testing.T) {
	keyA, keyB, keyC := nodeKey(t), nodeKey(t), nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, nil)
	admB := a.addTrust(t, keyA, &trust.Admission{Node: pubKey(t, keyB), Role: trust.RoleMember, Label: "Lycée B"})
	admC := a.addTrust(t, keyA, &trust.Admission{Node: pubKey(t, keyC), Role: trust.RoleMember, Label: "Collège C"})
	admissions := []protocol.Block{a.block(t, admB), a.block(t, admC)}
	viaA := func(c *Config) {
		c.Bootstrap = addrsWith(a, "/tcp/")[:1]
		c.SyncInterval = 2 * time.Second
	}
	b := startClosed(t, keyB, net, admissions, viaA)
	c := startClosed(t, keyC, net, admissions, viaA)

	addrsOf := func(tn *testNode, k protocol.AuthorKey) []string {
		info, _ := tn.trust.Roster().Node(k)
		return info.Addrs
	}
	eventually(t, 30*time.Second, "B and C to learn each other's addresses from their records", func() bool {
		return len(addrsOf(b, pubKey(t, keyC))) > 0 && len(addrsOf(c, pubKey(t, keyB))) > 0
	})
	for _, s := range addrsOf(b, pubKey(t, keyC)) {
		a := ma.StringCast(s)
		if !slicesContainAddr(c.h.Addrs(), a) {
			t.Errorf("C's record names %s, which C does not listen on (%v)", s, c.h.Addrs())
		}
	}
	eventually(t, 30*time.Second, "B and C to connect directly", func() bool {
		return connected(b, c.h.ID()) && connected(c, b.h.ID())
	})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	entry := newAuthor(t).create(t, "Sans le coordinateur")
	b.store(t, entry)
	eventually(t, 30*time.Second, "B's entry to reach C without A", func() bool {
		ok, _ := c.cat.Has(t.Context(), entry.CID)
		return ok
	})

	// Its addresses unchanged, a node publishes no new record.
	records := func(tn *testNode, k protocol.AuthorKey) int {
		n := 0
		for _, rec := range tn.trust.held() {
			if _, ok := rec.Body.(*trust.Addresses); ok && rec.Signer == k {
				n++
			}
		}
		return n
	}
	if n := records(b, pubKey(t, keyB)); n != 1 {
		t.Errorf("B published %d address records, want 1", n)
	}
}

// rankOf is SHA-256(self ‖ k), as §4.6 says.
func rankOf(self, k protocol.AuthorKey) []byte {
	sum := sha256.Sum256(append(append([]byte(nil), self[:]...), k[:]...))
	return sum[:]
}

func slicesContainAddr(addrs []ma.Multiaddr, a ma.Multiaddr) bool {
	for _, x := range addrs {
		if x.Equal(a) {
			return true
		}
	}
	return false
}

// Beyond 32 active members, a node keeps connections to the 32 whose
// SHA-256(own key ‖ member key) is highest, and all of them up to 32.
func TestChooseMembersKeeps32ByHash(t *testing.T) {
	founder := nodeKey(t)
	net := newFedNet(t, founder)
	cat := newMemCatalogue()
	if _, err := cat.AddRevisions(t.Context(), []protocol.Block{net.charter}); err != nil {
		t.Fatal(err)
	}
	mt := newMemTrust(cat, net.id)
	self := pubKey(t, founder)
	for i := range 40 {
		if _, err := mt.AddTrust(t.Context(), edKey(t, founder), &trust.Admission{Node: pubKey(t, nodeKey(t)), Role: trust.RoleMember, Label: "nœud " + string(rune('A'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	got := chooseMembers(self, mt.Roster())
	if len(got) != maxMemberConns {
		t.Fatalf("%d members chosen, want %d", len(got), maxMemberConns)
	}
	chosen := map[protocol.AuthorKey]bool{}
	for _, m := range got {
		chosen[m.Key] = true
	}
	lowestChosen := ""
	highestLeft := ""
	for _, m := range mt.Roster().Nodes() {
		if m.Key == self {
			continue
		}
		h := string(rankOf(self, m.Key))
		if chosen[m.Key] && (lowestChosen == "" || h < lowestChosen) {
			lowestChosen = h
		}
		if !chosen[m.Key] && h > highestLeft {
			highestLeft = h
		}
	}
	if highestLeft >= lowestChosen {
		t.Error("a member left out ranks above one chosen")
	}
	small := trust.Fold(net.id, mt.held()[:10])
	if n := len(chooseMembers(self, small)); n != 9 {
		t.Errorf("%d of 9 other members chosen, want all", n)
	}
}
