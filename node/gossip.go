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

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// Live propagation. Every node of a network joins one gossipsub topic,
// TopicName(network). A message is a gossipMsg: a revision up to
// protocol.MaxGossipRevisionSize travels whole, a larger one is only
// announced by CID and fetched with /mutu/fetch/1.0.0 from the peer
// that announced it; a node announces it on only once it holds it
// (announce.go). Message IDs are the SHA-256 of the message bytes, so
// the same revision published by two nodes is one message. Messages
// carry no pubsub author or signature: revisions are signed by their
// authors, and the validator checks CID and signature before anything
// is stored or forwarded. See docs/protocol.md (Part 2), "Gossip".

// TopicName returns the gossip topic of a network.
func TopicName(network string) string { return "/mutu/" + network + "/revisions/1" }

// gossipMsg is the payload of a gossip message.
type gossipMsg struct {
	V    uint64 `cbor:"v"`
	CID  []byte `cbor:"cid"`
	Data []byte `cbor:"data,omitempty"`
}

// Gossip limits and tuning.
const (
	// maxGossipMessage bounds a message: a whole revision and its
	// envelope.
	maxGossipMessage = protocol.MaxGossipRevisionSize + 256
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

// announce is the validator's note on a message that names a revision
// too large for gossip.
type announce struct{ cid cid.Cid }

// gossip is the node's membership of its network's topic.
type gossip struct {
	n       *Node
	name    string
	ps      *pubsub.PubSub
	topic   *pubsub.Topic
	sub     *pubsub.Subscription
	queue   chan *pubsub.Message
	limiter *peerLimiter
	ann     *announcements
}

// startGossip joins the topic with the validator in place and
// subscribes. The read, work and announcement loops are started by the
// caller.
func startGossip(n *Node) (*gossip, error) {
	g := &gossip{
		n:       n,
		name:    TopicName(n.cfg.Network),
		queue:   make(chan *pubsub.Message, gossipQueue),
		limiter: newPeerLimiter(gossipRate, gossipBurst, 1<<30),
	}
	g.ann = newAnnouncements(g)
	ps, err := pubsub.NewGossipSub(n.ctx, n.host,
		pubsub.WithMessageIdFn(messageID),
		pubsub.WithNoAuthor(),
		pubsub.WithFloodPublish(true),
		pubsub.WithPeerExchange(false),
		pubsub.WithBlacklist(blacklist{n.pen}),
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
// the sender's score, and cost the sender a strike. An announcement is
// accepted only when the node holds the revision; otherwise it is
// ignored and queued: the node fetches the revision and announces it
// on itself once stored (announce.go). The validator never waits on
// the network.
func (g *gossip) validate(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	if from == g.n.host.ID() {
		return pubsub.ValidationAccept // Publish verified it
	}
	if g.n.pen.banned(from) {
		return pubsub.ValidationReject
	}
	if ok, _, done := g.limiter.acquire(from, time.Now()); !ok {
		return pubsub.ValidationIgnore
	} else {
		done()
	}
	v, err := decodeGossip(msg.Data)
	if err != nil {
		if protocol.CodeOf(err) == protocol.CodeUnsupportedVersion {
			g.n.logOtherVersion(from, libp2pproto.ID(g.name), err)
			return pubsub.ValidationIgnore
		}
		g.n.penalize(from, libp2pproto.ID(g.name), 1, err)
		return pubsub.ValidationReject
	}
	if a, ok := v.(announce); ok {
		if g.n.index.has(a.cid) {
			return pubsub.ValidationAccept
		}
		id := msg.ID
		if id == "" {
			id = messageID(msg.Message)
		}
		g.ann.received(from, announcement{id: id, cid: a.cid, data: msg.Data})
		return pubsub.ValidationIgnore
	}
	msg.ValidatorData = v
	return pubsub.ValidationAccept
}

// decodeGossip decodes and verifies a gossip message. It returns a
// verified or an announce.
func decodeGossip(data []byte) (any, error) {
	if len(data) > maxGossipMessage {
		return nil, protocol.Errorf(protocol.CodeTooLarge, "gossip message of %d bytes, limit %d", len(data), maxGossipMessage)
	}
	var m gossipMsg
	if err := protocol.Unmarshal(data, &m); err != nil {
		var h struct {
			V uint64 `cbor:"v"`
		}
		if lenient(data, &h) == nil && h.V != wireVersion {
			return nil, protocol.Errorf(protocol.CodeUnsupportedVersion, "gossip message version %d", h.V)
		}
		return nil, fmt.Errorf("gossip message: %w", err)
	}
	if m.V != wireVersion {
		return nil, protocol.Errorf(protocol.CodeUnsupportedVersion, "gossip message version %d", m.V)
	}
	c, err := castCID(m.CID)
	if err != nil {
		return nil, fmt.Errorf("gossip message: %w", err)
	}
	if c.Prefix().Codec != protocol.CodecDagCBOR {
		return nil, protocol.Errorf(protocol.CodeBadCID, "gossip message names %s, not a revision", c)
	}
	if m.Data == nil {
		return announce{c}, nil
	}
	if len(m.Data) > protocol.MaxGossipRevisionSize {
		return nil, protocol.Errorf(protocol.CodeTooLarge, "revision %s of %d bytes sent whole on gossip, limit %d", c, len(m.Data), protocol.MaxGossipRevisionSize)
	}
	rev, err := protocol.VerifyRevision(c, m.Data)
	if err != nil {
		return nil, err
	}
	return store.Verified{Block: protocol.Block{CID: c, Data: m.Data}, Rev: rev}, nil
}

// encodeGossip returns the gossip message for b.
func encodeGossip(b protocol.Block) ([]byte, error) {
	m := gossipMsg{V: wireVersion, CID: b.CID.Bytes()}
	if len(b.Data) <= protocol.MaxGossipRevisionSize {
		m.Data = b.Data
	}
	return protocol.Marshal(m)
}

// publish sends b on the topic.
func (g *gossip) publish(ctx context.Context, b protocol.Block) error {
	data, err := encodeGossip(b)
	if err != nil {
		return err
	}
	return g.topic.Publish(ctx, data)
}

// readLoop moves messages from the subscription to the worker's queue
// at once, so that pubsub never finds the subscription full. Messages
// that do not fit are dropped: sync brings them later.
func (g *gossip) readLoop(ctx context.Context) {
	self := g.n.host.ID()
	for {
		msg, err := g.sub.Next(ctx)
		if err != nil {
			return
		}
		if msg.ReceivedFrom == self || msg.Local {
			continue
		}
		select {
		case g.queue <- msg:
		default:
			g.n.stats.gossipDropped.Add(1)
		}
	}
}

// workLoop stores gossiped revisions in batches, fetching missing
// ancestors from the peer that forwarded them.
func (g *gossip) workLoop(ctx context.Context) {
	for {
		var batch []*pubsub.Message
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

// process stores one batch of validated messages, grouped by the peer
// that forwarded them.
func (g *gossip) process(ctx context.Context, batch []*pubsub.Message) {
	byPeer := make(map[peer.ID][]store.Verified)
	var order []peer.ID
	for _, m := range batch {
		// Announcements delivered are of revisions already held: they
		// carry no ValidatorData.
		v, ok := m.ValidatorData.(store.Verified)
		if !ok {
			continue
		}
		p := m.ReceivedFrom
		if _, seen := byPeer[p]; !seen {
			order = append(order, p)
		}
		byPeer[p] = append(byPeer[p], v)
	}
	for _, p := range order {
		revs := byPeer[p]
		g.n.stats.gossipReceived.Add(uint64(len(revs)))
		_, unresolved, err := g.n.ingest(ctx, p, revs, gossipRounds)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			g.n.log.Debug("store gossiped revisions", "peer", p, "err", err)
		}
		if len(unresolved) > 0 {
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
