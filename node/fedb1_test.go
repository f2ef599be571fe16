package node

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// BenchmarkFreshMemberSyncClosed is B1 for a closed network, against
// B1 for an open one in the same run: a fresh node, its catalogue on
// disk (badger, synced writes, bleve) in this process, catches up with
// one peer holding N notes of about 5 KB of French text (the generator
// of BenchmarkFreshNodeSyncDisk) over TCP on 127.0.0.1. In the closed
// network the peer is its coordinator, the fresh node holds what a join
// gives it (the charter and its admission), and the notes' author is
// certified by the coordinator before the notes were written, as a
// local write requires: every revision received is judged against the
// roster. It reports, for each network, the time until the node holds
// every note and until its search finds them all, and how much slower
// the closed network is (%; the goal is at most 5).
//
//	go test ./node -run '^$' -bench FreshMemberSyncClosed -benchtime 1x -timeout 60m -args -bench.notes=100000
//
// With -benchtime Nx the two alternate which goes first.
func BenchmarkFreshMemberSyncClosed(b *testing.B) {
	n := *benchNotes
	blocks := frenchCorpus(b, n)
	first, err := protocol.Verify(blocks[0])
	if err != nil {
		b.Fatal(err)
	}
	author := first.Rev.Author
	keyS := nodeKey(b)
	// The trust records are older than the notes: the charter, the
	// coordinator's admission and the author's certificate.
	base := protocol.MakeClock(time.Now().Add(-time.Hour))
	seq := uint64(0)
	sign := func(network string, body trust.Body) protocol.Block {
		b.Helper()
		rev, err := trust.NewRevision(network, body)
		if err != nil {
			b.Fatal(err)
		}
		seq++
		rev.Seq, rev.Clock = seq, base+protocol.Clock(seq)<<16
		v, err := rev.Sign(edKey(b, keyS))
		if err != nil {
			b.Fatal(err)
		}
		return v.Block
	}
	charter := sign("", &trust.Charter{Name: "Gestionnaires de l'académie de test", Policy: trust.PolicyClosed, Coordinators: []protocol.AuthorKey{pubKey(b, keyS)}})
	net := charter.CID.String()
	records := []protocol.Block{
		charter,
		sign(net, &trust.Admission{Node: pubKey(b, keyS), Role: trust.RoleCoordinator, Label: "Rectorat"}),
		sign(net, &trust.Certificate{Author: author, Name: "Mme Durand", Function: "gestionnaire"}),
	}

	tcp := func(cfg *Config) { cfg.ListenAddrs = loopback()[:1] }
	openSrc := newMemCatalogue()
	preload(b, openSrc, blocks)
	openPeer := startReal(b, nodeKey(b), openSrc, tcp)
	closedSrc := newMemCatalogue()
	preload(b, closedSrc, append(records, blocks...))
	closedTrust := newMemTrust(closedSrc, net)
	closedPeer := startReal(b, keyS, closedSrc, func(cfg *Config) {
		tcp(cfg)
		cfg.Network, cfg.Trust = net, closedTrust
	})

	b.ResetTimer()
	var open, closed b1Times
	for i := range b.N {
		runs := []func(){
			func() { open.add(freshMemberSync(b, openPeer.Addrs()[0], n, "", nil)) },
			func() {
				key := nodeKey(b)
				adm := sign(net, &trust.Admission{Node: pubKey(b, key), Role: trust.RoleMember, Label: fmt.Sprintf("Lycée %d", i)})
				if _, err := closedSrc.AddRevisions(context.Background(), []protocol.Block{adm}); err != nil {
					b.Fatal(err)
				}
				closed.add(freshMemberSync(b, closedPeer.Addrs()[0], n, net, key, charter, adm))
			},
		}
		if i%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for _, run := range runs {
			run()
		}
	}
	notes := float64(n) * float64(b.N)
	b.ReportMetric(notes/open.stored.Seconds(), "open-stored-notes/s")
	b.ReportMetric(notes/closed.stored.Seconds(), "closed-stored-notes/s")
	b.ReportMetric(open.searchable.Seconds()/float64(b.N), "open-s-to-searchable")
	b.ReportMetric(closed.searchable.Seconds()/float64(b.N), "closed-s-to-searchable")
	b.ReportMetric(100*(closed.stored.Seconds()/open.stored.Seconds()-1), "closed-stored-slower-%")
	b.ReportMetric(100*(closed.searchable.Seconds()/open.searchable.Seconds()-1), "closed-searchable-slower-%")
	b.ReportMetric(0, "ns/op")
}

// b1Times adds up the times of B1 runs.
type b1Times struct{ stored, searchable time.Duration }

func (t *b1Times) add(stored, searchable time.Duration) {
	t.stored += stored
	t.searchable += searchable
}

// freshMemberSync starts a fresh node on a new catalogue on disk, of
// network net (open when ""; then key is nil and made here) holding
// records, connects it to peer, and returns the time until it holds n
// entries and until its search finds them.
func freshMemberSync(b *testing.B, peer ma.Multiaddr, n int, net string, key crypto.PrivKey, records ...protocol.Block) (stored, searchable time.Duration) {
	b.Helper()
	b.StopTimer()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(&logBuffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cat, err := catalogue.Open(ctx, b.TempDir(), catalogue.Options{Network: net, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	cfg := Config{Logger: logger, SyncInterval: time.Hour, PrivKey: key, ListenAddrs: loopback()[:1]}
	if net != "" {
		good, bad := protocol.VerifyAll(ctx, records)
		if len(bad) > 0 {
			b.Fatal(bad[0])
		}
		if _, err := cat.AddVerified(ctx, good); err != nil {
			b.Fatal(err)
		}
		cfg.Network, cfg.Trust = net, cat
	} else {
		cfg.PrivKey = nodeKey(b)
	}
	nd, err := New(cfg, cat)
	if err != nil {
		b.Fatal(err)
	}
	if err := nd.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer nd.Close()
	b.StartTimer()
	start := time.Now()
	if err := nd.Connect(ctx, peer); err != nil {
		b.Fatal(err)
	}
	deadline := start.Add(time.Duration(n) * 5 * time.Millisecond)
	for {
		c, err := cat.Counts()
		if err != nil {
			b.Fatal(err)
		}
		if c.Entries >= n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("network %q: the fresh node holds %d notes of %d after %v", net, c.Entries, n, time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	stored = time.Since(start)
	if err := cat.SyncIndex(ctx); err != nil {
		b.Fatal(err)
	}
	res, err := cat.Search(ctx, catalogue.SearchQuery{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if res.Total != uint64(n) {
		b.Fatalf("network %q: a search finds %d notes, want %d", net, res.Total, n)
	}
	searchable = time.Since(start)
	b.StopTimer()
	return stored, searchable
}
