package reconcile

import (
	"math/rand/v2"
	"testing"
)

// benchReconcile runs whole sessions between a and b and reports the
// bytes of all messages, both directions, and the round trips.
func benchReconcile(b *testing.B, setA, setB *Set) {
	b.Helper()
	var x exchange
	for b.Loop() {
		x = reconcile(b, setA, setB)
	}
	b.ReportMetric(float64(x.bytes), "wire-bytes/op")
	b.ReportMetric(float64(x.roundTrips), "roundtrips/op")
	b.ReportMetric(float64(len(x.have)+len(x.need)), "differences/op")
}

// BenchmarkReconcile100k10Diff is node benchmark B3: two sets of
// 100,000 items, 5 only on each side at random places. Acceptance:
// at most 24 KB in all and 3 round trips.
func BenchmarkReconcile100k10Diff(b *testing.B) {
	pool := genItems(rand.New(rand.NewPCG(3, 4)), 100_005, realisticStep)
	a, c, _, _ := split3(rand.New(rand.NewPCG(0, 99)), pool, 5, 5)
	benchReconcile(b, mustSet(b, a), mustSet(b, c))
}

// BenchmarkReconcileIdentical is B3 on equal sets of 100,000 items.
// Acceptance: one round trip, at most 1 KB.
func BenchmarkReconcileIdentical(b *testing.B) {
	set := mustSet(b, genItems(rand.New(rand.NewPCG(3, 4)), 100_000, realisticStep))
	benchReconcile(b, set, set)
}

// BenchmarkNewSet100k measures loading 100,000 items in random order.
func BenchmarkNewSet100k(b *testing.B) {
	items := genItems(rand.New(rand.NewPCG(5, 6)), 100_000, realisticStep)
	rand.New(rand.NewPCG(7, 8)).Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	for b.Loop() {
		if _, err := NewSet(items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertAppend measures inserting one new item at a time into
// a set of 100,000, as live propagation does.
func BenchmarkInsertAppend(b *testing.B) {
	items := genItems(rand.New(rand.NewPCG(9, 10)), 100_000+b.N, realisticStep)
	set := mustSet(b, items[:100_000])
	b.ResetTimer()
	for k := range b.N {
		if _, err := set.Insert(items[100_000+k]); err != nil {
			b.Fatal(err)
		}
	}
}
