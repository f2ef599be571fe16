package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"

	"github.com/mutu-network/mutu/protocol"
)

// eventually polls cond every 20 ms until it holds or the deadline
// passes. Deadlines are generous: tests assert behaviour, not timing.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// author signs revisions for tests.
type author struct {
	priv ed25519.PrivateKey
	seq  uint64
	hlc  *protocol.HLC
	mu   sync.Mutex // guards seq
}

func newAuthor(t testing.TB) *author {
	t.Helper()
	priv, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	return &author{priv: priv, hlc: protocol.NewHLC(nil)}
}

// sign signs a put revision of doc (cid.Undef for a new document).
func (a *author) sign(t testing.TB, doc cid.Cid, parents []cid.Cid, title, body string, atts ...protocol.Attachment) protocol.Block {
	t.Helper()
	a.mu.Lock()
	a.seq++
	seq := a.seq
	a.mu.Unlock()
	r := &protocol.Revision{
		Op:          protocol.OpPut,
		Doc:         doc,
		Parents:     parents,
		Seq:         seq,
		Clock:       a.hlc.Now(),
		Entry:       &protocol.Entry{Meta: map[string]any{"title": title}, Body: body},
		Attachments: atts,
	}
	v, err := r.Sign(a.priv)
	if err != nil {
		t.Fatal(err)
	}
	return v.Block
}

// create signs the first revision of a new document.
func (a *author) create(t testing.TB, title string) protocol.Block {
	return a.sign(t, cid.Undef, nil, title, "Corps de "+title)
}

// edit signs a revision of doc replacing parents.
func (a *author) edit(t testing.TB, doc cid.Cid, parents []cid.Cid, body string) protocol.Block {
	return a.sign(t, doc, parents, "modifié", body)
}

// docs signs n new documents.
func (a *author) docs(t testing.TB, n int, prefix string) []protocol.Block {
	out := make([]protocol.Block, n)
	for i := range out {
		out[i] = a.create(t, fmt.Sprintf("%s %d", prefix, i))
	}
	return out
}

// logBuffer collects a node's log output.
type logBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) contains(s string) bool { return strings.Contains(l.String(), s) }

// testNode is a node with its test catalogue and log.
type testNode struct {
	*Node
	cat   *memCatalogue
	logs  *logBuffer
	h     host.Host
	trust *memTrust // the roster, for nodes of a closed network
}

// store adds revisions to the node's catalogue, as a local write
// does: the node learns of them from the catalogue's change feed.
func (tn *testNode) store(t testing.TB, blocks ...protocol.Block) {
	t.Helper()
	if _, err := tn.cat.AddRevisions(context.Background(), blocks); err != nil {
		t.Fatal(err)
	}
}

// cluster is a set of nodes on one mocknet.
type cluster struct {
	t     testing.TB
	mn    mocknet.Mocknet
	nodes []*testNode
}

// newCluster returns an empty cluster closed at the end of the test.
func newCluster(t testing.TB) *cluster {
	c := &cluster{t: t, mn: mocknet.New()}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			_ = n.Close()
		}
		_ = c.mn.Close()
		if t.Failed() {
			for i, n := range c.nodes {
				var lines []string
				for _, l := range strings.Split(n.logs.String(), "\n") {
					if !strings.Contains(l, "dial known peer") && !strings.Contains(l, "in sync") {
						lines = append(lines, l)
					}
				}
				logs := strings.Join(lines, "\n")
				if len(logs) > 8000 {
					logs = "..." + logs[len(logs)-8000:]
				}
				t.Logf("node %d (%s) holds %d revisions, counters %+v, log:\n%s", i, n.h.ID(), n.cat.len(), n.Status().Counters, logs)
			}
		}
	})
	return c
}

// testConfig is the configuration tests start from: no background
// sync within the test unless asked.
func testConfig(logs *logBuffer) Config {
	return Config{
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		SyncInterval: time.Hour,
	}
}

