package catalogue

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// goodBundle returns a bundle of one entry, edited once, with an
// attachment.
func goodBundle(t testing.TB) []byte {
	t.Helper()
	ctx := context.Background()
	src := openTest(t, "")
	me := newKey(t)
	p, err := src.Publish(ctx, me, parse(t, "---\ntitle: Voyage scolaire\n---\nVote du CA.\n"),
		[]File{{Name: "budget.ods", Data: strings.NewReader("tableur")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Voyage scolaire (revu)\n---\nVote.\n"), EditOptions{}); err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	if _, err := src.ExportBundle(ctx, &whole, nil); err != nil {
		t.Fatal(err)
	}
	return whole.Bytes()
}

// hugeSection is a bundle's header followed by a section that declares
// 2^62 bytes.
func hugeSection(good []byte) []byte {
	return append(bytes.Clone(good[:good[0]+1]), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40)
}

// TestScanBundleBoundsSections: a section may declare any length; the
// reader refuses one over the largest block allowed without allocating
// it.
func TestScanBundleBoundsSections(t *testing.T) {
	in := hugeSection(goodBundle(t))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := scanBundle(context.Background(), bytes.NewReader(in), verifyBlock)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, protocol.ErrMalformed) {
		t.Errorf("scan: %v, want a malformed bundle", err)
	}
	// Generous: the reader holds one block of at most 1 MiB at a time.
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
		t.Errorf("scanning %d bytes allocated %d bytes", len(in), grown)
	}
}

// FuzzScanBundle checks the reading of a bundle, before anything is
// stored: whatever the file, it never panics, reads a block at a time
// (no section may make it allocate more than the largest block), keeps
// only verified revisions whose roots are in the file, and every
// refusal is an error of package protocol, which the command line
// reports as wrong input.
func FuzzScanBundle(f *testing.F) {
	good := goodBundle(f)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(good[:len(good)/2])
	flipped := bytes.Clone(good)
	flipped[len(flipped)-1] ^= 1
	f.Add(flipped)
	f.Add(hugeSection(good))
	f.Add([]byte("ceci n'est pas un bundle"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		scan, err := scanBundle(context.Background(), bytes.NewReader(data), verifyBlock)
		if err != nil {
			var perr *protocol.Error
			if !errors.As(err, &perr) {
				t.Fatalf("refusal is not an error of package protocol: %v", err)
			}
			return
		}
		held := make(map[string]bool)
		for _, v := range scan.revs {
			if err := protocol.Recheck(v.Block); err != nil {
				t.Fatalf("kept revision %s does not verify: %v", v.CID, err)
			}
			held[v.CID.KeyString()] = true
		}
		for _, r := range scan.roots {
			if !held[r.KeyString()] {
				t.Fatalf("root %s accepted, not in the file", r)
			}
		}
	})
}

// verifyBlock verifies a revision read from a bundle.
func verifyBlock(k cid.Cid, data []byte) (protocol.Verified, error) {
	return protocol.Verify(protocol.Block{CID: k, Data: data})
}
