package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// rosterDump is a canonical text of what a roster says: its charter,
// every node ever admitted with its standing and addresses, every
// certificate and pending request.
func rosterDump(r *trust.Roster) string {
	var lines []string
	ch, _ := r.Charter()
	lines = append(lines, fmt.Sprintf("0 charter %s closed=%v clock=%d", ch.CID, r.Closed(), r.CharterClock()))
	for _, n := range r.Nodes() {
		lines = append(lines, fmt.Sprintf("1 node %s role=%s label=%q by=%s since=%d revoked=%v by=%s at=%d reason=%q addrs=%v at=%d",
			n.Key, n.Role, n.Label, n.AdmittedBy, n.Since, n.Revoked, n.RevokedBy, n.RevokedAt, n.Reason, n.Addrs, n.AddrsClock))
	}
	for _, c := range r.Certificates() {
		lines = append(lines, fmt.Sprintf("2 certificate %s of %s by %s name=%q clock=%d end=%d", c.CID, c.Author, c.Issuer, c.Name, c.Clock, c.End))
	}
	for _, p := range r.Pending() {
		lines = append(lines, fmt.Sprintf("3 pending %s node=%s via=%s", p.CID, p.Node, p.Via))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// heldRevisions returns the CIDs of every revision cat holds, trust
// records included, sorted.
func heldRevisions(t testing.TB, cat *catalogue.Catalogue) []string {
	t.Helper()
	var out []string
	err := cat.RevisionsByClock(context.Background(), 0, cid.Undef, func(_ protocol.Clock, c cid.Cid) error {
		out = append(out, c.String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// heldBlocks returns every revision cat holds, by CID.
func heldBlocks(t testing.TB, cat *catalogue.Catalogue, into map[string]protocol.Verified) {
	t.Helper()
	for _, s := range heldRevisions(t, cat) {
		if _, ok := into[s]; ok {
			continue
		}
		c, err := cid.Decode(s)
		if err != nil {
			t.Fatal(err)
		}
		data, err := cat.Block(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		v, err := protocol.Verify(protocol.Block{CID: c, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		into[s] = v
	}
}

// gate cuts x from y, as a firewall between them would: each refuses
// the other (its gater, its gossip and its dials go by the ban) and
// their connections are closed.
func gate(x, y *catNode) {
	for _, pair := range [][2]*catNode{{x, y}, {y, x}} {
		from, to := pair[0], pair[1]
		from.pen.mu.Lock()
		from.pen.peers[to.h.ID()] = &offences{until: time.Now().Add(time.Hour)}
		from.pen.mu.Unlock()
		_ = from.h.Network().ClosePeer(to.h.ID())
	}
}

// ungate lifts gate and connects x and y again.
func ungate(x, y *catNode) {
	for _, pair := range [][2]*catNode{{x, y}, {y, x}} {
		from, to := pair[0], pair[1]
		from.pen.mu.Lock()
		delete(from.pen.peers, to.h.ID())
		from.pen.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = x.Connect(ctx, y.Addrs()[0]) // refused if one of them revoked the other
}

// Four nodes of a network with two coordinators are split in two
// halves, each with a coordinator; on each side the coordinator admits
// a node, revokes another and revokes the other coordinator, all at
// once, while members write entries. After the halves meet again,
// every node holds the same roster (compared as a canonical dump) and
// the same revisions, the same as a fresh catalogue given every record
// in reverse order, in one batch; the coordinator revoked first is cut
// off, and holds the same once it imports a bundle of the others.
func TestPartitionedCoordinatorsConvergeOnOneRoster(t *testing.T) {
	ctx := context.Background()
	every2s := func(c *Config) { c.SyncInterval = 2 * time.Second }
	keyA, keyB, keyC, keyD := nodeKey(t), nodeKey(t), nodeKey(t), nodeKey(t)
	keyF1, keyF2 := nodeKey(t), nodeKey(t)
	catA := foundNetwork(t, keyA, "Rectorat de Lyon", keyB)
	net := catA.Network()
	for _, m := range []struct {
		label string
		key   protocol.AuthorKey
	}{{"Collège C", pubKey(t, keyC)}, {"Lycée D", pubKey(t, keyD)}, {"École F1", pubKey(t, keyF1)}, {"École F2", pubKey(t, keyF2)}} {
		if _, err := catA.AddTrust(ctx, edKey(t, keyA), &trust.Admission{Node: m.key, Role: trust.RoleMember, Label: m.label}); err != nil {
			t.Fatal(err)
		}
	}
	var seed []protocol.Block
	for _, rec := range catA.TrustRecords() {
		data, err := catA.Block(ctx, rec.CID)
		if err != nil {
			t.Fatal(err)
		}
		seed = append(seed, protocol.Block{CID: rec.CID, Data: data})
	}
	a := startCat(t, "A", keyA, catA, every2s)
	viaA := func(c *Config) { every2s(c); c.Bootstrap = a.Addrs()[:1] }
	b := startCat(t, "B", keyB, seeded(t, net, seed), viaA)
	c := startCat(t, "C", keyC, seeded(t, net, seed), viaA)
	d := startCat(t, "D", keyD, seeded(t, net, seed), viaA)
	nodes := []*catNode{a, b, c, d}
	waitFor(t, "the four nodes to connect to each other", func() bool {
		for _, x := range nodes {
			for _, y := range nodes {
				if x != y && !x.linked(y.h.ID()) {
					return false
				}
			}
		}
		return true
	})
	writerC, writerD := newAuthor(t), newAuthor(t)
	c.certify(t, protocol.PublicKey(writerC.priv), "Mme Colin")
	d.certify(t, protocol.PublicKey(writerD.priv), "M. Dupont")

	half1, half2 := []*catNode{a, c}, []*catNode{b, d}
	for _, x := range half1 {
		for _, y := range half2 {
			gate(x, y)
		}
	}
	eventually(t, 10*time.Second, "the halves to be apart", func() bool {
		for _, x := range half1 {
			for _, y := range half2 {
				if x.linked(y.h.ID()) || y.linked(x.h.ID()) {
					return false
				}
			}
		}
		return true
	})

	// Each coordinator acts on its side at once; after revoking the
	// other coordinator it certifies an author of its own, who writes:
	// the certificate of the coordinator revoked first counts for
	// nothing once the halves meet, and its author's entry leaves.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	act := func(coord *catNode, admit protocol.AuthorKey, revoke protocol.AuthorKey, other *catNode, member *catNode, writer *author) {
		defer wg.Done()
		key := edKey(t, coord.key)
		own := newAuthor(t)
		steps := []trust.Body{
			&trust.Admission{Node: admit, Role: trust.RoleMember, Label: "Admis par " + coord.name},
			&trust.Revocation{Node: revoke, Reason: "révoqué par " + coord.name},
			&trust.Revocation{Node: pubKey(t, other.key), Reason: "coordinateur révoqué par " + coord.name},
			&trust.Certificate{Author: protocol.PublicKey(own.priv), Name: "Auteur de " + coord.name, Function: "gestionnaire"},
		}
		for _, s := range steps {
			if _, err := coord.cat.AddTrust(ctx, key, s); err != nil {
				errs <- err
				return
			}
		}
		for _, w := range []struct {
			cat *catalogue.Catalogue
			blk protocol.Block
		}{{coord.cat, own.create(t, "Écrit chez "+coord.name)}, {member.cat, writer.create(t, "Écrit chez "+member.name)}} {
			good, _ := protocol.VerifyAll(ctx, []protocol.Block{w.blk})
			if _, err := w.cat.AddVerified(ctx, good); err != nil {
				errs <- err
				return
			}
		}
	}
	wg.Add(2)
	go act(a, pubKey(t, nodeKey(t)), pubKey(t, keyF2), b, c, writerC)
	go act(b, pubKey(t, nodeKey(t)), pubKey(t, keyF1), a, d, writerD)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitFor(t, "each half to agree within itself", func() bool {
		return slices.Equal(heldRevisions(t, a.cat), heldRevisions(t, c.cat)) &&
			slices.Equal(heldRevisions(t, b.cat), heldRevisions(t, d.cat))
	})
	all := make(map[string]protocol.Verified)
	for _, n := range nodes {
		heldBlocks(t, n.cat, all)
	}

	for _, x := range half1 {
		for _, y := range half2 {
			ungate(x, y)
		}
	}
	// The coordinator revoked first, as every node sees it once the
	// halves meet.
	var loser *catNode
	waitFor(t, "C or D to learn both revocations", func() bool {
		for _, n := range []*catNode{c, d} {
			if !holdsRevocation(n, a, b) || !holdsRevocation(n, b, a) {
				continue
			}
			r := n.cat.Roster()
			ia, _ := r.Node(a.self(t))
			ib, _ := r.Node(b.self(t))
			if ia.Revoked != ib.Revoked {
				if ia.Revoked {
					loser = a
				} else {
					loser = b
				}
				return true
			}
		}
		return false
	})
	var active []*catNode
	for _, n := range nodes {
		if n != loser {
			active = append(active, n)
		}
	}
	t.Logf("coordinator %s was revoked first", loser.name)
	eventually(t, 60*time.Second, "the active nodes to hold the same roster and revisions", func() bool {
		dump, revs := rosterDump(active[0].cat.Roster()), heldRevisions(t, active[0].cat)
		for _, n := range active[1:] {
			if rosterDump(n.cat.Roster()) != dump || !slices.Equal(heldRevisions(t, n.cat), revs) {
				return false
			}
		}
		return true
	})
	for _, n := range nodes {
		heldBlocks(t, n.cat, all)
	}

	// A fresh catalogue given every record ever held, in reverse order.
	var reversed []protocol.Verified
	for _, v := range all {
		reversed = append(reversed, v)
	}
	slices.SortFunc(reversed, func(x, y protocol.Verified) int {
		if x.Rev.Clock != y.Rev.Clock {
			if x.Rev.Clock > y.Rev.Clock {
				return -1
			}
			return 1
		}
		return -strings.Compare(x.CID.KeyString(), y.CID.KeyString())
	})
	fresh := openCat(t, net)
	if _, err := fresh.AddVerified(ctx, reversed); err != nil && !errors.Is(err, protocol.ErrNotVouched) {
		t.Fatal(err)
	}
	want, wantRevs := rosterDump(fresh.Roster()), heldRevisions(t, fresh)
	t.Logf("the roster after the partition, %d of %d revisions accepted:\n%s", len(wantRevs), len(all), want)
	for _, n := range active {
		if got := rosterDump(n.cat.Roster()); got != want {
			t.Errorf("%s holds the roster\n%s\nwant, as a fresh catalogue given every record in reverse order,\n%s", n.name, got, want)
		}
		if got := heldRevisions(t, n.cat); !slices.Equal(got, wantRevs) {
			t.Errorf("%s holds %d revisions, the fresh catalogue %d", n.name, len(got), len(wantRevs))
		}
	}
	if len(wantRevs) >= len(all) {
		t.Errorf("every one of %d revisions ever written is accepted: the revoked coordinator's later certificate should count for nothing", len(all))
	}
	for _, n := range active {
		if n.linked(loser.h.ID()) {
			t.Errorf("%s is still connected to %s, revoked", n.name, loser.name)
		}
	}

	// The revoked coordinator hears of it by a bundle from the others.
	var bundle bytes.Buffer
	if _, err := active[0].cat.ExportBundle(ctx, &bundle, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "reseau.car")
	if err := os.WriteFile(path, bundle.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loser.cat.ImportBundle(ctx, path, catalogue.BundleOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := rosterDump(loser.cat.Roster()); got != want {
		t.Errorf("%s holds, after the bundle, the roster\n%s\nwant\n%s", loser.name, got, want)
	}
	if got := heldRevisions(t, loser.cat); !slices.Equal(got, wantRevs) {
		t.Errorf("%s holds, after the bundle, %d revisions, want %d", loser.name, len(got), len(wantRevs))
	}
}

// holdsRevocation reports whether n holds a revocation of node by
// signer.
func holdsRevocation(n, signer, node *catNode) bool {
	for _, rec := range n.cat.TrustRecords() {
		if r, ok := rec.Body.(*trust.Revocation); ok && rec.Signer == pubKeyOf(signer) && r.Node == pubKeyOf(node) {
			return true
		}
	}
	return false
}

// pubKeyOf returns n's node key.
func pubKeyOf(n *catNode) protocol.AuthorKey {
	k, _ := peerNodeKey(n.h.ID())
	return k
}

// seeded opens a catalogue of net holding blocks.
func seeded(t testing.TB, net string, blocks []protocol.Block) *catalogue.Catalogue {
	t.Helper()
	cat := openCat(t, net)
	if err := put(t, cat, blocks...); err != nil {
		t.Fatal(err)
	}
	return cat
}
