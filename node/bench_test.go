package node

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Benchmarks. They only run with -bench; plain `go test` skips them.
//
//	go test ./node -run '^$' -bench BenchmarkFreshNodeSync -benchtime 1x -bench.notes 100000
//	go test ./node -run '^$' -bench BenchmarkReconcile
//	go test ./node -run '^$' -bench BenchmarkMesh -benchtime 1x

var benchNotes = flag.Int("bench.notes", 10000, "notes of about 5 KB in BenchmarkFreshNodeSync")

// benchCatalogue makes the catalogue of the node that catches up in
// BenchmarkFreshNodeSync. An end-to-end harness may replace it (from a
// _test file of this package) to measure the real store.
var benchCatalogue = func(b *testing.B) Catalogue { return newMemCatalogue() }

var benchCorpus struct {
	once   sync.Once
	n      int
	blocks []protocol.Block
}

// corpus returns n signed notes of about 5 KB, made once per run.
func corpus(b *testing.B, n int) []protocol.Block {
	benchCorpus.once.Do(func() {
		au := newAuthor(b)
		body := strings.Repeat("Le fonds de roulement se calcule à partir du bilan. ", 100)[:5000]
		benchCorpus.n = n
		benchCorpus.blocks = make([]protocol.Block, n)
		for i := range n {
			benchCorpus.blocks[i] = au.sign(b, cid.Undef, nil, fmt.Sprintf("Fiche %d", i), body)
		}
	})
	if benchCorpus.n != n {
		b.Fatalf("corpus made for %d notes", benchCorpus.n)
	}
	return benchCorpus.blocks
}

// B1: a fresh node catches up with one peer holding N notes of ~5 KB,
// over real TCP on 127.0.0.1 (bulk transfer, then one reconciliation).
func BenchmarkFreshNodeSync(b *testing.B) {
	n := *benchNotes
	blocks := corpus(b, n)
	src := newMemCatalogue()
	preload(b, src, blocks)
	tcp := func(cfg *Config) { cfg.ListenAddrs = loopback()[:1] }
	a := startReal(b, nodeKey(b), src, tcp)
	b.ResetTimer()
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		logs := &logBuffer{}
		conf := testConfig(logs)
		conf.PrivKey = nodeKey(b)
		conf.ListenAddrs = loopback()[:1]
		fresh, err := New(conf, benchCatalogue(b))
		if err != nil {
			b.Fatal(err)
		}
		if err := fresh.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := fresh.Connect(context.Background(), a.Addrs()[0]); err != nil {
			b.Fatal(err)
		}
		for fresh.Status().Revisions < n {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		if err := fresh.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "notes/s")
	b.ReportMetric(0, "ns/op")
}

// randomItems returns n items with distinct CIDs and recent clocks.
func randomItems(rng *rand.Rand, n int) []reconcile.Item {
	base := protocol.MakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	items := make([]reconcile.Item, n)
	var buf [16]byte
	for i := range items {
		for k := range buf {
			buf[k] = byte(rng.Uint32())
		}
		items[i] = reconcile.Item{Clock: base + protocol.Clock(rng.Uint64N(1<<40)), ID: protocol.RevisionCID(buf[:])}
	}
	return items
}

// B3: bytes and round trips of one reconciliation between sets of
// 100,000 items, identical or differing by 10 (5 on each side),
// counted as the sync protocol frames them.
func BenchmarkReconcile(b *testing.B) {
	const size = 100000
	rng := rand.New(rand.NewPCG(1, 2))
	common := randomItems(rng, size-5)
	onlyA, onlyB := randomItems(rng, 5), randomItems(rng, 5)
	for _, tc := range []struct {
		name string
		a, b []reconcile.Item
		diff int
	}{
		{"identical", slices.Concat(common, onlyA), slices.Concat(common, onlyA), 0},
		{"10-differ", slices.Concat(common, onlyA), slices.Concat(common, onlyB), 10},
	} {
		b.Run(tc.name, func(b *testing.B) {
			setA, err := reconcile.NewSet(tc.a)
			if err != nil {
				b.Fatal(err)
			}
			setB, err := reconcile.NewSet(tc.b)
			if err != nil {
				b.Fatal(err)
			}
			var bytes, rounds int
			for b.Loop() {
				bytes, rounds = 0, 0
				found := reconcileInMemory(b, setA, setB, &bytes, &rounds)
				if found != tc.diff {
					b.Fatalf("found %d differences, want %d", found, tc.diff)
				}
			}
			b.ReportMetric(float64(bytes), "bytes")
			b.ReportMetric(float64(rounds), "round-trips")
		})
	}
}

