package node

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
	"github.com/mutu-network/mutu/protocol/wire"
)

// /mutu/join/1.0.0 (docs/protocol.md, Part 4 §4.7): a node joins a
// closed network with an invitation code. It dials the inviting node
// with the code's join identity, which the inviting node's gater lets
// in for join streams only, and sends one request signed with its own
// node key; the inviting node answers one status. A coordinator's node
// admits it at once and answers the records it needs to connect as a
// member (the charter, its admission, the address records of up to 64
// members); a member's node writes a join request for a coordinator to
// approve and answers "pending". The same node key asking again with
// the same invitation gets the same answer, "admitted" once approved:
// a join cut midway is tried again.

// ProtoJoin is the join protocol's ID.
const ProtoJoin = wire.ProtoJoin

// joinTimeout bounds a whole join exchange, dial included, on the
// joining side.
const joinTimeout = 30 * time.Second

// handleJoin answers /mutu/join/1.0.0.
func (n *Node) handleJoin(ctx context.Context, s network.Stream) (err error) {
	g := guard(ctx, s, streamIdle)
	defer g.release()
	defer func() { finish(s, err) }()
	p := s.Conn().RemotePeer()
	req, err := wire.ReadJoinRequest(wire.NewReader(s), n.cfg.Network)
	if errors.Is(err, wire.ErrWrongNetwork) {
		// The joining node is a peer of no network yet: no strike.
		return n.writeJoin(s, p, joinStatus(wire.JoinOtherNetwork, "this node belongs to network "+n.cfg.Network))
	}
	if err != nil {
		return n.refuseRequest(s, ProtoJoin, err)
	}
	if err := req.Verify([]byte(p)); err != nil {
		return n.refuse(s, ProtoJoin, err)
	}
	return n.writeJoin(s, p, n.joinAnswer(ctx, p, req))
}

func (n *Node) writeJoin(s network.Stream, p peer.ID, resp wire.JoinResponse) error {
	if err := wire.WriteJoinResponse(s, resp); err != nil {
		return wrapPeer(ProtoJoin, p, err)
	}
	return nil
}

func joinStatus(status, msg string) wire.JoinResponse {
	return wire.JoinResponse{Status: status, Msg: msg}
}

