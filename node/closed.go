package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Who connects (docs/protocol.md, Part 4 §4.5). In a closed network a
// node accepts a connection, inbound or outbound, TCP or QUIC alike,
// only from a peer whose node key is active in its roster, and from the
// join identities of the invitations it issued (invite.go), which may
// open join streams and nothing else. Four guards say so, all from one
// question (access.admits):
//
//   - the connection gater of the host the node builds (host.go), once
//     the peer has proved its key (InterceptSecured);
//   - the resource manager of that host, which resets every stream of a
//     join identity other than /mutu/join/1.0.0, in both directions,
//     libp2p's own protocols (identify, ping) included;
//   - the stream handlers of sync, fetch and bulk, which answer a
//     non-member CodeNotMember (and reset a join identity's stream):
//     the guard of a host given by WithHost, which has no gater of the
//     node's, and of the moment between a revocation and the
//     disconnection it brings;
//   - gossip, whose peer filter and validator ignore non-members.
//
// When the roster changes, connections of peers it no longer admits are
// closed at once (members.go). In an open network all of this admits
// everyone, as before rosters existed.

// Trust is what the node needs from the roster of its network: what
// the catalogue's trust records mean, and the one write path for the
// records the node signs (its addresses, and the admissions or join
// requests of the nodes it invites). *catalogue.Catalogue implements it.
//
// All methods are safe for concurrent use.
type Trust interface {
	// Roster returns the current roster; never nil. It is immutable.
	Roster() *trust.Roster
	// RosterChanged returns a channel that is closed when the roster
	// changes (then replaced by a new one).
	RosterChanged() <-chan struct{}
	// AddTrust signs a trust record of the network with key (the node
	// key), with the signer's next seq and the clock, stores it as
	// every revision is stored (it appears in the change feed) and
	// returns it. The roster returned after it includes it.
	AddTrust(ctx context.Context, key ed25519.PrivateKey, b trust.Body) (trust.Record, error)
}

// access answers, for every guard, whether a peer may connect and what
// it may do. It is safe for concurrent use.
type access struct {
	trust   Trust        // nil: no roster, an open network
	invites *invitations // the node's invitations; nil without Config.InvitationsPath
	log     *slog.Logger
	refused refusalLog
}

// roster returns the roster when the network is closed, nil otherwise.
func (a *access) roster() *trust.Roster {
	if a.trust == nil {
		return nil
	}
	if r := a.trust.Roster(); r != nil && r.Closed() {
		return r
	}
	return nil
}

// member reports whether p may exchange revisions with the node: any
// peer in an open network, an active node in a closed one.
func (a *access) member(p peer.ID) bool {
	r := a.roster()
	if r == nil {
		return true
	}
	k, ok := peerNodeKey(p)
	return ok && r.Active(k)
}

// joinOnly reports whether p is, in a closed network, not a member but
// the join identity of one of the node's invitations: it may open join
// streams only.
func (a *access) joinOnly(p peer.ID) bool {
	return a.roster() != nil && !a.member(p) && a.invites != nil && a.invites.holdsPeer(p)
}

// admits reports whether a connection with p is accepted.
func (a *access) admits(p peer.ID) bool {
	return a.member(p) || a.joinOnly(p)
}

// peerNodeKey returns the node key of a peer: the ed25519 key its peer
// ID holds (mutu node keys are ed25519, and their peer IDs hold them
// whole).
func peerNodeKey(p peer.ID) (protocol.AuthorKey, bool) {
	pub, err := p.ExtractPublicKey()
	if err != nil || pub.Type() != crypto.Ed25519 {
		return protocol.AuthorKey{}, false
	}
	raw, err := pub.Raw()
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return protocol.AuthorKey{}, false
	}
	var k protocol.AuthorKey
	copy(k[:], raw)
	return k, true
}

// nodePeerID returns the peer ID of a node key.
func nodePeerID(k protocol.AuthorKey) (peer.ID, error) {
	pub, err := crypto.UnmarshalEd25519PublicKey(k[:])
	if err != nil {
		return "", fmt.Errorf("node key %s: %w", k, err)
	}
	return peer.IDFromPublicKey(pub)
}

