package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// largeDocs signs n new documents of about size bytes each.
func largeDocs(t testing.TB, au *author, n, size int) []protocol.Block {
	out := make([]protocol.Block, n)
	for i := range out {
		body := fmt.Sprintf("%d ", i) + strings.Repeat("Lorem ipsum dolor sit amet. ", size/28)
		out[i] = au.sign(t, cid.Undef, nil, fmt.Sprintf("grosse fiche %d", i), body)
	}
	return out
}

// A node fetching large revisions holds a bounded number of bytes of
// them at once: a fetch answer is read up to fetchBudget, the rest is
// asked for again, and each part is stored before the next is fetched.
func TestFetchHoldsBoundedBytes(t *testing.T) {
	const count, size = 40, 300 << 10 // 12 MiB in all
	c := newCluster(t)
	src := newMemCatalogue()
	blocks := largeDocs(t, newAuthor(t), count, size)
	preload(t, src, blocks)
	a := c.add(src, nil)
	b := c.add(nil, nil)

	// One request for every revision brings no more than the budget.
	c.connect(b, a)
	cids := make([]cid.Cid, len(blocks))
	for i, bl := range blocks {
		cids[i] = bl.CID
	}
	got, notFound, answered, err := b.fetchRawUpTo(context.Background(), a.h.ID(), cids, fetchBudget)
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, bl := range got {
		held += len(bl.Data)
	}
	if limit := fetchBudget + protocol.MaxRevisionSize; held > limit {
		t.Errorf("one fetch brought %d bytes, want at most %d", held, limit)
	}
	if answered == len(cids) || answered != len(got)+len(notFound) {
		t.Errorf("one fetch answered %d of %d CIDs with %d blocks and %d not found; want it cut at the budget", answered, len(cids), len(got), len(notFound))
	}

	// A sync brings them all, part by part.
	eventually(t, 60*time.Second, "B to hold every revision", func() bool { return converged(count, a, b) })
	if largest, limit := b.cat.largestAdd(), fetchBudget+protocol.MaxRevisionSize; largest > limit {
		t.Errorf("B stored %d bytes of revisions at once, want at most %d", largest, limit)
	}
}
