package reconcile

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// fuzzSeeds returns the messages of a few real exchanges.
func fuzzSeeds(t testing.TB) [][]byte {
	rng := rand.New(rand.NewPCG(21, 22))
	pool := genItems(rng, 400, 1<<16)
	pool = append(pool, genItems(rng, 20, 0)...)
	var seeds [][]byte
	for _, onlyA := range []int{0, 3, 200} {
		a, b, _, _ := split3(rng, pool, onlyA, 7)
		x := reconcile(t, mustSet(t, a), mustSet(t, b), WithBranch(4), WithLeafSize(8))
		seeds = append(seeds, x.messages...)
	}
	return append(seeds, nil, []byte{Version}, []byte{2}, []byte{Version, 0x80})
}

// FuzzDecodeMessage checks that the decoder never panics, refuses with
// the codes of docs/protocol.md (Part 3), and accepts only the canonical form.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		ranges, err := decodeMessage(msg)
		if err != nil {
			switch protocol.CodeOf(err) {
			case protocol.CodeMalformed, protocol.CodeTooLarge, protocol.CodeUnsupportedVersion, protocol.CodeBadCID:
			default:
				t.Fatalf("decode error with unexpected code: %v", err)
			}
			return
		}
		again, err := encodeRanges(ranges)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(again, msg) {
			t.Fatalf("accepted a non-canonical message:\n in  %x\n out %x", msg, again)
		}
	})
}

// FuzzStep feeds arbitrary messages to both roles: neither may panic,
// every error must carry a protocol code, and every reply must be a
// message the peer accepts.
func FuzzStep(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	rng := rand.New(rand.NewPCG(23, 24))
	set := mustSet(f, genItems(rng, 300, 1<<16))
	f.Fuzz(func(t *testing.T, msg []byte) {
		res, _ := NewResponder(set, WithLeafSize(8))
		ini, _ := NewInitiator(set, WithLeafSize(8))
		if _, err := ini.Initiate(); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*Session{res, ini} {
			reply, _, _, err := s.Step(msg)
			if err != nil {
				if protocol.CodeOf(err) == protocol.CodeInternal {
					t.Fatalf("error without a protocol code: %v", err)
				}
				continue
			}
			if reply == nil {
				continue
			}
			if len(reply) > protocol.MaxMessageSize {
				t.Fatalf("reply of %d bytes", len(reply))
			}
			if _, err := decodeMessage(reply); err != nil {
				t.Fatalf("reply does not decode: %v", err)
			}
		}
	})
}
