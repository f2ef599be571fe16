package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pproto "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/wire"
)

// hostile is a raw libp2p host that speaks mutu's protocols by hand.
type hostile struct {
	t     testing.TB
	h     host.Host
	topic *pubsub.Topic
}

// newHostile adds a raw host to the cluster, connected to victim. With
// gossip, it joins the topic the way mutu nodes do (no author, content
// IDs) so that its messages reach the victim's validator.
func newHostile(t testing.TB, c *cluster, victim *testNode, gossip bool) *hostile {
	t.Helper()
	h, err := c.mn.GenPeer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	c.linkToAll(h.ID())
	x := &hostile{t: t, h: h}
	if gossip {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		ps, err := pubsub.NewGossipSub(ctx, h, pubsub.WithNoAuthor(), pubsub.WithMessageIdFn(messageID))
		if err != nil {
			t.Fatal(err)
		}
		if x.topic, err = ps.Join(wire.TopicName(DefaultNetwork)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.mn.ConnectPeers(h.ID(), victim.h.ID()); err != nil {
		t.Fatal(err)
	}
	if gossip {
		eventually(t, 10*time.Second, "the victim to see the hostile peer on the topic", func() bool {
			return len(x.topic.ListPeers()) > 0
		})
	}
	return x
}

// answerFetch makes x answer every fetch with answer(c) for each CID c
// asked for, in order.
func (x *hostile) answerFetch(answer func(c []byte) wire.FetchResponse) {
	x.h.SetStreamHandler(ProtoFetch, func(s network.Stream) {
		defer s.Close()
		var req wire.FetchRequest
		if err := wire.ReadFrame(bufio.NewReader(s), wire.MaxFetchRequestFrame, &req); err != nil {
			_ = s.Reset()
			return
		}
		for _, c := range req.CIDs {
			_ = wire.WriteFrame(s, answer(c))
		}
	})
}

// answerFetchWith makes x answer every fetch with data, under each CID
// asked for: bytes that do not match them.
func (x *hostile) answerFetchWith(data []byte) {
	x.answerFetch(func(c []byte) wire.FetchResponse { return wire.FetchResponse{CID: c, Data: data} })
}

// answerFetchNotFound makes x answer every fetch as a peer that holds
// none of the CIDs asked for.
func (x *hostile) answerFetchNotFound() {
	x.answerFetch(func(c []byte) wire.FetchResponse { return wire.FetchResponse{CID: c, Code: protocol.CodeNotFound} })
}

// serve makes x answer fetches from blocks, and not found for the
// CIDs of others, as an honest peer holding blocks would.
func (x *hostile) serve(blocks ...protocol.Block) {
	held := make(map[string][]byte, len(blocks))
	for _, b := range blocks {
		held[string(b.CID.Bytes())] = b.Data
	}
	x.answerFetch(func(c []byte) wire.FetchResponse {
		if data, ok := held[string(c)]; ok {
			return wire.FetchResponse{CID: c, Data: data}
		}
		return wire.FetchResponse{CID: c, Code: protocol.CodeNotFound}
	})
}

// publishWhole publishes b whole on gossip, as a node does with a
// revision it stored.
func (x *hostile) publishWhole(b protocol.Block) {
	x.t.Helper()
	if err := x.topic.Publish(context.Background(), mustMarshal(x.t, wire.Gossip{V: wire.Version, CID: b.CID.Bytes(), Data: b.Data})); err != nil {
		x.t.Fatal(err)
	}
}

// announce publishes an announcement of c, as for a revision too large
// for gossip.
func (x *hostile) announce(c cid.Cid) {
	x.t.Helper()
	if err := x.topic.Publish(context.Background(), mustMarshal(x.t, wire.Gossip{V: wire.Version, CID: c.Bytes()})); err != nil {
		x.t.Fatal(err)
	}
}

// exchange opens a stream of proto to the victim, writes raw, closes
// its side, and returns the first frame of the answer.
func (x *hostile) exchange(victim *testNode, proto libp2pproto.ID, raw []byte) (wire.ErrorFrame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := x.h.NewStream(ctx, victim.h.ID(), proto)
	if err != nil {
		return wire.ErrorFrame{}, err
	}
	defer s.Reset()
	if _, err := s.Write(raw); err != nil {
		return wire.ErrorFrame{}, err
	}
	_ = s.CloseWrite()
	body, err := wire.ReadRaw(bufio.NewReader(s), protocol.MaxMessageSize)
	if err != nil {
		return wire.ErrorFrame{}, err
	}
	var resp wire.ErrorFrame
	if err := protocol.UnmarshalLenient(body, &resp); err != nil {
		return wire.ErrorFrame{}, err
	}
	// A refusal ends the stream: nothing follows the error frame.
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		return resp, errors.New("stream not closed after the error frame")
	}
	return resp, nil
}

// frame returns v as one frame.
func frame(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := wire.WriteFrame(&buf, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// forge returns a revision whose CID matches its bytes but whose
// signature does not verify.
func forge(t testing.TB, au *author) protocol.Block {
	t.Helper()
	b := au.create(t, "Note falsifiée")
	rev, err := protocol.DecodeRevision(b.Data)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b.Data, rev.Sig)
	if i < 0 {
		t.Fatal("signature not found in the encoding")
	}
	data := bytes.Clone(b.Data)
	data[i] ^= 0x01
	return protocol.Block{CID: protocol.RevisionCID(data), Data: data}
}

// assertShunned checks that the victim holds nothing, blocked x, and
// logged why.
func assertShunned(t *testing.T, victim *testNode, x *hostile, reason string) {
	t.Helper()
	eventually(t, 20*time.Second, "the hostile peer to be blocked and disconnected", func() bool {
		return victim.pen.banned(x.h.ID()) && !connected(victim, x.h.ID())
	})
	if n := victim.cat.len(); n != 0 {
		t.Errorf("the victim stored %d revisions from a hostile peer", n)
	}
	// The ban shows a moment before its log line is written.
	for _, want := range []string{"blocked peer", reason} {
		eventually(t, 5*time.Second, "the victim's log to say "+want, func() bool {
			return victim.logs.contains(want)
		})
	}
}

// assertStillServes checks that an honest peer still replicates with
// the victim.
func assertStillServes(t *testing.T, c *cluster, victim *testNode) {
	t.Helper()
	honest := c.add(nil, nil)
	c.connect(honest, victim)
	rev := newAuthor(t).create(t, "Note honnête")
	honest.store(t, rev)
	eventually(t, 20*time.Second, "the victim to accept an honest revision", func() bool {
		return converged(1, victim, honest)
	})
}

func TestHostileGossip(t *testing.T) {
	tests := []struct {
		name   string
		msg    func(t testing.TB, au *author) []byte
		reason string
	}{
		{"forged signature", func(t testing.TB, au *author) []byte {
			f := forge(t, au)
			return mustMarshal(t, wire.Gossip{V: wire.Version, CID: f.CID.Bytes(), Data: f.Data})
		}, "bad signature"},
		{"CID not matching bytes", func(t testing.TB, au *author) []byte {
			good, other := au.create(t, "vraie"), au.create(t, "autre")
			return mustMarshal(t, wire.Gossip{V: wire.Version, CID: other.CID.Bytes(), Data: good.Data})
		}, "does not match its bytes"},
		{"garbage", func(t testing.TB, au *author) []byte {
			// Distinct bytes each time: pubsub drops repeated messages.
			return []byte("\xa3avgarbage" + au.create(t, "x").CID.String())
		}, "malformed"},
		{"revision too large for gossip", func(t testing.TB, au *author) []byte {
			big := au.sign(t, cid.Undef, nil, "grande", string(bytes.Repeat([]byte("x"), protocol.MaxGossipRevisionSize)))
			return mustMarshal(t, wire.Gossip{V: wire.Version, CID: big.CID.Bytes(), Data: big.Data})
		}, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			victim := c.add(nil, nil)
			x := newHostile(t, c, victim, true)
			au := newAuthor(t)
			for range banThreshold + 2 {
				if err := x.topic.Publish(context.Background(), tt.msg(t, au)); err != nil {
					t.Fatal(err)
				}
			}
			assertShunned(t, victim, x, tt.reason)
			assertStillServes(t, c, victim)
		})
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := protocol.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A peer speaking a later version, in gossip or in requests, is no
// offender: it earns no strike and stays connected. Every one of its
// messages would say the same, so the log says it once, not per message.
func TestOtherVersionLoggedOnce(t *testing.T) {
	c := newCluster(t)
	victim := c.add(nil, nil)
	x := newHostile(t, c, victim, true)
	later := func(i int) []byte {
		return mustMarshal(t, struct {
			V    uint64 `cbor:"v"`
			Next int    `cbor:"next"`
		}{wire.Version + 1, i})
	}
	request := frame(t, struct {
		V    uint64   `cbor:"v"`
		Net  string   `cbor:"net"`
		CIDs [][]byte `cbor:"cids"`
	}{V: wire.Version + 1, Net: DefaultNetwork})
	const n = 20
	for i := range n {
		if err := x.topic.Publish(context.Background(), later(i)); err != nil {
			t.Fatal(err)
		}
		resp, err := x.exchange(victim, ProtoFetch, request)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Code != protocol.CodeUnsupportedVersion {
			t.Fatalf("answer code %v (%q), want %v", resp.Code, resp.Msg, protocol.CodeUnsupportedVersion)
		}
	}
	// A revision of this version, sent after them, arrives once they
	// have been read.
	f := newAuthor(t).create(t, "Note après les messages d'une autre version")
	if err := x.topic.Publish(context.Background(), mustMarshal(t, wire.Gossip{V: wire.Version, CID: f.CID.Bytes(), Data: f.Data})); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the victim to store the revision sent after the others", func() bool {
		return victim.cat.len() == 1
	})
	if got := strings.Count(victim.logs.String(), "another protocol version"); got != 1 {
		t.Errorf("%d requests and %d gossip messages of a later version logged %d times, want once:\n%s", n, n, got, victim.logs.String())
	}
	if got := victim.pen.count(x.h.ID()); got != 0 {
		t.Errorf("%d strikes against a peer of a later version, want none", got)
	}
	if !connected(victim, x.h.ID()) {
		t.Error("a peer of a later version was disconnected")
	}
}

func TestHostileStreams(t *testing.T) {
	uvarint := func(n uint64) []byte { return binary.AppendUvarint(nil, n) }
	tests := []struct {
		name    string
		proto   libp2pproto.ID
		raw     func(t testing.TB) []byte
		code    protocol.Code
		strikes int // against the peer after one such request
	}{
		{"oversized frame", ProtoFetch, func(t testing.TB) []byte {
			return uvarint(100 << 20)
		}, protocol.CodeTooLarge, 1},
		{"oversized sync frame", ProtoSync, func(t testing.TB) []byte {
			return uvarint(protocol.MaxMessageSize + 1)
		}, protocol.CodeTooLarge, 1},
		{"garbage frame", ProtoBulk, func(t testing.TB) []byte {
			return append(uvarint(12), "not cbor\xff\xfe\x00\x01"...)
		}, protocol.CodeMalformed, 1},
		{"length longer than ten bytes", ProtoFetch, func(t testing.TB) []byte {
			return bytes.Repeat([]byte{0xff}, 11)
		}, protocol.CodeMalformed, 1},
		{"not canonical", ProtoFetch, func(t testing.TB) []byte {
			// Keys out of canonical order.
			body := []byte("\xa3cnetdmutuav\x01dcids\x80")
			return append(uvarint(uint64(len(body))), body...)
		}, protocol.CodeMalformed, 1},
		{"unknown version", ProtoFetch, func(t testing.TB) []byte {
			return frame(t, struct {
				V    uint64   `cbor:"v"`
				Net  string   `cbor:"net"`
				CIDs [][]byte `cbor:"cids"`
				More string   `cbor:"more"`
			}{V: 2, Net: DefaultNetwork, More: "future"})
		}, protocol.CodeUnsupportedVersion, 0},
		{"too many CIDs", ProtoFetch, func(t testing.TB) []byte {
			req := wire.FetchRequest{V: wire.Version, Net: DefaultNetwork}
			c := protocol.BlockCID([]byte("x")).Bytes()
			for range wire.MaxFetchCIDs + 1 {
				req.CIDs = append(req.CIDs, c)
			}
			return frame(t, req)
		}, protocol.CodeTooLarge, 1},
		{"sync message that is not reconciliation", ProtoSync, func(t testing.TB) []byte {
			return frame(t, wire.SyncRequest{V: wire.Version, Net: DefaultNetwork, Recon: []byte{1, 0xff, 0xff}})
		}, protocol.CodeMalformed, 1},
		{"bulk cursor without CID", ProtoBulk, func(t testing.TB) []byte {
			return frame(t, wire.BulkRequest{V: wire.Version, Net: DefaultNetwork, After: 7})
		}, protocol.CodeMalformed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			victim := c.add(nil, nil)
			x := newHostile(t, c, victim, false)
			resp, err := x.exchange(victim, tt.proto, tt.raw(t))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Code != tt.code {
				t.Errorf("answer code %v (%q), want %v", resp.Code, resp.Msg, tt.code)
			}
			if got := victim.pen.count(x.h.ID()); got != tt.strikes {
				t.Errorf("%d strikes against the peer, want %d", got, tt.strikes)
			}
			if !connected(victim, x.h.ID()) {
				t.Error("one bad request disconnected the peer")
			}
		})
	}
}

