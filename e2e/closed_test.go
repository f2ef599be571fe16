package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// memberTimeout bounds the wait for the members of a closed network to
// find each other: a member dials the others from their address
// records, every 10 seconds at most (docs/protocol.md §4.6).
const memberTimeout = time.Minute

// closedNetwork starts a coordinator A, which founds a closed network at
// its first run, and the members it admits by invitation (`mutu invite`
// on A, `mutu join CODE` on each member's fresh home, then `mutu run`
// with no --peer), labelled B, C… It returns once every node is
// connected to every other.
func closedNetwork(h *harness.Harness, members int) harness.Nodes {
	return closedNetworkWith(h, members, nil)
}

// closedNetworkWith is closedNetwork that calls prepare, when not nil,
// with every node once the members have joined and before they start
// (A runs already): to change a member's config.yaml or flags.
func closedNetworkWith(h *harness.Harness, members int, prepare func(harness.Nodes)) harness.Nodes {
	nodes := h.NewNodes(1 + members)
	a := nodes[0].OwnNetwork().Init()
	a.Start()
	for _, m := range nodes[1:] {
		m.Join(a.Invite("--label", m.Name), m.Name)
	}
	if prepare != nil {
		prepare(nodes)
	}
	for _, m := range nodes[1:] {
		m.Start()
	}
	awaitConnected(h, nodes...)
	return nodes
}

// awaitConnected waits until each node is connected to every other.
func awaitConnected(h *harness.Harness, nodes ...*harness.Node) {
	h.WaitFor(memberTimeout, "the members to connect to each other", func() error {
		for _, n := range nodes {
			ids, err := peerIDs(n)
			if err != nil {
				return err
			}
			for _, o := range nodes {
				if o != n && !slices.Contains(ids, o.PeerID()) {
					return fmt.Errorf("node %s's peers %v lack %s (%s)", n.Name, ids, o.Name, o.PeerID())
				}
			}
		}
		return nil
	})
}

// peerIDs returns the IDs of a running node's connected peers, read
// through the API.
func peerIDs(n *harness.Node) ([]string, error) {
	peers, err := n.GetPeers()
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(peers))
	for i, p := range peers {
		ids[i] = p.ID
	}
	return ids, nil
}

// gossipBound is how soon, in the task's words, an entry published on
// one member must reach another connected one: within 2 s.
const gossipBound = 2 * time.Second

// TestClosedMembersReachEachOtherWithoutTheCoordinator admits B and C by
// A's invitations, stops A, and sees an entry published on B reach C
// within 2 s: the members connected to each other from their address
// records, not through A.
func TestClosedMembersReachEachOtherWithoutTheCoordinator(t *testing.T) {
	h := harness.New(t)
	nodes := closedNetwork(h, 2)
	a, b, c := nodes[0], nodes[1], nodes[2]
	if m := c.Members(); !m.Closed || len(m.Members) != 3 {
		t.Fatalf("C's roster: closed %v, %d members %+v; want closed, 3", m.Closed, len(m.Members), m.Members)
	}
	a.Stop()

	x := b.PublishOne(note("Régie d'avances : plafond de l'encaisse", "Le plafond est fixé par l'acte constitutif de la régie."))
	published := time.Now()
	got := h.WaitFor(gossipBound, "C to receive B's entry with A stopped", func() error {
		_, err := c.GetEntry(x.ID)
		return err
	})
	t.Logf("B's entry reached C %v after the publish returned", got.Sub(published).Round(time.Millisecond))
}

// revokeBound is how soon, in the task's words, a member must
// disconnect a node revoked on the coordinator: within 5 s.
const revokeBound = 5 * time.Second

