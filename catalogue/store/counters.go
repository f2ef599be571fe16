package store

import "github.com/mutu-network/mutu/protocol"

// Count returns how many revisions and documents are held. It reads
// counters kept with every write, not the whole database.
func (s *Store) Count() (revisions, docs int, err error) {
	if err := s.checkOpen(); err != nil {
		return 0, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.counts.revisions), int(s.counts.docs), nil
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
