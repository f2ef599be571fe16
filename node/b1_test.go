package node

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
)

// BenchmarkFreshNodeSyncDisk is B1 as a bassin meets it: a fresh node,
// in a process of its own with the real catalogue on disk (badger
// store, synced writes, bleve index), catches up with one peer holding
// N notes of about 5 KB of real French text, over TCP on 127.0.0.1. It
// reports the time until the node holds every revision, the time until
// its search finds every note, and the peak RSS of its process.
//
//	go test ./node -run '^$' -bench FreshNodeSyncDisk -benchtime 1x -timeout 30m -args -bench.notes=100000
//
// MUTU_B1_PROFILE=file writes the CPU profile of the fresh node.
//
// MUTU_B1_CGROUP=dir runs the fresh node inside that memory cgroup (v1,
// made beforehand, for instance with a 400 MB limit), and reports the
// peak the cgroup charged: RSS counts the store's and the index's mapped
// files, which the kernel reclaims when memory runs short; under a limit
// it must, and the run tells whether the node still completes, and how
// fast:
//
//	mkdir /sys/fs/cgroup/memory/mutu-b1
//	echo 400M > /sys/fs/cgroup/memory/mutu-b1/memory.limit_in_bytes
//	MUTU_B1_CGROUP=/sys/fs/cgroup/memory/mutu-b1 go test ./node -run '^$' -bench FreshNodeSyncDisk -benchtime 1x -timeout 30m -args -bench.notes=100000
func BenchmarkFreshNodeSyncDisk(b *testing.B) {
	n := *benchNotes
	blocks := frenchCorpus(b, n)
	src := newMemCatalogue()
	preload(b, src, blocks)
	a := startReal(b, nodeKey(b), src, func(cfg *Config) { cfg.ListenAddrs = loopback()[:1] })
	b.ResetTimer()
	var stored, searchable time.Duration
	var rss, anon, file, charged int64
	cgroup := os.Getenv(b1EnvCgroup)
	for range b.N {
		if cgroup != "" {
			cgroupWrite(b, cgroup, "memory.max_usage_in_bytes", "0")
		}
		r := runB1Child(b, a.Addrs()[0], n)
		stored += r.Stored
		searchable += r.Searchable
		rss, anon, file = max(rss, r.PeakRSS), max(anon, r.PeakAnon), max(file, r.PeakFile)
		if cgroup != "" {
			charged = max(charged, cgroupRead(b, cgroup, "memory.max_usage_in_bytes"))
			b.Logf("cgroup %s: limit %d MB, peak charged %d MB, %d times at the limit", cgroup,
				cgroupRead(b, cgroup, "memory.limit_in_bytes")>>20, charged>>20, cgroupRead(b, cgroup, "memory.failcnt"))
		}
	}
	if cgroup != "" {
		b.ReportMetric(float64(charged)/1e6, "MB-cgroup-peak")
	}
	b.ReportMetric(float64(n)*float64(b.N)/stored.Seconds(), "stored-notes/s")
	b.ReportMetric(float64(n)*float64(b.N)/searchable.Seconds(), "searchable-notes/s")
	b.ReportMetric(searchable.Seconds()/float64(b.N), "s-to-searchable")
	b.ReportMetric(float64(rss)/1e6, "MB-peak-RSS")
	b.ReportMetric(float64(anon)/1e6, "MB-peak-anon")
	b.ReportMetric(float64(file)/1e6, "MB-peak-file")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkFreshNodeFloorDisk is B1's floor: the same notes handed to a
// catalogue on disk in batches of 1,000, as the sync protocol hands them
// over, with no network: verified, hashed and stored, then indexed. The
// ratio of B1 to it is what the network and the node cost.
//
//	go test ./node -run '^$' -bench FreshNodeFloorDisk -benchtime 1x -timeout 30m -args -bench.notes=100000
func BenchmarkFreshNodeFloorDisk(b *testing.B) {
	n := *benchNotes
	blocks := frenchCorpus(b, n)
	ctx := context.Background()
	b.ResetTimer()
	var stored, searchable time.Duration
	for range b.N {
		b.StopTimer()
		cat, err := catalogue.Open(context.Background(), filepath.Join(b.TempDir(), "catalogue"), catalogue.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for i := 0; i < n; i += 1000 {
			good, bad := protocol.VerifyAll(ctx, blocks[i:min(i+1000, n)])
			if len(bad) > 0 {
				b.Fatal(bad[0])
			}
			if _, err := cat.AddVerified(ctx, good); err != nil {
				b.Fatal(err)
			}
		}
		stored += time.Since(start)
		if err := cat.SyncIndex(ctx); err != nil {
			b.Fatal(err)
		}
		searchable += time.Since(start)
		b.StopTimer()
		if err := cat.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/stored.Seconds(), "stored-notes/s")
	b.ReportMetric(float64(n)*float64(b.N)/searchable.Seconds(), "searchable-notes/s")
	b.ReportMetric(searchable.Seconds()/float64(b.N), "s-to-searchable")
	b.ReportMetric(0, "ns/op")
}

// b1Result is what the child process reports, as one JSON line.
type b1Result struct {
	Stored, Searchable time.Duration
	// Peak resident memory of the process by kind, sampled every 50 ms:
	// anonymous (heap, stacks) and file-backed (the store's and the
	// index's files mapped in memory, which the kernel may drop).
	PeakAnon, PeakFile int64
	// PeakRSS is the process's VmHWM, read by the process itself: the
	// rusage of a child started by Go counts the parent's memory, which
	// the child shares until it executes (here the peer and its notes).
	PeakRSS int64
}

// Environment of the child process of BenchmarkFreshNodeSyncDisk.
const (
	b1EnvDir   = "MUTU_B1_DIR"
	b1EnvPeer  = "MUTU_B1_PEER"
	b1EnvNotes = "MUTU_B1_NOTES"
	// MUTU_B1_PROFILE, set by whoever runs the benchmark, names a file
	// for the CPU profile of the fresh node.
	b1EnvProfile = "MUTU_B1_PROFILE"
	// MUTU_B1_CGROUP names a memory cgroup (v1) for the fresh node.
	b1EnvCgroup = "MUTU_B1_CGROUP"
)

// runB1Child runs the test binary again as the fresh node, and returns
// its report.
func runB1Child(b *testing.B, peer ma.Multiaddr, n int) b1Result {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), b1EnvDir+"="+b.TempDir(), b1EnvPeer+"="+peer.String(), b1EnvNotes+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("fresh node: %v", err)
	}
	var r b1Result
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("fresh node said %q: %v", out, err)
	}
	return r
}

