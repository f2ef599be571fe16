package node

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// randomPeer returns a new peer ID.
func randomPeer(t testing.TB) peer.ID {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The sync table forgets peers gone for a while, so that it does not
// grow with every peer ever met; connected peers stay.
func TestSyncTableForgetsGonePeers(t *testing.T) {
	c := newCluster(t)
	a, b, n := c.add(nil, nil), c.add(nil, nil), c.add(nil, nil)
	c.connect(n, a)
	c.connect(n, b)
	eventually(t, 20*time.Second, "the syncs with A and B to end", func() bool { return syncsEnded(n, 2) })
	c.partition(n, b)
	n.tidy(time.Now())
	if got := len(n.Status().Sync); got != 2 {
		t.Fatalf("right after B left, the sync table has %d peers, want 2", got)
	}
	n.tidy(time.Now().Add(peerForget + time.Minute))
	st := n.Status()
	if len(st.Sync) != 1 || st.Sync[0].Peer != a.h.ID() {
		t.Errorf("after B was gone for %v, the sync table is %+v, want A only", peerForget, st.Sync)
	}
}

// The gossip rate limiter forgets peers idle for a while.
func TestGossipLimiterForgetsIdlePeers(t *testing.T) {
	c := newCluster(t)
	n := c.add(nil, nil)
	n.mu.Lock()
	g := n.gossip
	n.mu.Unlock()
	now := time.Now()
	for range 100 {
		if ok, _, done := g.limiter.acquire(randomPeer(t), now); ok {
			done()
		}
	}
	n.tidy(now.Add(limiterIdle + time.Minute))
	g.limiter.mu.Lock()
	left := len(g.limiter.peers)
	g.limiter.mu.Unlock()
	if left != 0 {
		t.Errorf("the gossip limiter still tracks %d idle peers, want 0", left)
	}
}
