package node

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/ipfs/go-cid"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Live propagation. Every node of a network joins one gossipsub topic,
// wire.TopicName(network). A message is a wire.Gossip: a revision up to
// protocol.MaxGossipRevisionSize travels whole, a larger one is only
// announced by CID and fetched with /mutu/fetch/1.0.0 from the peer
// that announced it; a node announces it on only once it holds it
// (announce.go). Message IDs are the SHA-256 of the message bytes, so
// the same revision published by two nodes is one message. Messages
// carry no pubsub author or signature: revisions are signed by their
// authors, and the validator checks CID and signature before anything
// is stored or forwarded. See docs/protocol.md (Part 2), "Gossip".

// Gossip limits and tuning.
const (
	// subscriptionBuffer is the pubsub subscription's buffer; pubsub
	// drops messages for a subscriber whose buffer is full, so the
	// reader moves them on at once to the worker's queue.
	subscriptionBuffer = 256
	// gossipQueue is the worker's queue; when it is full, messages are
	// dropped and left to sync.
	gossipQueue = 4096
	// gossipBatch is the most messages the worker stores at once.
	gossipBatch = 256
	// outboundQueue is pubsub's queue of messages for one peer; a burst
	// of publications larger than it loses messages, which sync then
	// brings.
	outboundQueue = 256
	// Per-peer gossip rate past which messages are ignored (not
	// forwarded, not penalised: honest peers forward bursts too).
	gossipRate  = 500
	gossipBurst = 2000
)

// gossiped is a revision received whole on gossip, verified by the
// validator, waiting to be stored.
type gossiped struct {
	from peer.ID // the peer that forwarded it
	v    protocol.Verified
}

// gossip is the node's membership of its network's topic.
type gossip struct {
	n       *Node
	name    string
	ps      *pubsub.PubSub
	topic   *pubsub.Topic
	sub     *pubsub.Subscription
	queue   chan gossiped // revisions the validator accepted, to store
	limiter *peerLimiter
	ann     *announcements
}

// startGossip joins the topic with the validator in place and
// subscribes. The read, work and announcement loops are started by the
// caller.
func startGossip(n *Node) (*gossip, error) {
	g := &gossip{
		n:       n,
		name:    wire.TopicName(n.cfg.Network),
		queue:   make(chan gossiped, gossipQueue),
		limiter: newPeerLimiter(gossipRate, gossipBurst, 1<<30),
	}
	g.ann = newAnnouncements(g)
	ps, err := pubsub.NewGossipSub(n.ctx, n.host,
		pubsub.WithMessageIdFn(messageID),
		pubsub.WithNoAuthor(),
		pubsub.WithFloodPublish(true),
		pubsub.WithPeerExchange(false),
		pubsub.WithBlacklist(blacklist{n.pen}),
		pubsub.WithPeerFilter(func(p peer.ID, _ string) bool { return n.acc.member(p) }),
		pubsub.WithPeerScore(g.scoreParams(), scoreThresholds()),
		pubsub.WithValidateQueueSize(1024),
		pubsub.WithPeerOutboundQueueSize(outboundQueue),
		pubsub.WithRawTracer(copyTracer{g.ann, g.name}),
		pubsub.WithLogger(slog.New(minLevel{slog.LevelError, n.log.Handler()}).With("component", "pubsub")),
	)
	if err != nil {
		return nil, fmt.Errorf("node: start gossipsub: %w", err)
	}
	g.ps = ps
	if err := ps.RegisterTopicValidator(g.name, g.validate); err != nil {
		return nil, fmt.Errorf("node: gossip validator for %s: %w", g.name, err)
	}
	if g.topic, err = ps.Join(g.name); err != nil {
		return nil, fmt.Errorf("node: join %s: %w", g.name, err)
	}
	if g.sub, err = g.topic.Subscribe(pubsub.WithBufferSize(subscriptionBuffer)); err != nil {
		return nil, fmt.Errorf("node: subscribe to %s: %w", g.name, err)
	}
	return g, nil
}

// messageID is the SHA-256 of the message bytes.
func messageID(m *pb.Message) string {
	sum := sha256.Sum256(m.Data)
	return string(sum[:])
}

// scoreParams makes pubsub penalise invalid messages (P4) and peers the
// node has banned, and otherwise stay neutral: nodes sharing one
// gateway share an IP address, so IP colocation is not penalised.
func (g *gossip) scoreParams() *pubsub.PeerScoreParams {
	return &pubsub.PeerScoreParams{
		Topics: map[string]*pubsub.TopicScoreParams{
			g.name: {
				TopicWeight:       1,
				TimeInMeshQuantum: time.Second,
				// Squared count times the weight: ten invalid messages
				// reach PublishThreshold, by which time the node has
				// banned the peer itself (banThreshold).
				InvalidMessageDeliveriesWeight: -10,
				InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(time.Hour),
			},
		},
		AppSpecificScore: func(p peer.ID) float64 {
			if g.n.pen.banned(p) {
				return -1e6
			}
			return 0
		},
		AppSpecificWeight: 1,
		DecayInterval:     time.Second,
		DecayToZero:       0.01,
		RetainScore:       time.Hour,
	}
}

// scoreThresholds: a peer that sent a few invalid messages stops
// receiving gossip from us; more and its messages are ignored.
func scoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             -500,
		PublishThreshold:            -1000,
		GraylistThreshold:           -2500,
		AcceptPXThreshold:           100,
		OpportunisticGraftThreshold: 5,
	}
}