func joinError(code protocol.Code, format string, args ...any) wire.JoinResponse {
	return wire.JoinResponse{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// joinAnswer decides the answer to a verified join request received
// from the join identity p. It reads and marks the invitation under the
// invitations file's lock, so that two requests for one invitation get
// one admission.
func (n *Node) joinAnswer(ctx context.Context, p peer.ID, req wire.JoinRequest) wire.JoinResponse {
	id := idText(req.Inv)
	unknown := joinStatus(wire.JoinUnknown, "this node holds no invitation "+id+" for this join identity")
	if n.acc.invites == nil {
		return unknown
	}
	k := req.NodeKey()
	var resp wire.JoinResponse
	err := n.acc.invites.update(ctx, func(f *invitationsFile) error {
		i := f.find(id)
		if i < 0 || f.Invitations[i].JoinPeer != p {
			resp = unknown
			return errUnchanged
		}
		inv := &f.Invitations[i]
		now := n.now()
		switch {
		case inv.Network != n.cfg.Network:
			resp = joinStatus(wire.JoinOtherNetwork, "this node belongs to network "+n.cfg.Network+" now")
			return errUnchanged
		case inv.State == InvitationWithdrawn:
			resp = joinStatus(wire.JoinWithdrawn, "")
			return errUnchanged
		case inv.State == InvitationUsed && inv.Node != k.String():
			resp = joinStatus(wire.JoinUsed, "")
			return errUnchanged
		case inv.State == InvitationUsed:
			var err error
			resp, err = n.joinAgain(ctx, k, req, id)
			if err != nil {
				return err
			}
			return errUnchanged
		case now.After(inv.Expires):
			resp = joinStatus(wire.JoinExpired, "the invitation expired on "+inv.Expires.UTC().Format(time.RFC3339))
			return errUnchanged
		}
		var err error
		resp, err = n.joinFirst(ctx, k, req, id)
		if err != nil {
			return err
		}
		if resp.Code != protocol.CodeOK {
			return errUnchanged
		}
		inv.State, inv.Node, inv.Changed = InvitationUsed, k.String(), now.UTC().Truncate(time.Second)
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("answer a join request", "invitation", id, "node", k, "err", err)
		}
		return joinError(protocol.CodeInternal, "the inviting node failed to answer; try again later")
	}
	if resp.Status == wire.JoinAdmitted || resp.Status == wire.JoinPending {
		n.log.Info("join request answered", "invitation", id, "node", k, "label", req.Label, "status", resp.Status)
	}
	return resp
}

// joinFirst answers the first use of a pending invitation by k: a
// coordinator's node admits k, a member's writes a join request. A
// revoked node is not admitted again without a coordinator's decision:
// even a coordinator's node writes a join request for it.
func (n *Node) joinFirst(ctx context.Context, k protocol.AuthorKey, req wire.JoinRequest, id string) (wire.JoinResponse, error) {
	r, self, key, resp, ok := n.joinStanding()
	if !ok {
		return resp, nil
	}
	if r.Active(k) {
		return n.admitted(ctx, k, cid.Undef)
	}
	info, known := r.Node(k)
	if r.Coordinator(self) && !(known && info.Revoked) {
		return n.admit(ctx, key, r, k, req, id)
	}
	return n.relay(ctx, key, r, self, k, req, id)
}

// joinAgain answers k asking again with the invitation it used: with
// its admission once it is active, "pending" while its request waits.
// A node revoked since is told the invitation is used.
func (n *Node) joinAgain(ctx context.Context, k protocol.AuthorKey, req wire.JoinRequest, id string) (wire.JoinResponse, error) {
	r, self, key, resp, ok := n.joinStanding()
	if !ok {
		return resp, nil
	}
	if r.Active(k) {
		return n.admitted(ctx, k, cid.Undef)
	}
	if info, known := r.Node(k); known && info.Revoked {
		return joinStatus(wire.JoinUsed, "this node was admitted with this invitation, then revoked"), nil
	}
	if r.Coordinator(self) {
		return n.admit(ctx, key, r, k, req, id)
	}
	return n.relay(ctx, key, r, self, k, req, id)
}

// joinStanding returns the roster and this node's key when it may
// answer a join request: an active node of a closed network. Otherwise
// ok is false and resp the answer.
func (n *Node) joinStanding() (r *trust.Roster, self protocol.AuthorKey, key ed25519.PrivateKey, resp wire.JoinResponse, ok bool) {
	r = n.acc.roster()
	if r == nil {
		return nil, self, nil, joinStatus(wire.JoinOtherNetwork, "network "+n.cfg.Network+" is not closed"), false
	}
	key, err := n.signingKey()
	if err != nil {
		return nil, self, nil, joinError(protocol.CodeInternal, "the inviting node has no node key to sign with"), false
	}
	self = protocol.PublicKey(key)
	if !r.Active(self) {
		return nil, self, nil, joinError(protocol.CodeNotMember, "the inviting node is no longer a member of network %s", n.cfg.Network), false
	}
	return r, self, key, wire.JoinResponse{}, true
}

// admit writes the admission of k, approving its pending join request
// if there is one, and answers "admitted".
func (n *Node) admit(ctx context.Context, key ed25519.PrivateKey, r *trust.Roster, k protocol.AuthorKey, req wire.JoinRequest, id string) (wire.JoinResponse, error) {
	adm := &trust.Admission{Node: k, Role: trust.RoleMember, Label: req.Label, Academie: req.Academie, Contact: req.Contact, Invitation: id}
	if pr, ok := pendingOf(r, k); ok {
		adm.Request = pr.CID.String()
	}
	rec, err := n.cfg.Trust.AddTrust(ctx, key, adm)
	if err != nil {
		return wire.JoinResponse{}, fmt.Errorf("admit %s: %w", k, err)
	}
	n.log.Info("node admitted", "node", k, "label", req.Label, "invitation", id)
	return n.admitted(ctx, k, rec.CID)
}

// relay writes a join request for k, unless one relayed by this node
// waits already, and answers "pending".
func (n *Node) relay(ctx context.Context, key ed25519.PrivateKey, r *trust.Roster, self, k protocol.AuthorKey, req wire.JoinRequest, id string) (wire.JoinResponse, error) {
	pending := joinStatus(wire.JoinPending, "a coordinator of the network has yet to approve the request")
	if pr, ok := pendingOf(r, k); ok && pr.Via == self && pr.Invitation == id {
		return pending, nil
	}
	jr := &trust.JoinRequest{Node: k, Label: req.Label, Academie: req.Academie, Contact: req.Contact, Invitation: id}
	if _, err := n.cfg.Trust.AddTrust(ctx, key, jr); err != nil {
		return wire.JoinResponse{}, fmt.Errorf("relay the join request of %s: %w", k, err)
	}
	return pending, nil
}

// pendingOf returns the join request of k waiting in r.
func pendingOf(r *trust.Roster, k protocol.AuthorKey) (trust.PendingRequest, bool) {
	for _, pr := range r.Pending() {
		if pr.Node == k {
			return pr, true
		}
	}
	return trust.PendingRequest{}, false
}

// admitted answers "admitted" with the records k needs: the charter,
// its admission (admission, when this node just wrote it; otherwise the
// one that made it active) and the latest address records of up to
// wire.MaxJoinAddressRecords members, coordinators first.
func (n *Node) admitted(ctx context.Context, k protocol.AuthorKey, admission cid.Cid) (wire.JoinResponse, error) {
	r := n.cfg.Trust.Roster()
	ch, ok := r.Charter()
	if !ok {
		return wire.JoinResponse{}, errors.New("the charter is not held")
	}
	info, ok := r.Node(k)
	if !ok || info.Revoked {
		return wire.JoinResponse{}, fmt.Errorf("node %s is not active in the roster", k)
	}
	// Records to find in the set, by the clock the roster gives them.
	type want struct {
		signer protocol.AuthorKey
		kind   trust.Kind
	}
	wanted := make(map[protocol.Clock][]want)
	if !admission.Defined() {
		wanted[info.Since] = append(wanted[info.Since], want{k, trust.KindAdmission})
	}
	var members []trust.NodeInfo
	for _, m := range r.Nodes() {
		if m.Key != k && !m.Revoked && len(m.Addrs) > 0 {
			members = append(members, m)
		}
	}
	slices.SortFunc(members, func(a, b trust.NodeInfo) int {
		if ca, cb := a.Role == trust.RoleCoordinator, b.Role == trust.RoleCoordinator; ca != cb {
			if ca {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.AddrsClock, a.AddrsClock)
	})
	members = members[:min(len(members), wire.MaxJoinAddressRecords)]
	for _, m := range members {
		wanted[m.AddrsClock] = append(wanted[m.AddrsClock], want{m.Key, trust.KindAddresses})
	}
	clocks := make(map[protocol.Clock]bool, len(wanted))
	for c := range wanted {
		clocks[c] = true
	}
	found := make(map[want][]byte)
	for clock, cids := range n.index.atClocks(clocks) {
		for _, c := range cids {
			data, err := n.cat.Block(ctx, c)
			if err != nil {
				continue
			}
			v, err := protocol.Verify(protocol.Block{CID: c, Data: data})
			if err != nil || !trust.IsTrust(v.Rev) {
				continue
			}
			rec, err := trust.Decode(v)
			if err != nil {
				continue
			}
			for _, w := range wanted[clock] {
				if rec.Body.Kind() != w.kind {
					continue
				}
				switch b := rec.Body.(type) {
				case *trust.Admission:
					if b.Node == w.signer {
						found[w] = data
					}
				case *trust.Addresses:
					if rec.Signer == w.signer {
						found[w] = data
					}
				}
			}
		}
	}
	charter, err := n.cat.Block(ctx, ch.CID)
	if err != nil {
		return wire.JoinResponse{}, fmt.Errorf("read the charter: %w", err)
	}
	adm, ok := found[want{k, trust.KindAdmission}]
	if admission.Defined() {
		if adm, err = n.cat.Block(ctx, admission); err != nil {
			return wire.JoinResponse{}, fmt.Errorf("read the admission of %s: %w", k, err)
		}
	} else if !ok {
		return wire.JoinResponse{}, fmt.Errorf("the admission of %s is not in the set yet", k)
	}
	records := [][]byte{charter, adm}
	for _, m := range members {
		if data, ok := found[want{m.Key, trust.KindAddresses}]; ok {
			records = append(records, data)
		}
	}
	return wire.JoinResponse{Status: wire.JoinAdmitted, Records: records}, nil
}

// Errors of Join, one per status other than admitted. Each reads as a
// sentence that says what to do.
var (
	ErrJoinPending      = errors.New("node: join: the request waits for a coordinator of the network to approve it; ask again later")
	ErrJoinUsed         = errors.New("node: join: the invitation admitted another node already; ask for a new one")
	ErrJoinExpired      = errors.New("node: join: the invitation has expired; ask for a new one")
	ErrJoinWithdrawn    = errors.New("node: join: the invitation was withdrawn by the node that made it; ask for a new one")
	ErrJoinOtherNetwork = errors.New("node: join: the invitation is for another network than this node's")
	ErrJoinUnknown      = errors.New("node: join: the inviting node holds no such invitation; ask for a new one")
	// ErrJoinUnreachable: the inviting node could not be reached, or
	// refused the connection (it does for an invitation it does not
	// hold).
	ErrJoinUnreachable = errors.New("node: join: the inviting node could not be reached")
)

var joinErrors = map[string]error{
	wire.JoinPending:      ErrJoinPending,
	wire.JoinUsed:         ErrJoinUsed,
	wire.JoinExpired:      ErrJoinExpired,
	wire.JoinWithdrawn:    ErrJoinWithdrawn,
	wire.JoinOtherNetwork: ErrJoinOtherNetwork,
	wire.JoinUnknown:      ErrJoinUnknown,
}

// JoinDetails is what a joining node tells about itself, and how Join
// runs.
type JoinDetails struct {
	// Label names the node for people, as in an admission: required,
	// at most 200 characters (« Agence comptable du lycée Jean Moulin —
	// bassin Lyon Est »).
	Label string
	// Academie and Contact are optional: at most 100 and 200
	// characters.
	Academie, Contact string
	// Network is the network the home belongs to, if any: a code for
	// another network is refused before connecting. Empty accepts any.
	Network string
	// Now is the clock the code's expiry is compared with; time.Now
	// when nil.
	Now func() time.Time
	// ListenAddrs are the addresses the short-lived host listens on
	// while it joins; none by default (it only dials).
	ListenAddrs []ma.Multiaddr
}

// Join asks to join the network of an invitation code (format 2), for
// the node whose key is nodeKey. It needs no running node: it starts a
// short-lived libp2p host with the code's join identity, dials the
// inviting node, asks, and closes the host. It returns the status
// (wire.JoinAdmitted, wire.JoinPending, ...) and, when admitted, the
// records to store before starting the node (the charter, the node's
// admission, address records), verified, with the charter's CID the
// code's network and the node active in what they say. Every other
// status comes with its own error (ErrJoinPending, ErrJoinUsed,
// ErrJoinExpired, ErrJoinWithdrawn, ErrJoinOtherNetwork, ErrJoinUnknown);
// an expired code, or one for another network than details.Network, is
// refused before connecting. A code that does not read returns the
// errors of wire.DecodeInvite.
func Join(ctx context.Context, code string, nodeKey crypto.PrivKey, d JoinDetails) (status string, records []protocol.Verified, err error) {
	inv, err := wire.DecodeInvite(code)
	if err != nil {
		return "", nil, err
	}
	if inv.Format != 2 {
		return "", nil, fmt.Errorf("node: join: a format-%d code names an open network, which any node joins by connecting to its addresses: give it to mutu run instead", inv.Format)
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	if inv.Expired(now()) {
		return wire.JoinExpired, nil, fmt.Errorf("%w (it expired on %s)", ErrJoinExpired, inv.Expiry.UTC().Format(time.RFC3339))
	}
	if d.Network != "" && d.Network != inv.Network {
		return wire.JoinOtherNetwork, nil, fmt.Errorf("%w: the code is for %s, this home belongs to %s", ErrJoinOtherNetwork, inv.Network, d.Network)
	}
	edKey, err := ed25519Key(nodeKey)
	if err != nil {
		return "", nil, err
	}
	req := wire.JoinRequest{V: wire.Version, Net: inv.Network, Inv: inv.ID[:], Label: d.Label, Academie: d.Academie, Contact: d.Contact}
	joinKey, err := crypto.UnmarshalEd25519PrivateKey(wire.JoinIdentity(inv.Secret))
	if err != nil {
		return "", nil, fmt.Errorf("node: join identity: %w", err)
	}
	joinPeer, err := peer.IDFromPrivateKey(joinKey)
	if err != nil {
		return "", nil, fmt.Errorf("node: join identity: %w", err)
	}
	if err := req.Sign(edKey, []byte(joinPeer)); err != nil {
		return "", nil, err
	}
	if err := req.Check(); err != nil {
		return "", nil, fmt.Errorf("node: join: %w", err)
	}
	infos, err := peer.AddrInfosFromP2pAddrs(inv.Addrs...)
	if err != nil || len(infos) != 1 {
		return "", nil, fmt.Errorf("node: join: the code's addresses name %d nodes, want 1", len(infos))
	}
	opts := []libp2p.Option{
		libp2p.Identity(joinKey),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.DefaultSecurity,
		libp2p.DefaultMuxers,
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.UserAgent("mutu"),
	}
	if len(d.ListenAddrs) > 0 {
		opts = append(opts, libp2p.ListenAddrs(d.ListenAddrs...))
	} else {
		opts = append(opts, libp2p.NoListenAddrs)
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		return "", nil, fmt.Errorf("node: join: start a host: %w", err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	if err := h.Connect(ctx, infos[0]); err != nil {
		return "", nil, fmt.Errorf("%w at %v: %w", ErrJoinUnreachable, infos[0].Addrs, err)
	}
	s, err := h.NewStream(ctx, infos[0].ID, ProtoJoin)
	if err != nil {
		return "", nil, fmt.Errorf("%w: open a join stream: %w", ErrJoinUnreachable, err)
	}
	resp, err := exchangeJoin(ctx, s, req)
	if err != nil {
		return "", nil, fmt.Errorf("node: join: %w", err)
	}
	if resp.Status != wire.JoinAdmitted {
		err := joinErrors[resp.Status]
		if resp.Msg != "" {
			err = fmt.Errorf("%w (the inviting node says: %s)", err, resp.Msg)
		}
		return resp.Status, nil, err
	}
	records, err = checkJoinRecords(inv.Network, protocol.PublicKey(edKey), resp.Records)
	if err != nil {
		return "", nil, fmt.Errorf("node: join: the inviting node's answer: %w", err)
	}
	return wire.JoinAdmitted, records, nil
}

// exchangeJoin sends req on s and reads the answer.
func exchangeJoin(ctx context.Context, s network.Stream, req wire.JoinRequest) (resp wire.JoinResponse, err error) {
	g := guard(ctx, s, joinTimeout)
	defer g.release()
	defer func() { finish(s, err) }()
	if err := wire.WriteJoinRequest(s, req); err != nil {
		return resp, err
	}
	// The inviting node may answer, and stop reading, before this side
	// closes: the answer is what counts.
	_ = s.CloseWrite()
	return wire.ReadJoinResponse(wire.NewReader(s))
}

// checkJoinRecords verifies the records of an admission: revisions of
// trust records, the charter of network first and an admission of self
// second, which together make self an active node of network.
func checkJoinRecords(network string, self protocol.AuthorKey, raw [][]byte) ([]protocol.Verified, error) {
	bad := func(format string, args ...any) error {
		return protocol.Errorf(protocol.CodeMalformed, format, args...)
	}
	var out []protocol.Verified
	var recs []trust.Record
	for i, data := range raw {
		v, err := protocol.Verify(protocol.Block{CID: protocol.RevisionCID(data), Data: data})
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		if !trust.IsTrust(v.Rev) {
			return nil, bad("record %d is not a trust record", i+1)
		}
		rec, err := trust.Decode(v)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		if err := rec.CheckNetwork(network); err != nil {
			return nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		out, recs = append(out, v), append(recs, rec)
	}
	if len(recs) < 2 || recs[0].CID.String() != network {
		return nil, bad("its first record is not the charter of network %s", network)
	}
	if a, ok := recs[1].Body.(*trust.Admission); !ok || a.Node != self {
		return nil, bad("its second record is not the admission of this node")
	}
	if !trust.Fold(network, recs).Active(self) {
		return nil, bad("its records do not make this node active in network %s", network)
	}
	return out, nil
}

// ed25519Key returns the ed25519 form of a libp2p private key.
func ed25519Key(k crypto.PrivKey) (ed25519.PrivateKey, error) {
	if k == nil || k.Type() != crypto.Ed25519 {
		return nil, errors.New("node: the node key is not an ed25519 key")
	}
	raw, err := k.Raw()
	if err != nil || len(raw) != ed25519.PrivateKeySize {
		return nil, errors.New("node: the node key does not read as an ed25519 private key")
	}
	return ed25519.PrivateKey(raw), nil
}
