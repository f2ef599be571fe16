package search

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Figures for docs/performance: build rate, index size, query latency and
// peak memory on a generated corpus. Run with
//
//	MUTU_BENCH=1 go test -run TestBenchmarkReport -v -timeout 2h ./catalogue/search/
//
// MUTU_BENCH_DOCS sets the number of notes (default 100000, about 5 KB
// each) and MUTU_BENCH_DIR keeps the index in a given directory.

const benchBodySize = 5000

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// cpuTime returns the user and system time used by this process so far.
// On a shared machine it tells what a run costs when wall time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStatus returns a memory figure of /proc/self/status, in bytes:
// VmHWM is the peak resident set, RssAnon and RssFile its current heap and
// file-backed (mapped index segments) parts.
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func rawSize(d Doc) int {
	n := len(d.Title) + len(d.Summary) + len(d.Body) + len(d.Extra) + len(d.Kind) + len(d.Category) + len(d.Academie)
	for _, s := range append(slices.Clone(d.Tags), d.Audience...) {
		n += len(s)
	}
	return n
}

func genDocs(g generator, n int) func(yield func(Doc) error) error {
	return func(yield func(Doc) error) error {
		for i := range n {
			if err := yield(g.note(i, benchBodySize)); err != nil {
				return err
			}
		}
		return nil
	}
}

// latencies summarises durations.
type latencies []time.Duration

func (l latencies) at(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func (l latencies) String() string {
	return fmt.Sprintf("n=%d p50=%v p90=%v p99=%v max=%v", len(l),
		l.at(0.50).Round(10*time.Microsecond), l.at(0.90).Round(10*time.Microsecond),
		l.at(0.99).Round(10*time.Microsecond), l.at(1).Round(10*time.Microsecond))
}

func TestBenchmarkReport(t *testing.T) {
	if os.Getenv("MUTU_BENCH") != "1" {
		t.Skip("set MUTU_BENCH=1 to run")
	}
	n := envInt("MUTU_BENCH_DOCS", 100_000)
	dir := os.Getenv("MUTU_BENCH_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "index")
	g := generator{seed: 1}
	ctx := context.Background()
	t.Logf("machine: %d CPUs, load average %s", numCPU(), loadAvg())

	// Generating the corpus is part of the build loop below; time it alone
	// so that it can be told apart.
	var raw int64
	c0, w0 := cpuTime(), time.Now()
	_ = genDocs(g, n)(func(d Doc) error { raw += int64(rawSize(d)); return nil })
	genWall, genCPU := time.Since(w0), cpuTime()-c0
	t.Logf("corpus: %d notes, %.1f MB of text, generated in %v (cpu %v)", n, float64(raw)/1e6, genWall.Round(time.Millisecond), genCPU.Round(time.Millisecond))

	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if count, _ := ix.Count(); ix.NeedsRebuild() || count != uint64(n) || os.Getenv("MUTU_BENCH_REUSE") != "1" {
		c0, w0 = cpuTime(), time.Now()
		err = ix.Rebuild(ctx, genDocs(g, n), 1, func(done int) {
			if done%20000 == 0 && done < n {
				t.Logf("  %d notes after %v", done, time.Since(w0).Round(time.Second))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		buildWall, buildCPU := time.Since(w0), cpuTime()-c0
		t.Logf("build: %v wall = %.0f notes/s (%.0f notes/s without generating them); cpu %v = %.0f notes per cpu-second",
			buildWall.Round(time.Millisecond), float64(n)/buildWall.Seconds(), float64(n)/(buildWall-genWall).Seconds(),
			buildCPU.Round(time.Millisecond), float64(n)/(buildCPU-genCPU).Seconds())
		c0, w0 = cpuTime(), time.Now()
		ix.compacting.Wait()
		t.Logf("compaction into one segment, in the background after Rebuild: %v wall, cpu %v",
			time.Since(w0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond))
		// bleve deletes the merged segments' files a moment later.
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap")); len(zaps) == 1 {
				break
			}
		}
	} else {
		t.Logf("build: reusing the index in %s", dir)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	size := dirSize(dir)
	t.Logf("index size on disk: %.1f MB = %.2f × the raw text", float64(size)/1e6, float64(size)/float64(raw))
	if ix.NeedsRebuild() {
		t.Fatal("index reopened as needing a rebuild")
	}
	if c, _ := ix.Count(); c != uint64(n) {
		t.Fatalf("Count = %d, want %d", c, n)
	}

	const warmup, runs = 300, 3000
	for i := range warmup {
		if _, err := ix.Search(ctx, g.query(runs+i)); err != nil {
			t.Fatal(err)
		}
	}
	// Wall time suffers from other processes on a shared machine; the CPU
	// time of each query is what it would take on an idle core.
	type class struct {
		name      string
		wall, cpu latencies
	}
	classes := map[string]*class{}
	add := func(name string, wall, cpu time.Duration) {
		c := classes[name]
		if c == nil {
			c = &class{name: name}
			classes[name] = c
		}
		c.wall, c.cpu = append(c.wall, wall), append(c.cpu, cpu)
	}
	var matches uint64
	for i := range runs {
		q := g.query(i)
		c0, w0 := cpuTime(), time.Now()
		res, err := ix.Search(ctx, q)
		wall, cpu := time.Since(w0), cpuTime()-c0
		if err != nil {
			t.Fatal(err)
		}
		matches += res.Total
		add("all queries", wall, cpu)
		if q.Kind != "" || q.Category != "" || q.Tag != "" {
			add("with a filter", wall, cpu)
		} else {
			add("without filter", wall, cpu)
		}
		switch share := float64(res.Total) / float64(n); {
		case share < 0.01:
			add("matching < 1% of notes", wall, cpu)
		case share < 0.10:
			add("matching 1-10% of notes", wall, cpu)
		default:
			add("matching ≥ 10% of notes", wall, cpu)
		}
	}
	t.Logf("queries: 1-3 words, facets counted on every search, %.0f matches per query on average", float64(matches)/runs)
	for _, name := range []string{"all queries", "without filter", "with a filter", "matching < 1% of notes", "matching 1-10% of notes", "matching ≥ 10% of notes"} {
		if c := classes[name]; c != nil {
			t.Logf("  %-24s cpu %v", name+":", c.cpu)
			t.Logf("  %-24s wall %v", "", c.wall)
		}
	}
	t.Logf("peak RSS (VmHWM): %.0f MB; at the end %.0f MB of heap and %.0f MB of mapped index files",
		float64(procStatus("VmHWM"))/1e6, float64(procStatus("RssAnon"))/1e6, float64(procStatus("RssFile"))/1e6)
}

func numCPU() int {
	data, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(data), "processor\t:")
}

func loadAvg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

// BenchmarkSearch measures one search on an index of 10,000 generated
// notes (built once, in memory).
func BenchmarkSearch(b *testing.B) {
	g := generator{seed: 1}
	ix, err := Open("", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Rebuild(context.Background(), genDocs(g, 10_000), 1, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := ix.Search(context.Background(), g.query(i%1000)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApply measures indexing generated notes in batches of 500.
func BenchmarkApply(b *testing.B) {
	g := generator{seed: 1}
	ix, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	batch := make([]Doc, 500)
	b.SetBytes(int64(len(batch) * benchBodySize))
	for i := 0; b.Loop(); i++ {
		for j := range batch {
			batch[j] = g.note(i*len(batch)+j, benchBodySize)
		}
		if err := ix.Apply(batch, nil, uint64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
}
