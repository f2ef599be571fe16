package catalogue

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
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

// BenchmarkErase2000 erases one revision of a catalogue of 2,000 notes
// of about 2 KB on disk: the store's files rewritten and the search
// index rebuilt, which is what an erasure costs (docs/operator.md).
//
//	go test -run '^$' -bench Erase2000 -benchtime 1x ./catalogue
func BenchmarkErase2000(b *testing.B) {
	ctx := context.Background()
	c, err := Open(ctx, b.TempDir(), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	me, err := protocol.NewAuthorKey()
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]*entry.Entry, 2000)
	for i := range entries {
		entries[i] = &entry.Entry{
			Meta: map[string]any{"title": fmt.Sprintf("Fiche %d : régie d'avances", i), "kind": "note"},
			Body: strings.Repeat(fmt.Sprintf("Procédure %d du rapprochement bancaire, pièce justificative. ", i), 30),
		}
	}
	pubs, err := c.PublishAll(ctx, me, entries, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := c.Erase(ctx, []cid.Cid{pubs[i%len(pubs)].Revision}, ErasedBy{
			Decision: protocol.BlockCID([]byte(fmt.Sprint("decision ", i))), Time: time.Now(), Category: trust.CategoryPersonalData,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
