package node

import (
	"context"
	"io"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Tests of who connects in a closed network (closed.go), with real
// hosts on 127.0.0.1.

// rawHost starts a bare libp2p host with key on 127.0.0.1, closed at
// the end of the test.
func rawHost(t testing.TB, key crypto.PrivKey) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.Identity(key), libp2p.ListenAddrs(loopback()...), libp2p.DisableMetrics(), libp2p.DisableRelay())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// dial connects h to the node at addr, and reports whether the
// connection still stands a moment later (a refused peer may see its
// dial succeed before the other end closes it).
func dial(t testing.TB, h host.Host, addr ma.Multiaddr) bool {
	t.Helper()
	ai, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Connect(ctx, *ai); err != nil {
		return false
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(h.Network().ConnsToPeer(ai.ID)) == 0 {
			return false
		}
		// A stream needs the other end: it fails once it refused us.
		s, err := h.NewStream(ctx, ai.ID, ping.ID)
		if err == nil {
			_, err = s.Write(make([]byte, 32))
			if err == nil {
				buf := make([]byte, 32)
				_, err = s.Read(buf)
			}
			_ = s.Reset()
		}
		if err == nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return len(h.Network().ConnsToPeer(ai.ID)) > 0
}

// A node that is not in the roster is refused over TCP and over QUIC,
// though it names the network and holds revisions: it never stays
// connected, and nothing it holds reaches the closed node.
func TestClosedNetworkRefusesNonMemberOnTCPAndQUIC(t *testing.T) {
	keyA := nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, nil)
	for _, transport := range []string{"/tcp/", "/quic-v1"} {
		t.Run(transport, func(t *testing.T) {
			x := startReal(t, nodeKey(t), nil, func(c *Config) { c.Network = net.id })
			x.store(t, newAuthor(t).docs(t, 3, "intrus")...)
			refusedBefore := a.Status().Counters.RefusedPeers
			addrs := addrsWith(a, transport)
			if len(addrs) == 0 {
				t.Fatalf("no %s address", transport)
			}
			if err := x.Connect(context.Background(), addrs[0]); err == nil {
				eventually(t, 10*time.Second, "the closed node to drop the stranger", func() bool {
					return !connected(a, x.h.ID()) && !connected(x, a.h.ID())
				})
			}
			if got := a.Status().Counters.RefusedPeers; got <= refusedBefore {
				t.Errorf("refused peers %d, want more than %d", got, refusedBefore)
			}
			held := a.cat.cids()
			for _, c := range x.cat.cids() {
				if slices.Contains(held, c) {
					t.Errorf("the closed node stored %s, sent by a non-member", c)
				}
			}
			if dial(t, rawHost(t, nodeKey(t)), addrs[0]) {
				t.Error("a bare host of no network stays connected to the closed node")
			}
		})
	}
}

// When a coordinator revokes a member, its node drops the member's
// connections within 5 seconds of the roster change (generous: it is
// at once), and refuses it afterwards.
func TestRevokedMemberDisconnectedAndRefused(t *testing.T) {
	keyA, keyB := nodeKey(t), nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, nil)
	adm := a.addTrust(t, keyA, &trust.Admission{Node: pubKey(t, keyB), Role: trust.RoleMember, Label: "Lycée B"})
	// B is quiet (no gossip, no periodic sync): what cuts it is the
	// roster change alone, not a request A refuses.
	b := startClosed(t, keyB, net, []protocol.Block{a.block(t, adm)}, func(c *Config) {
		c.Bootstrap = addrsWith(a, "/tcp/")[:1]
	}, WithoutGossip())
	eventually(t, 20*time.Second, "B to connect to A and sync", func() bool {
		return connected(a, b.h.ID()) && connected(b, a.h.ID()) && syncsEnded(b, 1)
	})

	changed := a.trust.RosterChanged()
	a.addTrust(t, keyA, &trust.Revocation{Node: pubKey(t, keyB), Reason: "départ"})
	<-changed
	revokedAt := time.Now()
	eventually(t, 5*time.Second, "A to drop B within 5 seconds of the revocation", func() bool {
		return !connected(a, b.h.ID())
	})
	t.Logf("B dropped %v after the roster changed", time.Since(revokedAt))

	refusedBefore := a.Status().Counters.RefusedPeers
	if err := b.Connect(context.Background(), addrsWith(a, "/tcp/")[0]); err == nil {
		eventually(t, 10*time.Second, "A to drop B again", func() bool { return !connected(a, b.h.ID()) && !connected(b, a.h.ID()) })
	}
	if got := a.Status().Counters.RefusedPeers; got <= refusedBefore {
		t.Errorf("refused peers %d, want more than %d", got, refusedBefore)
	}
	entry := newAuthor(t).create(t, "Après la révocation")
	b.store(t, entry)
	if err := b.Connect(context.Background(), addrsWith(a, "/quic-v1")[0]); err == nil {
		eventually(t, 10*time.Second, "A to drop B over QUIC", func() bool { return !connected(a, b.h.ID()) })
	}
	if ok, _ := a.cat.Has(context.Background(), entry.CID); ok {
		t.Error("A stored a revision sent by a revoked node")
	}
}

