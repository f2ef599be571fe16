package node

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Penalties. Every piece of bad input a peer sends (a revision whose
// signature or CID does not verify, a frame that is malformed or too
// large, a flood past the rate limit) is a strike; a peer that gathers
// banThreshold strikes within strikeWindow is disconnected and refused
// for banDuration. Some offences (another network) weigh a full ban.
const (
	banThreshold = 10
	strikeWindow = 10 * time.Minute
	banDuration  = time.Hour
)

// penalties counts strikes per peer and says who is banned.
// It is safe for concurrent use.
type penalties struct {
	now   func() time.Time
	mu    sync.Mutex // guards peers
	peers map[peer.ID]*offences
}

type offences struct {
	strikes int
	last    time.Time
	until   time.Time // banned until then
}

func newPenalties() *penalties {
	return &penalties{now: time.Now, peers: make(map[peer.ID]*offences)}
}

// strike adds weight strikes against p. It reports the strikes now
// counted and whether this strike banned p.
func (pe *penalties) strike(p peer.ID, weight int) (strikes int, bannedNow bool) {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	now := pe.now()
	o := pe.peers[p]
	if o == nil {
		o = &offences{}
		pe.peers[p] = o
	}
	if now.Sub(o.last) > strikeWindow {
		o.strikes = 0
	}
	o.last = now
	o.strikes += weight
	if o.strikes >= banThreshold && !now.Before(o.until) {
		o.until = now.Add(banDuration)
		return o.strikes, true
	}
	return o.strikes, false
}

// banned reports whether p is refused now.
func (pe *penalties) banned(p peer.ID) bool {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	o := pe.peers[p]
	return o != nil && pe.now().Before(o.until)
}

// count returns the strikes held against p.
func (pe *penalties) count(p peer.ID) int {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if o := pe.peers[p]; o != nil {
		return o.strikes
	}
	return 0
}

// prune forgets peers whose strikes and ban have expired.
func (pe *penalties) prune() {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	now := pe.now()
	for p, o := range pe.peers {
		if now.Sub(o.last) > strikeWindow && !now.Before(o.until) {
			delete(pe.peers, p)
		}
	}
}

// gater is the host's connection gater: it refuses banned peers, in
// both directions, once they have authenticated, and in a closed
// network every peer that is neither an active node nor the join
// identity of one of the node's invitations (closed.go).
type gater struct {
	pen *penalties
	acc *access
}

func (g gater) InterceptPeerDial(p peer.ID) bool {
	return !g.pen.banned(p) && g.acc.admits(p)
}
func (g gater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }
func (g gater) InterceptAccept(network.ConnMultiaddrs) bool  { return true }
func (g gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return true, 0
}
func (g gater) InterceptSecured(dir network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	if g.pen.banned(p) {
		return false
	}
	if !g.acc.admits(p) {
		g.acc.refuseConn(p, dir)
		return false
	}
	return true
}

// blacklist lets pubsub drop banned peers' messages and streams.
type blacklist struct{ pen *penalties }

// Add is called by pubsub.BlacklistPeer, which the node does not use:
// bans go through penalties.
func (b blacklist) Add(p peer.ID) bool      { return false }
func (b blacklist) Contains(p peer.ID) bool { return b.pen.banned(p) }
