package catalogue

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// BenchmarkAddRevisions stores and indexes signed 5 KB notes received
// in batches of 1,000, as the sync protocol hands them over: the
// catalogue's share of a fresh node's sync (B1).
//
//	go test -run '^$' -bench AddRevisions -benchtime 5000x ./catalogue
func BenchmarkAddRevisions(b *testing.B) {
	ctx := context.Background()
	me := newKey(b)
	para := "Le conseil d'administration vote le budget, les décisions budgétaires modificatives et le compte financier. "
	blocks := make([]protocol.Block, b.N)
	for i := range blocks {
		r := &protocol.Revision{Op: protocol.OpPut, Seq: uint64(i + 1), Clock: protocol.Clock(i + 1),
			Entry: &protocol.Entry{
				Meta: map[string]any{"kind": "note", "title": fmt.Sprintf("Fiche %d : fonds de roulement et régie", i), "tags": []any{"budget"}},
				Body: strings.Repeat(para, 45),
			}}
		v, err := r.Sign(me)
		if err != nil {
			b.Fatal(err)
		}
		blocks[i] = v.Block
	}
	c, err := Open(context.Background(), b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for i := 0; i < len(blocks); i += 1000 {
		if _, err := receive(ctx, c, blocks[i:min(i+1000, len(blocks))]...); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.SyncIndex(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notes/s")
}
