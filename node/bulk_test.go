package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/wire"
)

// preload stores blocks in cat directly, as a catalogue that already
// held them before the node started.
func preload(t testing.TB, cat *memCatalogue, blocks []protocol.Block) {
	t.Helper()
	for start := 0; start < len(blocks); start += 1000 {
		if _, err := cat.AddRevisions(context.Background(), blocks[start:min(start+1000, len(blocks))]); err != nil {
			t.Fatal(err)
		}
	}
}

// bulkTotal is the size of the corpus of the bulk tests.
func bulkTotal() int {
	if raceEnabled {
		return 2000
	}
	return 5000
}

// An empty node joining a peer with many revisions gets them all by
// bulk transfer, then one reconciliation.
func TestBulkCatchUp(t *testing.T) {
	total := bulkTotal()
	c := newCluster(t)
	src := newMemCatalogue()
	preload(t, src, newAuthor(t).docs(t, total, "fiche"))
	a := c.add(src, nil)
	b := c.add(nil, nil)
	c.connect(b, a)
	eventually(t, 60*time.Second, "B to hold every revision", func() bool { return converged(total, a, b) })
	eventually(t, 10*time.Second, "B's log to report the bulk transfer", func() bool {
		return b.logs.contains("mode=" + modeBulk)
	})
	if served := a.Status().Counters.BulkServed; served != uint64(total) {
		t.Errorf("A served %d revisions by bulk, want %d", served, total)
	}
}

// A bulk transfer stopped halfway (the node closed) resumes from the
// saved cursor when the node starts again: the peer does not serve the
// first half twice. The cursor holds the same meaning at another peer
// holding the same revisions, which then serves only the second half.
func TestBulkResumesAfterRestart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		another bool // resume with another peer than the first
	}{
		{"same peer", false},
		{"another peer", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			total := bulkTotal()
			c := newCluster(t)
			blocks := newAuthor(t).docs(t, total, "fiche")
			src := newMemCatalogue()
			preload(t, src, blocks)
			a := c.add(src, nil)
			second := a
			if tc.another {
				src2 := newMemCatalogue()
				preload(t, src2, blocks)
				second = c.add(src2, nil)
			}

			dir := t.TempDir()
			cursorPath := filepath.Join(dir, "bulk-cursor.json")
			withCursor := func(cfg *Config) { cfg.BulkCursorPath = cursorPath }
			cat := newMemCatalogue()
			// The catalogue stalls once it holds half, like a slow disk,
			// until the node is closed.
			var stalled atomic.Bool
			halfway := make(chan struct{})
			cat.setGate(func(ctx context.Context, held int) error {
				if held < total/2 {
					return nil
				}
				if stalled.CompareAndSwap(false, true) {
					close(halfway)
				}
				<-ctx.Done()
				return ctx.Err()
			})
			b := c.add(cat, withCursor)
			c.connect(b, a)
			select {
			case <-halfway:
			case <-time.After(60 * time.Second):
				t.Fatal("the bulk transfer never reached half")
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			held := cat.len()
			data, err := os.ReadFile(cursorPath)
			if err != nil {
				t.Fatalf("no cursor saved: %v", err)
			}
			if !strings.Contains(string(data), a.h.ID().String()) {
				t.Errorf("the cursor does not name the peer it was reached with, %s: %s", a.h.ID(), data)
			}
			servedBefore := second.Status().Counters.BulkServed
			t.Logf("stopped holding %d of %d; A had served %d by bulk", held, total, a.Status().Counters.BulkServed)

			cat.setGate(nil)
			b2 := c.add(cat, withCursor)
			c.connect(b2, second)
			eventually(t, 60*time.Second, "the restarted node to hold every revision", func() bool {
				return converged(total, second, b2)
			})
			eventually(t, 10*time.Second, "the cursor to be removed once the transfer ended", func() bool {
				_, err := os.Stat(cursorPath)
				return os.IsNotExist(err)
			})
			again := second.Status().Counters.BulkServed - servedBefore
			// Resuming serves what was missing, plus at most the batch
			// that was being stored when the node closed.
			if limit := uint64(total - held + wire.BulkFrameRevs); again > limit {
				t.Errorf("after the restart the peer served %d revisions by bulk, want at most %d: the transfer restarted from the beginning", again, limit)
			}
			if again == 0 {
				t.Errorf("after the restart the peer served nothing by bulk, want the missing %d", total-held)
			}
		})
	}
}

// twoPeersHolding adds two nodes to c that hold the same total
// revisions.
func twoPeersHolding(t *testing.T, c *cluster, total int) (a, b *testNode) {
	t.Helper()
	blocks := newAuthor(t).docs(t, total, "fiche")
	srcA, srcB := newMemCatalogue(), newMemCatalogue()
	preload(t, srcA, blocks)
	preload(t, srcB, blocks)
	return c.add(srcA, nil), c.add(srcB, nil)
}

