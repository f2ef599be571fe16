package node

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue"
)

// A node whose disk is full stores nothing it receives, says so once
// rather than at every sync, blames no peer, and catches up once space
// is freed.
func TestDiskFullReceiving(t *testing.T) {
	const total = 300
	c := newCluster(t)
	src := newMemCatalogue()
	preload(t, src, newAuthor(t).docs(t, total, "fiche"))
	a := c.add(src, nil)

	cat := newMemCatalogue()
	var full atomic.Bool
	full.Store(true)
	var refused atomic.Int32
	cat.setGate(func(context.Context, int) error {
		if full.Load() {
			refused.Add(1)
			return fmt.Errorf("write 64 revisions: %w: the disk has 12 MB free", catalogue.ErrDiskFull)
		}
		return nil
	})
	b := c.add(cat, func(cfg *Config) { cfg.SyncInterval = 200 * time.Millisecond })
	c.connect(b, a)

	eventually(t, 20*time.Second, "B to log the full disk", func() bool { return b.logs.contains("disk full") })
	// A few syncs more, each refused.
	start := refused.Load()
	eventually(t, 20*time.Second, "B to try again at later syncs", func() bool { return refused.Load() >= start+3 })
	if n := cat.len(); n != 0 {
		t.Errorf("B holds %d revisions on a full disk", n)
	}
	if n := strings.Count(b.logs.String(), "disk full: revisions received from peers are not stored"); n != 1 {
		t.Errorf("B logged the full disk %d times, want once", n)
	}
	if b.pen.count(a.h.ID()) != 0 {
		t.Error("B blamed its peer for its own full disk")
	}

	full.Store(false)
	eventually(t, 60*time.Second, "B to catch up once space is freed", func() bool { return converged(total, a, b) })
}
