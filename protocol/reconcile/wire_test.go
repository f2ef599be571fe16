package reconcile

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/mutu-network/mutu/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// msg concatenates byte slices, single bytes and uvarints (as uint64).
func msg(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case byte:
			b = append(b, v)
		case int:
			b = append(b, byte(v))
		case mode:
			b = append(b, byte(v))
		case uint64:
			b = binary.AppendUvarint(b, v)
		case []byte:
			b = append(b, v...)
		case string:
			b = append(b, v...)
		default:
			panic(fmt.Sprintf("msg: %T", p))
		}
	}
	return b
}

// encodeRanges encodes decoded ranges again.
func encodeRanges(ranges []wireRange) ([]byte, error) {
	enc := newEncoder()
	for _, rg := range ranges {
		switch rg.mode {
		case modeSkip:
			enc.skip(rg.upper)
		case modeFingerprint:
			enc.fingerprint(rg.upper, rg.fp)
		case modeIDList:
			enc.begin(rg.upper, modeIDList)
			enc.buf = binary.AppendUvarint(enc.buf, uint64(len(rg.short)))
			for _, s := range rg.short {
				enc.buf = append(enc.buf, s[:]...)
			}
		case modeItems:
			enc.items(rg.upper, rg.items)
		case modeDiff:
			enc.diff(rg.upper, rg.nbits, rg.bits, rg.items)
		}
	}
	return enc.buf, enc.err
}

var fp16 = bytes.Repeat([]byte{0xAB}, FingerprintSize)

// idBytes returns the bytes of a revision CID derived from seed.
func idBytes(seed uint64) []byte { return testCID(seed).Bytes() }

func item(clockDelta uint64, id []byte) []byte {
	return msg(clockDelta, uint64(len(id)), id)
}

