package catalogue

import (
	"context"
	"os"
	"testing"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// BenchmarkImportCorpus imports the 660 files of the betagouv corpus as
// tools into a fresh on-disk catalogue (synced writes): parsing,
// validation, signing, storing and indexing.
//
//	go test -run '^$' -bench ImportCorpus -benchtime 3x ./catalogue
func BenchmarkImportCorpus(b *testing.B) {
	if _, err := os.Stat(corpus); err != nil {
		b.Skipf("corpus not found at %s", corpus)
	}
	ctx := context.Background()
	me := newKey(b)
	for b.Loop() {
		b.StopTimer()
		c, err := Open(context.Background(), b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := c.Import(ctx, me, corpus, ImportOptions{Kind: entry.KindTool})
		if err != nil || len(res.Published) != 660 {
			b.Fatalf("import: %d published, %v", len(res.Published), err)
		}
		b.StopTimer()
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(660*b.N)/b.Elapsed().Seconds(), "files/s")
}
