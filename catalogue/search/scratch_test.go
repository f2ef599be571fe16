package search

import (
	"context"
	"os"
	"runtime/pprof"
	"testing"
	"time"
)

func TestScratchQueries(t *testing.T) {
	dir := os.Getenv("SCRATCH_DIR")
	if dir == "" {
		t.Skip()
	}
	g := generator{seed: 1}
	ctx := context.Background()
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n, _ := ix.Count()
	var sel []Query
	for i := 0; i < 1000; i++ {
		q := g.query(i)
		res, _ := ix.Search(ctx, q)
		if float64(res.Total) < 0.01*float64(n) {
			sel = append(sel, q)
		}
	}
	if p := os.Getenv("SCRATCH_PROF"); p != "" {
		f, _ := os.Create(p)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var cpu latencies
	for pass := 0; pass < 3; pass++ {
		for _, q := range sel {
			c0 := cpuTime()
			ix.Search(ctx, q)
			cpu = append(cpu, cpuTime()-c0)
		}
	}
	t.Logf("%d selective queries: cpu %v", len(sel), cpu)
	for _, q := range sel[:10] {
		t0 := time.Now()
		res, _ := ix.Search(ctx, q)
		t.Logf("%q %+v total=%d %v", q.Text, q.Category+q.Kind+q.Tag, res.Total, time.Since(t0))
	}
}