// validate runs before pubsub delivers or forwards a message: whole
// revisions must verify (CID and signature), announcements must name a
// revision CID. Invalid messages are rejected, which makes pubsub lower
// the sender's score, and cost the sender a strike. A whole revision
// the node holds already is accepted without checking its signature
// again; one it lacks is verified and handed to the worker's queue,
// which stores it. An announcement is accepted only when the node holds
// the revision; otherwise it is ignored and queued: the node fetches
// the revision and, once stored, the change feed announces it on
// (announce.go). The validator never waits on the network.
func (g *gossip) validate(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	if from == g.n.host.ID() {
		return pubsub.ValidationAccept // Publish verified it
	}
	if g.n.pen.banned(from) {
		return pubsub.ValidationReject
	}
	if !g.n.acc.member(from) {
		return pubsub.ValidationIgnore // closed.go: no gossip with non-members
	}
	if ok, _, done := g.limiter.acquire(from, time.Now()); !ok {
		return pubsub.ValidationIgnore
	} else {
		done()
	}
	c, v, err := readGossip(msg.Data, g.n.index.has)
	if err != nil {
		if protocol.CodeOf(err) == protocol.CodeUnsupportedVersion {
			g.n.logOtherVersion(from, libp2pproto.ID(g.name), err)
			return pubsub.ValidationIgnore
		}
		g.n.penalize(from, libp2pproto.ID(g.name), 1, err)
		return pubsub.ValidationReject
	}
	switch {
	case v.Rev != nil:
		select {
		case g.queue <- gossiped{from: msg.ReceivedFrom, v: v}:
		default:
			// The worker lags: sync brings the revision later.
			g.n.stats.gossipDropped.Add(1)
		}
		return pubsub.ValidationAccept
	case g.n.index.has(c):
		return pubsub.ValidationAccept
	default:
		id := msg.ID
		if id == "" {
			id = messageID(msg.Message)
		}
		g.ann.received(from, announcement{id: id, cid: c})
		return pubsub.ValidationIgnore
	}
}

// readGossip reads a gossip message and verifies the revision it
// carries whole, unless held says the node holds it already. v.Rev is
// nil for an announcement (of a revision too large for gossip) and for
// a revision held already.
func readGossip(data []byte, held func(cid.Cid) bool) (c cid.Cid, v protocol.Verified, err error) {
	c, whole, err := wire.DecodeGossip(data)
	if err != nil || whole == nil || held(c) {
		return c, protocol.Verified{}, err
	}
	v, err = protocol.Verify(protocol.Block{CID: c, Data: whole})
	return c, v, err
}

// publish sends b on the topic.
func (g *gossip) publish(ctx context.Context, b protocol.Block) error {
	data, err := wire.EncodeGossip(b)
	if err != nil {
		return err
	}
	return g.topic.Publish(ctx, data)
}

// readLoop drains the subscription, so that pubsub never finds it
// full: what the node stores, the validator queued already. The
// subscription is what makes the node a member of the topic's mesh.
func (g *gossip) readLoop(ctx context.Context) {
	for {
		if _, err := g.sub.Next(ctx); err != nil {
			return
		}
	}
}

// workLoop stores gossiped revisions in batches, fetching missing
// ancestors from the peer that forwarded them.
func (g *gossip) workLoop(ctx context.Context) {
	for {
		var batch []gossiped
		select {
		case <-ctx.Done():
			return
		case m := <-g.queue:
			batch = append(batch, m)
		}
	drain:
		for len(batch) < gossipBatch {
			select {
			case m := <-g.queue:
				batch = append(batch, m)
			default:
				break drain
			}
		}
		g.process(ctx, batch)
	}
}

// process stores one batch of verified revisions, grouped by the peer
// that forwarded them.
func (g *gossip) process(ctx context.Context, batch []gossiped) {
	byPeer := make(map[peer.ID][]protocol.Verified)
	var order []peer.ID
	for _, m := range batch {
		if _, seen := byPeer[m.from]; !seen {
			order = append(order, m.from)
		}
		byPeer[m.from] = append(byPeer[m.from], m.v)
	}
	for _, p := range order {
		revs := byPeer[p]
		g.n.stats.gossipReceived.Add(uint64(len(revs)))
		res, err := g.n.ingest(ctx, p, revs, gossipRounds)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			g.n.log.Debug("store gossiped revisions", "peer", p, "err", err)
		}
		if len(res.unresolved) > 0 {
			// The history is deeper than gossip resolves: sync fills it.
			g.n.requestSync(p, 0)
		}
	}
}

// close leaves the topic and removes the router's stream handlers
// from the host, which may outlive the node (WithHost). The router
// itself stops with the node's context.
func (g *gossip) close() {
	if g.sub != nil {
		g.sub.Cancel()
	}
	if g.ps != nil {
		_ = g.ps.UnregisterTopicValidator(g.name)
	}
	for _, id := range pubsub.GossipSubDefaultProtocols {
		g.n.host.RemoveStreamHandler(id)
	}
}

// minLevel passes on only records at or above its level: pubsub logs
// routine events (on mocknet, a warning per message) that would drown
// the node's own log.
type minLevel struct {
	min slog.Level
	slog.Handler
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.min, m.Handler.WithAttrs(as)}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.min, m.Handler.WithGroup(name)}
}
