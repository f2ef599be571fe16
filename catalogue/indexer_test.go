package catalogue

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/protocol"
)

// signNotes returns n signed notes that all hold the word "rattrapage".
func signNotes(t testing.TB, me ed25519.PrivateKey, from, n int) []protocol.Block {
	t.Helper()
	blocks := make([]protocol.Block, n)
	for i := range blocks {
		r := &protocol.Revision{Op: protocol.OpPut, Seq: uint64(from + i + 1), Clock: protocol.Clock(from + i + 1),
			Entry: &protocol.Entry{
				Meta: map[string]any{"kind": "note", "title": fmt.Sprintf("Fiche %d", from+i)},
				Body: "Note reçue pendant le rattrapage d'un nœud.",
			}}
		v, err := r.Sign(me)
		if err != nil {
			t.Fatal(err)
		}
		blocks[i] = v.Block
	}
	return blocks
}

// TestReceivedRevisionsReachTheIndex follows revisions from peers into
// the search index, which the indexer updates in the background: a
// search right after a few arrive finds them, SyncIndex waits for a
// large batch, and a catalogue closed before the indexer is done
// catches up when it opens again.
func TestReceivedRevisionsReachTheIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close() }()
	me := newKey(t)
	found := func(when string, want uint64) {
		t.Helper()
		res, err := c.Search(ctx, search.Query{Text: "rattrapage"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Errorf("%s: search finds %d notes, want %d", when, res.Total, want)
		}
	}
	add := func(blocks []protocol.Block) {
		t.Helper()
		if _, err := receive(ctx, c, blocks...); err != nil {
			t.Fatal(err)
		}
	}

	add(signNotes(t, me, 0, 500))
	if err := c.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	found("after SyncIndex", 500)
	if n := c.IndexBacklog(); n != 0 {
		t.Errorf("IndexBacklog = %d after SyncIndex, want 0", n)
	}
	add(signNotes(t, me, 500, 3))
	found("right after three more", 503)

	// With the indexer stopped, as a process killed in a catch-up
	// leaves it, the backlog shows and the next Open catches up.
	c.stopIndexer()
	add(signNotes(t, me, 503, 3000))
	if n := c.IndexBacklog(); n < 3000 {
		t.Errorf("IndexBacklog = %d with 3000 revisions not indexed", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err = Open(context.Background(), dir, Options{}); err != nil {
		t.Fatal(err)
	}
	found("after closing before the indexer was done", 3503)
	if c.Indexed() == 0 {
		t.Error("Indexed is 0 on an index holding entries")
	}
	if n := c.IndexBacklog(); n != 0 {
		t.Errorf("IndexBacklog = %d after a search caught up, want 0", n)
	}
}

// TestIndexCatchUpLogsProgress checks that a catch-up of the index that
// lasts says how far it is, and when it is done.
func TestIndexCatchUpLogsProgress(t *testing.T) {
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	c, err := Open(context.Background(), t.TempDir(), Options{Logger: logger, progressEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := receive(ctx, c, signNotes(t, newKey(t), 0, 1200)...); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"indexing received entries", "changes_left=", "search index caught up"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
	logs.Reset()

	// A short catch-up, as after a live edit, says nothing.
	quiet, err := Open(context.Background(), t.TempDir(), Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	if _, err := receive(ctx, quiet, signNotes(t, newKey(t), 0, 3)...); err != nil {
		t.Fatal(err)
	}
	if err := quiet.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "caught up") || strings.Contains(logs.String(), "indexing received") {
		t.Errorf("a short catch-up logs its progress:\n%s", logs.String())
	}
}

// logBuffer collects what a logger writes, for a test to read; it is
// safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

// TestIndexWaitsForDiskSpace fills the disk under the index, as another
// program would once the store has written: received revisions stay
// stored, the index does not eat into the space the store keeps free,
// the log says why at ERROR, and once space is freed the indexer catches
// up on its own, with nothing new to wake it.
func TestIndexWaitsForDiskSpace(t *testing.T) {
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	var full atomic.Bool
	full.Store(true)
	dir := t.TempDir()
	opts := Options{
		Logger:     logger,
		indexRetry: 50 * time.Millisecond,
		freeSpace: func(n int) error {
			if full.Load() {
				return fmt.Errorf("index %d bytes: %w", n, ErrDiskFull)
			}
			return nil
		},
	}
	c, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close() }()
	ctx := context.Background()
	if _, err := receive(ctx, c, signNotes(t, newKey(t), 0, 700)...); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncIndex(ctx); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("SyncIndex on a full disk: %v, want ErrDiskFull", err)
	}
	if n := c.IndexBacklog(); n != 700 {
		t.Errorf("IndexBacklog = %d on a full disk, want 700", n)
	}
	if res, err := c.Search(ctx, search.Query{Text: "rattrapage"}); err != nil || res.Total != 0 {
		t.Errorf("search on a full disk: %v, %v; want nothing indexed", res, err)
	}
	eventually(t, 5*time.Second, "the log says the index waits for space", func() bool {
		return strings.Contains(logs.String(), "level=ERROR msg=\"search index not updated\"") &&
			strings.Contains(logs.String(), "disk full")
	})

	// Opening the catalogue again catches up the index, which still
	// cannot: what is stored is read all the same.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err = Open(context.Background(), dir, opts); err != nil {
		t.Fatalf("open with the index behind on a full disk: %v", err)
	}
	if list, err := c.List(ListOptions{}); err != nil || len(list) != 700 {
		t.Fatalf("list on a full disk: %d entries, %v; want 700", len(list), err)
	}

	full.Store(false)
	eventually(t, 10*time.Second, "the indexer catches up once space is freed", func() bool {
		return c.IndexBacklog() == 0
	})
	if res, err := c.Search(ctx, search.Query{Text: "rattrapage"}); err != nil || res.Total != 700 {
		t.Errorf("search after space was freed: %v, %v; want 700 notes", res, err)
	}
}

// eventually calls cond every 10 ms until it holds, and fails the test
// after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
	}
}

// TestOpenStopsRebuildWithContext: a rebuild of the search index at
// Open ends with its context (Ctrl-C on the command line), and the next
// Open takes it up again.
func TestOpenStopsRebuildWithContext(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openTest(t, dir)
	if _, err := receive(ctx, c, signNotes(t, newKey(t), 0, 2500)...); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, indexSubdir)); err != nil {
		t.Fatal(err)
	}

	stop, cancel := context.WithCancel(ctx)
	progressed := 0
	_, err := Open(stop, dir, Options{Progress: func(done, total int) {
		if progressed++; progressed == 1 {
			cancel() // Ctrl-C during the rebuild
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with its context cancelled during the rebuild = %v, want context.Canceled", err)
	}
	c = openTest(t, dir)
	res, err := c.Search(ctx, search.Query{Text: "rattrapage", Limit: 1})
	if err != nil || res.Total != 2500 {
		t.Fatalf("after a rebuild taken up again: %d found, %v; want 2500", res.Total, err)
	}
}
