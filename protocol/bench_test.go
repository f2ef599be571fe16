package protocol

import (
	"strings"
	"testing"
)

// note5K is a practice note of about 5 KB.
func note5K(seq uint64) *Revision {
	body := strings.Repeat("Le conseil d'administration vote le budget et les décisions budgétaires modificatives. ", 58)
	return &Revision{Op: OpPut, Seq: seq, Clock: Clock(seq), Entry: &Entry{
		Meta: map[string]any{"title": "Budget : préparer la DBM", "tags": []any{"budget", "dbm"}, "category": "budget"},
		Body: body,
	}}
}

func BenchmarkSign(b *testing.B) {
	priv := fixedKey()
	b.ReportAllocs()
	for i := range b.N {
		if _, err := note5K(uint64(i) + 1).Sign(priv); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "revisions/s")
}

func BenchmarkVerify(b *testing.B) {
	blk := mustSign(b, fixedKey(), note5K(1))
	b.SetBytes(int64(len(blk.Data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := verifyRevision(blk.CID, blk.Data, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}
