package node

import (
	"context"
	"testing"
	"time"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// A decision whose signer the roster does not entitle (a member that
// is not a coordinator) is no fault of the peer that sends it
// (docs/protocol.md, §4.12): ingest counts it with the revisions not
// vouched for, not among those left unresolved, which would ask the
// peer for a sync that cannot store it either.
func TestIngestCountsDecisionsNotEntitledApart(t *testing.T) {
	keyA, keyM := nodeKey(t), nodeKey(t)
	a := startCat(t, "A", keyA, foundNetwork(t, keyA, "Rectorat de Lyon"), nil)
	a.addTrust(t, &trust.Admission{Node: pubKey(t, keyM), Role: trust.RoleMember, Label: "Lycée M"})
	doc := newAuthor(t).create(t, "Régie d'avances")
	rev, err := trust.NewRevision(a.cat.Network(), &trust.Decision{Action: trust.ActionHide, Entry: doc.CID.String(),
		Category: trust.CategorySpam, Reason: "Publicité."})
	if err != nil {
		t.Fatal(err)
	}
	rev.Seq, rev.Clock = 1, protocol.MakeClock(time.Now())
	v, err := rev.Sign(edKey(t, keyM))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.ingest(context.Background(), a.h.ID(), []protocol.Verified{v}, gossipRounds)
	if err == nil || res.added != 0 || len(res.unresolved) != 0 || res.notVouched != 1 {
		t.Fatalf("ingest: added %d, unresolved %d, not vouched or entitled %d, %v; want the decision refused and counted apart",
			res.added, len(res.unresolved), res.notVouched, err)
	}
	if a.holds(v.Block) {
		t.Error("the member's decision is stored")
	}
}
