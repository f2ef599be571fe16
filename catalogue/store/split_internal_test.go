package store

import (
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestPutSplitsLargeCalls shrinks badger's memtable so that one Put
// needs several transactions, and checks that the split keeps every
// document whole and the indexes consistent.
func TestPutSplitsLargeCalls(t *testing.T) {
	dir := t.TempDir()
	s, err := open(dir, Options{}, badgerOptions(dir, Options{}).WithMemTableSize(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	priv, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	const docs, edits = 100, 3
	body := strings.Repeat("Relevé de compte et balance. ", 70) // 2 KB
	sign := func(rev *protocol.Revision) protocol.Verified {
		v, err := rev.Sign(priv)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var revs []protocol.Verified
	heads := make([]protocol.Verified, docs)
	seq := uint64(0)
	for round := range edits + 1 {
		for d := range docs {
			seq++
			rev := &protocol.Revision{Op: protocol.OpPut, Seq: seq, Clock: protocol.Clock(seq),
				Entry: &protocol.Entry{Meta: map[string]any{"title": "fiche"}, Body: body}}
			if round > 0 {
				rev.Doc = heads[d].Rev.Doc
				if !rev.Doc.Defined() {
					rev.Doc = heads[d].Block.CID
				}
				rev.Parents = append(rev.Parents, heads[d].Block.CID)
			}
			heads[d] = sign(rev)
			revs = append(revs, heads[d])
		}
	}
	// Newest first, so that the store must order them.
	for i, j := 0, len(revs)-1; i < j; i, j = i+1, j-1 {
		revs[i], revs[j] = revs[j], revs[i]
	}

	ch, err := s.Put(revs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Added) != len(revs) || len(ch.Docs) != docs {
		t.Errorf("changes: %d added, %d documents; want %d, %d", len(ch.Added), len(ch.Docs), len(revs), docs)
	}
	// One change log record per document per transaction: more records
	// than documents show the call was split.
	if s.ChangeSeq() <= docs {
		t.Errorf("change log has %d records for %d documents: the call was not split", s.ChangeSeq(), docs)
	}
	if n, _ := s.Counts(); n.Revisions != len(revs) || n.Docs != docs {
		t.Errorf("Counts = %+v; want %d revisions, %d documents", n, len(revs), docs)
	}
	for _, h := range heads {
		d, err := s.Doc(h.Rev.Doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Heads) != 1 || !d.Winner.Equals(h.Block.CID) {
			t.Fatalf("document %s: heads %v, want its last edit %s", d.ID, d.Heads, h.Block.CID)
		}
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
