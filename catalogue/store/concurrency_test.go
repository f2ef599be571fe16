package store_test

import (
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// TestConcurrentPuts has writers edit one shared document and their
// own, while readers list and read, and checks that no edit is lost.
func TestConcurrentPuts(t *testing.T) {
	s := openDisk(t)
	alice := protocoltest.NewAuthor(t)
	shared := alice.Create(t)
	put(t, s, shared)

	const writers, rounds = 4, 10
	edits := make([][]protocol.Verified, writers)
	for w := range edits {
		own := alice.Create(t)
		edits[w] = append(edits[w], own)
		for range rounds {
			edits[w] = append(edits[w],
				alice.Edit(t, []protocol.Verified{shared}),
				alice.Edit(t, []protocol.Verified{edits[w][len(edits[w])-1]}))
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for i := 0; i < len(edits[w]); i += 3 {
				if _, err := s.Put(edits[w][i:min(i+3, len(edits[w]))]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Docs(func(d *store.Doc) error { _, err := s.History(d.ID); return err }); err != nil {
				t.Error(err)
				return
			}
			if err := s.RevisionsByClock(0, cid.Undef, func(protocol.Clock, cid.Cid) error { return nil }); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()

	n, err := s.Counts()
	if want := 1 + writers*(1+2*rounds); err != nil || n.Revisions != want || n.Docs != 1+writers {
		t.Errorf("Counts = %+v, %v; want %d revisions, %d documents", n, err, want, 1+writers)
	}
	if d := doc(t, s, shared.Block.CID); len(d.Heads) != writers*rounds {
		t.Errorf("shared document has %d heads, want one per concurrent edit (%d)", len(d.Heads), writers*rounds)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
