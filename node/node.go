package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	ma "github.com/multiformats/go-multiaddr"
	"golang.org/x/time/rate"

	"github.com/mutu-network/mutu/protocol/wire"
)

// Node is a running mutu node: a libp2p host that replicates every
// signed revision held in its Catalogue to every peer of its network
// and back, live by gossip and after any time offline by sync.
//
// Its methods are safe for concurrent use.
type Node struct {
	cfg Config
	o   options
	cat Catalogue
	log *slog.Logger

	pen     *penalties
	acc     *access // who may connect: closed.go
	now     func() time.Time
	limiter *peerLimiter
	index   *revIndex
	syncs   *syncTracker
	pulls   *pullQueue
	known   *knownPeers
	cursor  *bulkCursor
	stats   counters
	// announceLimit bounds the revisions of the feed published on
	// gossip (feed.go).
	announceLimit *rate.Limiter
	attach        chan struct{} // kicks the attachment worker; capacity 1
	// syncSlots and bulkServing bound the sessions served at once.
	syncSlots   chan struct{}
	bulkServing bulkServing

	mu      sync.Mutex // guards state; held while goroutines are added
	state   lifecycle
	host    host.Host
	ownHost bool
	gossip  *gossip // nil when gossip is off or before Start
	mdns    interface{ Close() error }
	events  event.Subscription

	ctx       context.Context // lives from Start to Close
	cancel    context.CancelFunc
	wg        sync.WaitGroup // every goroutine the node starts
	closeOnce sync.Once
	closeErr  error
}

type lifecycle int

const (
	stateNew lifecycle = iota
	stateRunning
	stateClosed
)

// Protocol IDs of mutu's stream protocols. See docs/protocol.md (Part 2).
const (
	ProtoSync  libp2pproto.ID = wire.ProtoSync
	ProtoFetch libp2pproto.ID = wire.ProtoFetch
	ProtoBulk  libp2pproto.ID = wire.ProtoBulk
)

// handledProtocols are the stream protocols the node registers.
var handledProtocols = []libp2pproto.ID{ProtoSync, ProtoFetch, ProtoBulk, ProtoJoin}

// ErrClosed is returned by methods called on a closed node.
var ErrClosed = errors.New("node: closed")

// ErrNotStarted is returned by methods that need a running node.
var ErrNotStarted = errors.New("node: not started")

// New checks cfg and prepares a node over cat. Nothing is started: the
// host (unless WithHost gives one) is built by Start.
func New(cfg Config, cat Catalogue, opts ...Option) (*Node, error) {
	if cat == nil {
		return nil, errors.New("node: nil catalogue")
	}
	o := options{bulkMinDiff: -1}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.bulkMinDiff < 0 {
		o.bulkMinDiff = defaultBulkMinDiff
	}
	cfg, err := cfg.withDefaults(o.host != nil)
	if err != nil {
		return nil, err
	}
	if o.host != nil && cfg.PrivKey != nil {
		id, err := peer.IDFromPrivateKey(cfg.PrivKey)
		if err != nil {
			return nil, fmt.Errorf("node: node key: %w", err)
		}
		if id != o.host.ID() {
			return nil, fmt.Errorf("node: Config.PrivKey is %s but the host given by WithHost is %s", id, o.host.ID())
		}
	}
	log := cfg.Logger.With("network", cfg.Network)
	if o.now == nil {
		o.now = time.Now
	}
	acc := &access{trust: cfg.Trust, log: log}
	acc.refused.now = o.now
	if cfg.InvitationsPath != "" {
		acc.invites = newInvitations(cfg.InvitationsPath)
	}
	n := &Node{
		cfg:           cfg,
		o:             o,
		cat:           cat,
		log:           log,
		pen:           newPenalties(),
		acc:           acc,
		now:           o.now,
		limiter:       newPeerLimiter(requestRate, requestBurst, maxInflightPerPeer),
		index:         newRevIndex(),
		syncs:         newSyncTracker(),
		pulls:         newPullQueue(),
		known:         newKnownPeers(cfg.PeerStorePath),
		cursor:        &bulkCursor{path: cfg.BulkCursorPath},
		announceLimit: newAnnounceLimiter(),
		attach:        make(chan struct{}, 1),
		syncSlots:     make(chan struct{}, maxSyncServing),
		host:          o.host,
	}
	return n, nil
}

