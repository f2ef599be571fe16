package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// BenchmarkPutBatch stores new 5 KB notes in calls of 256, on disk
// with writes synced (the default), and reports revisions per second.
// Revisions are signed before the timer starts.
//
//	go test -run '^$' -bench BenchmarkPutBatch -benchtime 100x ./catalogue/store/
func BenchmarkPutBatch(b *testing.B) {
	const batch = 256
	body := strings.Repeat("Le rapprochement bancaire se fait chaque mois. ", 110)[:5000]
	alice := protocoltest.NewAuthor(b)
	batches := make([][]protocol.Verified, b.N)
	for i := range batches {
		batches[i] = make([]protocol.Verified, batch)
		for j := range batches[i] {
			batches[i][j] = alice.Create(b, protocoltest.Title(fmt.Sprint("Fiche ", i, "-", j)), protocoltest.Body(body))
		}
	}
	s, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	b.SetBytes(int64(batch * len(body)))
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Put(batches[i]); err != nil {
			b.Fatal(err)
		}
		batches[i] = nil // let the collector have it, as a node would
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "revisions/s")
}
