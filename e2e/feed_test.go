package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// feedDeadline: what a node stores reaches its peers within 2 s,
// whatever stored it.
const feedDeadline = 2 * time.Second

// TestOfflinePublishReachesPeerAtStart: an entry published with the
// command line while no daemon runs reaches a peer within 2 s of `mutu
// run` running (its API answering): the bound leaves out the start of
// the process, which takes seconds on a busy machine under -race, and
// still fails if the entry waited for the periodic sync (a minute).
func TestOfflinePublishReachesPeerAtStart(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(2).Init()
	a, b := nodes[0], nodes[1]
	a.Start()
	p := b.PublishOne(note("Publiée hors ligne", "Écrite avant que le nœud ne tourne."))

	launched := time.Now()
	b.Start(a)
	running := time.Now()
	at := h.WaitFor(time.Minute, "A to hold the entry published on B offline", func() error {
		_, err := a.GetEntry(p.ID)
		return err
	})
	took := max(at.Sub(running), 0)
	t.Logf("the entry reached A %v after B was running (%v after its launch)", took.Round(time.Millisecond), at.Sub(launched).Round(time.Millisecond))
	if took > feedDeadline {
		t.Errorf("the entry reached A %v after B was running, want within %v", took.Round(time.Millisecond), feedDeadline)
	}
}

// TestSyncedRevisionsReachOtherPeers: A and B run; C, offline,
// publishes 100 entries, then connects to A only. Once A holds them
// (by its sync with C), B holds them within 2 s: A announces what it
// stored, whatever brought it, instead of leaving B to its next
// periodic sync (a minute away).
func TestSyncedRevisionsReachOtherPeers(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(3).Init()
	a, b, c := nodes[0], nodes[1], nodes[2]
	a.Start()
	b.Start(a)
	awaitPeers(h, map[*harness.Node]int{a: 1, b: 1})
	fromC := publishedIDs(c.Publish(notes(100, "hors-ligne", "Tournée")...))

	c.Start(a)
	holds := func(n *harness.Node) func() error {
		return func() error {
			ids, err := listIDs(n)
			if err != nil {
				return err
			}
			if d := diffIDs(ids, fromC); d != "" {
				return fmt.Errorf("node %s lists %s", n.Name, d)
			}
			return nil
		}
	}
	atA := h.WaitFor(time.Minute, "A to hold C's entries", holds(a))
	atB := h.WaitFor(time.Minute, "B to hold C's entries", holds(b))
	took := atB.Sub(atA)
	t.Logf("B held C's 100 entries %v after A did", took.Round(time.Millisecond))
	if took > feedDeadline {
		t.Errorf("B held C's entries %v after A, want within %v", took.Round(time.Millisecond), feedDeadline)
	}
	peers, err := b.GetPeers()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range peers {
		if p.ID == c.PeerID() {
			t.Errorf("B connected to C: the entries may have come straight from C")
		}
	}
}

// TestEveryWritePathOneCheck: whatever stores a revision (a publish, an
// edit or a retraction through a running node, entries arriving by
// gossip, by sync after a restart, or by bulk transfer), it reaches the
// peer by the one path, and each revision's signature is checked once,
// by the node that receives it, and never by the node that signed it.
func TestEveryWritePathOneCheck(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(2).Init()
	a, b := nodes[0], nodes[1]
	a.Start()
	b.Start(a)
	awaitPeers(h, map[*harness.Node]int{a: 1, b: 1})
	checks := func(n *harness.Node) uint64 {
		t.Helper()
		st := mustStatus(t, n)
		if st.Counters == nil {
			t.Fatalf("node %s: status has no counters", n.Name)
		}
		return st.Counters.SignaturesChecked
	}
	holds := func(n *harness.Node, ids []string) func() error {
		return func() error {
			for _, id := range ids {
				if _, err := n.GetEntry(id); err != nil {
					return err
				}
			}
			return nil
		}
	}
	// step writes on A and expects revs revisions to reach B, checked
	// once each by B and never by A.
	step := func(what string, revs uint64, write func() []string, reached func() error) {
		t.Helper()
		beforeA, beforeB := checks(a), checks(b)
		ids := write()
		if reached == nil {
			reached = holds(b, ids)
		}
		h.WaitFor(time.Minute, what+" to reach B", reached)
		h.WaitFor(10*time.Second, "B's checks to settle", func() error {
			if got := checks(b) - beforeB; got != revs {
				return fmt.Errorf("%s: B checked %d signatures, want %d", what, got, revs)
			}
			return nil
		})
		if got := checks(a) - beforeA; got != 0 {
			t.Errorf("%s: A checked %d signatures of revisions it signed itself", what, got)
		}
	}

	var id string
	step("a publish through the running node", 1, func() []string {
		id = a.PublishOne(note("Chemin unique", "Publiée par la ligne de commande.")).ID
		return []string{id}
	}, nil)
	step("an edit", 1, func() []string {
		a.Edit(id, note("Chemin unique", "Corrigée."))
		return nil
	}, func() error {
		e, err := b.GetEntry(id)
		if err == nil && e.Body != "Corrigée.\n" {
			err = fmt.Errorf("B shows %q", e.Body)
		}
		return err
	})
	step("a retraction", 1, func() []string {
		a.Retract(id)
		return nil
	}, func() error {
		// A retracted entry answers 404 or 410, or says it is retracted.
		if e, err := b.GetEntry(id); err == nil && !e.Retracted {
			return fmt.Errorf("B still shows the entry")
		}
		return nil
	})
	step("a hundred entries at once", 100, func() []string {
		return publishedIDs(a.Publish(notes(100, "lot", "Lot")...))
	}, nil)

	// Received by sync: B restarts after A published five more; its
	// counters start again from zero.
	b.Stop()
	five := publishedIDs(a.Publish(notes(5, "absent", "Absence")...))
	b.Start(a)
	h.WaitFor(time.Minute, "B to sync the five", holds(b, five))
	if got := checks(b); got != 5 {
		t.Errorf("after a sync that brought 5 revisions, B checked %d signatures", got)
	}

	// Received by bulk: far behind, B catches up with a bulk transfer.
	b.Stop()
	many := publishedIDs(a.Publish(notes(700, "masse", "Masse")...))
	b.Start(a)
	h.WaitFor(2*time.Minute, "B to catch up by bulk", holds(b, many[len(many)-1:]))
	h.WaitFor(time.Minute, "B to hold the 700", func() error {
		ids, err := listIDs(b)
		if err == nil && len(ids) != 105+700 {
			err = fmt.Errorf("B lists %d entries", len(ids))
		}
		return err
	})
	st := mustStatus(t, b)
	if st.Counters.SignaturesChecked != 700 {
		t.Errorf("after a bulk catch-up of 700 revisions, B checked %d signatures", st.Counters.SignaturesChecked)
	}
	if !strings.Contains(b.Log(), "mode=bulk+reconcile") {
		t.Errorf("B caught up without a bulk transfer")
	}
}