// refusalLog counts the peers refused for not being members and logs
// them at most once per logEvery, with the number refused since the
// last line: a revoked node redialling every few seconds, or a stranger
// scanning ports, makes one line a minute. It is safe for concurrent
// use.
type refusalLog struct {
	now   func() time.Time
	total atomic.Uint64 // refusals since start, for Counters
	mu    sync.Mutex    // guards last, count
	last  time.Time     // when the last line was logged; zero: never
	count int           // refusals since then
}

// note counts one refusal of p and logs it if no line was logged for
// logEvery.
func (l *refusalLog) note(log *slog.Logger, p peer.ID, why string) {
	l.total.Add(1)
	l.mu.Lock()
	l.count++
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < logEvery {
		l.mu.Unlock()
		return
	}
	count := l.count
	l.last, l.count = now, 0
	l.mu.Unlock()
	log.Info("refused peers that are not members of the network (logged once a minute at most)", "refused", count, "peer", p, "why", why)
}

// refuseConn is called by the gater for a connection it refuses.
func (a *access) refuseConn(p peer.ID, dir network.Direction) {
	why := "inbound connection"
	if dir == network.DirOutbound {
		why = "outbound connection"
	}
	a.refused.note(a.log, p, why)
}

// refuseNonMember answers a stream of sync, fetch or bulk from a peer
// that is not a member: a join identity's stream is reset (it may
// open join streams only); another peer is told CodeNotMember, and its
// connections are closed after a pause that lets the answer reach it.
func (n *Node) refuseNonMember(s network.Stream, proto libp2pproto.ID) {
	p := s.Conn().RemotePeer()
	if n.acc.joinOnly(p) {
		_ = s.Reset()
		return
	}
	n.acc.refused.note(n.acc.log, p, string(proto)+" stream")
	g := guard(n.ctx, s, shortTimeout)
	defer g.release()
	err := wire.WriteFrame(s, wire.ErrorFrame{Code: protocol.CodeNotMember, Msg: "this node's network is closed, and its roster does not hold your node key"})
	if err == nil {
		err = s.CloseWrite()
	}
	if err == nil {
		// The request is not read, only drained (to a bound, within
		// the guard's time): closing a stream with unread data may
		// reset it before the answer is read.
		_, _ = io.Copy(io.Discard, io.LimitReader(s, maxNonMemberDrain))
	}
	finish(s, err)
	n.closeLater(p)
}

// maxNonMemberDrain bounds what is read of a non-member's request.
const maxNonMemberDrain = 64 << 10

// closeLater closes the connections of p after disconnectDelay, unless
// the roster admits it by then.
func (n *Node) closeLater(p peer.ID) {
	n.spawn(func(ctx context.Context) {
		if sleep(ctx, disconnectDelay) && !n.acc.admits(p) {
			_ = n.host.Network().ClosePeer(p)
		}
	})
}

// dropRefused closes at once the connections of every peer the roster
// no longer admits (a revoked node). It reports how many peers it cut.
func (n *Node) dropRefused() int {
	cut := 0
	for _, p := range n.host.Network().Peers() {
		if !n.acc.admits(p) {
			if err := n.host.Network().ClosePeer(p); err == nil {
				cut++
			}
		}
	}
	if cut > 0 {
		n.log.Info("disconnected peers that are no longer members of the network", "peers", cut)
	}
	return cut
}

// errJoinOnly refuses a stream of a join identity that is not a join
// stream.
var errJoinOnly = errors.New("node: a join identity may open join streams only")

// joinOnlyManager is the host's resource manager with one more rule:
// a stream with a join identity may carry /mutu/join/1.0.0 and nothing
// else. The host sets a stream's protocol once it is negotiated, in
// both directions; refusing it there makes the host reset the stream.
type joinOnlyManager struct {
	network.ResourceManager
	acc *access
}

func (m joinOnlyManager) OpenStream(p peer.ID, dir network.Direction) (network.StreamManagementScope, error) {
	s, err := m.ResourceManager.OpenStream(p, dir)
	if err != nil || !m.acc.joinOnly(p) {
		return s, err
	}
	return joinOnlyStream{s}, nil
}

type joinOnlyStream struct{ network.StreamManagementScope }

func (s joinOnlyStream) SetProtocol(proto libp2pproto.ID) error {
	if proto != wire.ProtoJoin {
		return fmt.Errorf("%w: %s", errJoinOnly, proto)
	}
	return s.StreamManagementScope.SetProtocol(proto)
}