// A bulk transfer cut by the loss of its peer resumes, from the
// cursor, with another peer whose sync was waiting for it.
func TestBulkMovesToAnotherPeer(t *testing.T) {
	total := bulkTotal()
	c := newCluster(t)
	a, b := twoPeersHolding(t, c, total)
	cat := newMemCatalogue()
	// The catalogue stalls once it holds half until the transfer is
	// cut: by the loss of the stream, or, if the peer had sent it all
	// already, by a failure to store.
	var stalled atomic.Bool
	halfway, cut := make(chan struct{}), make(chan struct{})
	cat.setGate(func(ctx context.Context, held int) error {
		if held < total/2 {
			return nil
		}
		if stalled.CompareAndSwap(false, true) {
			close(halfway)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-cut:
			return catalogue.ErrDiskFull
		}
	})
	fresh := c.add(cat, nil)
	c.connect(fresh, a)
	c.connect(fresh, b)
	select {
	case <-halfway:
	case <-time.After(60 * time.Second):
		t.Fatal("the bulk transfer never reached half")
	}
	fresh.cursor.mu.Lock()
	owner := fresh.cursor.owner
	fresh.cursor.mu.Unlock()
	first, other := a, b
	if owner == b.h.ID() {
		first, other = b, a
	} else if owner != a.h.ID() {
		t.Fatalf("the bulk transfer runs with %q, neither A nor B", owner)
	}
	held := cat.len()
	servedBefore := other.Status().Counters.BulkServed
	c.partition(fresh, first)
	cat.setGate(nil)
	close(cut)
	eventually(t, 60*time.Second, "the fresh node to hold every revision", func() bool {
		return converged(total, other, fresh)
	})
	again := other.Status().Counters.BulkServed - servedBefore
	t.Logf("cut holding %d of %d; the other peer then served %d by bulk", held, total, again)
	if limit := uint64(total - held + 2*wire.BulkFrameRevs); again > limit {
		t.Errorf("the other peer served %d revisions by bulk, want at most %d: the transfer restarted from the beginning", again, limit)
	}
	if got := fresh.Status().Counters.RevisionsReceived; got >= uint64(total)*12/10 {
		t.Errorf("the fresh node received %d revisions for %d distinct", got, total)
	}
}

// A fresh node joining two peers that hold the same revisions receives
// them about once: one bulk transfer at a time, and the other peer is
// reconciled with once it ends, instead of a second bulk transfer
// racing the first over the same cursor.
func TestBulkOneTransferAtATime(t *testing.T) {
	total := bulkTotal()
	c := newCluster(t)
	a, b := twoPeersHolding(t, c, total)
	cursorPath := filepath.Join(t.TempDir(), "bulk-cursor.json")
	fresh := c.add(nil, func(cfg *Config) { cfg.BulkCursorPath = cursorPath })
	c.connect(fresh, a)
	c.connect(fresh, b)
	eventually(t, 60*time.Second, "the fresh node to hold every revision", func() bool {
		return converged(total, a, b, fresh)
	})
	eventually(t, 20*time.Second, "the syncs with both peers to end", func() bool { return syncsEnded(fresh, 2) })
	received := fresh.Status().Counters.RevisionsReceived
	sa, sb := a.Status().Counters, b.Status().Counters
	t.Logf("received %d of %d; A served %d by bulk and %d by fetch, B %d by bulk and %d by fetch",
		received, total, sa.BulkServed, sa.RevisionsServed, sb.BulkServed, sb.RevisionsServed)
	if limit := uint64(total) * 12 / 10; received >= limit {
		t.Errorf("the fresh node received %d revisions for %d distinct, want fewer than %d", received, total, limit)
	}
	if sa.BulkServed > 0 && sb.BulkServed > 0 {
		t.Errorf("both peers served a bulk transfer (A %d, B %d), want one", sa.BulkServed, sb.BulkServed)
	}
	if _, err := os.Stat(cursorPath); !os.IsNotExist(err) {
		t.Errorf("the cursor is still there after the transfer ended: %v", err)
	}
}

// A node behind two peers by fewer revisions than make a bulk transfer
// syncs with both at once, and with the pulls of what each offers: it
// fetches and checks each revision once all the same.
func TestTransfersAtOnceReceiveEachOnce(t *testing.T) {
	const total = 400
	c := newCluster(t)
	a, b := twoPeersHolding(t, c, total)
	fresh := c.add(nil, nil, WithBulkThreshold(total+1))
	c.connect(fresh, a)
	c.connect(fresh, b)
	eventually(t, 60*time.Second, "the fresh node to hold every revision", func() bool {
		return converged(total, a, b, fresh)
	})
	eventually(t, 20*time.Second, "the syncs with both peers to end", func() bool { return syncsEnded(fresh, 2) })
	if got := fresh.Status().Counters.RevisionsReceived; got != total {
		t.Errorf("the fresh node received and checked %d revisions for %d distinct", got, total)
	}
}
