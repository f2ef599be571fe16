package catalogue

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// TestMissingBlocks follows the attachment blocks a node lacks: after
// revisions arrive without their blocks, after the blocks arrive, after
// a restart, and after an edit that drops the attachment.
func TestMissingBlocks(t *testing.T) {
	ctx := context.Background()
	src := openTest(t, "")
	me := newKey(t)
	withFile := func(title, data string) *Published {
		t.Helper()
		p, err := src.Publish(ctx, me, parse(t, "---\ntitle: "+title+"\n---\nCorps.\n"),
			[]File{{Name: "piece.txt", Data: strings.NewReader(data)}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := withFile("Régie", "acte constitutif")
	plain, err := src.Publish(ctx, me, parse(t, "---\ntitle: Sans pièce jointe\n---\nCorps.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	dst, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { dst.Close() }()
	if _, err := receive(ctx, dst, blocksOf(t, src, a, plain)...); err != nil {
		t.Fatal(err)
	}
	attached := func(p *Published) []cid.Cid {
		t.Helper()
		r, err := protocol.DecodeRevision(blocksOf(t, src, p)[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		var out []cid.Cid
		for _, at := range r.Attachments {
			out = append(out, at.Blocks...)
		}
		return out
	}
	check := func(when string, want ...*Published) {
		t.Helper()
		missing, err := dst.MissingBlocks(ctx)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		var got, wantCIDs []string
		for _, m := range missing {
			got = append(got, m.CID.String())
		}
		for _, p := range want {
			for _, c := range attached(p) {
				wantCIDs = append(wantCIDs, c.String())
			}
		}
		slices.Sort(got)
		slices.Sort(wantCIDs)
		if !slices.Equal(got, wantCIDs) {
			t.Errorf("%s: missing %v, want %v", when, got, wantCIDs)
		}
	}
	check("first pass", a)
	check("second pass: still missing", a)

	var blocks []protocol.Block
	for _, c := range attached(a) {
		data, err := src.Block(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, protocol.Block{CID: c, Data: data})
	}
	if err := dst.AddBlocks(ctx, blocks); err != nil {
		t.Fatal(err)
	}
	check("blocks received")

	b := withFile("Voyage", "devis du transporteur")
	if _, err := receive(ctx, dst, blocksOf(t, src, b)...); err != nil {
		t.Fatal(err)
	}
	check("new entry with a file", b)

	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	if dst, err = Open(context.Background(), dir, Options{}); err != nil {
		t.Fatal(err)
	}
	check("after a restart", b)

	edit, err := src.Edit(ctx, me, b.Doc, parse(t, "---\ntitle: Voyage\n---\nSans devis.\n"), EditOptions{Drop: []string{"piece.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receive(ctx, dst, blocksOf(t, src, edit)...); err != nil {
		t.Fatal(err)
	}
	check("attachment dropped by an edit")
}
