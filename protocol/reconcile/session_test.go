package reconcile

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

func TestReconcileScenarios(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := genItems(rng, 12_000, realisticStep)
	sameClock := genItems(rng, 3_000, 0)
	fewClocks := genItems(rng, 5_000, 3) // a third of the clocks repeat the one before
	head := pool[:2000]
	tests := []struct {
		name string
		a, b []Item
		opts []Option
	}{
		{name: "both empty"},
		{name: "identical", a: pool[:5000], b: pool[:5000]},
		{name: "initiator empty", a: nil, b: pool[:10_000]},
		{name: "responder empty", a: pool[:10_000], b: nil},
		{name: "one item each, different", a: pool[:1], b: pool[1:2]},
		{name: "disjoint", a: pool[:5000], b: pool[5000:10_000]},
		{name: "initiator lacks the first item", a: head[1:], b: head},
		{name: "responder lacks the first item", a: head, b: head[1:]},
		{name: "initiator lacks the last item", a: head[:len(head)-1], b: head},
		{name: "responder lacks the last item", a: head, b: head[:len(head)-1]},
		{name: "equal clocks, different IDs", a: sameClock[:2000], b: sameClock[1000:]},
		{name: "duplicate clocks", a: fewClocks[:4000], b: fewClocks[500:]},
		{name: "interleaved halves", a: everyOther(pool[:4000], 0), b: everyOther(pool[:4000], 1)},
		{
			name: "small frames force deferral", a: pool[:9000], b: pool[3000:12_000],
			opts: []Option{WithFrameLimit(4 << 10), WithMaxRounds(1000)},
		},
		{
			name: "binary splits, leaf of one", a: pool[:3000], b: pool[10:3010],
			opts: []Option{WithBranch(2), WithLeafSize(1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustSet(t, tt.a), mustSet(t, tt.b)
			x := reconcile(t, a, b, tt.opts...)
			checkDiff(t, x, tt.a, tt.b)
		})
	}
}

func everyOther(items []Item, parity int) []Item {
	var out []Item
	for k := parity; k < len(items); k += 2 {
		out = append(out, items[k])
	}
	return out
}

// TestReconcileAcceptance checks the figures of node benchmark B3.
func TestReconcileAcceptance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pool := genItems(rng, 100_005, realisticStep)
	for seed := range uint64(3) {
		a, b, aOnly, bOnly := split3(rand.New(rand.NewPCG(seed, 99)), pool, 5, 5)
		x := reconcile(t, mustSet(t, a), mustSet(t, b))
		checkFound(t, x, aOnly, bOnly)
		t.Logf("100k, 10 differences, seed %d: %d bytes, %d round trips, %d messages",
			seed, x.bytes, x.roundTrips, len(x.messages))
		if x.bytes > 24_000 || x.roundTrips > 3 {
			t.Errorf("seed %d: %d bytes in %d round trips, want at most 24000 bytes and 3 round trips",
				seed, x.bytes, x.roundTrips)
		}
	}
	same := mustSet(t, pool[:100_000])
	x := reconcile(t, same, same)
	t.Logf("100k identical: %d bytes, %d round trips", x.bytes, x.roundTrips)
	if x.bytes > 1000 || x.roundTrips != 1 || len(x.have)+len(x.need) != 0 {
		t.Errorf("identical sets: %d bytes in %d round trips, %d differences; want at most 1000 bytes, 1 round trip, none",
			x.bytes, x.roundTrips, len(x.have)+len(x.need))
	}
}

// TestReconcileProperty compares the outcome with a naive set
// difference on random sets, sizes, overlaps and options.
func TestReconcileProperty(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := rng.IntN(4000)
		step := []uint64{0, 3, 1 << 16, realisticStep}[rng.IntN(4)]
		pool := genItems(rng, n, step)
		onlyA, onlyB := rng.IntN(n/2+1), rng.IntN(n/2+1)
		a, b, aOnly, bOnly := split3(rng, pool, onlyA, onlyB)
		opts := []Option{WithMaxRounds(1000)}
		if rng.IntN(2) == 0 {
			opts = append(opts, WithBranch(2+rng.IntN(30)), WithLeafSize(1+rng.IntN(64)))
		}
		if rng.IntN(3) == 0 {
			opts = append(opts, WithFrameLimit(1<<10+rng.IntN(32<<10)))
		}
		x := reconcile(t, mustSet(t, a), mustSet(t, b), opts...)
		checkFound(t, x, aOnly, bOnly)
		if t.Failed() {
			t.Fatalf("seed %d: n=%d onlyA=%d onlyB=%d step=%d", seed, n, onlyA, onlyB, step)
		}
	}
}

