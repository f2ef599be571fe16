package node

import (
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// addrConn is a connection as peerInfo reads it: its remote address.
type addrConn struct {
	network.Conn
	remote ma.Multiaddr
}

func (c addrConn) RemoteMultiaddr() ma.Multiaddr { return c.remote }

// TestPeersListEachAddressOnce: two connections to the same address of
// a peer (both ends dialling at once, each from its listening port)
// list that address once, as `mutu peers`, its --json and the network
// page show it; other addresses keep the order of the connections.
// (They were listed once per connection.)
func TestPeersListEachAddressOnce(t *testing.T) {
	tcp, quic := ma.StringCast("/ip4/127.0.0.1/tcp/4001"), ma.StringCast("/ip4/127.0.0.1/udp/4001/quic-v1")
	ai := peerInfo(peer.ID("b"), []network.Conn{
		addrConn{remote: tcp}, addrConn{remote: quic}, addrConn{remote: ma.StringCast("/ip4/127.0.0.1/tcp/4001")},
	})
	if len(ai.Addrs) != 2 || !ai.Addrs[0].Equal(tcp) || !ai.Addrs[1].Equal(quic) {
		t.Errorf("addresses %v, want %v and %v once each", ai.Addrs, tcp, quic)
	}
}

// TestPeersOfARunningNode: Peers lists a connected peer once, with its
// address.
func TestPeersOfARunningNode(t *testing.T) {
	c := newCluster(t)
	a, b := c.add(nil, nil), c.add(nil, nil)
	c.connect(a, b)
	peers := a.Peers()
	if len(peers) != 1 || peers[0].ID != b.h.ID() || len(peers[0].Addrs) != 1 {
		t.Errorf("Peers = %v, want b with one address", peers)
	}
}
