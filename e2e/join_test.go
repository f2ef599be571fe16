package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/e2e/harness"
)

// TestJoinByInvitation walks a bassin through joining: `mutu invite` on
// a running node prints a code, `mutu join CODE` on a fresh home writes
// the network and the bootstrap peers into its config, and the new node,
// started without any --peer, connects, receives the catalogue, and
// shows in `mutu peers` on both sides.
func TestJoinByInvitation(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(2).Init()
	a, b := nodes[0], nodes[1]
	a.Start()
	x := a.PublishOne(note("Marchés publics : seuils 2026", "Les seuils de procédure formalisée changent au 1er janvier."))

	code := strings.TrimSpace(string(a.MustRun("invite").Stdout))
	if code == "" || strings.ContainsAny(code, " \n") {
		t.Fatalf("mutu invite printed %q, want one code", code)
	}
	joined := string(b.MustRun("join", code).Stdout)
	if !strings.Contains(joined, "bootstrap") {
		t.Errorf("mutu join said %q", joined)
	}
	config, err := os.ReadFile(filepath.Join(b.Home, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range a.Addrs() {
		if !strings.Contains(string(config), addr) {
			t.Errorf("B's config lacks A's address %s after join:\n%s", addr, config)
		}
	}

	b.Start() // no --peer: the config's bootstrap peers only
	h.WaitFor(liveTimeout, "B to receive A's entry", func() error {
		_, err := b.GetEntry(x.ID)
		return err
	})
	ids := func(peers []harness.Peer) []string {
		var out []string
		for _, p := range peers {
			out = append(out, p.ID)
		}
		return out
	}
	h.WaitFor(liveTimeout, "mutu peers to show the connection on both sides", func() error {
		if got := ids(a.Peers()); !slices.Contains(got, b.PeerID()) {
			return fmt.Errorf("A's peers %v lack B %s", got, b.PeerID())
		}
		if got := ids(b.Peers()); !slices.Contains(got, a.PeerID()) {
			return fmt.Errorf("B's peers %v lack A %s", got, a.PeerID())
		}
		return nil
	})
}
