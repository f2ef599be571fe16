package search

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

func TestScratchMerge(t *testing.T) {
	dir := os.Getenv("SCRATCH_DIR")
	if dir == "" {
		t.Skip()
	}
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	adv, _ := ix.idx.Advanced()
	c0, w0 := cpuTime(), time.Now()
	opts := mergeplan.SingleSegmentMergePlanOptions
	if err := adv.(*scorch.Scorch).ForceMerge(context.Background(), &opts); err != nil {
		t.Fatal(err)
	}
	t.Logf("force merge: cpu %v wall %v", cpuTime()-c0, time.Since(w0))
}
