package store

import "github.com/mutu-network/mutu/protocol"

// Counts are the figures of a store, kept with every write.
type Counts struct {
	Revisions int // every revision held, retractions included
	Docs      int // every document held, retracted ones included
	Retracted int // the documents of Docs that are retracted
}

// Counts returns how many revisions, documents and retracted
// documents are held, as of one commit. It reads counters kept with
// every write, not the whole database.
func (s *Store) Counts() (Counts, error) {
	if err := s.checkOpen(); err != nil {
		return Counts{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return Counts{Revisions: int(s.counts.revisions), Docs: int(s.counts.docs), Retracted: int(s.counts.retracted)}, nil
}

// MaxClock returns the highest clock of any revision held, 0 if none:
// the node seeds its hybrid logical clock with it (protocol.HLC.Observe)
// so that its next revisions sort after everything it holds.
func (s *Store) MaxClock() protocol.Clock {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxClock
}

// NextSeq returns the sequence number for author's next revision: one
// more than the highest held.
func (s *Store) NextSeq(author protocol.AuthorKey) uint64 {
	return s.seq(author) + 1
}

// checkOpen returns ErrClosed once the store is closed.
func (s *Store) checkOpen() error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return nil
}