// reconcileInMemory runs one session between two sets and counts the
// bytes of the frames wire.SyncRequest and wire.SyncResponse would carry.
func reconcileInMemory(b *testing.B, a, c *reconcile.Set, bytes, rounds *int) int {
	ini, err := reconcile.NewInitiator(a)
	if err != nil {
		b.Fatal(err)
	}
	res, err := reconcile.NewResponder(c)
	if err != nil {
		b.Fatal(err)
	}
	msg, err := ini.Initiate()
	if err != nil {
		b.Fatal(err)
	}
	size := func(v any) int {
		body, err := protocol.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return len(body) + 3 // and its uvarint length
	}
	found := 0
	req := wire.SyncRequest{V: wire.Version, Net: DefaultNetwork, Count: uint64(a.Len()), Recon: msg}
	for first := true; ; first = false {
		*bytes += size(req)
		reply, _, _, err := res.Step(req.Recon)
		if err != nil {
			b.Fatal(err)
		}
		resp := wire.SyncResponse{Recon: reply}
		if first {
			resp.Count = uint64(c.Len())
		}
		*bytes += size(resp)
		*rounds++
		next, have, need, err := ini.Step(reply)
		if err != nil {
			b.Fatal(err)
		}
		found += len(have) + len(need)
		if next == nil {
			done := wire.SyncRequest{V: wire.Version, Net: DefaultNetwork, Done: true}
			for _, it := range have {
				done.Lack = append(done.Lack, it.ID.Bytes())
			}
			*bytes += size(done)
			return found
		}
		req = wire.SyncRequest{V: wire.Version, Net: DefaultNetwork, Recon: next}
	}
}

// sparseMesh links and connects 30 mocknet nodes in a ring with one
// random chord each: every node has 3 or 4 connections.
func sparseMesh(b *testing.B, c *cluster, nodes []*testNode) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range nodes {
		c.connect(nodes[i], nodes[(i+1)%len(nodes)])
	}
	for i := range nodes {
		j := (i + 2 + rng.IntN(len(nodes)-3)) % len(nodes)
		if len(nodes[i].h.Network().Peers()) < 4 && len(nodes[j].h.Network().Peers()) < 4 {
			c.connect(nodes[i], nodes[j])
		}
	}
}

// B6: a 30-node sparse mesh on mocknet. Gossip: latency from Publish
// until all 30 nodes stored the revision, p50 and p99 over 200
// publications. Sync alone (gossip off, SyncInterval 1 s): time until
// every node holds the 300 revisions added 10 per node.
func BenchmarkMesh(b *testing.B) {
	const size = 30
	b.Run("gossip", func(b *testing.B) {
		for range b.N {
			c := newCluster(b)
			nodes := make([]*testNode, size)
			// Every catalogue reports when it stores a revision.
			var mu sync.Mutex
			var want cid.Cid
			var reached int
			var last time.Time
			all := make(chan struct{}, 1)
			for i := range nodes {
				cat := newMemCatalogue()
				cat.onAdd = func(c cid.Cid) {
					mu.Lock()
					defer mu.Unlock()
					if c != want {
						return
					}
					reached++
					if reached == size {
						last = time.Now()
						all <- struct{}{}
					}
				}
				nodes[i] = c.add(cat, nil)
			}
			sparseMesh(b, c, nodes)
			eventually(b, 60*time.Second, "every node to join the topic mesh", func() bool {
				for _, n := range nodes {
					if topicPeers(n) < 2 {
						return false
					}
				}
				return true
			})
			time.Sleep(2 * time.Second) // let a few heartbeats shape the mesh
			au := newAuthor(b)
			var lat []time.Duration
			for i := range 200 {
				rev := au.create(b, fmt.Sprintf("gossip %d", i))
				mu.Lock()
				want, reached = rev.CID, 0
				mu.Unlock()
				start := time.Now()
				nodes[i%size].store(b, rev)
				select {
				case <-all:
				case <-time.After(time.Minute):
					b.Fatalf("publication %d did not reach every node", i)
				}
				mu.Lock()
				lat = append(lat, last.Sub(start))
				mu.Unlock()
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		}
	})
	b.Run("sync-only", func(b *testing.B) {
		for range b.N {
			c := newCluster(b)
			au := newAuthor(b)
			nodes := make([]*testNode, size)
			for i := range nodes {
				cat := newMemCatalogue()
				preload(b, cat, au.docs(b, 10, fmt.Sprintf("n%d", i)))
				nodes[i] = c.add(cat, func(cfg *Config) { cfg.SyncInterval = time.Second }, WithoutGossip())
			}
			start := time.Now()
			sparseMesh(b, c, nodes)
			eventually(b, 5*time.Minute, "every node to hold every revision", func() bool {
				for _, n := range nodes {
					if n.index.len() != size*10 {
						return false
					}
				}
				return true
			})
			b.ReportMetric(time.Since(start).Seconds(), "converge-s")
		}
	})
}
