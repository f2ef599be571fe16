package search

import (
	"context"
	"os"
	"testing"
	"time"
)

func minCPU(reps int, f func()) time.Duration {
	best := time.Hour
	for i := 0; i < reps; i++ {
		c0 := cpuTime()
		f()
		best = min(best, cpuTime()-c0)
	}
	return best
}

func TestScratchMin(t *testing.T) {
	if os.Getenv("SCRATCH_BUILD") == "" {
		t.Skip()
	}
	g := generator{seed: 1}
	docs := make([]Doc, 1000)
	for i := range docs {
		docs[i] = g.note(i, benchBodySize)
	}
	fa, _ := loadAnalysis()
	t.Logf("analysis text: %v", minCPU(5, func() {
		for _, d := range docs {
			fa.text.Analyze([]byte(d.Body))
		}
	}))
	t.Logf("build in memory: %v", minCPU(5, func() {
		ix, _ := Open("", Options{})
		ix.Rebuild(context.Background(), docsOf(docs), 1, nil)
		ix.Close()
	}))
}
