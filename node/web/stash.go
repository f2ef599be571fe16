package web

import (
	"time"
)

// A browser cannot put a file back into a file field, so when a form
// comes back with an error, or for a preview, the files it carried are
// kept in the session and listed in the form, each with a ticked box
// to keep it. They are dropped once published, after stashTTL, or
// when the node restarts. Memory is bounded per file and in all.
const (
	stashTTL      = time.Hour
	stashFileMax  = 32 << 20
	stashTotalMax = 128 << 20
)

// stash is the uploads a session keeps, by ID.
type stash struct {
	files map[string]*keptFile
}

// keptFile is an upload kept for a later submission of the form.
type keptFile struct {
	ID    string
	Name  string
	Type  string
	Size  int
	data  []byte
	added time.Time
}

// keep stores an upload in session se and returns its ID, or "" when
// it is too large to keep.
func (s *sessions) keep(se *session, name, typ string, data []byte, now time.Time) string {
	if len(data) > stashFileMax {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireStashLocked(now)
	if s.stashBytes+len(data) > stashTotalMax {
		return ""
	}
	if se.stash == nil {
		se.stash = &stash{files: make(map[string]*keptFile)}
	}
	f := &keptFile{ID: newID()[:16], Name: name, Type: typ, Size: len(data), data: data, added: now}
	se.stash.files[f.ID] = f
	s.stashBytes += len(data)
	return f.ID
}

// kept returns the kept upload id of session se, or nil.
func (s *sessions) kept(se *session, id string) *keptFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if se.stash == nil {
		return nil
	}
	return se.stash.files[id]
}

// release drops kept uploads of session se.
func (s *sessions) release(se *session, ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if se.stash == nil {
		return
	}
	for _, id := range ids {
		if f := se.stash.files[id]; f != nil {
			s.stashBytes -= f.Size
			delete(se.stash.files, id)
		}
	}
}

// expireStashLocked drops uploads kept longer than stashTTL.
func (s *sessions) expireStashLocked(now time.Time) {
	for _, se := range s.byID {
		if se.stash == nil {
			continue
		}
		for id, f := range se.stash.files {
			if now.Sub(f.added) > stashTTL {
				s.stashBytes -= f.Size
				delete(se.stash.files, id)
			}
		}
	}
}
