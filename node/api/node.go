package api

import (
	"context"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/node"
	"github.com/mutu-network/mutu/protocol"
)

// NodeNetwork shows a running node to the API and the web pages, as
// their Network.
func NodeNetwork(n *node.Node) Network { return nodeNetwork{n} }

type nodeNetwork struct{ n *node.Node }

func (a nodeNetwork) Publish(ctx context.Context, b protocol.Block) error {
	return a.n.Publish(ctx, b)
}

func (a nodeNetwork) Status() Status {
	s := a.n.Status()
	out := Status{PeerID: s.PeerID.String(), Network: s.Network, PeersConnected: s.PeersConnected}
	for _, addr := range s.Addrs {
		out.Addrs = append(out.Addrs, addr.String())
	}
	for _, p := range s.Sync {
		out.Sync = append(out.Sync, PeerSync{
			Peer: p.Peer.String(), Connected: p.Connected, Running: p.Running, LastSync: p.LastSync,
			Mode: p.Mode, Result: p.Result, Received: p.Received, ReceivedTotal: p.ReceivedTotal,
		})
	}
	return out
}

func (a nodeNetwork) Peers() []Peer {
	out := []Peer{}
	for _, p := range a.n.Peers() {
		ap := Peer{ID: p.ID.String()}
		for _, addr := range p.Addrs {
			ap.Addrs = append(ap.Addrs, addr.String())
		}
		out = append(out, ap)
	}
	return out
}

func (a nodeNetwork) Fetch(ctx context.Context, cids []cid.Cid) (BlockFetch, error) {
	r, err := a.n.FetchBlocks(ctx, cids)
	return BlockFetch{Wanted: r.Wanted, Fetched: r.Fetched, Bytes: r.Bytes, Peers: r.Peers, From: r.From}, err
}