func cgroupWrite(b *testing.B, dir, file, value string) {
	b.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0); err != nil {
		b.Fatal(err)
	}
}

func cgroupRead(b *testing.B, dir, file string) int64 {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		b.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		b.Fatalf("%s: %v", file, err)
	}
	return n
}

// b1Child is the fresh node of BenchmarkFreshNodeSyncDisk, run by
// TestMain when the environment names its home. It returns the exit
// code of the process.
func b1Child(dir string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "fresh node:", err)
		return 1
	}
	if cg := os.Getenv(b1EnvCgroup); cg != "" {
		// Before the node holds anything: the cgroup charges what its
		// processes use from when they join it.
		if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			return fail(err)
		}
	}
	n, err := strconv.Atoi(os.Getenv(b1EnvNotes))
	if err != nil {
		return fail(err)
	}
	peer, err := ma.NewMultiaddr(os.Getenv(b1EnvPeer))
	if err != nil {
		return fail(err)
	}
	if path := os.Getenv(b1EnvProfile); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cat, err := catalogue.Open(context.Background(), filepath.Join(dir, "catalogue"), catalogue.Options{Logger: logger})
	if err != nil {
		return fail(err)
	}
	defer cat.Close()
	key, _, err := crypto.GenerateEd25519Key(crand.Reader)
	if err != nil {
		return fail(err)
	}
	nd, err := New(Config{Logger: logger, SyncInterval: time.Hour, PrivKey: key, ListenAddrs: loopback()[:1]}, cat)
	if err != nil {
		return fail(err)
	}
	ctx := context.Background()
	if err := nd.Start(ctx); err != nil {
		return fail(err)
	}
	defer nd.Close()
	var r b1Result
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			r.PeakAnon = max(r.PeakAnon, procStatus("RssAnon"))
			r.PeakFile = max(r.PeakFile, procStatus("RssFile"))
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	if err := nd.Connect(ctx, peer); err != nil {
		return fail(err)
	}
	for nd.Status().Revisions < n {
		time.Sleep(5 * time.Millisecond)
	}
	r.Stored = time.Since(start)
	// Waiting on the indexer rather than polling searches, which would
	// count every entry's facets each time and slow the indexer down.
	if err := cat.SyncIndex(ctx); err != nil {
		return fail(err)
	}
	res, err := cat.Search(ctx, catalogue.SearchQuery{Limit: 1})
	if err != nil {
		return fail(err)
	}
	if res.Total != uint64(n) {
		return fail(fmt.Errorf("a search finds %d entries, want %d", res.Total, n))
	}
	r.Searchable = time.Since(start)
	close(stop)
	<-sampled
	r.PeakRSS = procStatus("VmHWM")
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return fail(err)
	}
	return 0
}