// Start builds the host (unless one was given), loads the set of held
// revisions, registers the stream protocols (sync, fetch, bulk and
// join), joins the gossip topic and starts the background work:
// following the catalogue's change feed, sync on every new connection
// and every SyncInterval, redialling of known and bootstrap peers,
// attachment fetching, with a Trust the member loop (members.go) and,
// if enabled, mDNS. ctx bounds start-up only; the node runs until
// Close.
func (n *Node) Start(ctx context.Context) (err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch n.state {
	case stateRunning:
		return errors.New("node: already started")
	case stateClosed:
		return ErrClosed
	}
	n.ctx, n.cancel = context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		if err != nil {
			n.abortStart()
		}
	}()
	if n.host == nil {
		h, err := newHost(n.cfg, n.o, n.pen, n.acc)
		if err != nil {
			return err
		}
		n.host, n.ownHost = h, true
	}
	n.log = n.log.With("self", n.host.ID())
	// The feed is read from before the set is loaded: a revision stored
	// in between is both loaded and read, never missed.
	feedFrom := n.cat.FeedPosition()
	if err := n.index.load(ctx, n.cat); err != nil {
		return fmt.Errorf("node: load revisions: %w", err)
	}
	if err := n.cursor.load(); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if err := n.known.load(); err != nil {
		// A damaged peer list costs only the peers it held.
		n.log.Warn("known peers file unreadable; starting with none", "path", n.cfg.PeerStorePath, "err", err)
	}
	n.events, err = n.host.EventBus().Subscribe([]any{
		new(event.EvtPeerConnectednessChanged),
		new(event.EvtPeerIdentificationCompleted),
	}, eventbus.BufSize(eventbusBuffer))
	if err != nil {
		return fmt.Errorf("node: subscribe to host events: %w", err)
	}
	n.host.SetStreamHandler(ProtoSync, n.handler(ProtoSync, n.handleSync))
	n.host.SetStreamHandler(ProtoFetch, n.handler(ProtoFetch, n.handleFetch))
	n.host.SetStreamHandler(ProtoBulk, n.handler(ProtoBulk, n.handleBulk))
	n.host.SetStreamHandler(ProtoJoin, n.joinHandler(n.handleJoin))
	if !n.o.noGossip {
		g, err := startGossip(n)
		if err != nil {
			return err
		}
		n.gossip = g
	}
	if n.cfg.LAN {
		m, err := startMDNS(n)
		if err != nil {
			return err
		}
		n.mdns = m
	}
	n.state = stateRunning
	n.goLocked(func(ctx context.Context) { n.followLoop(ctx, feedFrom) })
	n.goLocked(n.eventLoop)
	n.goLocked(n.periodicLoop)
	n.goLocked(n.dialLoop)
	n.goLocked(n.attachmentLoop)
	if n.cfg.Trust != nil {
		n.goLocked(n.memberLoop)
	}
	if n.gossip != nil {
		n.goLocked(n.gossip.readLoop)
		n.goLocked(n.gossip.workLoop)
		n.goLocked(n.gossip.ann.loop)
	}
	for _, p := range n.host.Network().Peers() {
		n.requestSyncLocked(p, connectSyncDelay())
	}
	n.log.Info("node started", "peer", n.host.ID(), "addrs", n.host.Addrs(), "revisions", n.index.len(), "gossip", n.gossip != nil)
	return nil
}

// abortStart undoes a failed Start; n.mu is held.
func (n *Node) abortStart() {
	n.cancel()
	n.removeHandlers()
	if n.mdns != nil {
		_ = n.mdns.Close()
	}
	if n.gossip != nil {
		n.gossip.close()
	}
	if n.events != nil {
		_ = n.events.Close()
	}
	if n.ownHost && n.host != nil {
		_ = n.host.Close()
		n.host = nil
	}
	n.state = stateClosed
}

