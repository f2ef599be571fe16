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

// sessionSaveEvery is how often a running node writes the sessions
// file when sessions were used since, so that `mutu user sessions`
// shows when each was last seen.
const sessionSaveEvery = time.Minute

// session is the server state of a logged-in visitor.
type session struct {
	account string
	gen     string // the account's SessionGen at login (see account.holds)
	created time.Time
	seen    time.Time
	stash   *stash // uploads kept across a form error or a preview
}

// expired reports whether the session has ended by itself at now.
func (se *session) expired(now time.Time) bool {
	return now.Sub(se.seen) > sessionIdle || now.Sub(se.created) > sessionMax
}

// sessions holds the logged-in sessions. It is safe for concurrent use.
type sessions struct {
	key    []byte // HMAC key of the CSRF tokens
	secure bool   // cookies always Secure (a TLS proxy in front)
	path   string // the sessions file; "" keeps them in memory only

	mu         sync.Mutex          // guards byID, the sessions' stashes, stashBytes and dirty
	byID       map[string]*session // by sessionKey of the ID
	stashBytes int                 // bytes of uploads kept in all sessions
	dirty      bool                // a session was used since the last save

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
	Gen     string    `json:"gen,omitempty"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
}

// readSessionsFile reads the sessions file at path. An absent or
// damaged file holds no session and no key: a node replaces a damaged
// one at its next save, and everyone logs in again.
func readSessionsFile(path string) (*sessionsFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &sessionsFile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: read sessions: %w", err)
	}
	var f sessionsFile
	if err := json.Unmarshal(data, &f); err != nil || len(f.Key) != 32 {
		return &sessionsFile{}, nil
	}
	return &f, nil
}

// load reads the sessions file, keeping the sessions still valid at now.
func (s *sessions) load(now time.Time) error {
	f, err := readSessionsFile(s.path)
	if err != nil || f.Key == nil {
		return err
	}
	s.key = f.Key
	for _, saved := range f.Sessions {
		se := &session{account: saved.Account, gen: saved.Gen, created: saved.Created, seen: saved.Seen}
		if se.expired(now) || se.account == "" {
			continue
		}
		s.byID[saved.Key] = se
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
		f.Sessions = append(f.Sessions, savedSession{Key: k, Account: se.account, Gen: se.gen, Created: se.created, Seen: se.seen})
	}
	s.dirty = false
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
	if se.expired(now) {
		s.dropLocked(k)
		return nil
	}
	se.seen = now
	s.dirty = true
	return se
}

// login starts a session for account a under a new ID, which it
// returns: the ID changes at login so that one planted before cannot
// be used.
func (s *sessions) login(a *account, now time.Time) string {
	id := newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byID) >= maxSessions {
		s.pruneLocked(now)
	}
	s.byID[sessionKey(id)] = &session{account: a.Name, gen: a.SessionGen, created: now, seen: now}
	return id
}

// keepOnly ends the sessions for which live is false, and returns how
// many it ended.
func (s *sessions) keepOnly(live func(*session) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, se := range s.byID {
		if !live(se) {
			s.dropLocked(k)
			n++
		}
	}
	return n
}

// used reports whether a session was used since the last save.
func (s *sessions) used() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dirty
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
		if se.expired(now) {
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
