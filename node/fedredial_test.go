package node

import (
	"context"
	"testing"
	"time"

	"github.com/mutu-network/mutu/protocol/trust"
)

// A node that a closed node refuses once the handshake is done (here a
// revoked member, which does not know it is revoked) sees each dial
// succeed for a moment: that moment must not start a sync whose stream
// dials again, and again, a handshake every few milliseconds for as
// long as it runs. Its syncs use the connections there are; dialling is
// the redial loops' business, every few seconds at most.
func TestRefusedNodeDoesNotRedialThroughItsSyncs(t *testing.T) {
	keyA, keyR := nodeKey(t), nodeKey(t)
	a := startCat(t, "A", keyA, foundNetwork(t, keyA, "Rectorat de Lyon"), nil)
	a.addTrust(t, &trust.Admission{Node: pubKey(t, keyR), Role: trust.RoleMember, Label: "Lycée R"})
	r := startCat(t, "R", keyR, seeded(t, a.cat.Network(), trustBlocks(t, a)), nil)
	a.addTrust(t, &trust.Revocation{Node: pubKey(t, keyR)}) // R never hears of it: A refuses it
	before := a.Status().Counters.RefusedPeers
	_ = r.Connect(context.Background(), a.Addrs()[0])
	time.Sleep(3 * time.Second)
	refused := a.Status().Counters.RefusedPeers - before
	t.Logf("A refused R %d times in 3 s", refused)
	if refused > 10 {
		t.Errorf("A refused R %d times in 3 s after one dial: R redials through its syncs", refused)
	}
}