// Close stops the node: it cancels all work, removes the stream
// handlers, leaves the gossip topic, waits for every goroutine the node
// started, saves the known peers and closes the host it built.
// Calling Close more than once returns the first result.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.mu.Lock()
		was := n.state
		n.state = stateClosed
		n.mu.Unlock()
		if was != stateRunning {
			return
		}
		n.cancel()
		n.removeHandlers()
		var errs []error
		if n.mdns != nil {
			errs = append(errs, n.mdns.Close())
		}
		if n.gossip != nil {
			n.gossip.close()
		}
		errs = append(errs, n.events.Close())
		n.wg.Wait()
		if err := n.known.save(); err != nil {
			errs = append(errs, fmt.Errorf("node: save known peers: %w", err))
		}
		if n.ownHost {
			errs = append(errs, n.host.Close())
		}
		n.closeErr = errors.Join(errs...)
		n.log.Info("node stopped")
	})
	return n.closeErr
}

func (n *Node) removeHandlers() {
	if n.host == nil {
		return
	}
	for _, p := range handledProtocols {
		n.host.RemoveStreamHandler(p)
	}
}

// goLocked starts fn as a goroutine owned by the node; n.mu is held and
// the node is running.
func (n *Node) goLocked(fn func(ctx context.Context)) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		fn(n.ctx)
	}()
}

// spawn starts fn as a goroutine owned by the node, unless the node is
// not running. It reports whether fn was started.
func (n *Node) spawn(fn func(ctx context.Context)) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != stateRunning {
		return false
	}
	n.goLocked(fn)
	return true
}

// enter registers work the host started on the node's behalf (a stream
// handler) so that Close waits for it. It reports false once the node
// is closing; the caller then drops the work. exit must follow a true.
func (n *Node) enter() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != stateRunning {
		return false
	}
	n.wg.Add(1)
	return true
}

func (n *Node) exit() { n.wg.Done() }

// running returns the host when the node runs.
func (n *Node) running() (host.Host, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch n.state {
	case stateNew:
		return nil, ErrNotStarted
	case stateClosed:
		return nil, ErrClosed
	}
	return n.host, nil
}

// ID returns the node's peer ID, or "" before Start when the node
// builds its own host.
func (n *Node) ID() peer.ID {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.host == nil {
		return ""
	}
	return n.host.ID()
}

// Host returns the node's libp2p host, nil before Start.
func (n *Node) Host() host.Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.host
}

// Addrs returns the node's addresses as full multiaddrs ending in
// /p2p/<peer ID>, the form Connect, Config.Bootstrap and invitation
// codes take.
func (n *Node) Addrs() []ma.Multiaddr {
	h := n.Host()
	if h == nil {
		return nil
	}
	return fullAddrs(h)
}

// Peers returns the connected peers and their addresses, each once.
func (n *Node) Peers() []peer.AddrInfo {
	h := n.Host()
	if h == nil {
		return nil
	}
	var out []peer.AddrInfo
	for _, p := range h.Network().Peers() {
		out = append(out, peerInfo(p, h.Network().ConnsToPeer(p)))
	}
	return out
}

// peerInfo lists each remote address of conns once, in the order of
// the connections. Two connections may share one: both ends dialling
// at once, each from its listening port, make two connections between
// the same two addresses.
func peerInfo(p peer.ID, conns []network.Conn) peer.AddrInfo {
	ai := peer.AddrInfo{ID: p}
	for _, c := range conns {
		a := c.RemoteMultiaddr()
		if !slices.ContainsFunc(ai.Addrs, a.Equal) {
			ai.Addrs = append(ai.Addrs, a)
		}
	}
	return ai
}

