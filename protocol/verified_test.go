package protocol

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestVerifyAllSplitsAndCounts: VerifyAll keeps the valid revisions in
// the order given, names each refused one with its reason, and checks
// each signature once.
func TestVerifyAllSplitsAndCounts(t *testing.T) {
	var blocks []Block
	for i := range 40 {
		blocks = append(blocks, mustSign(t, fixedKey(), note5K(uint64(i)+1)))
	}
	forged := blocks[7]
	forged.Data = append([]byte(nil), forged.Data...)
	forged.Data[len(forged.Data)-1] ^= 1 // in the signature: the CID no longer matches either
	blocks[7] = forged
	resigned := mustSign(t, fixedKey(), note5K(100))
	badSig := Block{CID: RevisionCID(tamperSig(resigned.Data)), Data: tamperSig(resigned.Data)}
	blocks = append(blocks, badSig)

	before := SignaturesChecked()
	good, bad := VerifyAll(context.Background(), blocks)
	checked := SignaturesChecked() - before
	if len(good) != 39 || len(bad) != 2 {
		t.Fatalf("VerifyAll: %d good, %d bad; want 39 and 2", len(good), len(bad))
	}
	for i, v := range good {
		want := blocks[i]
		if i >= 7 {
			want = blocks[i+1]
		}
		if v.CID != want.CID || v.Rev == nil || v.Rev.Seq == 0 {
			t.Fatalf("good[%d] = %s, want %s in the order given, with its revision", i, v.CID, want.CID)
		}
	}
	if bad[0].CID != forged.CID || !errors.Is(bad[0], ErrBadCID) {
		t.Errorf("bad[0] = %v, want %s refused for its CID", bad[0], forged.CID)
	}
	if bad[1].CID != badSig.CID || !errors.Is(bad[1], ErrBadSignature) {
		t.Errorf("bad[1] = %v, want %s refused for its signature", bad[1], badSig.CID)
	}
	// The forged block fails on its CID, before any signature check.
	if checked != 40 {
		t.Errorf("%d signatures checked for 40 revisions that reached the check, want 40", checked)
	}
}

// TestVerifyAllStopsWithContext: nothing is verified once ctx ends.
func TestVerifyAllStopsWithContext(t *testing.T) {
	blk := mustSign(t, fixedKey(), note5K(1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	good, bad := VerifyAll(ctx, []Block{blk, blk, blk})
	if len(good)+len(bad) != 0 {
		t.Errorf("after cancel: %d good, %d bad; want none verified", len(good), len(bad))
	}
}

// TestSignReturnsVerified: a revision signed here is ready to store,
// and Verify accepts its block as it is.
func TestSignReturnsVerified(t *testing.T) {
	r := note5K(3)
	v, err := r.Sign(fixedKey())
	if err != nil {
		t.Fatal(err)
	}
	if v.Rev != r || v.CID != RevisionCID(v.Data) || v.Doc() != v.CID {
		t.Fatalf("Sign returned %s with revision %p (want %p) and document %s", v.CID, v.Rev, r, v.Doc())
	}
	again, err := Verify(v.Block)
	if err != nil || again.CID != v.CID || again.Rev.Seq != 3 {
		t.Fatalf("Verify of a signed revision: %v, %v", again.CID, err)
	}
}

// tamperSig flips a bit of the signature of an encoded revision, which
// keeps it canonical.
func tamperSig(data []byte) []byte {
	out := append([]byte(nil), data...)
	sig := []byte{0x63, 's', 'i', 'g', 0x58, 64}
	for i := 0; i+len(sig) < len(out); i++ {
		if string(out[i:i+len(sig)]) == string(sig) {
			out[i+len(sig)] ^= 1
			return out
		}
	}
	panic("no signature in the revision")
}

// TestObserveStaysNearWallClock: what a clock observes moves it on, up
// to MaxClockDrift ahead of the wall clock; NowAfter passes any floor
// without keeping it.
func TestObserveStaysNearWallClock(t *testing.T) {
	wall := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	h := NewHLC(func() time.Time { return wall })
	h.Observe(MakeClock(wall.Add(30 * time.Second)))
	if got := h.Now(); got <= MakeClock(wall.Add(30*time.Second)) {
		t.Errorf("after observing 30 s ahead, Now = %v, want after it", got.Time())
	}
	h.Observe(MakeClock(wall.Add(23 * time.Hour)))
	if got := h.Now(); got > MakeClock(wall.Add(MaxClockDrift))+10 {
		t.Errorf("after observing 23 h ahead, Now = %v, want at most %v ahead", got.Time(), MaxClockDrift)
	}
	floor := MakeClock(wall.Add(23 * time.Hour))
	if got := h.NowAfter(floor); got <= floor {
		t.Errorf("NowAfter(%v) = %v", floor.Time(), got.Time())
	}
	if got := h.Now(); got > MakeClock(wall.Add(MaxClockDrift))+10 {
		t.Errorf("NowAfter kept the floor: Now = %v", got.Time())
	}
}