// add starts a node over cat (a new one if nil) on a new mocknet peer,
// linked to every peer already there but not connected.
func (c *cluster) add(cat *memCatalogue, cfg func(*Config), opts ...Option) *testNode {
	c.t.Helper()
	h, err := c.mn.GenPeer()
	if err != nil {
		c.t.Fatal(err)
	}
	c.linkToAll(h.ID())
	if cat == nil {
		cat = newMemCatalogue()
	}
	logs := &logBuffer{}
	conf := testConfig(logs)
	if cfg != nil {
		cfg(&conf)
	}
	n, err := New(conf, cat, append([]Option{WithHost(h)}, opts...)...)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		c.t.Fatal(err)
	}
	tn := &testNode{Node: n, cat: cat, logs: logs, h: h}
	c.nodes = append(c.nodes, tn)
	return tn
}

// linkToAll links p once to every other peer of the mocknet.
// (mocknet's LinkAll adds a link per call, and UnlinkPeers would then
// leave some behind.)
func (c *cluster) linkToAll(p peer.ID) {
	c.t.Helper()
	for _, q := range c.mn.Peers() {
		if q == p || len(c.mn.LinksBetweenPeers(p, q)) > 0 {
			continue
		}
		if _, err := c.mn.LinkPeers(p, q); err != nil {
			c.t.Fatal(err)
		}
	}
}

// connect connects two nodes.
func (c *cluster) connect(a, b *testNode) {
	c.t.Helper()
	if _, err := c.mn.ConnectPeers(a.h.ID(), b.h.ID()); err != nil {
		c.t.Fatal(err)
	}
}

// partition cuts a from b: unlink AND disconnect, as mocknet keeps
// connections across an unlink. A dial that passed its link check
// before the unlink may still open a connection, and mocknet closes
// the remote end of a connection asynchronously: disconnect both ways
// until neither end has a connection.
func (c *cluster) partition(a, b *testNode) {
	c.t.Helper()
	if err := c.mn.UnlinkPeers(a.h.ID(), b.h.ID()); err != nil {
		c.t.Fatal(err)
	}
	eventually(c.t, 10*time.Second, "the partition to close every connection", func() bool {
		_ = c.mn.DisconnectPeers(a.h.ID(), b.h.ID())
		_ = c.mn.DisconnectPeers(b.h.ID(), a.h.ID())
		return !connected(a, b.h.ID()) && !connected(b, a.h.ID())
	})
}

// settle waits until each node sees the others on the gossip topic
// and its syncs on connection have ended. A mocknet connection closed
// while a stream is being opened on it leaves that stream working, so
// a partition must not cut into the streams a new connection opens.
func settle(t testing.TB, nodes ...*testNode) {
	t.Helper()
	eventually(t, 20*time.Second, "the connections to settle", func() bool {
		for _, n := range nodes {
			if topicPeers(n) < len(nodes)-1 {
				return false
			}
			if !syncsEnded(n, len(nodes)-1) {
				return false
			}
		}
		return true
	})
}

// syncsEnded reports whether n has synced with at least peers peers,
// and runs no sync now.
func syncsEnded(n *testNode, peers int) bool {
	st := n.Status()
	if len(st.Sync) < peers {
		return false
	}
	for _, s := range st.Sync {
		if s.Running || s.LastSync.IsZero() {
			return false
		}
	}
	return true
}

// heal links and connects a and b again.
func (c *cluster) heal(a, b *testNode) {
	c.t.Helper()
	if _, err := c.mn.LinkPeers(a.h.ID(), b.h.ID()); err != nil {
		c.t.Fatal(err)
	}
	c.connect(a, b)
}

// converged reports whether every node holds exactly want revisions
// and all hold the same set.
func converged(want int, nodes ...*testNode) bool {
	first := nodes[0].cat.cids()
	if len(first) != want {
		return false
	}
	for _, n := range nodes[1:] {
		if n.cat.len() != want {
			return false
		}
		if strings.Join(n.cat.cids(), ",") != strings.Join(first, ",") {
			return false
		}
	}
	return true
}

// topicPeers reports how many peers n sees on its gossip topic.
func topicPeers(n *testNode) int {
	n.mu.Lock()
	g := n.gossip
	n.mu.Unlock()
	if g == nil {
		return 0
	}
	return len(g.topic.ListPeers())
}

// connected reports whether a has a connection to b.
func connected(a *testNode, b peer.ID) bool {
	return len(a.h.Network().ConnsToPeer(b)) > 0
}