// A peer of another network is answered CodeWrongNetwork, then
// disconnected and refused.
func TestWrongNetwork(t *testing.T) {
	c := newCluster(t)
	victim := c.add(nil, nil)
	x := newHostile(t, c, victim, false)
	resp, err := x.exchange(victim, ProtoSync, frame(t, wire.SyncRequest{V: wire.Version, Net: "autre-reseau", Recon: []byte{1}}))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != protocol.CodeWrongNetwork {
		t.Fatalf("answer %v (%q), want CodeWrongNetwork", resp.Code, resp.Msg)
	}
	assertShunned(t, victim, x, `network \"autre-reseau\"`)
}

// Repeated bad requests get the peer blocked; a node that keeps
// serving an honest peer meanwhile.
func TestHostileRepeatedBadRequests(t *testing.T) {
	c := newCluster(t)
	victim := c.add(nil, nil)
	x := newHostile(t, c, victim, false)
	for i := 0; i < banThreshold; i++ {
		_, _ = x.exchange(victim, ProtoFetch, binary.AppendUvarint(nil, 1<<30))
	}
	assertShunned(t, victim, x, "frame of 1073741824 bytes")
	assertStillServes(t, c, victim)
}

// A flood of 10,000 requests is answered CodeRateLimited past the
// limits; the peer ends up blocked and the node keeps serving.
func TestFloodOfRequests(t *testing.T) {
	c := newCluster(t)
	victim := c.add(nil, nil)
	x := newHostile(t, c, victim, false)
	req := frame(t, wire.FetchRequest{V: wire.Version, Net: DefaultNetwork, CIDs: [][]byte{protocol.BlockCID([]byte("absent")).Bytes()}})
	var served, limited, failed atomic.Int64
	var wg sync.WaitGroup
	work := make(chan struct{})
	for range 32 {
		wg.Go(func() {
			for range work {
				resp, err := x.exchange(victim, ProtoFetch, req)
				switch {
				case err != nil:
					failed.Add(1)
				case resp.Code == protocol.CodeRateLimited:
					limited.Add(1)
				default:
					served.Add(1)
				}
			}
		})
	}
	for range 10000 {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	t.Logf("served %d, rate limited %d, refused or cut %d", served.Load(), limited.Load(), failed.Load())
	if limited.Load() == 0 {
		t.Error("no request was rate limited")
	}
	assertShunned(t, victim, x, "exceeding the rate limit")
	assertStillServes(t, c, victim)
}

// A flood of 10,000 gossip messages, distinct revisions with forged
// signatures, does not take the node down: none is stored, the sender is
// blocked for its forgeries and the log says so, and honest peers are
// still served.
func TestFloodOfGossip(t *testing.T) {
	c := newCluster(t)
	victim := c.add(nil, nil)
	x := newHostile(t, c, victim, true)
	au := newAuthor(t)
	for range 10000 {
		f := forge(t, au)
		if err := x.topic.Publish(context.Background(), mustMarshal(t, wire.Gossip{V: wire.Version, CID: f.CID.Bytes(), Data: f.Data})); err != nil {
			t.Fatal(err)
		}
	}
	assertShunned(t, victim, x, "bad signature")
	if got := victim.Status().Counters.Rejected; got < banThreshold {
		t.Errorf("%d messages rejected, want at least the %d that block a peer", got, banThreshold)
	}
	assertStillServes(t, c, victim)
}

// A peer that answers a fetch with bytes that do not match the CID
// asked for is penalised, and nothing is stored.
func TestHostileFetchResponder(t *testing.T) {
	c := newCluster(t)
	victim := c.add(nil, nil)
	x := newHostile(t, c, victim, true)
	x.answerFetchWith([]byte("pas la bonne note"))
	au := newAuthor(t)
	for range banThreshold + 2 {
		// Announce by CID only, as for a revision too large for gossip.
		a := au.create(t, "annoncée")
		if err := x.topic.Publish(context.Background(), mustMarshal(t, wire.Gossip{V: wire.Version, CID: a.CID.Bytes()})); err != nil {
			t.Fatal(err)
		}
	}
	assertShunned(t, victim, x, "does not match its bytes")
}

// A peer that announces revisions it cannot serve earns a strike for
// each, with the reason logged, and ends up blocked; the victim passes
// none of its announcements on, so the node behind it opens no fetch
// for them and receives nothing but what the victim holds.
func TestHostileAnnouncer(t *testing.T) {
	c := newCluster(t)
	victim, behind := c.add(nil, nil), c.add(nil, nil)
	c.connect(victim, behind)
	settle(t, victim, behind)
	x := newHostile(t, c, victim, true)
	x.answerFetchNotFound()
	au := newAuthor(t)
	for range banThreshold + 2 {
		x.announce(bigRevision(t, au, "jamais servie").CID)
	}
	assertShunned(t, victim, x, "does not serve it")

	// An honest revision announced by the victim does reach the node
	// behind: it listens, and heard nothing else.
	honest := bigRevision(t, au, "servie")
	victim.store(t, honest)
	eventually(t, 10*time.Second, "the node behind to receive the honest revision", func() bool {
		return holdsRevs(behind, honest)
	})
	// The victim forwards to the node behind in order, on one stream:
	// once a revision it announces after reaches the node behind,
	// nothing of the hostile peer's can still be on its way.
	marker := bigRevision(t, au, "témoin")
	victim.store(t, marker)
	eventually(t, 10*time.Second, "the node behind to receive the marker", func() bool {
		return holdsRevs(behind, marker)
	})
	st := behind.Status()
	if st.Counters.GossipReceived != 2 || st.Revisions != 2 {
		t.Errorf("the node behind received %d revisions by gossip and holds %d, want only the honest one and the marker", st.Counters.GossipReceived, st.Revisions)
	}
	if n := behind.pen.count(victim.h.ID()); n != 0 {
		t.Errorf("the node behind counts %d strikes against the victim", n)
	}
}

// A peer that announces a real revision first, and cannot serve it,
// does not hold it back: the victim fetches it from the next peer that
// announces it, and passes it on live.
func TestAnnouncerThatCannotServeIsBypassed(t *testing.T) {
	c := newCluster(t)
	victim, honest, behind := c.add(nil, nil), c.add(nil, nil), c.add(nil, nil)
	c.connect(victim, honest)
	c.connect(victim, behind)
	settled(t, []*testNode{victim, honest, behind}, []int{2, 1, 1})
	x := newHostile(t, c, victim, true)
	x.answerFetchNotFound()
	before := lastSyncs(victim, honest, behind)

	big := bigRevision(t, newAuthor(t), "Guide de la régie")
	x.announce(big.CID)
	eventually(t, 10*time.Second, "the victim to count a strike against the announcer", func() bool {
		return victim.pen.count(x.h.ID()) == 1
	})
	honest.store(t, big) // the honest node announces it in turn
	eventually(t, 5*time.Second, "the revision to reach the node behind", func() bool {
		return holdsRevs(victim, big) && holdsRevs(behind, big)
	})
	if after := lastSyncs(victim, honest, behind); !maps.Equal(before, after) {
		t.Errorf("a sync ran; the revision should have come by gossip")
	}
}

// answerBulkWith makes x serve bulk requests with the frames of frames,
// one every pause, then hold the stream open until the test ends.
func (x *hostile) answerBulkWith(pause time.Duration, frames func(i int) (wire.BulkResponse, bool)) {
	x.h.SetStreamHandler(ProtoBulk, func(s network.Stream) {
		defer s.Close()
		var req wire.BulkRequest
		if err := wire.ReadFrame(bufio.NewReader(s), wire.MaxBulkRequestFrame, &req); err != nil {
			_ = s.Reset()
			return
		}
		for i := 0; ; i++ {
			f, more := frames(i)
			if !more {
				return
			}
			if err := wire.WriteFrame(s, f); err != nil {
				return
			}
			time.Sleep(pause)
		}
	})
}

// A bulk transfer that brings nothing, or too little, is cut at once
// (empty batches) or within a window (a trickle), so that it cannot
// hold up the node's other syncs: they wait for a bulk transfer.
func TestBulkThatStalls(t *testing.T) {
	defer func(w time.Duration) { bulkRateWindow = w }(bulkRateWindow)
	bulkRateWindow = time.Second
	au := newAuthor(t)
	tests := []struct {
		name   string
		frame  func(i int) (wire.BulkResponse, bool)
		strike bool
		reason string
	}{
		{"empty batches", func(int) (wire.BulkResponse, bool) { return wire.BulkResponse{}, true }, true, "bulk batch without revisions"},
		{"a trickle", func(i int) (wire.BulkResponse, bool) {
			b := au.create(t, fmt.Sprintf("Note %d", i))
			return wire.BulkResponse{Revs: []wire.BulkRev{{CID: b.CID.Bytes(), Data: b.Data}}}, i < 100
		}, false, "too slow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			victim := c.add(nil, nil)
			x := newHostile(t, c, victim, false)
			// A trickle's revisions must come in (clock, CID) order:
			// one per frame, made in turn, each later than the last.
			x.answerBulkWith(200*time.Millisecond, tt.frame)
			if _, _, _, ok := victim.cursor.claim(x.h.ID()); !ok {
				t.Fatal("no claim on the bulk cursor")
			}
			defer victim.cursor.release(x.h.ID())
			// Cut for its own reason: a trickle of 100 frames would
			// otherwise end in the stream closing.
			_, err := victim.runBulk(context.Background(), x.h.ID(), 0, cid.Undef, "")
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("runBulk = %v, want an error saying %q", err, tt.reason)
			}
			if got := victim.pen.count(x.h.ID()); (got > 0) != tt.strike {
				t.Errorf("%d strikes against the peer; want a strike: %v", got, tt.strike)
			}
		})
	}
}

