package e2e

import (
	"testing"

	"github.com/mutu-network/mutu/e2e/harness"
)

// TestExitCodesThroughDaemon: the exit codes of docs/cli.md hold
// whether a command runs on the home itself or through the running
// daemon's API ("While `mutu run` runs, the other commands go through
// its API, with the same output"). An unknown ID, an edit of a
// retracted entry and an edit of another author's entry are wrong
// input (exit 1), not storage or internal failures (exit 5).
func TestExitCodesThroughDaemon(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(2).Init()
	a, b := nodes[0], nodes[1]
	unknown := "bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	mine := a.PublishOne(note("Inventaire comptable : méthode", "Fiche de A."))
	gone := a.PublishOne(note("Inventaire comptable : ancienne méthode", "Fiche retirée."))
	a.Retract(gone.ID)
	edit := a.WriteEntry(note("Inventaire comptable : méthode révisée", "Nouvelle version."))

	type check struct {
		what string
		node *harness.Node
		args []string
		want int
	}
	checks := []check{
		{"show an unknown ID", a, []string{"show", unknown}, 1},
		{"edit a retracted entry", a, []string{"edit", gone.ID, edit}, 1},
		{"edit another author's entry", b, []string{"edit", mine.ID, edit}, 1},
		{"publish a file that does not exist", a, []string{"publish", "/nonexistent/fiche.md"}, 1},
	}
	run := func(where string) {
		for _, c := range checks {
			res := c.node.Run(c.args...)
			if res.Code != c.want {
				t.Errorf("%s, %s: exit %d, want %d\n%v", c.what, where, res.Code, c.want, res)
			}
		}
	}
	// B must hold A's entry to try to edit it: it gets it by sync.
	a.Start()
	b.Start(a)
	h.WaitFor(liveTimeout, "B to hold A's entry", func() error {
		_, err := b.GetEntry(mine.ID)
		return err
	})
	run("through the daemon")
	nodes.Stop()
	run("on the home")
}