// TestPeersWithDifferentSettings checks that the options tune one side
// only.
func TestPeersWithDifferentSettings(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pool := genItems(rng, 8000, realisticStep)
	a, b, aOnly, bOnly := split3(rng, pool, 300, 40)
	ini, err := NewInitiator(mustSet(t, a), WithBranch(4), WithLeafSize(8))
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewResponder(mustSet(t, b), WithBranch(64), WithLeafSize(200), WithFrameLimit(2<<10))
	if err != nil {
		t.Fatal(err)
	}
	var x exchange
	msg, err := ini.Initiate()
	for err == nil && msg != nil {
		var reply []byte
		if reply, _, _, err = res.Step(msg); err != nil {
			break
		}
		var have, need []Item
		msg, have, need, err = ini.Step(reply)
		x.have, x.need = append(x.have, have...), append(x.need, need...)
	}
	if err != nil {
		t.Fatal(err)
	}
	checkFound(t, x, aOnly, bOnly)
}

// TestInsertDuringSession checks that sessions read a snapshot: items
// inserted while they run, from another goroutine, do not disturb them.
func TestInsertDuringSession(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	pool := genItems(rng, 6000, realisticStep)
	a, b, aOnly, bOnly := split3(rng, pool[:4000], 100, 100)
	setA, setB := mustSet(t, a), mustSet(t, b)
	// The sessions take their snapshots before the inserts start, so
	// that what they must find is known.
	ini, res := sessions(t, setA, setB)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k, it := range pool[4000:] {
			select {
			case <-stop:
				return
			default:
			}
			// Alternate appends with inserts among the held items.
			if _, err := setA.Insert(it, pool[k%4000]); err != nil {
				t.Errorf("Insert: %v", err)
				return
			}
			if _, err := setB.Insert(it); err != nil {
				t.Errorf("Insert: %v", err)
				return
			}
		}
	}()
	x := run(t, ini, res)
	close(stop)
	wg.Wait()
	checkFound(t, x, aOnly, bOnly)
}

// TestSessionMisuse checks the errors of calls out of order.
func TestSessionMisuse(t *testing.T) {
	set := mustSet(t, genItems(rand.New(rand.NewPCG(1, 1)), 100, realisticStep))
	ini, _ := NewInitiator(set)
	res, _ := NewResponder(set)
	if _, _, _, err := ini.Step([]byte{Version}); err == nil {
		t.Error("Step before Initiate: no error")
	}
	if _, err := res.Initiate(); err == nil {
		t.Error("Initiate on a responder: no error")
	}
	msg, err := ini.Initiate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ini.Initiate(); err == nil {
		t.Error("Initiate twice: no error")
	}
	reply, _, _, err := res.Step(msg)
	if err != nil || !res.Done() {
		t.Fatalf("identical sets: responder Step = %v, done %v; want no error and done", err, res.Done())
	}
	if _, _, _, err := res.Step(msg); !errors.Is(err, ErrDone) {
		t.Errorf("responder Step after the end: %v, want ErrDone", err)
	}
	if out, _, _, err := ini.Step(reply); err != nil || out != nil {
		t.Fatalf("initiator final Step = %x, %v; want nil, nil", out, err)
	}
	if _, _, _, err := ini.Step(reply); !errors.Is(err, ErrDone) {
		t.Errorf("initiator Step after the end: %v, want ErrDone", err)
	}
	if _, err := NewInitiator(nil); err == nil {
		t.Error("NewInitiator(nil): no error")
	}
}

