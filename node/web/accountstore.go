package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mutu-network/mutu/protocol"
)

// accountStore is the server's view of the accounts file. It reloads
// the file when its size or modification time changes, so that an
// account added with `mutu user add` while the node runs can log in at
// once.
type accountStore struct {
	path string
	log  *slog.Logger
	// reloaded, if set, is called with the accounts after each reload
	// of a changed file, outside the lock: the server ends the
	// sessions the change ended.
	reloaded func(map[string]*account)

	mu       sync.Mutex // guards the fields below
	stamp    fileStamp
	accounts map[string]*account
	byAuthor map[protocol.AuthorKey]string
}

// fileStamp tells whether a file changed since it was read. The file
// is always replaced whole (atomicfile), so a change is a new file even
// when its size and time are the same as the old one's.
type fileStamp struct {
	exists  bool
	size    int64
	modTime time.Time
	info    os.FileInfo // for os.SameFile
}

func (a fileStamp) same(b fileStamp) bool {
	if a.exists != b.exists {
		return false
	}
	return !a.exists || a.size == b.size && a.modTime.Equal(b.modTime) && os.SameFile(a.info, b.info)
}

func newAccountStore(path string, log *slog.Logger) (*accountStore, error) {
	s := &accountStore{path: path, log: log}
	if path == "" {
		s.accounts = map[string]*account{}
		s.byAuthor = map[protocol.AuthorKey]string{}
		return s, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.reloadLocked(true); err != nil {
		return nil, err
	}
	return s, nil
}

func stampOf(path string) (fileStamp, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{exists: true, size: st.Size(), modTime: st.ModTime(), info: st}, nil
}

// reloadLocked rereads the file if it changed (or always, when force),
// and reports whether it did. A damaged file keeps the accounts read
// before and is logged, so that a hand edit gone wrong does not lock
// everyone out of a running node.
func (s *accountStore) reloadLocked(force bool) (bool, error) {
	if s.path == "" {
		return false, nil
	}
	stamp, err := stampOf(s.path)
	if err != nil {
		return false, fmt.Errorf("web: accounts file: %w", err)
	}
	if !force && stamp.same(s.stamp) {
		return false, nil
	}
	f, err := readUsers(s.path)
	if err != nil {
		if s.accounts != nil {
			s.log.Error("accounts file not reloaded; keeping the accounts read before", "err", err)
			s.stamp = stamp
			return false, nil
		}
		return false, err
	}
	s.stamp = stamp
	s.accounts = make(map[string]*account, len(f.Accounts))
	s.byAuthor = make(map[protocol.AuthorKey]string, len(f.Accounts))
	for _, a := range f.Accounts {
		s.accounts[a.Name] = a
		s.byAuthor[protocol.PublicKey(a.key)] = a.Name
	}
	return true, nil
}

// refresh rereads the file if it changed, and calls reloaded if it
// did.
func (s *accountStore) refresh() {
	s.mu.Lock()
	changed, err := s.reloadLocked(false)
	accounts := s.accounts
	s.mu.Unlock()
	if err != nil {
		s.log.Error("read accounts", "err", err)
	}
	if changed && s.reloaded != nil {
		s.reloaded(accounts)
	}
}

// get returns the account named name, reloading the file if it
// changed; nil if there is none.
func (s *accountStore) get(name string) *account {
	s.refresh()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[name]
}

// all returns the accounts as last read; the map is not modified
// afterwards (a reload makes a new one).
func (s *accountStore) all() map[string]*account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts
}

// nameOf returns the name of the local account whose author key is k,
// or "".
func (s *accountStore) nameOf(k protocol.AuthorKey) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byAuthor[k]
}

// byToken returns the account whose pending activation token is token
// and still valid at now; nil if none.
func (s *accountStore) byToken(token string, now time.Time) *account {
	if token == "" {
		return nil
	}
	h := tokenHash(token)
	s.refresh()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.Activation != nil && !a.Disabled && subtle.ConstantTimeCompare([]byte(a.Activation.Hash), []byte(h)) == 1 && now.Before(a.Activation.Expires) {
			return a
		}
	}
	return nil
}

// activate sets the password of the account holding token, and uses
// the token up. It returns the account's name.
func (s *accountStore) activate(token, password string, now time.Time) (string, error) {
	hash, err := hashPassword(password)
	if err != nil {
		return "", err
	}
	h := tokenHash(token)
	var name string
	err = updateUsers(s.path, func(f *usersFile) error {
		for _, a := range f.Accounts {
			if a.Activation != nil && !a.Disabled && subtle.ConstantTimeCompare([]byte(a.Activation.Hash), []byte(h)) == 1 && now.Before(a.Activation.Expires) {
				// A new password ends the sessions opened with
				// the old one.
				a.Password, a.Activation, name = hash, nil, a.Name
				a.newSessionGen()
				return nil
			}
		}
		return errTokenInvalid
	})
	if err != nil {
		return "", err
	}
	s.refresh()
	return name, nil
}

// errTokenInvalid: the activation token is unknown, used or expired.
var errTokenInvalid = errors.New("web: activation link unknown, used or expired")
