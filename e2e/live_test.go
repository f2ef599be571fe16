package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// liveDeadline is how fast a change must reach every connected node:
// "an entry published on A is on B and C within 2 s; an edit and a
// retract likewise."
const liveDeadline = 2 * time.Second

// liveTimeout is how long a late change is still waited for, so that a
// failure tells "late" from "lost".
const liveTimeout = 30 * time.Second

// TestLivePropagation: three nodes in a chain A—B—C. An entry published
// on A is on B and C within 2 s; an edit and a retract likewise. The
// periodic sync is set to 10 minutes, so only live propagation (gossip,
// forwarded by B to C) can meet the deadline.
func TestLivePropagation(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(3).Init().WithFlags("--sync-interval", "10m")
	a, b, c := nodes[0], nodes[1], nodes[2]
	a.Start()
	b.Start(a)
	c.Start(b)
	awaitPeers(h, map[*harness.Node]int{a: 1, b: 2, c: 1})

	// Warm-up. Gossipsub builds its mesh in the heartbeats after the
	// connections, and a message published before can reach nobody
	// (DESIGN.md §7); the sync that follows a connection also runs now.
	// The deadline applies once a first entry has gone through.
	warm := a.PublishOne(note("Accueil du bassin", "Première fiche, pour former le réseau."))
	h.WaitFor(liveTimeout, "the warm-up entry on B and C", func() error {
		for _, n := range []*harness.Node{b, c} {
			if _, err := n.GetEntry(warm.ID); err != nil {
				return err
			}
		}
		return nil
	})

	title := "Régie d'avances : ouvrir une sous-régie pour un voyage scolaire"
	body := "L'acte constitutif de la régie fixe le montant de l'avance."
	x := a.PublishOne(note(title, body, "regies", "voyages"))
	awaitLive(t, "the new entry", x.ID, []*harness.Node{b, c}, func(e harness.Entry) error {
		if e.Head != x.Revision {
			return fmt.Errorf("head %s, want %s", e.Head, x.Revision)
		}
		return nil
	})
	for _, n := range []*harness.Node{b, c} {
		e := n.MustShow(x.ID)
		if e.Title != title || strings.TrimSpace(e.Body) != body || !e.SignatureVerified || e.Retracted {
			t.Errorf("node %s shows %q %q (verified %v, retracted %v), want %q %q as published on A",
				n.Name, e.Title, e.Body, e.SignatureVerified, e.Retracted, title, body)
		}
	}

	title2 := "Régie d'avances : sous-régie pour un voyage scolaire (mise à jour)"
	edit := a.Edit(x.ID, note(title2, body+" Le plafond est rappelé chaque année.", "regies", "voyages"))
	awaitLive(t, "the edit", x.ID, []*harness.Node{b, c}, func(e harness.Entry) error {
		if e.Head != edit.Revision || len(e.Heads) != 1 {
			return fmt.Errorf("heads %v, want [%s]", e.Heads, edit.Revision)
		}
		return nil
	})
	for _, n := range []*harness.Node{b, c} {
		if e := n.MustShow(x.ID); e.Title != title2 || e.Conflict {
			t.Errorf("node %s shows %q (conflict %v) after the edit, want %q", n.Name, e.Title, e.Conflict, title2)
		}
	}

	a.Retract(x.ID)
	awaitLive(t, "the retraction", x.ID, []*harness.Node{b, c}, func(e harness.Entry) error {
		if !e.Retracted {
			return fmt.Errorf("not retracted")
		}
		return nil
	})
	for _, n := range []*harness.Node{b, c} {
		for _, s := range n.List() {
			if s.ID == x.ID {
				t.Errorf("node %s still lists the retracted entry %s", n.Name, x.ID)
			}
		}
		if r := n.Search("sous-régie voyage"); r.Total != 0 {
			t.Errorf("node %s still finds the retracted entry: %+v", n.Name, r.Hits)
		}
	}
}

// awaitLive waits until entry id, read through each node's API, passes
// check, and fails the test if that took any node longer than
// liveDeadline from now (the return of the command that made the
// change). It polls every few milliseconds: a read of the API costs
// about one.
func awaitLive(t *testing.T, what, id string, nodes []*harness.Node, check func(harness.Entry) error) {
	t.Helper()
	start := time.Now()
	arrived := make(map[*harness.Node]time.Duration)
	var last error
	for time.Since(start) < liveTimeout && len(arrived) < len(nodes) {
		for _, n := range nodes {
			if _, ok := arrived[n]; ok {
				continue
			}
			e, err := n.GetEntry(id)
			if err == nil {
				err = check(e)
			}
			if err == nil {
				arrived[n] = time.Since(start)
				continue
			}
			last = fmt.Errorf("node %s: %w", n.Name, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, n := range nodes {
		d, ok := arrived[n]
		switch {
		case !ok:
			t.Fatalf("%s never reached node %s in %v: %v", what, n.Name, liveTimeout, last)
		case d > liveDeadline:
			t.Errorf("%s reached node %s after %v, want within %v", what, n.Name, d.Round(time.Millisecond), liveDeadline)
		default:
			t.Logf("%s reached node %s after %v", what, n.Name, d.Round(time.Millisecond))
		}
	}
}