func TestDecodeRefuses(t *testing.T) {
	id := idBytes(1)
	digest := make([]byte, 32)
	v0, _ := mh.Encode(digest, mh.SHA2_256)
	sha3, _ := mh.Encode(digest, mh.SHA3_256)
	v1sha3 := cid.NewCidV1(cid.DagCBOR, sha3).Bytes()

	manyRanges := []byte{Version}
	for range MaxRanges + 1 {
		manyRanges = append(manyRanges, msg(uint64(2), uint64(0), modeFingerprint, fp16)...)
	}
	manyIDs := []byte{Version}
	for k := range MaxIDs/MaxRangeIDs + 1 {
		manyIDs = append(manyIDs, msg(uint64(2), uint64(0), modeIDList, uint64(MaxRangeIDs))...)
		for s := range MaxRangeIDs {
			var sid [ShortIDSize]byte
			binary.LittleEndian.PutUint64(sid[:], uint64(k*MaxRangeIDs+s))
			manyIDs = append(manyIDs, sid[:]...)
		}
	}
	tooLong := make([]byte, protocol.MaxMessageSize+1)
	tooLong[0] = Version

	tests := []struct {
		name string
		msg  []byte
		code protocol.Code
	}{
		{"empty", nil, protocol.CodeMalformed},
		{"unknown version", msg(2, uint64(0), modeSkip), protocol.CodeUnsupportedVersion},
		{"version 0", msg(0), protocol.CodeUnsupportedVersion},
		{"over MaxMessageSize", tooLong, protocol.CodeTooLarge},
		{"truncated bound varint", msg(Version, 0x80), protocol.CodeMalformed},
		{"varint over 64 bits", msg(Version, bytes.Repeat([]byte{0xff}, 10), 0x01), protocol.CodeMalformed},
		{"varint not minimal", msg(Version, 0x82, 0x00, uint64(0), modeFingerprint, fp16), protocol.CodeMalformed},
		{"missing mode", msg(Version, uint64(0)), protocol.CodeMalformed},
		{"unknown mode", msg(Version, uint64(0), 9), protocol.CodeMalformed},
		{"first bound is the zero bound", msg(Version, uint64(1), uint64(0), modeFingerprint, fp16), protocol.CodeMalformed},
		{"equal bounds", msg(Version,
			uint64(6), uint64(0), modeFingerprint, fp16,
			uint64(1), uint64(0), modeFingerprint, fp16), protocol.CodeMalformed},
		{"decreasing prefix", msg(Version,
			uint64(6), uint64(1), 0x02, modeFingerprint, fp16,
			uint64(1), uint64(1), 0x01, modeFingerprint, fp16), protocol.CodeMalformed},
		{"range after infinity", msg(Version,
			uint64(0), modeFingerprint, fp16,
			uint64(0), modeFingerprint, fp16), protocol.CodeMalformed},
		{"bound clock reaches the reserved value", msg(Version,
			uint64(6), uint64(0), modeFingerprint, fp16,
			uint64(math.MaxUint64), uint64(0), modeFingerprint, fp16), protocol.CodeMalformed},
		{"two Skips in a row", msg(Version,
			uint64(6), uint64(0), modeSkip,
			uint64(6), uint64(0), modeSkip,
			uint64(0), modeFingerprint, fp16), protocol.CodeMalformed},
		{"trailing Skip", msg(Version, uint64(0), modeSkip), protocol.CodeMalformed},
		{"truncated fingerprint", msg(Version, uint64(0), modeFingerprint, fp16[1:]), protocol.CodeMalformed},
		{"prefix too long", msg(Version, uint64(6), uint64(MaxIDSize+1), bytes.Repeat([]byte{1}, MaxIDSize+1), modeSkip), protocol.CodeTooLarge},
		{"truncated prefix", msg(Version, uint64(6), uint64(5), "abc"), protocol.CodeMalformed},
		{"IDList too long", msg(Version, uint64(0), modeIDList, uint64(MaxRangeIDs+1)), protocol.CodeTooLarge},
		{"truncated IDList", msg(Version, uint64(0), modeIDList, uint64(2), fp16), protocol.CodeMalformed},
		{"repeated short ID", msg(Version, uint64(0), modeIDList, uint64(2), fp16, fp16), protocol.CodeMalformed},
		{"too many ranges", manyRanges, protocol.CodeTooLarge},
		{"too many IDs", manyIDs, protocol.CodeTooLarge},
		{"items out of order", msg(Version, uint64(0), modeItems, uint64(2), item(5, id), item(0, id)), protocol.CodeMalformed},
		{"item below its range", msg(Version,
			uint64(6), uint64(1), 0xff, modeSkip, // lower bound (5, ff): every ID of clock 5 is below
			uint64(0), modeItems, uint64(1), item(0, id)), protocol.CodeMalformed},
		{"item above its range", msg(Version,
			uint64(6), uint64(0), modeItems, uint64(1), item(5, id)), protocol.CodeMalformed},
		{"item clock reaches the reserved value", msg(Version,
			uint64(0), modeItems, uint64(1), item(math.MaxUint64, id)), protocol.CodeMalformed},
		{"item is not a CID", msg(Version, uint64(0), modeItems, uint64(1), item(1, []byte{1, 2, 3})), protocol.CodeMalformed},
		{"item has trailing bytes", msg(Version, uint64(0), modeItems, uint64(1), item(1, append(idBytes(2), 0))), protocol.CodeMalformed},
		{"item ID too long", msg(Version, uint64(0), modeItems, uint64(1), uint64(1), uint64(MaxIDSize+1)), protocol.CodeTooLarge},
		{"item is a CIDv0", msg(Version, uint64(0), modeItems, uint64(1), item(1, v0)), protocol.CodeBadCID},
		{"item is sha3-256", msg(Version, uint64(0), modeItems, uint64(1), item(1, v1sha3)), protocol.CodeBadCID},
		{"truncated item list", msg(Version, uint64(0), modeItems, uint64(2), item(1, id)), protocol.CodeMalformed},
		{"bitmap padding set", msg(Version, uint64(0), modeDiff, uint64(3), 0x08, uint64(0)), protocol.CodeMalformed},
		{"truncated bitmap", msg(Version, uint64(0), modeDiff, uint64(9), 0x01), protocol.CodeMalformed},
		{"bitmap too long", msg(Version, uint64(0), modeDiff, uint64(MaxRangeIDs+1)), protocol.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeMessage(tt.msg)
			if got := protocol.CodeOf(err); got != tt.code {
				t.Errorf("decode: %v (code %v), want code %v", err, got, tt.code)
			}
			if len(tt.msg) > 1<<16 {
				return
			}
			// A responder refuses it the same way.
			res, _ := NewResponder(mustSet(t, nil))
			if _, _, _, err := res.Step(tt.msg); protocol.CodeOf(err) != tt.code {
				t.Errorf("Step: %v, want code %v", err, tt.code)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	a, b := idBytes(1), idBytes(2)
	if bytes.Compare(a, b) > 0 {
		a, b = b, a
	}
	tests := []struct {
		name   string
		msg    []byte
		ranges int
	}{
		{"all settled", msg(Version), 0},
		{"one fingerprint", msg(Version, uint64(0), modeFingerprint, fp16), 1},
		{"skip then fingerprint", msg(Version, uint64(6), uint64(0), modeSkip, uint64(0), modeFingerprint, fp16), 2},
		{"prefix bounds", msg(Version,
			uint64(6), uint64(5), a[:5], modeFingerprint, fp16,
			uint64(1), uint64(6), b[:6], modeSkip,
			uint64(3), uint64(0), modeFingerprint, fp16), 3},
		{"IDList", msg(Version, uint64(0), modeIDList, uint64(1), fp16), 1},
		{"empty IDList", msg(Version, uint64(0), modeIDList, uint64(0)), 1},
		{"items with equal clocks", msg(Version, uint64(0), modeItems, uint64(2), item(7, a), item(0, b)), 1},
		{"diff", msg(Version, uint64(9), uint64(0), modeDiff, uint64(9), 0xff, 0x01, uint64(1), item(3, a)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ranges, err := decodeMessage(tt.msg)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(ranges) != tt.ranges {
				t.Errorf("%d ranges, want %d", len(ranges), tt.ranges)
			}
			again, err := encodeRanges(ranges)
			if err != nil || !bytes.Equal(again, tt.msg) {
				t.Errorf("re-encoded as %x (%v), want %x", again, err, tt.msg)
			}
		})
	}
}

// TestGoldenExchange pins the bytes of a small exchange that uses every
// mode, so that a change to the wire format cannot go unnoticed.
// Run with -update to rewrite testdata/exchange.golden.
func TestGoldenExchange(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 9))
	pool := genItems(rng, 120, 1<<16)
	pool = append(pool, genItems(rng, 6, 0)...) // equal clocks, split by ID prefixes
	a, b, aOnly, bOnly := split3(rng, pool, 12, 9)
	x := reconcile(t, mustSet(t, a), mustSet(t, b), WithBranch(4), WithLeafSize(6))
	checkFound(t, x, aOnly, bOnly)

	var out strings.Builder
	modes := map[mode]bool{}
	for k, m := range x.messages {
		who := "I>"
		if k%2 == 1 {
			who = "R>"
		}
		fmt.Fprintf(&out, "%s %s\n", who, hex.EncodeToString(m))
		ranges, err := decodeMessage(m)
		if err != nil {
			t.Fatalf("message %d: %v", k, err)
		}
		for _, rg := range ranges {
			modes[rg.mode] = true
		}
	}
	for m := range modeNames {
		if !modes[mode(m)] {
			t.Errorf("the exchange has no %s range", mode(m))
		}
	}
	path := filepath.Join("testdata", "exchange.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if out.String() != string(want) {
		t.Errorf("the exchange differs from %s; if the wire format changed on purpose, run go test -update\ngot:\n%s", path, out.String())
	}
}
