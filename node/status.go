package node

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol"
)

// Status is a snapshot of the node for people and for the local API.
type Status struct {
	PeerID  peer.ID
	Addrs   []ma.Multiaddr // full, with /p2p/ID
	Network string
	Gossip  bool // live propagation is on
	// PeersConnected counts peers with an open connection.
	PeersConnected int
	// Revisions counts the revisions held.
	Revisions int
	// Sync is the sync state of every peer synced with since start,
	// ordered by peer ID; a peer gone for ten minutes leaves it.
	Sync     []PeerSync
	Counters Counters
}

// PeerSync is the outcome of the last sync with one peer.
type PeerSync struct {
	Peer      peer.ID
	Connected bool
	Running   bool      // a sync with the peer is in progress
	LastSync  time.Time // end of the last sync; zero if none ended yet
	Mode      string    // "reconcile" or "bulk+reconcile"
	// Result is "ok" or the error that ended the last sync.
	Result   string
	Received int // revisions received in the last sync
	// ReceivedTotal counts the revisions received from the peer since
	// start, or since it came back after it left the table: by the
	// syncs of this node, and those the peer offered at the end of its
	// own syncs.
	ReceivedTotal int
	Offered       int           // revisions the peer lacked, offered to it for pulling
	Duration      time.Duration // of the last sync
}

// Counters are totals since start.
type Counters struct {
	GossipReceived    uint64 // revisions received by gossip (whole or announced)
	GossipDropped     uint64 // gossip messages dropped because the worker lagged
	Rejected          uint64 // pieces of bad input refused
	RevisionsReceived uint64 // revisions received by fetch and bulk, verified
	RevisionsServed   uint64 // revisions sent by fetch
	BulkServed        uint64 // revisions sent by bulk
	BlocksServed      uint64 // attachment blocks sent
	BlocksReceived    uint64 // attachment blocks received, verified and stored
	// Stored counts the revisions the change feed brought: every
	// revision stored since start, whatever stored it.
	Stored uint64
	// SignaturesChecked counts the revision signatures this process
	// verified (protocol.SignaturesChecked).
	SignaturesChecked uint64
	// Announced counts the revisions of Stored published on gossip;
	// AnnouncedBySync those for which the peers were asked to sync
	// instead (too many at once for gossip).
	Announced       uint64
	AnnouncedBySync uint64
	// RefusedPeers counts the connections and streams refused because
	// the peer is not a member of the closed network (closed.go).
	RefusedPeers uint64
}

// counters is the live form of Counters.
type counters struct {
	gossipReceived    atomic.Uint64
	gossipDropped     atomic.Uint64
	rejected          atomic.Uint64
	revisionsReceived atomic.Uint64
	revisionsServed   atomic.Uint64
	bulkServed        atomic.Uint64
	blocksServed      atomic.Uint64
	blocksReceived    atomic.Uint64
	feedRevisions     atomic.Uint64
	announced         atomic.Uint64
	announcedBySync   atomic.Uint64
	attachPasses      atomic.Uint64 // passes of the attachment worker, for tests
	diskFullLog       throttle      // a full disk is logged at most once a minute
	otherVersionLog   throttle      // so is a peer of another protocol version
}

func (c *counters) snapshot() Counters {
	return Counters{
		GossipReceived:    c.gossipReceived.Load(),
		GossipDropped:     c.gossipDropped.Load(),
		Rejected:          c.rejected.Load(),
		RevisionsReceived: c.revisionsReceived.Load(),
		RevisionsServed:   c.revisionsServed.Load(),
		BulkServed:        c.bulkServed.Load(),
		BlocksServed:      c.blocksServed.Load(),
		BlocksReceived:    c.blocksReceived.Load(),
		Stored:            c.feedRevisions.Load(),
		SignaturesChecked: protocol.SignaturesChecked(),
		Announced:         c.announced.Load(),
		AnnouncedBySync:   c.announcedBySync.Load(),
	}
}

// Status returns a snapshot of the node.
func (n *Node) Status() Status {
	st := Status{
		Network:   n.cfg.Network,
		Revisions: n.index.len(),
		Counters:  n.stats.snapshot(),
	}
	st.Counters.RefusedPeers = n.acc.refused.total.Load()
	h := n.Host()
	if h != nil {
		st.PeerID = h.ID()
		st.Addrs = fullAddrs(h)
		st.PeersConnected = len(h.Network().Peers())
	}
	n.mu.Lock()
	st.Gossip = n.gossip != nil
	n.mu.Unlock()
	st.Sync = n.syncs.snapshot()
	if h != nil {
		for i := range st.Sync {
			st.Sync[i].Connected = len(h.Network().ConnsToPeer(st.Sync[i].Peer)) > 0
		}
	}
	slices.SortFunc(st.Sync, func(a, b PeerSync) int {
		switch {
		case a.Peer < b.Peer:
			return -1
		case a.Peer > b.Peer:
			return 1
		}
		return 0
	})
	return st
}
