package web

import (
	"context"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// TestHomeAndNetworkCountTheSameEntries: the home page and the network
// page count the same entries, the retracted ones left out; the
// network page counts every signed revision apart. (The network page
// counted retracted entries: 772 there, 769 on the home page.)
func TestHomeAndNetworkCountTheSameEntries(t *testing.T) {
	e := newEnv(t)
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, title := range []string{"Régie", "Bourses", "Cantine"} {
		ids = append(ids, e.publish(key, map[string]any{"title": title}, "Corps."))
	}
	id, err := cid.Decode(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.Retract(context.Background(), key, id); err != nil {
		t.Fatal(err)
	}
	e.srv.recent.invalidate()
	c := e.client()
	if home := c.get("/"); !strings.Contains(home.body, "2 entrées sur ce nœud") {
		t.Errorf("the home page does not count 2 entries:\n%s", home.body)
	}
	if network := c.get("/reseau"); !strings.Contains(network.body, "2 entrées (4 versions signées)") {
		t.Errorf("the network page does not count 2 entries and 4 revisions:\n%s", network.body)
	}
}
