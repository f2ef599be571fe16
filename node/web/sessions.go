package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
)

// Sessions. Every visitor who is shown a form gets a cookie holding a
// random session ID; the server keeps state only for logged-in
// sessions (the account and the uploads kept across a form error). The
// CSRF token of a session is an HMAC of its ID under a key drawn once,
// so it needs no state, changes at login with the ID, and cannot be
// computed by a page of another origin, which cannot read the cookie.
//
// With a sessions file (Config.SessionsPath), the key and the logged-in
// sessions outlive a restart of the node: a gestionnaire who was writing
// a note sends it as if nothing happened, instead of meeting an expired
// form. The file holds the SHA-256 of each session ID, never the ID; the
// uploads kept in a session are in memory only.
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
	path   string // the sessions file; "" keeps them in memory only

	mu         sync.Mutex          // guards byID, the sessions' stashes and stashBytes
	byID       map[string]*session // by sessionKey of the ID
	stashBytes int                 // bytes of uploads kept in all sessions

	saveMu sync.Mutex // serializes save, so that an older state never overwrites a newer one
}

// newSessions returns the sessions kept in path, those still valid at
// now, or none with a new key when path is "" or does not exist yet.
func newSessions(secure bool, path string, now time.Time) (*sessions, error) {
	s := &sessions{secure: secure, path: path, byID: make(map[string]*session)}
	if path != "" {
		if err := s.load(now); err != nil {
			return nil, err
		}
	}
	if s.key == nil {
		s.key = make([]byte, 32)
		if _, err := rand.Read(s.key); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// sessionKey is what identifies a session in memory and in the file:
// the SHA-256 of its ID, so that the file gives nobody a way in.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// sessionsFile is the sessions file, in JSON.
type sessionsFile struct {
	Key      []byte         `json:"key"`
	Sessions []savedSession `json:"sessions"`
}

type savedSession struct {
	Key     string    `json:"id_sha256"`
	Account string    `json:"account"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
}

// load reads the sessions file, keeping the sessions still valid at now.
// A damaged file is ignored, and replaced at the next save: everyone
// logs in again.
func (s *sessions) load(now time.Time) error {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("web: read sessions: %w", err)
	}
	var f sessionsFile
	if err := json.Unmarshal(data, &f); err != nil || len(f.Key) != 32 {
		return nil
	}
	s.key = f.Key
	for _, se := range f.Sessions {
		if now.Sub(se.Seen) > sessionIdle || now.Sub(se.Created) > sessionMax || se.Account == "" {
			continue
		}
		s.byID[se.Key] = &session{account: se.Account, created: se.Created, seen: se.Seen}
	}
	return nil
}

// save writes the key and the sessions to the sessions file, if any.
func (s *sessions) save() error {
	if s.path == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	f := sessionsFile{Key: s.key, Sessions: make([]savedSession, 0, len(s.byID))}
	for k, se := range s.byID {
		f.Sessions = append(f.Sessions, savedSession{Key: k, Account: se.account, Created: se.created, Seen: se.seen})
	}
	s.mu.Unlock()
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(s.path, data, 0o600); err != nil {
		return fmt.Errorf("web: save sessions: %w", err)
	}
	return nil
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
	k := sessionKey(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.byID[k]
	if se == nil {
		return nil
	}
	if now.Sub(se.seen) > sessionIdle || now.Sub(se.created) > sessionMax {
		s.dropLocked(k)
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
	s.byID[sessionKey(id)] = &session{account: account, created: now, seen: now}
	return id
}

// logout ends session id.
func (s *sessions) logout(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(sessionKey(id))
}

// dropLocked ends the session of key k and frees the uploads it kept.
func (s *sessions) dropLocked(k string) {
	if se := s.byID[k]; se != nil && se.stash != nil {
		for _, f := range se.stash.files {
			s.stashBytes -= f.Size
		}
	}
	delete(s.byID, k)
}

// pruneLocked drops expired sessions and, if still full, the least
// recently used half.
func (s *sessions) pruneLocked(now time.Time) {
	var oldest, newest time.Time
	for k, se := range s.byID {
		if now.Sub(se.seen) > sessionIdle || now.Sub(se.created) > sessionMax {
			s.dropLocked(k)
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
	for k, se := range s.byID {
		if !se.seen.After(cut) {
			s.dropLocked(k)
		}
	}
}
