package node

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mutu-network/mutu/protocol"
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
// first half twice.
func TestBulkResumesAfterRestart(t *testing.T) {
	total := bulkTotal()
	c := newCluster(t)
	src := newMemCatalogue()
	preload(t, src, newAuthor(t).docs(t, total, "fiche"))
	a := c.add(src, nil)

	dir := t.TempDir()
	cursorPath := filepath.Join(dir, "bulk-cursor.json")
	withCursor := func(cfg *Config) { cfg.BulkCursorPath = cursorPath }
	cat := newMemCatalogue()
	// The catalogue stalls once it holds half, like a slow disk, until
	// the node is closed.
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
	if _, err := os.Stat(cursorPath); err != nil {
		t.Fatalf("no cursor saved: %v", err)
	}
	servedBefore := a.Status().Counters.BulkServed
	t.Logf("stopped holding %d of %d; A had served %d by bulk", held, total, servedBefore)

	cat.setGate(nil)
	b2 := c.add(cat, withCursor)
	c.connect(b2, a)
	eventually(t, 60*time.Second, "the restarted node to hold every revision", func() bool {
		return converged(total, a, b2)
	})
	eventually(t, 10*time.Second, "the cursor to be removed once the transfer ended", func() bool {
		_, err := os.Stat(cursorPath)
		return os.IsNotExist(err)
	})
	again := a.Status().Counters.BulkServed - servedBefore
	// Resuming serves what was missing, plus at most the batch that
	// was being stored when the node closed.
	if limit := uint64(total - held + bulkFrameRevs); again > limit {
		t.Errorf("after the restart A served %d revisions by bulk, want at most %d: the transfer restarted from the beginning", again, limit)
	}
	if again == 0 {
		t.Errorf("after the restart A served nothing by bulk, want the missing %d", total-held)
	}
}
