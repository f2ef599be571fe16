package node

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Finding the members (docs/protocol.md, Part 4 §4.6). In a closed
// network every active node publishes an addresses record with its
// listen addresses when they differ from the last one it published, and
// keeps connections to the active members: all of them up to
// maxMemberConns, beyond that the maxMemberConns whose SHA-256(own key ‖
// member key) is highest, a stable, random-looking subset different for
// each node, so that no single node down cuts anyone off. It dials
// those it is not connected to at most every memberDialEvery, at the
// addresses of their records and those its peerstore has seen, and
// protects their connections from the connection manager's trimming.
//
// The same loop closes, as soon as the roster changes, the connections
// of the peers it no longer admits (a revoked node): closed.go.

// Limits of connection maintenance.
const (
	maxMemberConns   = 32
	memberDialEvery  = 10 * time.Second
	addrsRecordEvery = time.Minute // at most one addresses record a minute
	memberTag        = "mutu-member"
)

// memberState is what the member loop remembers between its rounds.
// Only memberLoop uses it, but dials it starts report back: mu guards
// dialing.
type memberState struct {
	lastDial    map[peer.ID]time.Time
	protected   map[peer.ID]bool
	lastPublish time.Time
	mu          sync.Mutex // guards dialing
	dialing     map[peer.ID]bool
}

// memberLoop runs while the node runs with a Trust: at start, when the
// roster changes, when the host's addresses change and every
// memberDialEvery, it drops the peers the roster no longer admits and,
// in a closed network, publishes the node's addresses and dials the
// members it should be connected to.
func (n *Node) memberLoop(ctx context.Context) {
	addrsChanged, err := n.host.EventBus().Subscribe(new(event.EvtLocalAddressesUpdated))
	if err != nil {
		n.log.Warn("subscribe to address changes; addresses are checked every 10 seconds", "err", err)
	} else {
		defer addrsChanged.Close()
	}
	var addrEvents <-chan any
	if addrsChanged != nil {
		addrEvents = addrsChanged.Out()
	}
	st := &memberState{lastDial: make(map[peer.ID]time.Time), protected: make(map[peer.ID]bool), dialing: make(map[peer.ID]bool)}
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(memberDialEvery)
	defer t.Stop()
	rosterChanged := true
	for {
		changed := n.cfg.Trust.RosterChanged()
		if rosterChanged {
			n.dropRefused()
		}
		if r := n.acc.roster(); r != nil {
			n.publishAddrs(ctx, r, st)
			n.dialMembers(ctx, r, st, &wg)
		}
		rosterChanged = false
		select {
		case <-ctx.Done():
			return
		case <-changed:
			rosterChanged = true
		case <-t.C:
		case <-addrEvents:
		}
	}
}

// publishAddrs publishes an addresses record when the node's listen
// addresses differ from those of its latest record in r.
func (n *Node) publishAddrs(ctx context.Context, r *trust.Roster, st *memberState) {
	key, err := n.signingKey()
	if err != nil {
		return
	}
	info, ok := r.Node(protocol.PublicKey(key))
	if !ok || info.Revoked {
		return
	}
	addrs := recordAddrs(n.host.Addrs())
	if len(addrs) == 0 || sameAddrs(addrs, info.Addrs) {
		return
	}
	now := time.Now()
	if !st.lastPublish.IsZero() && now.Sub(st.lastPublish) < addrsRecordEvery {
		return // a later round publishes them
	}
	st.lastPublish = now
	if _, err := n.cfg.Trust.AddTrust(ctx, key, &trust.Addresses{Addrs: addrs}); err != nil {
		if ctx.Err() == nil {
			n.log.Warn("publish this node's addresses", "addrs", addrs, "err", err)
		}
		return
	}
	n.log.Info("published this node's addresses", "addrs", addrs)
}

