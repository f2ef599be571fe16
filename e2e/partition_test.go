package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// partitionSync is the periodic sync of the partition scenario: short,
// so that what one node learns reaches every node of its half quickly.
const partitionSync = 2 * time.Second

// convergeTimeout bounds the wait for healed nodes to agree.
const convergeTimeout = 2 * time.Minute

// TestPartitionHeal: "two halves publish independently, including
// concurrent edits of one entry and a retract; after healing every
// node has identical head sets and shows the same winner; the
// retracted entry never comes back."
//
// Four nodes, halves {A, B} and {C, D}. C holds A's author key, so
// that the entries X and Y of that author can be revised on both
// sides. All four start connected and receive X and Y. Then all stop,
// and each half restarts knowing only itself: every node forgets the
// peers it met (peers.json is deleted from its home, see below) and is
// given only the addresses of its own half; every start binds new
// ports, so no address from before the split is valid either. The
// halves then publish independently: a new entry each, concurrent
// edits of X on A and on C, a retraction of Y on A while C edits Y. C
// and D are restarted with A's and B's addresses to heal.
func TestPartitionHeal(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(4).Init().WithFlags("--sync-interval", partitionSync.String())
	a, b, c, d := nodes[0], nodes[1], nodes[2], nodes[3]

	// C gets the author key of A's home (mutu key export / import).
	keyFile := filepath.Join(h.Dir(), "author-a.key")
	a.MustRun("key", "export", keyFile)
	c.MustRun("key", "import", keyFile)

	a.Start()
	b.Start(a)
	c.Start(a, b)
	d.Start(a, b, c)
	awaitPeers(h, map[*harness.Node]int{a: 3, b: 3, c: 3, d: 3})
	if sa, sc := mustStatus(t, a), mustStatus(t, c); sa.Author != sc.Author {
		t.Fatalf("after key import, C's author is %s, A's %s", sc.Author, sa.Author)
	}
	xy := a.Publish(
		note("Marchés publics : seuils de procédure", "Les seuils applicables aux achats de l'établissement."),
		note("Voyages scolaires : budget annexe", "Une fiche qui sera retirée pendant la partition."))
	x, y := xy[0], xy[1]
	h.WaitFor(convergeTimeout, "X and Y on every node", func() error {
		return holdAll(nodes, x.ID, y.ID)
	})

	// Partition. A node redials the peers it remembers, from peers.json
	// in its home; deleting that file while it is stopped makes it
	// forget them. The addresses given as --peer are then the only
	// ones it knows, and they are of its own half.
	nodes.Stop()
	for _, n := range nodes {
		if err := os.Remove(filepath.Join(n.Home, "peers.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	a.Start()
	b.Start(a)
	c.Start()
	d.Start(c)
	awaitPeers(h, map[*harness.Node]int{a: 1, b: 1, c: 1, d: 1})
	assertPeers(t, a, b)
	assertPeers(t, c, d)

	// Each half writes. The edits of X on A and on C are concurrent:
	// both have the original X as their only parent.
	xa := a.Edit(x.ID, note("Marchés publics : seuils de procédure (version A)", "Seuils revus par le bassin A."))
	yr := a.Retract(y.ID)
	p1 := b.PublishOne(note("Restauration : tarifs de la demi-pension", "Publiée dans la moitié A-B."))
	xc := c.Edit(x.ID, note("Marchés publics : seuils de procédure (version C)", "Seuils revus par le bassin C."))
	yc := c.Edit(y.ID, note("Voyages scolaires : budget annexe (version C)", "Modifiée dans la moitié C-D, sans savoir qu'elle est retirée."))
	p2 := d.PublishOne(note("Bourses : calendrier des campagnes", "Publiée dans la moitié C-D."))
	written := time.Now()

	// Each half agrees within itself…
	h.WaitFor(convergeTimeout, "each half to agree within itself", func() error {
		for _, n := range []*harness.Node{a, b} {
			if err := expectEntry(n, x.ID, []string{xa.Revision}, false); err != nil {
				return err
			}
			if err := expectEntry(n, y.ID, nil, true); err != nil {
				return err
			}
			if _, err := n.GetEntry(p1.ID); err != nil {
				return err
			}
		}
		for _, n := range []*harness.Node{c, d} {
			if err := expectEntry(n, x.ID, []string{xc.Revision}, false); err != nil {
				return err
			}
			if err := expectEntry(n, y.ID, []string{yc.Revision}, false); err != nil {
				return err
			}
			if _, err := n.GetEntry(p2.ID); err != nil {
				return err
			}
		}
		return nil
	})
	// …and learns nothing from the other, even after periodic syncs.
	if wait := 2*partitionSync - time.Since(written); wait > 0 {
		time.Sleep(wait)
	}
	for _, n := range []*harness.Node{a, b} {
		if _, err := n.GetEntry(p2.ID); err == nil {
			t.Fatalf("node %s holds %s, published on D on the other side of the partition", n.Name, p2.ID)
		}
	}
	for _, n := range []*harness.Node{c, d} {
		if _, err := n.GetEntry(p1.ID); err == nil {
			t.Fatalf("node %s holds %s, published on B on the other side of the partition", n.Name, p1.ID)
		}
	}
	assertPeers(t, a, b)
	assertPeers(t, c, d)

	// Heal: C and D come back with the addresses of A and B.
	c.Stop()
	d.Stop()
	c.Start(a, b)
	d.Start(a, b, c)
	awaitPeers(h, map[*harness.Node]int{a: 3, b: 3, c: 3, d: 3})

	ids := []string{x.ID, y.ID, p1.ID, p2.ID}
	wantX := sorted(xa.Revision, xc.Revision)
	wantY := sorted(yr.Revision, yc.Revision)
	h.WaitFor(convergeTimeout, "the healed nodes to agree", func() error {
		for _, n := range nodes {
			if err := expectEntry(n, x.ID, wantX, false); err != nil {
				return err
			}
			// Both the retraction and C's concurrent edit are heads
			// of Y; the retraction wins.
			if err := expectEntry(n, y.ID, wantY, true); err != nil {
				return err
			}
		}
		return sameState(nodes, ids)
	})

	// The command line shows the same on every node: X in conflict
	// between the two edits, with the same one shown; Y retracted.
	var shownX string
	for _, n := range nodes {
		e := n.MustShow(x.ID)
		if !e.Conflict || !slices.Equal(sorted(e.Heads...), wantX) || (e.Head != xa.Revision && e.Head != xc.Revision) {
			t.Errorf("node %s shows X with heads %v, head %s, conflict %v; want both edits %v as heads and one of them shown", n.Name, e.Heads, e.Head, e.Conflict, wantX)
		}
		if shownX == "" {
			shownX = e.Head
		} else if e.Head != shownX {
			t.Errorf("node %s shows revision %s of X, node A %s", n.Name, e.Head, shownX)
		}
		if e := n.MustShow(y.ID); !e.Retracted {
			t.Errorf("node %s shows Y, retracted on A, as not retracted (heads %v)", n.Name, e.Heads)
		}
	}
	wantList := sorted(x.ID, p1.ID, p2.ID)
	for _, n := range nodes {
		if diff := diffIDs(harness.IDs(n.List()), wantList); diff != "" {
			t.Errorf("mutu list on %s: %s", n.Name, diff)
		}
	}

	// The retracted entry never comes back: C, which edited it, can no
	// longer; an edit of X on A merges the conflict everywhere, and Y
	// is still retracted after it.
	res := c.Run("edit", y.ID, c.WriteEntry(note("Voyages scolaires : budget annexe (retour)", "Tentative de faire revivre la fiche.")))
	if res.Code == 0 || !strings.Contains(string(res.Stderr), "retracted") {
		t.Errorf("editing the retracted Y on C: want a failure saying it is retracted, got\n%v", res)
	}
	merged := a.Edit(x.ID, note("Marchés publics : seuils de procédure (fusion)", "Versions A et C réconciliées."))
	h.WaitFor(convergeTimeout, "the merge of X on every node", func() error {
		for _, n := range nodes {
			if err := expectEntry(n, x.ID, []string{merged.Revision}, false); err != nil {
				return err
			}
			if err := expectEntry(n, y.ID, nil, true); err != nil {
				return err
			}
		}
		return sameState(nodes, ids)
	})
	for _, n := range nodes {
		ids, _, err := searchAPI(n, "budget annexe voyages")
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(ids, y.ID) {
			t.Errorf("node %s's search still finds the retracted Y", n.Name)
		}
	}
}

// holdAll returns nil when every node holds every entry.
func holdAll(nodes harness.Nodes, ids ...string) error {
	for _, n := range nodes {
		for _, id := range ids {
			if _, err := n.GetEntry(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// expectEntry checks a node's state of entry id: its heads (sorted;
// nil to skip the check) and whether it is retracted.
func expectEntry(n *harness.Node, id string, heads []string, retracted bool) error {
	e, err := n.GetEntry(id)
	if err != nil {
		return err
	}
	if heads != nil && !slices.Equal(sorted(e.Heads...), heads) {
		return fmt.Errorf("node %s: entry %s has heads %v, want %v", n.Name, id, e.Heads, heads)
	}
	if e.Retracted != retracted {
		return fmt.Errorf("node %s: entry %s retracted: %v, want %v", n.Name, id, e.Retracted, retracted)
	}
	return nil
}

// sameState returns nil when every node shows every entry with the
// same heads, in the same order, the same winner and the same
// retraction, and holds the same number of revisions.
func sameState(nodes harness.Nodes, ids []string) error {
	ref := nodes[0]
	refStatus, err := ref.GetStatus()
	if err != nil {
		return err
	}
	for _, id := range ids {
		want, err := ref.GetEntry(id)
		if err != nil {
			return err
		}
		for _, n := range nodes[1:] {
			got, err := n.GetEntry(id)
			if err != nil {
				return err
			}
			if got.Head != want.Head || !slices.Equal(got.Heads, want.Heads) || got.Retracted != want.Retracted {
				return fmt.Errorf("entry %s: node %s has head %s of %v (retracted %v), node %s head %s of %v (retracted %v)",
					id, n.Name, got.Head, got.Heads, got.Retracted, ref.Name, want.Head, want.Heads, want.Retracted)
			}
		}
	}
	for _, n := range nodes[1:] {
		st, err := n.GetStatus()
		if err != nil {
			return err
		}
		if st.Revisions != refStatus.Revisions {
			return fmt.Errorf("node %s holds %d revisions, node %s %d", n.Name, st.Revisions, ref.Name, refStatus.Revisions)
		}
	}
	return nil
}

// assertPeers fails the test unless n and m are connected to each
// other and to no one else.
func assertPeers(t *testing.T, n, m *harness.Node) {
	t.Helper()
	for _, pair := range [][2]*harness.Node{{n, m}, {m, n}} {
		peers, err := pair[0].GetPeers()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range peers {
			ids = append(ids, p.ID)
		}
		if want := pair[1].PeerID(); !slices.Equal(ids, []string{want}) {
			t.Fatalf("node %s is connected to %v, want only %s (node %s)", pair[0].Name, ids, want, pair[1].Name)
		}
	}
}
