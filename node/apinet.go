package node

import (
	"context"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/node/api"
)

// API shows the node to the local API and the web pages as their
// api.Network: its status and peers in the API's terms, and the
// fetching of attachments on demand.
func (n *Node) API() api.Network { return apiNetwork{n} }

type apiNetwork struct{ n *Node }

func (a apiNetwork) Status() api.Status {
	s := a.n.Status()
	c := s.Counters
	out := api.Status{PeerID: s.PeerID.String(), Network: s.Network, PeersConnected: s.PeersConnected,
		Counters: &api.Counters{
			Stored: c.Stored, SignaturesChecked: c.SignaturesChecked, Announced: c.Announced, AnnouncedBySync: c.AnnouncedBySync,
			GossipReceived: c.GossipReceived, RevisionsReceived: c.RevisionsReceived, Rejected: c.Rejected,
		}}
	for _, addr := range s.Addrs {
		out.Addrs = append(out.Addrs, addr.String())
	}
	for _, p := range s.Sync {
		out.Sync = append(out.Sync, api.PeerSync{
			Peer: p.Peer.String(), Connected: p.Connected, Running: p.Running, LastSync: p.LastSync,
			Mode: p.Mode, Result: p.Result, Received: p.Received, ReceivedTotal: p.ReceivedTotal,
		})
	}
	return out
}

func (a apiNetwork) Peers() []api.Peer {
	out := []api.Peer{}
	for _, p := range a.n.Peers() {
		ap := api.Peer{ID: p.ID.String()}
		for _, addr := range p.Addrs {
			ap.Addrs = append(ap.Addrs, addr.String())
		}
		out = append(out, ap)
	}
	return out
}

func (a apiNetwork) Fetch(ctx context.Context, cids []cid.Cid) (api.BlockFetch, error) {
	return a.n.FetchBlocks(ctx, cids)
}