// dialMembers protects the connections of the members the node keeps
// connections to, and dials those not connected that were not dialled
// in the last memberDialEvery.
func (n *Node) dialMembers(ctx context.Context, r *trust.Roster, st *memberState, wg *sync.WaitGroup) {
	key, err := n.signingKey()
	if err != nil {
		return
	}
	self := protocol.PublicKey(key)
	targets := chooseMembers(self, r)
	keep := make(map[peer.ID]bool, len(targets))
	now := time.Now()
	cm := n.host.ConnManager()
	for _, m := range targets {
		p, err := nodePeerID(m.Key)
		if err != nil || n.pen.banned(p) {
			continue
		}
		keep[p] = true
		if !st.protected[p] {
			cm.Protect(p, memberTag)
			st.protected[p] = true
		}
		if n.host.Network().Connectedness(p) == network.Connected || now.Sub(st.lastDial[p]) < memberDialEvery {
			continue
		}
		ai := peer.AddrInfo{ID: p, Addrs: parseAddrs(m.Addrs)}
		if len(ai.Addrs) == 0 && len(n.host.Peerstore().Addrs(p)) == 0 {
			continue // no address known yet: its record will come
		}
		st.mu.Lock()
		busy := st.dialing[p] || len(st.dialing) >= maxParallelDials
		if !busy {
			st.dialing[p] = true
		}
		st.mu.Unlock()
		if busy {
			continue
		}
		st.lastDial[p] = now
		wg.Go(func() {
			defer func() {
				st.mu.Lock()
				delete(st.dialing, p)
				st.mu.Unlock()
			}()
			dctx, cancel := context.WithTimeout(ctx, dialTimeout)
			defer cancel()
			if err := n.host.Connect(dctx, ai); err != nil && ctx.Err() == nil {
				n.log.Debug("dial member", "peer", p, "node", m.Label, "err", err)
			}
		})
	}
	for p := range st.protected {
		if !keep[p] {
			cm.Unprotect(p, memberTag)
			delete(st.protected, p)
		}
	}
	for p := range st.lastDial {
		if !keep[p] {
			delete(st.lastDial, p)
		}
	}
}

// chooseMembers returns the active members other than self that a node
// keeps connections to: all of them up to maxMemberConns, beyond that
// those with the highest SHA-256(self ‖ member key).
func chooseMembers(self protocol.AuthorKey, r *trust.Roster) []trust.NodeInfo {
	var out []trust.NodeInfo
	for _, m := range r.Nodes() {
		if m.Key != self && !m.Revoked {
			out = append(out, m)
		}
	}
	if len(out) <= maxMemberConns {
		return out
	}
	rank := func(k protocol.AuthorKey) []byte {
		h := sha256.New()
		h.Write(self[:])
		h.Write(k[:])
		return h.Sum(nil)
	}
	slices.SortFunc(out, func(a, b trust.NodeInfo) int { return bytes.Compare(rank(b.Key), rank(a.Key)) })
	return out[:maxMemberConns]
}

// parseAddrs parses the addresses of a record, skipping those that do
// not parse or name a peer.
func parseAddrs(texts []string) []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, s := range texts {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		if _, err := a.ValueForProtocol(ma.P_P2P); err == nil {
			continue
		}
		out = append(out, a)
	}
	return out
}

// recordAddrs returns the addresses an addresses record carries: those
// publicAddrs chooses, in text.
func recordAddrs(addrs []ma.Multiaddr) []string {
	var out []string
	for _, a := range publicAddrs(addrs, trust.MaxAddrs) {
		if s := a.String(); len(s) <= trust.MaxAddrLen {
			out = append(out, s)
		}
	}
	return out
}

// sameAddrs reports whether two lists hold the same addresses, in any
// order.
func sameAddrs(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// publicAddrs chooses, among a host's listen addresses, at most max to
// give to others (in a code or an addresses record): public addresses
// first, then private ones, loopback addresses only when there are no
// others (a node tried on one machine); never relayed, unspecified or
// IPv6 link-local ones, nor a /p2p/ part.
func publicAddrs(addrs []ma.Multiaddr, max int) []ma.Multiaddr {
	type ranked struct {
		a    ma.Multiaddr
		rank int
	}
	var rs []ranked
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_CIRCUIT); err == nil {
			continue
		}
		if _, err := a.ValueForProtocol(ma.P_P2P); err == nil {
			a, _ = ma.SplitLast(a)
			if a == nil {
				continue
			}
		}
		if manet.IsIPUnspecified(a) || manet.IsIP6LinkLocal(a) {
			continue
		}
		rank := 1
		switch {
		case manet.IsPublicAddr(a):
			rank = 0
		case manet.IsIPLoopback(a):
			rank = 2
		}
		if !slices.ContainsFunc(rs, func(r ranked) bool { return r.a.Equal(a) }) {
			rs = append(rs, ranked{a, rank})
		}
	}
	slices.SortFunc(rs, func(x, y ranked) int {
		return cmp.Or(cmp.Compare(x.rank, y.rank), cmp.Compare(x.a.String(), y.a.String()))
	})
	others := len(rs) > 0 && rs[0].rank < 2
	var out []ma.Multiaddr
	for _, r := range rs {
		if r.rank == 2 && others || len(out) == max {
			break
		}
		out = append(out, r.a)
	}
	return out
}
