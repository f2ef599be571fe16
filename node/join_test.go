package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Tests of the join protocol (join.go) with real hosts on 127.0.0.1.

var joinDetails = JoinDetails{Label: "Agence comptable du lycée Jean Moulin", Academie: "Lyon", Contact: "ac@example.org"}

// invite issues an invitation on tn and returns its code.
func invite(t testing.TB, tn *testNode, o InviteOptions) (Invitation, string) {
	t.Helper()
	inv, code, err := tn.Invite(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return inv, code
}

// recode returns code with change applied, signed again by key: a code
// its maker could have issued, for a case the node would not make.
func recode(t testing.TB, code string, key ed25519.PrivateKey, change func(*wire.Invite2)) string {
	t.Helper()
	inv, err := wire.DecodeInvite(code)
	if err != nil {
		t.Fatal(err)
	}
	change(&inv.Invite2)
	out, err := wire.EncodeInvite2(inv.Invite2, key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// admissionsOf counts the admissions of k that tn holds.
func admissionsOf(tn *testNode, k protocol.AuthorKey) int {
	n := 0
	for _, rec := range tn.trust.held() {
		if a, ok := rec.Body.(*trust.Admission); ok && a.Node == k {
			n++
		}
	}
	return n
}

// Every status of §4.7: admitted by a coordinator; used by another
// key; admitted again for the same key, also after a join cut before
// its answer; pending through a member, then admitted once a
// coordinator approves; expired; withdrawn; unknown; other network.
func TestJoinStatuses(t *testing.T) {
	ctx := context.Background()
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	keyA, keyM := nodeKey(t), nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, func(c *Config) { c.SyncInterval = 2 * time.Second }, withClock(clock))
	admM := a.addTrust(t, keyA, &trust.Admission{Node: pubKey(t, keyM), Role: trust.RoleMember, Label: "Collège M"})
	m := startClosed(t, keyM, net, []protocol.Block{a.block(t, admM)}, func(c *Config) {
		c.Bootstrap = addrsWith(a, "/tcp/")[:1]
		c.SyncInterval = 2 * time.Second
	})
	eventually(t, 20*time.Second, "M to connect to A", func() bool { return connected(a, m.h.ID()) })

	eventually(t, 20*time.Second, "A to hold M's and its own address records", func() bool {
		r := a.trust.Roster()
		infoA, _ := r.Node(pubKey(t, keyA))
		infoM, _ := r.Node(pubKey(t, keyM))
		return len(infoA.Addrs) > 0 && len(infoM.Addrs) > 0
	})
	inv1, code1 := invite(t, a, InviteOptions{Label: "Lycée Jean Moulin"})
	key1 := nodeKey(t)
	var first []protocol.Verified
	t.Run("admitted by a coordinator", func(t *testing.T) {
		status, records, err := Join(ctx, code1, key1, joinDetails)
		if err != nil || status != wire.JoinAdmitted {
			t.Fatalf("status %q, err %v", status, err)
		}
		if records[0].CID.String() != net.id {
			t.Errorf("first record %s, want the charter %s", records[0].CID, net.id)
		}
		var recs []trust.Record
		for _, v := range records {
			rec, err := trust.Decode(v)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
		r := trust.Fold(net.id, recs)
		info, ok := r.Node(pubKey(t, key1))
		if !ok || info.Revoked || info.Label != joinDetails.Label || info.Academie != "Lyon" {
			t.Errorf("the records give the joining node %+v", info)
		}
		if !r.Coordinator(pubKey(t, keyA)) {
			t.Error("the records do not name A coordinator")
		}
		addrs := map[protocol.AuthorKey]bool{}
		for _, rec := range recs[2:] {
			if _, ok := rec.Body.(*trust.Addresses); ok {
				addrs[rec.Signer] = true
			}
		}
		if len(recs) != 4 || !addrs[pubKey(t, keyA)] || !addrs[pubKey(t, keyM)] {
			t.Errorf("%d records, address records of %v; want those of A and M", len(recs), addrs)
		}
		first = records
		invs, err := a.Invitations()
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) != 1 || invs[0].ID != inv1.ID || invs[0].State != InvitationUsed || invs[0].Node != pubKey(t, key1).String() {
			t.Errorf("invitations %+v, want the one used by the joining node", invs)
		}
	})
	t.Run("used", func(t *testing.T) {
		status, _, err := Join(ctx, code1, nodeKey(t), joinDetails)
		if !errors.Is(err, ErrJoinUsed) || status != wire.JoinUsed {
			t.Fatalf("status %q, err %v; want used", status, err)
		}
	})
	t.Run("asking again", func(t *testing.T) {
		status, records, err := Join(ctx, code1, key1, joinDetails)
		if err != nil || status != wire.JoinAdmitted {
			t.Fatalf("status %q, err %v", status, err)
		}
		if records[1].CID != first[1].CID {
			t.Errorf("admission %s, want the same as the first answer's %s", records[1].CID, first[1].CID)
		}
		if n := admissionsOf(a, pubKey(t, key1)); n != 1 {
			t.Errorf("%d admissions of the joining node, want 1", n)
		}
	})
	t.Run("asking again after a cut", func(t *testing.T) {
		_, code2 := invite(t, a, InviteOptions{})
		key2 := nodeKey(t)
		cutJoin(t, a, code2, key2)
		status, records, err := Join(ctx, code2, key2, joinDetails)
		if err != nil || status != wire.JoinAdmitted {
			t.Fatalf("status %q, err %v", status, err)
		}
		if n := admissionsOf(a, pubKey(t, key2)); n != 1 || len(records) < 2 {
			t.Errorf("%d admissions, %d records", n, len(records))
		}
	})
	t.Run("pending via a member then admitted after approval", func(t *testing.T) {
		_, codeM := invite(t, m, InviteOptions{Label: "École X"})
		key3 := nodeKey(t)
		status, _, err := Join(ctx, codeM, key3, joinDetails)
		if !errors.Is(err, ErrJoinPending) || status != wire.JoinPending {
			t.Fatalf("status %q, err %v; want pending", status, err)
		}
		status, _, err = Join(ctx, codeM, key3, joinDetails)
		if !errors.Is(err, ErrJoinPending) {
			t.Fatalf("asked again before approval: status %q, err %v; want pending", status, err)
		}
		var pending trust.PendingRequest
		eventually(t, 20*time.Second, "the join request to reach the coordinator", func() bool {
			pr, ok := pendingOf(a.trust.Roster(), pubKey(t, key3))
			pending = pr
			return ok
		})
		if pending.Via != pubKey(t, keyM) || pending.Label != joinDetails.Label {
			t.Errorf("pending request %+v", pending)
		}
		if got := len(m.trust.Roster().Pending()); got != 1 {
			t.Errorf("%d pending requests on M, want 1 (asking again writes none)", got)
		}
		a.addTrust(t, keyA, &trust.Admission{Node: pubKey(t, key3), Role: trust.RoleMember, Label: pending.Label, Request: pending.CID.String()})
		eventually(t, 20*time.Second, "the admission to reach M", func() bool { return m.trust.Roster().Active(pubKey(t, key3)) })
		status, records, err := Join(ctx, codeM, key3, joinDetails)
		if err != nil || status != wire.JoinAdmitted {
			t.Fatalf("after approval: status %q, err %v", status, err)
		}
		adm, err := trust.Decode(records[1])
		if err != nil {
			t.Fatal(err)
		}
		if adm.Signer != pubKey(t, keyA) || adm.Body.(*trust.Admission).Request != pending.CID.String() {
			t.Errorf("admission %+v, want A's approving the request", adm)
		}
	})
	t.Run("expired", func(t *testing.T) {
		_, code := invite(t, a, InviteOptions{Lifetime: time.Hour})
		offset.Store(int64(2 * time.Hour))
		defer offset.Store(0)
		status, _, err := Join(ctx, code, nodeKey(t), joinDetails) // the joining node's clock says it is valid
		if !errors.Is(err, ErrJoinExpired) || status != wire.JoinExpired {
			t.Fatalf("status %q, err %v; want expired", status, err)
		}
		later := joinDetails
		later.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		status, _, err = Join(ctx, code, nodeKey(t), later)
		if !errors.Is(err, ErrJoinExpired) || status != wire.JoinExpired {
			t.Fatalf("refused before connecting: status %q, err %v; want expired", status, err)
		}
	})
	invW, codeW := invite(t, a, InviteOptions{})
	if _, err := a.WithdrawInvitation(ctx, invW.ID); err != nil {
		t.Fatal(err)
	}
	t.Run("withdrawn", func(t *testing.T) {
		status, _, err := Join(ctx, codeW, nodeKey(t), joinDetails)
		if !errors.Is(err, ErrJoinWithdrawn) || status != wire.JoinWithdrawn {
			t.Fatalf("status %q, err %v; want withdrawn", status, err)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		// The join identity is one the node knows, the invitation ID not.
		code := recode(t, codeW, edKey(t, keyA), func(inv *wire.Invite2) { inv.ID[0] ^= 0xff })
		status, _, err := Join(ctx, code, nodeKey(t), joinDetails)
		if !errors.Is(err, ErrJoinUnknown) || status != wire.JoinUnknown {
			t.Fatalf("status %q, err %v; want unknown", status, err)
		}
	})
	t.Run("other network", func(t *testing.T) {
		other := newFedNet(t, nodeKey(t)).id
		code := recode(t, codeW, edKey(t, keyA), func(inv *wire.Invite2) { inv.Network = other })
		status, _, err := Join(ctx, code, nodeKey(t), joinDetails)
		if !errors.Is(err, ErrJoinOtherNetwork) || status != wire.JoinOtherNetwork {
			t.Fatalf("status %q, err %v; want other-network", status, err)
		}
		home := joinDetails
		home.Network = net.id
		status, _, err = Join(ctx, code, nodeKey(t), home)
		if !errors.Is(err, ErrJoinOtherNetwork) || status != wire.JoinOtherNetwork {
			t.Fatalf("refused before connecting: status %q, err %v; want other-network", status, err)
		}
	})
}

// cutJoin sends the join request of key for code from the code's join
// identity, waits until the inviting node admitted key, then cuts the
// stream without reading the answer.
func cutJoin(t testing.TB, to *testNode, code string, key crypto.PrivKey) {
	t.Helper()
	inv, err := wire.DecodeInvite(code)
	if err != nil {
		t.Fatal(err)
	}
	joinKey, err := crypto.UnmarshalEd25519PrivateKey(wire.JoinIdentity(inv.Secret))
	if err != nil {
		t.Fatal(err)
	}
	j := rawHost(t, joinKey)
	ctx := context.Background()
	ai, err := peer.AddrInfoFromP2pAddr(inv.Addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Connect(ctx, *ai); err != nil {
		t.Fatal(err)
	}
	s, err := j.NewStream(ctx, ai.ID, ProtoJoin)
	if err != nil {
		t.Fatal(err)
	}
	req := wire.JoinRequest{V: wire.Version, Net: inv.Network, Inv: inv.ID[:], Label: "Coupé en route"}
	if err := req.Sign(edKey(t, key), []byte(j.ID())); err != nil {
		t.Fatal(err)
	}
	if err := wire.WriteJoinRequest(s, req); err != nil {
		t.Fatal(err)
	}
	_ = s.CloseWrite()
	eventually(t, 10*time.Second, "the inviting node to admit the node whose join is cut", func() bool {
		return to.trust.Roster().Active(pubKey(t, key))
	})
	_ = s.Reset()
	_ = j.Close()
}
