package node

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol/wire"
)

// Tests with real libp2p hosts, TCP and QUIC, on 127.0.0.1 only.

func nodeKey(t testing.TB) crypto.PrivKey {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// loopback is where real test hosts listen: ports picked by the system.
func loopback() []ma.Multiaddr {
	return []ma.Multiaddr{
		ma.StringCast("/ip4/127.0.0.1/tcp/0"),
		ma.StringCast("/ip4/127.0.0.1/udp/0/quic-v1"),
	}
}

// startReal starts a node with its own host on 127.0.0.1.
func startReal(t testing.TB, key crypto.PrivKey, cat *memCatalogue, cfg func(*Config), opts ...Option) *testNode {
	t.Helper()
	if cat == nil {
		cat = newMemCatalogue()
	}
	logs := &logBuffer{}
	conf := testConfig(logs)
	conf.PrivKey = key
	conf.ListenAddrs = loopback()
	if cfg != nil {
		cfg(&conf)
	}
	n, err := New(conf, cat, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	tn := &testNode{Node: n, cat: cat, logs: logs, h: n.Host()}
	t.Cleanup(func() {
		_ = n.Close()
		if t.Failed() {
			t.Logf("node %s log:\n%s", tn.h.ID(), logs.String())
		}
	})
	return tn
}

// addrsWith returns the addresses of n that contain proto.
func addrsWith(n *testNode, proto string) []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, a := range n.Addrs() {
		if strings.Contains(a.String(), proto) {
			out = append(out, a)
		}
	}
	return out
}

// Two nodes on loopback join through an invitation code and replicate;
// one restarted with the same identity and peer file finds the other
// again by itself; a third reaches them through its bootstrap list.
func TestRealHostsInvitePeerStoreBootstrap(t *testing.T) {
	dir := t.TempDir()
	peersA := filepath.Join(dir, "a-peers.json")
	keyA := nodeKey(t)
	withPeers := func(cfg *Config) { cfg.PeerStorePath = peersA }
	a := startReal(t, keyA, nil, withPeers)
	b := startReal(t, nodeKey(t), nil, nil)

	code, err := wire.EncodeInvite(DefaultNetwork, addrsWith(b, "/tcp/"))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := wire.DecodeInvite(code)
	if err != nil {
		t.Fatal(err)
	}
	network, addrs := inv.Network, inv.Addrs
	if network != DefaultNetwork {
		t.Fatalf("invitation for %q", network)
	}
	ctx := context.Background()
	if err := a.Connect(ctx, addrs[0]); err != nil {
		t.Fatal(err)
	}
	au := newAuthor(t)
	a.store(t, au.create(t, "Bourses : calendrier"))
	eventually(t, 20*time.Second, "B to receive A's revision", func() bool { return converged(1, a, b) })
	eventually(t, 10*time.Second, "A to learn B's listen addresses", func() bool {
		return a.known.save() == nil && fileContains(peersA, b.h.ID().String())
	})

	catA := a.cat
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b.store(t, au.create(t, "Voyages : assurance"))

	// Same key, same peer file, no bootstrap: A redials B by itself.
	a2 := startReal(t, keyA, catA, withPeers)
	eventually(t, 30*time.Second, "A to reconnect to B and catch up", func() bool { return converged(2, a2, b) })

	c := startReal(t, nodeKey(t), nil, func(cfg *Config) { cfg.Bootstrap = addrsWith(b, "/tcp/")[:1] })
	eventually(t, 30*time.Second, "C to join through its bootstrap peer", func() bool { return converged(2, a2, b, c) })
}

func fileContains(path, s string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(data), s)
}

// Nodes replicate over QUIC alone.
func TestRealHostsQUIC(t *testing.T) {
	a := startReal(t, nodeKey(t), nil, nil)
	b := startReal(t, nodeKey(t), nil, nil)
	quic := addrsWith(b, "/quic-v1")
	if len(quic) == 0 {
		t.Fatal("no QUIC address")
	}
	if err := a.Connect(context.Background(), quic[0]); err != nil {
		t.Fatal(err)
	}
	a.store(t, newAuthor(t).docs(t, 5, "quic")...)
	eventually(t, 20*time.Second, "B to receive over QUIC", func() bool { return converged(5, a, b) })
	for _, c := range b.h.Network().ConnsToPeer(a.h.ID()) {
		if !strings.Contains(c.RemoteMultiaddr().String(), "quic") {
			t.Errorf("connection over %s, want QUIC", c.RemoteMultiaddr())
		}
	}
}

// Nodes of two networks refuse each other: each answers or receives
// CodeWrongNetwork, disconnects, and its gater refuses the other.
func TestRealHostsWrongNetwork(t *testing.T) {
	a := startReal(t, nodeKey(t), nil, nil)
	keyX := nodeKey(t)
	x := startReal(t, keyX, nil, func(cfg *Config) { cfg.Network = "autre" })
	ctx := context.Background()
	if err := x.Connect(ctx, addrsWith(a, "/tcp/")[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "both to refuse the other", func() bool {
		return a.pen.banned(x.h.ID()) && x.pen.banned(a.h.ID()) &&
			!connected(a, x.h.ID()) && !connected(x, a.h.ID())
	})
	eventually(t, 5*time.Second, "both logs to say why", func() bool {
		return a.logs.contains("wrong network") && x.logs.contains("wrong network")
	})
	if err := x.Connect(ctx, addrsWith(a, "/tcp/")[0]); err == nil {
		t.Error("X connected again to a peer it blocked")
	}
	// A's gater refuses the blocked identity, whatever host carries it.
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	h, err := libp2p.New(libp2p.Identity(keyX), libp2p.NoListenAddrs, libp2p.DisableMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ai, err := peer.AddrInfoFromP2pAddr(addrsWith(a, "/tcp/")[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Connect(ctx, *ai); err == nil {
		eventually(t, 5*time.Second, "A to drop the blocked peer", func() bool { return !connected(a, h.ID()) })
	}
}

// TestSecondNodeOnTheSamePortsRefused: two nodes on one machine with the
// same fixed ports. libp2p's port reuse let the second share the first's
// TCP port and lose its QUIC listener without a word; it is now refused
// at start, naming the address.
func TestSecondNodeOnTheSamePortsRefused(t *testing.T) {
	first := startReal(t, nodeKey(t), nil, nil)
	var fixed []ma.Multiaddr
	for _, a := range first.h.Network().ListenAddresses() {
		if strings.HasPrefix(a.String(), "/ip4/127.0.0.1/") {
			fixed = append(fixed, a)
		}
	}
	if len(fixed) != 2 {
		t.Fatalf("the first node listens on %v, want a TCP and a QUIC address", fixed)
	}
	for _, a := range fixed {
		conf := testConfig(&logBuffer{})
		conf.PrivKey = nodeKey(t)
		conf.ListenAddrs = []ma.Multiaddr{a}
		n, err := New(conf, newMemCatalogue())
		if err == nil {
			err = n.Start(context.Background())
			defer n.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "port is in use") || !strings.Contains(err.Error(), a.String()) {
			t.Errorf("a second node on %s: %v, want a refusal naming the address in use", a, err)
		}
	}
}
