package node

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"

	"github.com/mutu-network/mutu/protocol/trust"
)

// LAN discovery (Config.LAN) announces the node by mDNS under a
// service name of its network and connects to the peers it finds:
// go-libp2p's mDNS only reports them. The service reads the host's
// addresses once, when it starts. It is off by default because it
// sends multicast on every interface; tests never turn it on.

// mdnsServiceName returns the mDNS service of a network. A network
// named by its charter's CID (59 characters) would make a DNS label
// over the 63 bytes DNS allows: its service takes the last 16
// characters of the CID (80 random bits of its hash). A network named
// by a name keeps the service it always had.
func mdnsServiceName(network string) string {
	if !trust.IsName(network) && len(network) > 16 {
		network = network[len(network)-16:]
	}
	return "_mutu-" + network + "._udp"
}

// startMDNS starts LAN discovery.
func startMDNS(n *Node) (interface{ Close() error }, error) {
	svc := mdns.NewMdnsService(n.host, mdnsServiceName(n.cfg.Network), lanNotifee{n})
	if err := svc.Start(); err != nil {
		return nil, fmt.Errorf("node: start mDNS: %w", err)
	}
	return svc, nil
}

// lanNotifee connects to peers found on the LAN.
type lanNotifee struct{ n *Node }

// HandlePeerFound dials the peer from a goroutine owned by the node.
func (l lanNotifee) HandlePeerFound(ai peer.AddrInfo) {
	n := l.n
	if ai.ID == n.host.ID() || n.pen.banned(ai.ID) {
		return
	}
	n.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		if err := n.host.Connect(ctx, ai); err != nil {
			n.log.Debug("connect to LAN peer", "peer", ai.ID, "err", err)
			return
		}
		n.log.Info("found peer on the LAN", "peer", ai.ID)
	})
}
