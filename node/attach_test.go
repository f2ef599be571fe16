package node

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
)

// attachment splits size random bytes into raw blocks and returns the
// manifest and the blocks.
func attachment(t testing.TB, name string, size int) (protocol.Attachment, []protocol.Block) {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{byte(size), byte(size >> 8)})
	data := make([]byte, size)
	_, _ = rng.Read(data)
	a := protocol.Attachment{Name: name, Type: "application/vnd.oasis.opendocument.spreadsheet", Size: uint64(size)}
	var blocks []protocol.Block
	for start := 0; start < size; start += protocol.MaxBlockSize {
		chunk := data[start:min(start+protocol.MaxBlockSize, size)]
		b := protocol.Block{CID: protocol.BlockCID(chunk), Data: chunk}
		blocks = append(blocks, b)
		a.Blocks = append(a.Blocks, b.CID)
	}
	return a, blocks
}

func blockCIDs(blocks []protocol.Block) []cid.Cid {
	out := make([]cid.Cid, len(blocks))
	for i, b := range blocks {
		out[i] = b.CID
	}
	return out
}

func holdsAll(cat *memCatalogue, blocks []protocol.Block) bool {
	for _, b := range blocks {
		if !cat.hasBlock(b.CID) {
			return false
		}
	}
	return true
}

// Blocks of an entry within the automatic limit are fetched with the
// revision; blocks already held (a transfer cut earlier) are not asked
// for again.
func TestAttachmentsAutoFetchAndResume(t *testing.T) {
	c := newCluster(t)
	att, blocks := attachment(t, "modele-budget.ods", 2*protocol.MaxBlockSize+4096)
	rev := newAuthor(t).sign(t, cid.Undef, nil, "Modèle de budget", "Voir la pièce jointe.", att)
	src := newMemCatalogue()
	preload(t, src, []protocol.Block{rev})
	if err := src.AddBlocks(context.Background(), blocks); err != nil {
		t.Fatal(err)
	}
	a := c.add(src, nil)

	// B holds the first block already, as after a cut transfer.
	cat := newMemCatalogue()
	if err := cat.AddBlocks(context.Background(), blocks[:1]); err != nil {
		t.Fatal(err)
	}
	b := c.add(cat, nil)
	c.connect(b, a)
	eventually(t, 30*time.Second, "B to hold the revision and every block", func() bool {
		return cat.len() == 1 && holdsAll(cat, blocks)
	})
	if got := a.Status().Counters.BlocksServed; got != uint64(len(blocks)-1) {
		t.Errorf("A served %d blocks, want %d: held blocks must not be fetched again", got, len(blocks)-1)
	}
	if got := b.Status().Counters.BlocksReceived; got != uint64(len(blocks)-1) {
		t.Errorf("B received %d blocks, want %d", got, len(blocks)-1)
	}
}

// Blocks of an entry above the automatic limit wait for FetchBlocks,
// which fetches from several peers what each holds and resumes.
func TestAttachmentsOnDemand(t *testing.T) {
	c := newCluster(t)
	att, blocks := attachment(t, "circulaire.pdf", 3*protocol.MaxBlockSize)
	rev := newAuthor(t).sign(t, cid.Undef, nil, "Circulaire", "En pièce jointe.", att)

	// A holds the revision and only the first two blocks.
	partial := newMemCatalogue()
	preload(t, partial, []protocol.Block{rev})
	if err := partial.AddBlocks(context.Background(), blocks[:2]); err != nil {
		t.Fatal(err)
	}
	a := c.add(partial, nil)
	small := func(cfg *Config) { cfg.AttachmentAutoFetchLimit = 1 << 20 }
	b := c.add(nil, small)
	c.connect(b, a)
	eventually(t, 20*time.Second, "B to hold the revision", func() bool { return b.cat.len() == 1 })
	// A pass of the attachment worker that starts now sees the
	// revision: it must fetch nothing.
	passes := b.stats.attachPasses.Load()
	b.kickAttachments()
	eventually(t, 10*time.Second, "B's attachment worker to make a pass", func() bool {
		return b.stats.attachPasses.Load() > passes
	})
	if got := a.Status().Counters.BlocksServed; got != 0 {
		t.Fatalf("A served %d blocks of an entry above the automatic limit", got)
	}

	ctx := context.Background()
	rep, err := b.FetchBlocks(ctx, blockCIDs(blocks))
	if !errors.Is(err, protocol.ErrNotFound) {
		t.Fatalf("FetchBlocks with a peer lacking a block = %v, want ErrNotFound", err)
	}
	if want := (api.BlockFetch{Wanted: 3, Fetched: 2, Bytes: 2 * protocol.MaxBlockSize, Peers: 1, From: 1}); rep != want {
		t.Errorf("FetchBlocks reported %+v, want %+v", rep, want)
	}
	if !holdsAll(b.cat, blocks[:2]) || b.cat.hasBlock(blocks[2].CID) {
		t.Fatal("B should hold exactly the two blocks A had")
	}

	// C holds everything; the next FetchBlocks asks only for the rest.
	full := newMemCatalogue()
	preload(t, full, []protocol.Block{rev})
	if err := full.AddBlocks(ctx, blocks); err != nil {
		t.Fatal(err)
	}
	n3 := c.add(full, nil)
	c.connect(b, n3)
	rep, err = b.FetchBlocks(ctx, blockCIDs(blocks))
	if err != nil {
		t.Fatal(err)
	}
	if want := (api.BlockFetch{Wanted: 1, Fetched: 1, Bytes: protocol.MaxBlockSize, Peers: 2, From: 1}); rep != want {
		t.Errorf("FetchBlocks reported %+v, want %+v", rep, want)
	}
	if !holdsAll(b.cat, blocks) {
		t.Fatal("B does not hold every block")
	}
	if got := n3.Status().Counters.BlocksServed; got != 1 {
		t.Errorf("C served %d blocks, want only the one missing", got)
	}
	if _, err := b.FetchBlocks(ctx, []cid.Cid{rev.CID}); !errors.Is(err, protocol.ErrBadCID) {
		t.Errorf("FetchBlocks(revision CID) = %v, want ErrBadCID", err)
	}
}

// A peer that serves bytes that do not match the block asked for is
// penalised and nothing is stored.
func TestAttachmentsBadBlock(t *testing.T) {
	c := newCluster(t)
	victim := c.add(nil, nil)
	x := newHostile(t, c, victim, false)
	x.answerFetchWith([]byte("faux contenu"))
	_, blocks := attachment(t, "x.bin", 1000)
	rep, err := victim.FetchBlocks(context.Background(), blockCIDs(blocks))
	if !errors.Is(err, protocol.ErrNotFound) {
		t.Fatalf("FetchBlocks = %v, want ErrNotFound", err)
	}
	if rep.Fetched != 0 || rep.From != 0 {
		t.Errorf("FetchBlocks reported %+v: a block that does not verify counted as fetched", rep)
	}
	if victim.cat.hasBlock(blocks[0].CID) {
		t.Fatal("a block that does not match its CID was stored")
	}
	if victim.pen.count(x.h.ID()) == 0 || !victim.logs.contains("does not match its bytes") {
		t.Error("the peer was not penalised, or the log does not say why")
	}
}
