package node

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// The address book in memory holds at most maxKnownPeers peers, as the
// file does: the most recently seen, and every bootstrap peer.
func TestKnownPeersCapped(t *testing.T) {
	k := newKnownPeers("")
	addr := []ma.Multiaddr{ma.StringCast("/ip4/127.0.0.1/tcp/4001")}
	boot := randomPeer(t)
	k.addBootstrap(peer.AddrInfo{ID: boot, Addrs: addr})
	start := time.Now().Add(-time.Hour)
	var last peer.ID
	for i := range 4 * maxKnownPeers {
		last = randomPeer(t)
		k.remember(last, addr, start.Add(time.Duration(i)*time.Second))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.peers) > maxKnownPeers {
		t.Errorf("%d known peers in memory, want at most %d", len(k.peers), maxKnownPeers)
	}
	if k.peers[boot] == nil {
		t.Error("the bootstrap peer was forgotten")
	}
	if k.peers[last] == nil {
		t.Error("the peer seen last was forgotten")
	}
}

// Known peers unseen for forgetAfter are forgotten in memory too, not
// only left out of the file; bootstrap peers stay.
func TestKnownPeersForgetUnseen(t *testing.T) {
	k := newKnownPeers("")
	addr := []ma.Multiaddr{ma.StringCast("/ip4/127.0.0.1/tcp/4001")}
	old, recent, boot := randomPeer(t), randomPeer(t), randomPeer(t)
	now := time.Now()
	k.remember(old, addr, now.Add(-forgetAfter-time.Hour))
	k.remember(recent, addr, now.Add(-time.Hour))
	k.addBootstrap(peer.AddrInfo{ID: boot, Addrs: addr})
	k.prune(now)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.peers[old] != nil || k.peers[recent] == nil || k.peers[boot] == nil {
		t.Errorf("after pruning: old kept %v, recent kept %v, bootstrap kept %v; want false, true, true",
			k.peers[old] != nil, k.peers[recent] != nil, k.peers[boot] != nil)
	}
}

// A crowd of new peer IDs cannot push out of the address book the peers
// a sync brought revisions from: the others go first.
func TestKnownPeersKeepSynced(t *testing.T) {
	dir := t.TempDir()
	k := newKnownPeers(filepath.Join(dir, "peers.json"))
	addr := []ma.Multiaddr{ma.StringCast("/ip4/127.0.0.1/tcp/4001")}
	useful := randomPeer(t)
	k.remember(useful, addr, time.Now().Add(-time.Hour))
	k.synced(useful)
	for range 2 * maxKnownPeers {
		k.remember(randomPeer(t), addr, time.Now())
	}
	k.mu.Lock()
	kept := k.peers[useful] != nil
	k.mu.Unlock()
	if !kept {
		t.Fatal("a peer synced with was forgotten for peers merely met since")
	}
	if err := k.save(); err != nil {
		t.Fatal(err)
	}
	again := newKnownPeers(k.path)
	if err := again.load(); err != nil {
		t.Fatal(err)
	}
	again.mu.Lock()
	defer again.mu.Unlock()
	if kp := again.peers[useful]; kp == nil || !kp.synced {
		t.Error("the peer synced with was not saved as such")
	}
}