// procStatus returns a size in bytes from /proc/self/status, 0 if none.
func procStatus(key string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

var frenchText struct {
	once  sync.Once
	words []string
}

// frenchCorpus returns n signed notes of about 5 KB, cut from the real
// French text of the betagouv corpus shared by the project's tests, so
// that indexing meets a real vocabulary. Without the corpus, it falls
// back to the repeated sentence of corpus().
func frenchCorpus(b *testing.B, n int) []protocol.Block {
	frenchText.once.Do(func() {
		files, _ := filepath.Glob(filepath.Join("..", "catalogue", "testdata", "corpus", "betagouv-startups", "*.md"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			// The body: what follows the front matter.
			text := string(data)
			if rest, ok := strings.CutPrefix(text, "---\n"); ok {
				if _, body, ok := strings.Cut(rest, "\n---\n"); ok {
					text = body
				}
			}
			frenchText.words = append(frenchText.words, strings.Fields(text)...)
		}
	})
	words := frenchText.words
	if len(words) < 10000 {
		b.Logf("betagouv corpus not found: notes repeat one sentence")
		return corpus(b, n)
	}
	key, err := protocol.NewAuthorKey()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hlc := protocol.NewHLC(nil)
	categories := []string{"budget", "comptabilite", "bourses-aides", "restauration-hebergement", "marches-publics", "voyages-sorties", "regies"}
	tags := []string{"ca", "dbm", "regie", "egalim", "bourses", "inventaire", "controle-interne", "paie", "fonds-social", "voyage"}
	blocks := make([]protocol.Block, n)
	var body strings.Builder
	for i := range blocks {
		body.Reset()
		at := rng.IntN(len(words) - 2000)
		for k := 0; body.Len() < 5000; k++ {
			if k > 0 && k%80 == 0 {
				body.WriteString("\n\n")
			} else if k > 0 {
				body.WriteByte(' ')
			}
			body.WriteString(words[at+k])
		}
		title := fmt.Sprintf("Fiche %d : %s", i, strings.Join(words[at:at+6], " "))
		r := &protocol.Revision{Op: protocol.OpPut, Seq: uint64(i + 1), Clock: hlc.Now(),
			Entry: &protocol.Entry{Meta: map[string]any{
				"kind": "note", "title": title, "category": categories[i%len(categories)],
				"tags": []any{tags[i%len(tags)], tags[(i/7)%len(tags)]},
			}, Body: body.String()}}
		v, err := r.Sign(key)
		if err != nil {
			b.Fatal(err)
		}
		blocks[i] = v.Block
	}
	return blocks
}
