package node

import (
	"cmp"
	"context"
	"slices"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// memberLoop runs while the node runs with a Trust: at start and
// whenever the roster changes, it closes the connections of the peers
// the roster no longer admits (a revoked node), at once (closed.go).
func (n *Node) memberLoop(ctx context.Context) {
	for {
		changed := n.cfg.Trust.RosterChanged()
		n.dropRefused()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
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
