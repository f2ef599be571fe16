package web

import (
	"net/http"
	"sort"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol/wire"
)

// networkView is the network page.
type networkView struct {
	base
	Running     bool
	Network     string
	PeerID      string
	Addrs       []string
	Connected   int
	Peers       []api.Peer
	Sync        []syncView
	Revisions   int
	Entries     int
	Backlog     uint64     // stored changes search does not find yet
	Disk        api.Status // DiskFree and DiskReserve only; DiskFree 0 when unknown
	Invite      string     // for operators
	InviteError string
	// Roster is the closed network's charter and nodes; nil in an open
	// network.
	Roster *rosterView
}

type syncView struct {
	Peer     string
	Running  bool
	LastSync time.Time
	OK       bool
	Result   string
	Received int // revisions received from the peer since start
}

func (s *Server) network(w http.ResponseWriter, r *http.Request) {
	v := &networkView{base: base{Title: "Réseau", Nav: "reseau", Flash: flashes[r.URL.Query().Get("msg")]}, Roster: s.roster(r)}
	n, err := s.cat.Counts()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	v.Revisions, v.Entries, v.Backlog = n.Revisions, n.Entries, s.cat.IndexBacklog()
	if free, reserve, ok := s.cat.Disk(); ok {
		v.Disk = api.Status{DiskFree: free, DiskReserve: reserve}
	}
	if s.net != nil {
		st := s.net.Status()
		v.Running, v.Network, v.PeerID, v.Addrs, v.Connected = true, st.Network, st.PeerID, st.Addrs, st.PeersConnected
		for _, p := range st.Sync {
			v.Sync = append(v.Sync, syncView{Peer: p.Peer, Running: p.Running, LastSync: p.LastSync, OK: p.Result == "ok", Result: p.Result, Received: p.ReceivedTotal})
		}
		v.Peers = s.net.Peers()
		sort.Slice(v.Peers, func(i, j int) bool { return v.Peers[i].ID < v.Peers[j].ID })
		if v.Roster != nil && !v.Roster.Operator {
			// In a closed network, an invitation code lets a node in,
			// not an address: the page gives the nodes' addresses and
			// the network's identifier to the node's operators only, as
			// the API gives them to who holds its token.
			v.Addrs = nil
			peers := make([]api.Peer, len(v.Peers))
			for i, p := range v.Peers {
				peers[i] = api.Peer{ID: p.ID, Direction: p.Direction}
			}
			v.Peers = peers
		}
		// A closed network's codes admit one node each: `mutu invite`
		// makes them. An open network's code is its name and addresses.
		if vis := visitorOf(r); vis.account != nil && vis.account.Operator && v.Roster == nil {
			v.Invite, v.InviteError = invite(st)
		}
	}
	s.render(w, r, http.StatusOK, "network", v)
}

// invite returns the invitation code of the node, or in French why
// there is none. Loopback addresses are left out when the node has
// others: they reach only this machine.
func invite(st api.Status) (code, problem string) {
	var addrs, loopback []ma.Multiaddr
	for _, s := range st.Addrs {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		if manet.IsIPLoopback(a) {
			loopback = append(loopback, a)
		} else {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		addrs = loopback
	}
	code, err := wire.EncodeInvite(st.Network, addrs)
	if err != nil {
		return "", "Aucun code d'invitation ne peut être produit : le nœud n'a pas d'adresse joignable (" + err.Error() + ")."
	}
	return code, ""
}