// A node serves one bulk stream per peer, and maxBulkServing in all.
func TestBulkServingOnePerPeer(t *testing.T) {
	var b bulkServing
	p, q, r := peer.ID("p"), peer.ID("q"), peer.ID("r")
	if !b.start(p) || b.start(p) {
		t.Fatal("a second bulk stream to the same peer was served")
	}
	if !b.start(q) || b.start(r) {
		t.Fatalf("want %d streams served at most", maxBulkServing)
	}
	b.end(p)
	if !b.start(r) {
		t.Fatal("a slot freed was not given again")
	}
}

// A sync waits for a bulk transfer with another peer to end, but not
// for ever: past bulkWaitMax it reconciles all the same.
func TestSyncWaitsForBulkBounded(t *testing.T) {
	defer func(w time.Duration) { bulkWaitMax = w }(bulkWaitMax)
	bulkWaitMax = 500 * time.Millisecond
	c := newCluster(t)
	victim := c.add(nil, nil)
	// A transfer with a peer that never ends it.
	if _, _, _, ok := victim.cursor.claim(peer.ID("slow-bulk-peer")); !ok {
		t.Fatal("no claim on the bulk cursor")
	}
	defer victim.cursor.release(peer.ID("slow-bulk-peer"))
	honest := c.add(nil, nil)
	honest.store(t, newAuthor(t).create(t, "Note honnête"))
	c.connect(honest, victim)
	eventually(t, 10*time.Second, "the victim to sync with the honest peer during the other transfer", func() bool {
		return converged(1, victim, honest)
	})
}
