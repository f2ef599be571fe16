package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"
	"golang.org/x/time/rate"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Inbound request limits, per peer and for all mutu protocols
// together. A peer past them is answered CodeRateLimited; one that
// keeps pushing earns strikes.
const (
	requestRate        = 50  // requests per second, sustained
	requestBurst       = 200 // requests at once after a quiet time
	maxInflightPerPeer = 16  // streams served at once for one peer
	refusalsPerStrike  = 100 // rate-limited requests that earn one strike
	limiterIdle        = 10 * time.Minute
)

// handlerFunc serves one inbound stream of a mutu protocol. It must
// end the stream (finish) on every path.
type handlerFunc func(ctx context.Context, s network.Stream) error

// handler wraps h with what every inbound stream of sync, fetch and
// bulk goes through: Close waits for it, banned peers are dropped,
// non-members of a closed network refused (closed.go), and the per-peer
// request rate and concurrency are enforced.
func (n *Node) handler(proto libp2pproto.ID, h handlerFunc) network.StreamHandler {
	return n.serveStream(proto, h, true)
}

// joinHandler wraps the join protocol's handler like handler, but for
// any peer: joining nodes are members of nothing yet.
func (n *Node) joinHandler(h handlerFunc) network.StreamHandler {
	return n.serveStream(ProtoJoin, h, false)
}

func (n *Node) serveStream(proto libp2pproto.ID, h handlerFunc, membersOnly bool) network.StreamHandler {
	return func(s network.Stream) {
		if !n.enter() {
			_ = s.Reset()
			return
		}
		defer n.exit()
		p := s.Conn().RemotePeer()
		if n.pen.banned(p) {
			_ = s.Reset()
			_ = n.host.Network().ClosePeer(p)
			return
		}
		if membersOnly && !n.acc.member(p) {
			n.refuseNonMember(s, proto)
			return
		}
		ok, refused, done := n.limiter.acquire(p, time.Now())
		if !ok {
			n.refuseRateLimited(s, proto, refused)
			return
		}
		defer done()
		if err := h(n.ctx, s); err != nil && n.ctx.Err() == nil {
			n.log.Debug("stream failed", "peer", p, "protocol", proto, "err", err)
		}
	}
}

// refuseRateLimited answers a request past the peer's limits without
// reading it.
func (n *Node) refuseRateLimited(s network.Stream, proto libp2pproto.ID, refused int) {
	p := s.Conn().RemotePeer()
	g := guard(n.ctx, s, shortTimeout)
	defer g.release()
	_ = wire.WriteFrame(s, wire.ErrorFrame{Code: protocol.CodeRateLimited, Msg: "too many requests; slow down"})
	_ = s.Close()
	if refused%refusalsPerStrike == 0 {
		n.penalize(p, proto, 1, protocol.Errorf(protocol.CodeRateLimited, "%d requests refused for exceeding the rate limit", refused))
	}
}

// refuse answers a request that could not be served with an error
// frame, then penalises the peer if the request was bad input. It
// returns nil when the refusal was delivered (the stream is then
// closed, not reset) and err itself for transport errors.
func (n *Node) refuse(s network.Stream, proto libp2pproto.ID, err error) error {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return wrapPeer(proto, s.Conn().RemotePeer(), err)
	}
	p := s.Conn().RemotePeer()
	if werr := wire.WriteFrame(s, wire.ErrorFrame{Code: pe.Code, Msg: pe.Msg}); werr != nil {
		return wrapPeer(proto, p, werr)
	}
	n.penalizeCode(p, proto, err)
	return nil
}

// penalizeCode penalises p for err according to its code: bad input
// earns a strike, another network a ban; a version the node does not
// speak is only logged.
func (n *Node) penalizeCode(p peer.ID, proto libp2pproto.ID, err error) {
	switch protocol.CodeOf(err) {
	case protocol.CodeUnsupportedVersion:
		n.logOtherVersion(p, proto, err)
	case protocol.CodeWrongNetwork:
		n.penalize(p, proto, banThreshold, err)
	case protocol.CodeMalformed, protocol.CodeTooLarge, protocol.CodeBadCID, protocol.CodeBadSignature:
		n.penalize(p, proto, 1, err)
	}
}

// logOtherVersion notes a message or request in a protocol version this
// node does not speak. A newer node is no offender, and earns no strike;
// but every message of its would say the same, so it is logged at most
// once a minute, all peers together.
func (n *Node) logOtherVersion(p peer.ID, proto libp2pproto.ID, err error) {
	if n.stats.otherVersionLog.allow() {
		n.log.Info("peer speaks another protocol version (logged once a minute at most)", "peer", p, "protocol", proto, "err", err)
	}
}

