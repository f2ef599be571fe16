package search

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestScratchBuild(t *testing.T) {
	if os.Getenv("SCRATCH_BUILD") == "" {
		t.Skip()
	}
	g := generator{seed: 1}
	n := envInt("MUTU_BENCH_DOCS", 5000)
	docs := make([]Doc, n)
	for i := range docs {
		docs[i] = g.note(i, benchBodySize)
	}
	for _, bs := range []int{1000} {
		dir := t.TempDir()
		ix, _ := Open(dir, Options{BatchSize: bs})
		c0, w0 := cpuTime(), time.Now()
		if err := ix.Rebuild(context.Background(), docsOf(docs), 1, nil); err != nil {
			t.Fatal(err)
		}
		c1, w1 := cpuTime()-c0, time.Since(w0)
		ix.Close()
		t.Logf("batch %d: build cpu %v (%.0f notes/cpu-s) wall %v (+close %v) size %.1fMB", bs, c1, float64(n)/c1.Seconds(), w1, time.Since(w0)-w1, float64(dirSize(dir))/1e6)
	}
}