func TestOptionsRefused(t *testing.T) {
	set := mustSet(t, nil)
	for name, opt := range map[string]Option{
		"branch 1":            WithBranch(1),
		"branch 257":          WithBranch(257),
		"leaf 0":              WithLeafSize(0),
		"leaf too large":      WithLeafSize(MaxRangeIDs + 1),
		"frame too small":     WithFrameLimit(100),
		"frame too large":     WithFrameLimit(protocol.MaxMessageSize),
		"max rounds 0":        WithMaxRounds(0),
		"max rounds negative": WithMaxRounds(-3),
	} {
		if _, err := NewResponder(set, opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestProtocolViolations feeds each side messages that decode but break
// the exchange, and checks the error codes a node would send back.
func TestProtocolViolations(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	items := genItems(rng, 500, realisticStep)
	set := mustSet(t, items)
	small := mustSet(t, items[:10])

	start := func(t *testing.T, s *Set) (*Session, []byte) {
		ini, err := NewInitiator(s)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := ini.Initiate()
		if err != nil {
			t.Fatal(err)
		}
		return ini, msg
	}
	e := &entry{clock: uint64(items[0].Clock), id: items[0].ID}

	t.Run("responder receives Items", func(t *testing.T) {
		enc := newEncoder()
		enc.items(infinity, []entry{*e})
		res, _ := NewResponder(set)
		_, _, _, err := res.Step(enc.buf)
		wantCode(t, err, protocol.CodeInvalid)
		if _, _, _, again := res.Step(enc.buf); again != err {
			t.Errorf("Step after an error = %v, want the same error", again)
		}
	})
	t.Run("initiator receives IDList", func(t *testing.T) {
		ini, _ := start(t, set)
		enc := newEncoder()
		enc.idList(infinity, nil)
		_, _, _, err := ini.Step(enc.buf)
		wantCode(t, err, protocol.CodeInvalid)
	})
	t.Run("Diff without an IDList", func(t *testing.T) {
		ini, _ := start(t, set) // 500 items: the first message splits
		enc := newEncoder()
		enc.diff(infinity, 0, nil, nil)
		_, _, _, err := ini.Step(enc.buf)
		wantCode(t, err, protocol.CodeInvalid)
	})
	t.Run("Diff of the wrong length", func(t *testing.T) {
		ini, _ := start(t, small) // 10 items: the first message lists them
		enc := newEncoder()
		enc.diff(infinity, 9, make([]byte, 2), nil)
		_, _, _, err := ini.Step(enc.buf)
		wantCode(t, err, protocol.CodeInvalid)
	})
	t.Run("round limit", func(t *testing.T) {
		_, msg := start(t, set)
		res, _ := NewResponder(small, WithMaxRounds(3))
		for round := 1; round <= 4; round++ {
			_, _, _, err := res.Step(msg)
			if round <= 3 && err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if round == 4 {
				wantCode(t, err, protocol.CodeTooLarge)
			}
		}
	})
}

func wantCode(t *testing.T, err error, code protocol.Code) {
	t.Helper()
	if got := protocol.CodeOf(err); got != code {
		t.Errorf("error %v has code %v, want %v", err, got, code)
	}
}

// TestResponderWorkIsBounded sends the largest message a peer may send,
// and checks that the answer stays within the caps.
func TestResponderWorkIsBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	items := genItems(rng, 30_000, realisticStep)
	set := mustSet(t, items)
	const frame = 256 << 10
	// MaxRanges-1 mismatched fingerprints, each over about one item.
	enc := newEncoder()
	for k := 1; k < MaxRanges; k++ {
		enc.fingerprint(bound{clock: uint64(baseClock) + uint64(k)*(realisticStep/4)}, fingerprint{1})
	}
	if len(enc.buf) > protocol.MaxMessageSize {
		t.Fatalf("test message of %d bytes is too large", len(enc.buf))
	}
	res, _ := NewResponder(set, WithFrameLimit(frame))
	reply, _, _, err := res.Step(enc.buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(reply) > frame+100<<10 {
		t.Errorf("reply of %d bytes exceeds the frame limit by more than one range", len(reply))
	}
	ranges, err := decodeMessage(reply)
	if err != nil {
		t.Fatalf("reply does not decode: %v", err)
	}
	if last := ranges[len(ranges)-1]; last.upper != infinity || last.mode != modeFingerprint {
		t.Errorf("a deferred reply ends with %s up to %v, want a fingerprint up to infinity", last.mode, last.upper)
	}
}

func TestItemsReportedOnce(t *testing.T) {
	// With tiny frames, ranges are reopened and differences found
	// again; each must still be reported once.
	rng := rand.New(rand.NewPCG(14, 15))
	pool := genItems(rng, 6000, 1<<16)
	a, b, aOnly, bOnly := split3(rng, pool, 2500, 2500)
	x := reconcile(t, mustSet(t, a), mustSet(t, b), WithFrameLimit(1<<10), WithMaxRounds(5000), WithLeafSize(200))
	checkFound(t, x, aOnly, bOnly)
	deferred := slices.ContainsFunc(x.messages, func(m []byte) bool {
		ranges, err := decodeMessage(m)
		return err == nil && len(m) >= 1<<10 && len(ranges) > 0 &&
			ranges[len(ranges)-1].mode == modeFingerprint && ranges[len(ranges)-1].upper == infinity
	})
	if !deferred {
		t.Error("no message was cut at the frame limit: the test does not exercise reopening")
	}
}

// TestReconcileAfterRemove: sets changed by removals reconcile as sets
// built from what they hold: each side's removals are found as the
// other's surplus, and two sides that removed the same items match.
func TestReconcileAfterRemove(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	pool := genItems(rng, 6000, realisticStep)
	a, b := mustSet(t, pool), mustSet(t, pool)
	var goneA, goneB, both []Item
	for _, it := range pool {
		switch rng.IntN(40) {
		case 0:
			goneA = append(goneA, it)
		case 1:
			goneB = append(goneB, it)
		case 2:
			both = append(both, it)
		}
	}
	for _, rm := range []struct {
		s     *Set
		items []Item
	}{{a, goneA}, {a, both}, {b, goneB}, {b, both}} {
		if n, err := rm.s.Remove(rm.items...); n != len(rm.items) || err != nil {
			t.Fatalf("Remove = %d, %v; want %d", n, err, len(rm.items))
		}
	}
	holds := func(gone ...[]Item) []Item {
		out := slices.Clone(pool)
		for _, g := range gone {
			out = minus(out, g)
		}
		return out
	}
	x := reconcile(t, a, b)
	checkDiff(t, x, holds(goneA, both), holds(goneB, both))

	// B removes what A removed, and A what B removed: the sets are
	// equal, and one round of fingerprints says so.
	if _, err := b.Remove(goneA...); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Remove(goneB...); err != nil {
		t.Fatal(err)
	}
	x = reconcile(t, a, b)
	checkFound(t, x, nil, nil)
	if x.roundTrips != 1 {
		t.Errorf("equal sets after removals took %d round trips, want 1", x.roundTrips)
	}
}