// Connect dials the peer at a full multiaddr (ending in /p2p/<peer ID>)
// and remembers it as a known peer. Sync with it starts on its own once
// connected.
func (n *Node) Connect(ctx context.Context, addr ma.Multiaddr) error {
	h, err := n.running()
	if err != nil {
		return err
	}
	ai, err := addrInfo(addr)
	if err != nil {
		return fmt.Errorf("node: connect: %w", err)
	}
	if ai.ID == h.ID() {
		return fmt.Errorf("node: connect %s: that is this node", addr)
	}
	if n.pen.banned(ai.ID) {
		return fmt.Errorf("node: connect %s: peer is blocked for sending bad data", ai.ID)
	}
	if err := h.Connect(ctx, ai); err != nil {
		return fmt.Errorf("node: connect %s: %w", addr, err)
	}
	n.known.remember(ai.ID, ai.Addrs, time.Now())
	return nil
}

// eventbusBuffer is the buffer of the host event subscription.
const eventbusBuffer = 256

// eventLoop reacts to connections: it starts a sync with every newly
// connected peer (after a small random delay, so that both ends rarely
// start at once), drops banned peers that slipped through (hosts given
// by WithHost may have no gater), and remembers peers' listen
// addresses once identify has learned them.
func (n *Node) eventLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-n.events.Out():
			if !ok {
				return
			}
			switch e := e.(type) {
			case event.EvtPeerConnectednessChanged:
				if e.Connectedness != network.Connected {
					continue
				}
				if n.pen.banned(e.Peer) {
					_ = n.host.Network().ClosePeer(e.Peer)
					continue
				}
				if !n.acc.member(e.Peer) {
					// A join identity, or a peer a host given by
					// WithHost let in: no sync with it.
					if !n.acc.joinOnly(e.Peer) {
						n.closeLater(e.Peer)
					}
					continue
				}
				n.known.connected(e.Peer)
				n.requestSync(e.Peer, connectSyncDelay())
				n.kickAttachments()
			case event.EvtPeerIdentificationCompleted:
				if n.speaksMutu(e.Protocols) && n.acc.member(e.Peer) {
					n.known.remember(e.Peer, e.ListenAddrs, time.Now())
				}
			}
		}
	}
}

// speaksMutu reports whether a peer announced the sync protocol.
func (n *Node) speaksMutu(protos []libp2pproto.ID) bool {
	for _, p := range protos {
		if p == ProtoSync {
			return true
		}
	}
	return false
}

// connectSyncDelay is the pause before the sync that follows a new
// connection: long enough for identify to finish, randomised so that
// two peers connecting to each other seldom both start.
func connectSyncDelay() time.Duration {
	return 200*time.Millisecond + rand.N(400*time.Millisecond)
}

// periodicLoop runs a sync with every connected peer each
// SyncInterval and tidies the per-peer tables.
func (n *Node) periodicLoop(ctx context.Context) {
	t := time.NewTicker(n.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, p := range n.host.Network().Peers() {
			n.requestSync(p, rand.N(n.cfg.SyncInterval/4+1))
		}
		n.tidy(time.Now())
		if err := n.known.save(); err != nil {
			n.log.Warn("save known peers", "path", n.cfg.PeerStorePath, "err", err)
		}
	}
}

// tidy forgets, in the per-peer tables, the peers that have been gone
// or idle for a while, so that none grows with every peer ever met.
func (n *Node) tidy(now time.Time) {
	n.pen.prune()
	n.limiter.prune(now)
	n.mu.Lock()
	g := n.gossip
	n.mu.Unlock()
	if g != nil {
		g.limiter.prune(now)
	}
	n.syncs.prune(now, func(p peer.ID) bool {
		return n.host.Network().Connectedness(p) == network.Connected
	})
	n.known.prune(now)
}

// sleep waits d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// signingKey returns the node key, which signs the node's trust
// records and invitation codes: Config.PrivKey, or the key of a host
// given by WithHost.
func (n *Node) signingKey() (ed25519.PrivateKey, error) {
	k := n.cfg.PrivKey
	if k == nil {
		if h := n.Host(); h != nil {
			k = h.Peerstore().PrivKey(h.ID())
		}
	}
	return ed25519Key(k)
}
