package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// catchUpDeadline: "C restarted: within 10 s C holds exactly the
// union, and its search finds them."
const catchUpDeadline = 10 * time.Second

// TestOfflineCatchUp: C is stopped; 200 entries are published on A and
// 50 on B; C is restarted and, within 10 s of its launch, holds exactly
// the union and finds every entry with its search. The periodic sync
// keeps its default (1 minute): within the deadline only the sync that
// follows a new connection can bring the entries.
func TestOfflineCatchUp(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(3).Init()
	a, b, c := nodes[0], nodes[1], nodes[2]
	a.Start()
	b.Start(a)
	c.Start(a, b)
	awaitPeers(h, map[*harness.Node]int{a: 2, b: 2, c: 2})

	seed := a.PublishOne(note("Accueil du bassin", "Une fiche que les trois nœuds ont reçue avant l'arrêt de C."))
	h.WaitFor(liveTimeout, "the first entry on C", func() error {
		_, err := c.GetEntry(seed.ID)
		return err
	})
	c.Stop()

	// One publish command with the 200 files on A, one with 50 on B.
	fromA := a.Publish(notes(200, "rattrapage", "Inventaire")...)
	fromB := b.Publish(notes(50, "rattrapage", "Bordereau")...)
	union := publishedIDs([]harness.Published{seed}, fromA, fromB)
	searched := publishedIDs(fromA, fromB)

	// The union is settled on A and B (live, or at their next periodic
	// sync) before C comes back, so that what is timed is C's catch-up.
	h.WaitFor(3*time.Minute, "A and B to hold the union", func() error {
		for _, n := range []*harness.Node{a, b} {
			ids, err := listIDs(n)
			if err != nil {
				return err
			}
			if d := diffIDs(ids, union); d != "" {
				return fmt.Errorf("node %s lists %s", n.Name, d)
			}
		}
		return nil
	})
	wantRevisions := mustStatus(t, a).Revisions

	start := time.Now()
	c.Start(a, b)
	started := time.Since(start)
	at := h.WaitFor(2*time.Minute, "C to hold the union and find it", func() error {
		ids, err := listIDs(c)
		if err != nil {
			return err
		}
		if d := diffIDs(ids, union); d != "" {
			return fmt.Errorf("C lists %s", d)
		}
		found, total, err := searchAPI(c, "rattrapage")
		if err != nil {
			return err
		}
		if d := diffIDs(found, searched); d != "" || total != uint64(len(searched)) {
			return fmt.Errorf("C's search for %q announces %d hits and returns %s", "rattrapage", total, d)
		}
		return nil
	})
	took := at.Sub(start)
	if took > catchUpDeadline {
		t.Errorf("C held the union and found it %v after its launch (%v to start), want within %v", took.Round(time.Millisecond), started.Round(time.Millisecond), catchUpDeadline)
	} else {
		t.Logf("C held the union and found it %v after its launch (%v to start)", took.Round(time.Millisecond), started.Round(time.Millisecond))
	}

	// The command line agrees, and holds exactly the revisions of A.
	if d := diffIDs(harness.IDs(c.List()), union); d != "" {
		t.Errorf("mutu list on C: %s", d)
	}
	st := c.Status()
	if st.Revisions != wantRevisions {
		t.Errorf("C holds %d revisions, A %d", st.Revisions, wantRevisions)
	}
	if st.IndexBacklog != 0 {
		t.Errorf("C's status shows %d changes still to index after its search found them all", st.IndexBacklog)
	}
	// The sync state names both peers, synced with successfully, and
	// counts every revision C received from them.
	received := 0
	for _, p := range st.Sync {
		received += p.ReceivedTotal
	}
	if len(st.Sync) != 2 || slices.ContainsFunc(st.Sync, func(p harness.PeerSync) bool { return p.Result != "ok" || p.LastSync.IsZero() }) {
		t.Errorf("C's status shows the syncs %+v, want one ended ok with each of A and B", st.Sync)
	}
	if received < 250 {
		t.Errorf("C's status counts %d revisions received from A and B, want at least the 250 published while it was stopped", received)
	}
	// French search, through the command line: accents and plurals do
	// not matter.
	if d := diffIDs(searchCLI(c, "regie d'avance"), searched); d != "" {
		t.Errorf("mutu search %q on C: %s", "regie d'avance", d)
	}
}