// penalize counts weight strikes against p for err, logs why, and bans
// and disconnects p when it reaches the threshold. Connections are
// closed from an owned goroutine after a short pause, so that an error
// frame just written has a chance to reach the peer.
func (n *Node) penalize(p peer.ID, proto libp2pproto.ID, weight int, err error) {
	strikes, bannedNow := n.pen.strike(p, weight)
	n.stats.rejected.Add(1)
	n.log.Warn("refused bad input from peer", "peer", p, "protocol", proto, "strikes", strikes, "err", err)
	if !bannedNow {
		return
	}
	n.log.Warn("blocked peer", "peer", p, "for", banDuration, "strikes", strikes, "reason", err)
	n.spawn(func(ctx context.Context) {
		sleep(ctx, disconnectDelay)
		_ = n.host.Network().ClosePeer(p)
	})
}

// disconnectDelay is the pause between refusing a peer's request with
// an error frame and closing its connections.
const disconnectDelay = 500 * time.Millisecond

// wrapPeer adds the protocol and the peer to err.
func wrapPeer(proto libp2pproto.ID, p peer.ID, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s with peer %s: %w", proto, p, err)
}

// openStream opens a stream of proto to p, on a connection there is:
// it never dials. Dialling is the business of the redial loops (known
// peers, bootstrap, members), each with its pace; a stream that dialled
// would let a peer that refuses this node once the handshake is done (a
// closed network's node refusing a revoked member that does not know
// it) be dialled again by every sync the brief connection starts, a
// handshake every few milliseconds.
func (n *Node) openStream(ctx context.Context, p peer.ID, proto libp2pproto.ID) (network.Stream, error) {
	if n.pen.banned(p) {
		return nil, wrapPeer(proto, p, errors.New("peer is blocked"))
	}
	if !n.acc.member(p) {
		return nil, wrapPeer(proto, p, errors.New("peer is not a member of the network"))
	}
	ctx, cancel := context.WithTimeout(network.WithNoDial(ctx, "mutu exchanges use the connections there are"), dialTimeout)
	defer cancel()
	s, err := n.host.NewStream(ctx, p, proto)
	if err != nil {
		return nil, wrapPeer(proto, p, fmt.Errorf("open stream: %w", err))
	}
	return s, nil
}

// checkResponse turns an error frame received from p into an error,
// banning p when it says it belongs to another network.
func (n *Node) checkResponse(p peer.ID, proto libp2pproto.ID, code protocol.Code, msg string) error {
	if code == protocol.CodeOK {
		return nil
	}
	err := wire.RemoteError(code, msg)
	if code == protocol.CodeWrongNetwork {
		n.penalize(p, proto, banThreshold, err)
	}
	return wrapPeer(proto, p, err)
}

// Timeouts of stream exchanges. Each bounds the time without progress:
// long transfers extend it after every frame.
const (
	dialTimeout  = 15 * time.Second
	shortTimeout = 5 * time.Second
	streamIdle   = 30 * time.Second
)

// peerLimiter enforces the inbound request limits per peer.
// It is safe for concurrent use.
type peerLimiter struct {
	rate     rate.Limit
	burst    int
	inflight int
	mu       sync.Mutex // guards peers
	peers    map[peer.ID]*peerLimit
}

type peerLimit struct {
	rate     *rate.Limiter
	inflight int
	refused  int
	last     time.Time
}

// newPeerLimiter admits per peer r requests a second, burst at once
// after a quiet time, and at most inflight being served at once.
func newPeerLimiter(r rate.Limit, burst, inflight int) *peerLimiter {
	return &peerLimiter{rate: r, burst: burst, inflight: inflight, peers: make(map[peer.ID]*peerLimit)}
}

// acquire admits one request from p. When it is refused, refused
// counts the refusals so far; when admitted, done must be called when
// the request has been served.
func (l *peerLimiter) acquire(p peer.ID, now time.Time) (ok bool, refused int, done func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.peers[p]
	if e == nil {
		e = &peerLimit{rate: rate.NewLimiter(l.rate, l.burst)}
		l.peers[p] = e
	}
	e.last = now
	if e.inflight >= l.inflight || !e.rate.AllowN(now, 1) {
		e.refused++
		return false, e.refused, nil
	}
	e.inflight++
	var once sync.Once
	return true, 0, func() {
		once.Do(func() {
			l.mu.Lock()
			e.inflight--
			l.mu.Unlock()
		})
	}
}

// prune forgets peers idle for a while.
func (l *peerLimiter) prune(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for p, e := range l.peers {
		if e.inflight == 0 && now.Sub(e.last) > limiterIdle {
			delete(l.peers, p)
		}
	}
}