// The join identity of an invitation connects to the node that issued
// it, and may open join streams only: every other stream (sync, and
// libp2p's own ping) is reset, while a join request is answered.
func TestJoinIdentityOpensJoinStreamsOnly(t *testing.T) {
	keyA := nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, nil)
	_, code, err := a.Invite(context.Background(), InviteOptions{Label: "Collège C"})
	if err != nil {
		t.Fatal(err)
	}
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
	ai, err := peer.AddrInfoFromP2pAddr(addrsWith(a, "/tcp/")[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Connect(ctx, *ai); err != nil {
		t.Fatalf("the join identity was refused: %v", err)
	}
	if s, err := j.NewStream(ctx, a.h.ID(), ProtoSync); err == nil {
		_ = wire.WriteFrame(s, wire.SyncRequest{V: wire.Version, Net: net.id, Count: 1, Recon: []byte{1, 0, 0, 0}})
		_, err = wire.ReadRaw(wire.NewReader(s), 1<<20)
		_ = s.Reset()
		if err == nil {
			t.Error("the join identity got an answer to a sync request")
		}
	}
	if s, err := j.NewStream(ctx, a.h.ID(), ping.ID); err == nil {
		buf := make([]byte, ping.PingSize)
		_, err = s.Write(buf)
		if err == nil {
			_, err = io.ReadFull(s, buf)
		}
		_ = s.Reset()
		if err == nil {
			t.Error("the join identity got an answer to a ping")
		}
	}
	if !connected(a, j.ID()) {
		t.Fatal("the join identity was disconnected")
	}
	s, err := j.NewStream(ctx, a.h.ID(), ProtoJoin)
	if err != nil {
		t.Fatal(err)
	}
	keyN := nodeKey(t)
	req := wire.JoinRequest{V: wire.Version, Net: net.id, Inv: inv.ID[:], Label: "Collège C"}
	if err := req.Sign(edKey(t, keyN), []byte(j.ID())); err != nil {
		t.Fatal(err)
	}
	resp, err := exchangeJoin(ctx, s, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != wire.JoinAdmitted {
		t.Fatalf("status %q, want admitted", resp.Status)
	}
	if got := a.trust.Roster().Active(pubKey(t, keyN)); !got {
		t.Error("the joining node is not active in the inviter's roster")
	}
}

// A non-member whose connection slips in (a host given by WithHost has
// no gater) is answered CodeNotMember on sync, fetch and bulk, and gets
// nothing.
func TestNonMemberStreamsAnsweredNotMember(t *testing.T) {
	c := newCluster(t)
	keyA := nodeKey(t)
	net := newFedNet(t, keyA)
	h, err := c.mn.AddPeer(keyA, ma.StringCast("/ip4/127.0.0.1/tcp/4001"))
	if err != nil {
		t.Fatal(err)
	}
	c.linkToAll(h.ID())
	cat := newMemCatalogue()
	if _, err := cat.AddRevisions(context.Background(), []protocol.Block{net.charter}); err != nil {
		t.Fatal(err)
	}
	mt := newMemTrust(cat, net.id)
	logs := &logBuffer{}
	conf := testConfig(logs)
	conf.Network, conf.Trust = net.id, mt
	a, err := New(conf, cat, WithHost(h))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.nodes = append(c.nodes, &testNode{Node: a, cat: cat, logs: logs, h: h, trust: mt})
	// A publishes its addresses at start, which changes its roster:
	// let that pass, so that it is not what cuts the peers below.
	eventually(t, 10*time.Second, "A to publish its addresses", func() bool {
		info, _ := mt.Roster().Node(pubKey(t, keyA))
		return len(info.Addrs) > 0
	})
	ctx := context.Background()
	charter := wire.CIDBytes([]cid.Cid{net.charter.CID})
	requests := map[string]any{
		string(ProtoSync):  wire.SyncRequest{V: wire.Version, Net: net.id, Count: 1, Recon: []byte{1, 0, 0, 0}},
		string(ProtoFetch): wire.FetchRequest{V: wire.Version, Net: net.id, CIDs: charter},
		string(ProtoBulk):  wire.BulkRequest{V: wire.Version, Net: net.id},
	}
	for proto, req := range requests {
		x, err := c.mn.GenPeer()
		if err != nil {
			t.Fatal(err)
		}
		c.linkToAll(x.ID())
		if _, err := c.mn.ConnectPeers(x.ID(), h.ID()); err != nil {
			t.Fatal(err)
		}
		s, err := x.NewStream(ctx, h.ID(), libp2pproto.ID(proto))
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		if err := wire.WriteFrame(s, req); err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		var resp wire.ErrorFrame
		err = wire.ReadFrame(wire.NewReader(s), 1<<20, &resp)
		_ = s.Reset()
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		if resp.Code != protocol.CodeNotMember {
			t.Errorf("%s answered code %v, want not a member", proto, resp.Code)
		}
		eventually(t, 10*time.Second, "A to close the non-member's connection", func() bool {
			return len(h.Network().ConnsToPeer(x.ID())) == 0
		})
	}
}

// The gossip validator ignores a message forwarded by a non-member,
// even a valid revision, and queues nothing of it.
func TestGossipIgnoresNonMembers(t *testing.T) {
	keyA, keyB := nodeKey(t), nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, nil)
	a.addTrust(t, keyA, &trust.Admission{Node: pubKey(t, keyB), Role: trust.RoleMember, Label: "Lycée B"})
	rev := newAuthor(t).create(t, "Par la rumeur")
	data, err := wire.EncodeGossip(rev)
	if err != nil {
		t.Fatal(err)
	}
	msg := func() *pubsub.Message { return &pubsub.Message{Message: &pb.Message{Data: data}} }
	if got := a.gossip.validate(context.Background(), peerOf(t, nodeKey(t)), msg()); got != pubsub.ValidationIgnore {
		t.Errorf("from a non-member: %v, want ignore", got)
	}
	if len(a.gossip.queue) != 0 {
		t.Error("a non-member's revision was queued for storing")
	}
	if got := a.gossip.validate(context.Background(), peerOf(t, keyB), msg()); got != pubsub.ValidationAccept {
		t.Errorf("from a member: %v, want accept", got)
	}
}

// Refused peers are logged at most once a minute, each line with the
// number refused since the previous one.
func TestRefusedPeersLoggedOnceAMinute(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	keyA := nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, nil, withClock(clock))
	addr := addrsWith(a, "/tcp/")[0]
	knock := func() {
		h, err := libp2p.New(libp2p.Identity(nodeKey(t)), libp2p.NoListenAddrs, libp2p.DisableMetrics())
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		before := a.Status().Counters.RefusedPeers
		ai, err := peer.AddrInfoFromP2pAddr(addr)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Connect(ctx, *ai) // one dial, refused
		eventually(t, 10*time.Second, "the knock to be refused", func() bool { return a.Status().Counters.RefusedPeers > before })
	}
	line := regexp.MustCompile(`refused peers that are not members[^\n]* refused=(\d+)`)
	lines := func() []int {
		var out []int
		for _, m := range line.FindAllStringSubmatch(a.logs.String(), -1) {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n)
		}
		return out
	}
	for range 3 {
		knock()
	}
	firstMinute := a.Status().Counters.RefusedPeers
	if got := lines(); len(got) != 1 || got[0] != 1 {
		t.Fatalf("log lines with counts %v after %d refusals in a minute, want one line counting 1", got, firstMinute)
	}
	offset.Store(int64(61 * time.Second))
	knock()
	total := a.Status().Counters.RefusedPeers
	got := lines()
	if len(got) != 2 {
		t.Fatalf("log lines with counts %v after a minute more, want two", got)
	}
	if uint64(got[0]+got[1]) != total {
		t.Errorf("lines count %v refusals, the node counted %d", got, total)
	}
}

// The catalogue is the node's roster in a running node.
var _ Trust = (*catalogue.Catalogue)(nil)