// TestClosedRevokedMemberIsDisconnectedAndRefused revokes B with `mutu
// members revoke` on the coordinator A: C disconnects B within 5 s, an
// entry B signs afterwards is refused (by B itself if the revocation
// reached it, or else by C when it comes in a bundle), and the entry B
// published before stays on C.
func TestClosedRevokedMemberIsDisconnectedAndRefused(t *testing.T) {
	h := harness.New(t)
	nodes := closedNetwork(h, 2)
	a, b, c := nodes[0], nodes[1], nodes[2]
	before := b.PublishOne(note("Inventaire : sortie des biens réformés", "Le conseil d'administration autorise la sortie de l'inventaire."))
	h.WaitFor(liveTimeout, "C to receive B's entry", func() error {
		_, err := c.GetEntry(before.ID)
		return err
	})

	a.MustRun("members", "revoke", "--reason", "Poste fermé", a.NodeKey("B"))
	revoked := time.Now()
	got := h.WaitFor(revokeBound, "C to disconnect the revoked B", func() error {
		ids, err := peerIDs(c)
		if err != nil {
			return err
		}
		if slices.Contains(ids, b.PeerID()) {
			return fmt.Errorf("C's peers %v still hold B", ids)
		}
		return nil
	})
	t.Logf("C disconnected B %v after the revoke returned", got.Sub(revoked).Round(time.Millisecond))
	for _, m := range c.Members().Members {
		if m.Label == "B" && !m.Revoked {
			t.Errorf("C's roster shows B not revoked: %+v", m)
		}
	}

	// B, stopped, signs a new entry with a clock after its revocation.
	b.Stop()
	res := b.Run("publish", "--json", b.WriteEntry(note("Marchés : publicité adaptée", "Écrit après la révocation du nœud.")))
	if res.Code != 0 {
		// B holds its revocation: its author's certificate ended with it.
		t.Logf("B refused its own entry: %s", strings.TrimSpace(string(res.Stderr)))
		if !strings.Contains(string(res.Stderr), "not vouched") {
			t.Errorf("B's publish after its revocation failed, but not as not vouched:\n%v", res)
		}
	} else {
		var after []harness.Published
		if err := json.Unmarshal(res.Stdout, &after); err != nil || len(after) != 1 {
			t.Fatalf("publish printed %s: %v", res.Stdout, err)
		}
		bundle := filepath.Join(h.Dir(), "after.car")
		b.MustRun("bundle", "export", bundle, after[0].ID)
		imp := c.Run("bundle", "import", bundle)
		t.Logf("B stored its entry (it lacks its revocation); C's import: %s", strings.TrimSpace(string(imp.Stderr)))
		if imp.Code == 0 || !strings.Contains(string(imp.Stderr), "not vouched") {
			t.Errorf("C imported the bundle of B's entry signed after B's revocation, or refused it for another reason:\n%v", imp)
		}
		if _, err := c.GetEntry(after[0].ID); err == nil {
			t.Errorf("C holds %s, signed by B after its revocation", after[0].ID)
		}
	}
	for _, n := range []*harness.Node{a, c} {
		if _, err := n.GetEntry(before.ID); err != nil {
			t.Errorf("the entry B published before its revocation is gone from %s: %v", n.Name, err)
		}
	}
}

// refusedLine is the line a node logs, once a minute at most, for the
// peers it refused for not being members.
const refusedLine = "refused peers that are not members of the network"

// outsiderWindow is how long the outsider dials the members: long
// enough for several dials of each (every 5 s, then 10 s: the redial
// backoff), shorter than the minute between two refusal lines.
const outsiderWindow = 20 * time.Second

// TestClosedOutsiderConnectsToNoMember gives an outsider X everything a
// member has but an admission: the network's identifier and trust
// records (the bundle of A's catalogue), the full TCP and QUIC addresses
// of A, B and C as --peer, and the certified author key of A. No member
// ever connects with it, nothing it publishes reaches any of them, and
// each member logs its refusals in one line (once a minute at most).
func TestClosedOutsiderConnectsToNoMember(t *testing.T) {
	h := harness.New(t)
	members := closedNetwork(h, 2)
	a := members[0]
	network := a.Status().Network

	x := h.NewNode("X").OwnNetwork().Init()
	configPath := filepath.Join(x.Home, "config.yaml")
	config, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(config), "network: \"\"") {
		t.Fatalf("X's config.yaml names no empty network:\n%s", config)
	}
	config = []byte(strings.Replace(string(config), "network: \"\"", "network: "+network, 1))
	if err := os.WriteFile(configPath, config, 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(h.Dir(), "all.car")
	a.MustRun("bundle", "export", bundle)
	x.MustRun("bundle", "import", bundle)
	key, err := os.ReadFile(filepath.Join(a.Home, "author.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(x.Home, "author.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if m := x.Members(); !m.Closed || len(m.Members) != 3 {
		t.Fatalf("X's roster after the import: closed %v, %d members; want the network's 3", m.Closed, len(m.Members))
	}

	x.Start(members...)
	for _, m := range members {
		if got := len(m.Addrs()); got < 2 {
			t.Fatalf("node %s has %d addresses, want TCP and QUIC", m.Name, got)
		}
	}
	p := x.PublishOne(note("Note d'un intrus", "Signée d'une clé d'auteur certifiée, sur un nœud que personne n'a admis."))

	deadline := time.Now().Add(outsiderWindow)
	for time.Now().Before(deadline) {
		// The members' side is what counts: X's own list may show a
		// connection for the moment the member takes to close it.
		for _, m := range members {
			ids, err := peerIDs(m)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(ids, x.PeerID()) {
				t.Fatalf("member %s is connected to the outsider X", m.Name)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, m := range members {
		if _, err := m.GetEntry(p.ID); err == nil {
			t.Errorf("member %s holds the outsider's entry %s", m.Name, p.ID)
		}
		if got := strings.Count(m.Log(), refusedLine); got != 1 {
			t.Errorf("member %s logged %d lines of refused peers within %v, want 1:\n%s", m.Name, got, outsiderWindow, m.Log())
		}
	}
	if strings.Contains(x.Log(), "msg=synced") {
		t.Errorf("the outsider X synced with a member:\n%s", x.Log())
	}
	t.Logf("X's failed syncs: %d", strings.Count(x.Log(), `msg="sync failed"`))
}
