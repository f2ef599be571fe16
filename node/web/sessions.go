package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Sessions. Every visitor who is shown a form gets a cookie holding a
// random session ID; the server keeps state only for logged-in
// sessions (the account and the uploads kept across a form error), in
// memory: a restart logs everyone out. The CSRF token of a session is
// an HMAC of its ID under a key drawn at start, so it needs no state,
// changes at login with the ID, and cannot be computed by a page of
// another origin, which cannot read the cookie.
const (
	sessionCookie = "mutu_session"
	sessionIdle   = 8 * time.Hour      // logged out after this long unused
	sessionMax    = 7 * 24 * time.Hour // and after this long in any case
	maxSessions   = 10_000
)

// session is the server state of a logged-in visitor.
type session struct {
	account string
	created time.Time
	seen    time.Time
	stash   *stash // uploads kept across a form error or a preview
}

// sessions holds the logged-in sessions. It is safe for concurrent use.
type sessions struct {
	key    []byte // HMAC key of the CSRF tokens
	secure bool   // cookies always Secure (a TLS proxy in front)

	mu         sync.Mutex // guards byID, the sessions' stashes and stashBytes
	byID       map[string]*session
	stashBytes int // bytes of uploads kept in all sessions
}

func newSessions(secure bool) (*sessions, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &sessions{key: key, secure: secure, byID: make(map[string]*session)}, nil
}

func newID() string {
	b := make([]byte, 32)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+).
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken returns the CSRF token of session ID id.
func (s *sessions) csrfToken(id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("mutu csrf\x00"))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether token is the CSRF token of session id.
func (s *sessions) checkCSRF(id, token string) bool {
	if id == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(s.csrfToken(id)), []byte(token)) == 1
}

// cookieID returns the session ID the request's cookie carries, or "".
func cookieID(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 {
		return ""
	}
	return c.Value
}

// setCookie sends a session cookie: HttpOnly, SameSite=Lax (links
// from elsewhere arrive logged in; their POSTs do not carry it),
// Secure over TLS, and gone when the browser closes.
func (s *sessions) setCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   s.secure || r.TLS != nil,
	})
}

// lookup returns the logged-in session of id at now, or nil; it
// records the use.
func (s *sessions) lookup(id string, now time.Time) *session {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.byID[id]
	if se == nil {
		return nil
	}
	if now.Sub(se.seen) > sessionIdle || now.Sub(se.created) > sessionMax {
		s.dropLocked(id)
		return nil
	}
	se.seen = now
	return se
}

// login starts a session for account under a new ID, which it returns:
// the ID changes at login so that one planted before cannot be used.
func (s *sessions) login(account string, now time.Time) string {
	id := newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byID) >= maxSessions {
		s.pruneLocked(now)
	}
	s.byID[id] = &session{account: account, created: now, seen: now}
	return id
}

// logout ends session id.
func (s *sessions) logout(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(id)
}

// dropLocked ends session id and frees the uploads it kept.
func (s *sessions) dropLocked(id string) {
	if se := s.byID[id]; se != nil && se.stash != nil {
		for _, f := range se.stash.files {
			s.stashBytes -= f.Size
		}
	}
	delete(s.byID, id)
}

// pruneLocked drops expired sessions and, if still full, the least
// recently used half.
func (s *sessions) pruneLocked(now time.Time) {
	var oldest, newest time.Time
	for id, se := range s.byID {
		if now.Sub(se.seen) > sessionIdle || now.Sub(se.created) > sessionMax {
			s.dropLocked(id)
			continue
		}
		if oldest.IsZero() || se.seen.Before(oldest) {
			oldest = se.seen
		}
		if se.seen.After(newest) {
			newest = se.seen
		}
	}
	if len(s.byID) < maxSessions {
		return
	}
	cut := oldest.Add(newest.Sub(oldest) / 2)
	for id, se := range s.byID {
		if !se.seen.After(cut) {
			s.dropLocked(id)
		}
	}
}
