package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// TestOrderIndependence applies one random set of revisions (concurrent
// edits, merges, retracts, editors, clock ties, and revisions that break
// a rule) in shuffled order and random batches, retrying those whose
// parents had not arrived yet, as sync does. Every order must end in the
// same documents, histories and clock index. MUTU_STORE_SEED replays a
// seed.
func TestOrderIndependence(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("MUTU_STORE_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (set MUTU_STORE_SEED to replay)", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	revs := randomRevisions(t, rng, 4, 40)

	want, rejected := applyShuffled(t, revs, nil)
	if want.retracted == 0 || want.conflicts == 0 || rejected == 0 {
		t.Fatalf("the generated set lacks a retract, a conflict or a refused revision: %+v, %d refused", want, rejected)
	}
	for trial := range 10 {
		got, _ := applyShuffled(t, revs, rng)
		if diff := want.diff(got); diff != "" {
			t.Fatalf("trial %d: state differs from the reference: %s", trial, diff)
		}
	}
}

// randomRevisions makes n revisions over docs documents: each first
// revision is followed by edits, merges and retracts on random earlier
// revisions, by the author, by an editor she sometimes names, or by an
// intruder; clocks step by 0 to 2 over the parents', so that ties and
// clock errors occur.
func randomRevisions(t *testing.T, rng *rand.Rand, docs, n int) []protocol.Verified {
	alice, bob, mallory := protocoltest.NewAuthor(t), protocoltest.NewAuthor(t), protocoltest.NewAuthor(t)
	const base = 1 << 40
	byDoc := make([][]protocol.Verified, docs)
	var all []protocol.Verified
	for i := range byDoc {
		v := alice.Create(t, protocoltest.Clock(base+protocol.Clock(i)), protocoltest.Title(fmt.Sprint("doc ", i)))
		byDoc[i] = append(byDoc[i], v)
		all = append(all, v)
	}
	// Make sure of one conflict and one retract concurrent with an edit.
	first := byDoc[0][0]
	forced := []protocol.Verified{
		alice.Edit(t, []protocol.Verified{first}, protocoltest.Clock(first.Rev.Clock+5)),
		alice.Edit(t, []protocol.Verified{first}, protocoltest.Clock(first.Rev.Clock+5)),
		alice.Retract(t, []protocol.Verified{byDoc[1][0]}, protocoltest.Clock(base+10)),
		alice.Edit(t, []protocol.Verified{byDoc[1][0]}, protocoltest.Clock(base+11)),
	}
	byDoc[0] = append(byDoc[0], forced[:2]...)
	byDoc[1] = append(byDoc[1], forced[2:]...)
	all = append(all, forced...)

	for len(all) < n {
		d := rng.IntN(docs)
		revs := byDoc[d]
		parents := []protocol.Verified{revs[rng.IntN(len(revs))]}
		if rng.IntN(3) == 0 {
			if p := revs[rng.IntN(len(revs))]; !p.Block.CID.Equals(parents[0].Block.CID) {
				parents = append(parents, p)
			}
		}
		var clock protocol.Clock
		for _, p := range parents {
			clock = max(clock, p.Rev.Clock)
		}
		clock += protocol.Clock(rng.IntN(3)) // 0 breaks the clock rule
		opts := []protocoltest.Option{protocoltest.Clock(clock), protocoltest.Title(fmt.Sprint("titre ", rng.IntN(5)))}
		if rng.IntN(4) == 0 {
			opts = append(opts, protocoltest.Kind("tool"))
		}
		var v protocol.Verified
		switch r := rng.IntN(20); {
		case r < 2:
			v = alice.Retract(t, parents, protocoltest.Clock(clock))
		case r < 6:
			v = bob.Edit(t, parents, opts...)
		case r < 7:
			v = mallory.Edit(t, parents, opts...)
		default:
			if rng.IntN(3) == 0 {
				opts = append(opts, protocoltest.Editors(bob.Key))
			}
			v = alice.Edit(t, parents, opts...)
		}
		byDoc[d] = append(byDoc[d], v)
		all = append(all, v)
	}
	return all
}

// outcome is everything a store shows about a set of revisions.
type outcome struct {
	docs      map[string]string // doc ID → Doc printed, Rev left out
	history   map[string][]cid.Cid
	byClock   []cid.Cid
	revisions int
	retracted int
	conflicts int
}

func (o outcome) diff(p outcome) string {
	for id, d := range o.docs {
		if p.docs[id] != d {
			return fmt.Sprintf("document %s:\n want %s\n got  %s", id, d, p.docs[id])
		}
		if !slices.Equal(o.history[id], p.history[id]) {
			return fmt.Sprintf("history of %s: want %v, got %v", id, o.history[id], p.history[id])
		}
	}
	if len(o.docs) != len(p.docs) || o.revisions != p.revisions || !slices.Equal(o.byClock, p.byClock) {
		return fmt.Sprintf("%d documents and %d revisions, want %d and %d", len(p.docs), p.revisions, len(o.docs), o.revisions)
	}
	return ""
}

// applyShuffled puts revs into a new in-memory store, in their order if
// rng is nil, else shuffled and in random batches, putting again those
// refused for a missing parent until no round makes progress. It
// returns the outcome and how many revisions stayed out.
func applyShuffled(t *testing.T, revs []protocol.Verified, rng *rand.Rand) (outcome, int) {
	t.Helper()
	s, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pending := slices.Clone(revs)
	if rng != nil {
		rng.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
	}
	refused := 0
	for progress := true; progress && len(pending) > 0; {
		progress = false
		var retry []protocol.Verified
		refused = 0
		for len(pending) > 0 {
			n := len(pending)
			if rng != nil {
				n = min(n, 1+rng.IntN(8))
			}
			batch := pending[:n]
			pending = pending[n:]
			ch, rejected, err := s.PutEach(batch)
			if err != nil {
				t.Fatal(err)
			}
			progress = progress || len(ch.Added) > 0
			for i, e := range rejected {
				if errors.Is(e, store.ErrMissingParent) {
					retry = append(retry, batch[i])
				}
				if e != nil {
					refused++
				}
			}
		}
		pending = retry
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	return observe(t, s), refused
}

func observe(t *testing.T, s *store.Store) outcome {
	t.Helper()
	o := outcome{docs: make(map[string]string), history: make(map[string][]cid.Cid)}
	err := s.Docs(func(d *store.Doc) error {
		id := d.ID.String()
		o.docs[id] = fmt.Sprintf("%+v", *d)
		h, err := s.History(d.ID)
		o.history[id] = h
		if d.Retracted {
			o.retracted++
		}
		if len(d.Heads) > 1 {
			o.conflicts++
		}
		return err
	}, store.IncludeRetracted())
	if err != nil {
		t.Fatal(err)
	}
	err = s.RevisionsByClock(0, cid.Undef, func(_ protocol.Clock, c cid.Cid) error {
		o.byClock = append(o.byClock, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	o.revisions = n.Revisions
	return o
}
