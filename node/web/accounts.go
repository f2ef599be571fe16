package web

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/catalogue/lockfile"
	"github.com/mutu-network/mutu/protocol"
)

// UsersFile is the name of the accounts file in a node's home.
const UsersFile = "users.json"

// SessionsFile is the name of the sessions file in a node's home.
const SessionsFile = "web-sessions.json"

// ActivationPath is the page where a new account sets its password;
// the one-time token goes in the parameter jeton.
const ActivationPath = "/compte/activer"

// ActivationTTL is how long an activation link stays valid.
const ActivationTTL = 72 * time.Hour

// Errors of the account functions; test them with errors.Is.
var (
	// ErrAccountExists: AddAccount was given a name already taken.
	ErrAccountExists = errors.New("web: account already exists")
	// ErrNoAccount: the name belongs to no account.
	ErrNoAccount = errors.New("web: no such account")
	// ErrAccountName: the name does not follow the rule of accountName.
	ErrAccountName = errors.New("web: invalid account name")
)

// accountName is the rule for account names: lowercase letters,
// digits, '.', '_' and '-', 2 to 40 characters, starting with a letter
// (e.g. marie.dupont). Names are shown as authors, so they should
// name the person.
var accountName = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,39}$`)

// usersFormat is the version of the accounts file format.
const usersFormat = 1

// usersFile is the content of users.json. The file is mode 0600: it
// holds every account's private author key.
type usersFile struct {
	Format   int        `json:"format"`
	Accounts []*account `json:"accounts"`
}

// account is one person's account.
type account struct {
	Name     string `json:"name"`
	Operator bool   `json:"operator,omitempty"` // sees the invitation code, and moderates
	// Moderator moderates the node's entries from the web: hides and
	// shows them again, blocks authors (docs/web.md, "Modération").
	// Absent from the files written before moderation: false.
	Moderator bool      `json:"moderator,omitempty"`
	Created   time.Time `json:"created"`
	// AuthorKey is the account's private author key, as
	// protocol.MarshalAuthorKey writes it.
	AuthorKey string `json:"author_key"`
	// Password is the argon2id hash of the password; "" until the
	// account is activated.
	Password string `json:"password,omitempty"`
	// Activation is the pending one-time activation token, if any.
	Activation *activation `json:"activation,omitempty"`
	// Disabled accounts cannot log in (DisableAccount).
	Disabled bool `json:"disabled,omitempty"`
	// SessionGen is a random value that every session of the account
	// records when it starts: drawing a new one ends them all, on a
	// running node (which rereads this file) as on a stopped one. An
	// account made again under the same name draws its own.
	SessionGen string `json:"session_gen,omitempty"`

	key ed25519.PrivateKey // AuthorKey decoded
}

// moderates reports whether the account may moderate: a moderator or
// an operator.
func (a *account) moderates() bool { return a != nil && (a.Moderator || a.Operator) }

// activation is a one-time token, kept as its SHA-256: a 256-bit
// random token needs no slow hash, and the file never holds a usable
// link.
type activation struct {
	Hash    string    `json:"sha256"`
	Expires time.Time `json:"expires"`
}

// AccountInfo describes an account, for `mutu user list`.
type AccountInfo struct {
	Name      string
	Operator  bool
	Moderator bool
	Created   time.Time
	Author    protocol.AuthorKey
	Activated bool      // a password is set
	Pending   time.Time // expiry of a pending activation link; zero if none
	Disabled  bool      // it cannot log in
}

// holds reports whether se is a live session of a: a is activated and
// enabled, and se started since its sessions were last ended.
func (a *account) holds(se *session) bool {
	return a != nil && a.Password != "" && !a.Disabled && se.gen == a.SessionGen
}

// newSessionGen draws a new SessionGen, which ends the account's
// sessions.
func (a *account) newSessionGen() {
	a.SessionGen = newID()[:22] // 128 random bits
}

// AddOptions configure AddAccount.
type AddOptions struct {
	// Operator lets the account see the node's invitation code.
	Operator bool
	// Moderator lets the account moderate the node's entries.
	Moderator bool
	// Now is the current time; zero means time.Now().
	Now time.Time
}

// AddAccount creates an account with a new author key in the accounts
// file at path (created 0600 if absent) and returns the one-time
// activation token for ActivationURL. The file is rewritten
// atomically, under a lock shared with a running node.
func AddAccount(path, name string, opts AddOptions) (token string, err error) {
	if !accountName.MatchString(name) {
		return "", fmt.Errorf("%w: %q: use 2 to 40 lowercase letters, digits, '.', '_' or '-', starting with a letter (e.g. marie.dupont)", ErrAccountName, name)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	key, err := protocol.NewAuthorKey()
	if err != nil {
		return "", err
	}
	err = updateUsers(path, func(f *usersFile) error {
		if f.find(name) != nil {
			return fmt.Errorf("%w: %q (to send a new activation link, use `mutu user reset %s`)", ErrAccountExists, name, name)
		}
		a := &account{Name: name, Operator: opts.Operator, Moderator: opts.Moderator, Created: now.UTC(), AuthorKey: string(protocol.MarshalAuthorKey(key))}
		a.newSessionGen()
		token, err = a.newActivation(now)
		if err != nil {
			return err
		}
		f.Accounts = append(f.Accounts, a)
		return nil
	})
	return token, err
}

// ResetAccount gives an account a new activation token, to set a new
// password: the current one stops working and every session of the
// account ends at once, since a reset is made when the password is
// forgotten or may be known to someone else.
func ResetAccount(path, name string, now time.Time) (token string, err error) {
	if now.IsZero() {
		now = time.Now()
	}
	err = updateAccount(path, name, func(a *account) error {
		a.Password = ""
		a.newSessionGen()
		token, err = a.newActivation(now)
		return err
	})
	return token, err
}

// DisableAccount keeps an account from logging in and ends its
// sessions; its entries and author key stay. EnableAccount undoes it.
func DisableAccount(path, name string) error {
	return updateAccount(path, name, func(a *account) error {
		a.Disabled = true
		a.newSessionGen()
		return nil
	})
}

// EnableAccount lets a disabled account log in again. The sessions
// ended when it was disabled stay ended.
func EnableAccount(path, name string) error {
	return updateAccount(path, name, func(a *account) error {
		a.Disabled = false
		return nil
	})
}

// RemoveAccount deletes an account, its author key with it, which ends
// its sessions. The entries it published stay, signed by its key; no
// account of this node can revise them any more.
func RemoveAccount(path, name string) error {
	return updateUsers(path, func(f *usersFile) error {
		for i, a := range f.Accounts {
			if a.Name == name {
				f.Accounts = append(f.Accounts[:i], f.Accounts[i+1:]...)
				return nil
			}
		}
		return noAccount(name)
	})
}

// EndSessions ends every session of an account, on a running node as
// on a stopped one; its visitors log in again.
func EndSessions(path, name string) error {
	return updateAccount(path, name, func(a *account) error {
		a.newSessionGen()
		return nil
	})
}

// SessionInfo describes a session, for `mutu user sessions`: never
// anything that would open it.
type SessionInfo struct {
	Created time.Time // when it logged in
	Seen    time.Time // its last request, as the node last saved it
}

// ListSessions returns the live sessions at now of the account name,
// oldest first, from the accounts file at usersPath and the sessions
// file a node keeps at sessionsPath. A running node saves its sessions
// every minute, so Seen may lag that much.
func ListSessions(usersPath, sessionsPath, name string, now time.Time) ([]SessionInfo, error) {
	f, err := readUsers(usersPath)
	if err != nil {
		return nil, err
	}
	a := f.find(name)
	if a == nil {
		return nil, noAccount(name)
	}
	saved, err := readSessionsFile(sessionsPath)
	if err != nil {
		return nil, err
	}
	out := []SessionInfo{}
	for _, se := range saved.Sessions {
		live := &session{account: se.Account, gen: se.Gen, created: se.Created, seen: se.Seen}
		if se.Account == name && a.holds(live) && !live.expired(now) {
			out = append(out, SessionInfo{Created: se.Created, Seen: se.Seen})
		}
	}
	slices.SortFunc(out, func(x, y SessionInfo) int { return x.Created.Compare(y.Created) })
	return out, nil
}

func noAccount(name string) error {
	return fmt.Errorf("%w: %q (see `mutu user list`)", ErrNoAccount, name)
}

// updateAccount applies fn to the account name of the accounts file,
// as updateUsers does.
func updateAccount(path, name string, fn func(*account) error) error {
	return updateUsers(path, func(f *usersFile) error {
		a := f.find(name)
		if a == nil {
			return noAccount(name)
		}
		return fn(a)
	})
}

// ListAccounts returns the accounts of the file at path; none if it
// does not exist.
func ListAccounts(path string) ([]AccountInfo, error) {
	f, err := readUsers(path)
	if err != nil {
		return nil, err
	}
	out := make([]AccountInfo, 0, len(f.Accounts))
	for _, a := range f.Accounts {
		info := AccountInfo{Name: a.Name, Operator: a.Operator, Moderator: a.Moderator, Created: a.Created, Author: protocol.PublicKey(a.key), Activated: a.Password != "", Disabled: a.Disabled}
		if a.Activation != nil {
			info.Pending = a.Activation.Expires
		}
		out = append(out, info)
	}
	return out, nil
}

// ActivationURL returns the link a new account opens to set its
// password: base is the node's address, "http://127.0.0.1:6888" or
// "127.0.0.1:6888".
func ActivationURL(base, token string) string {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return base + ActivationPath + "?jeton=" + token
}

// newActivation replaces the account's activation token with a new one
// and returns it.
func (a *account) newActivation(now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("web: activation token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	a.Activation = &activation{Hash: tokenHash(token), Expires: now.Add(ActivationTTL).UTC()}
	return token, nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (f *usersFile) find(name string) *account {
	for _, a := range f.Accounts {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// readUsers reads and checks the accounts file; an absent file is an
// empty one.
func readUsers(path string) (*usersFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &usersFile{Format: usersFormat}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: read accounts: %w", err)
	}
	return parseUsers(path, data)
}

func parseUsers(path string, data []byte) (*usersFile, error) {
	var f usersFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("web: accounts file %s is damaged: %w", path, err)
	}
	if f.Format != usersFormat {
		return nil, fmt.Errorf("web: accounts file %s has format %d; this mutu reads format %d", path, f.Format, usersFormat)
	}
	seen := make(map[string]bool, len(f.Accounts))
	for _, a := range f.Accounts {
		if a == nil || !accountName.MatchString(a.Name) || seen[a.Name] {
			return nil, fmt.Errorf("web: accounts file %s is damaged: a name is missing, invalid or repeated", path)
		}
		seen[a.Name] = true
		k, err := protocol.UnmarshalAuthorKey([]byte(a.AuthorKey))
		if err != nil {
			return nil, fmt.Errorf("web: accounts file %s: author key of %q: %w", path, a.Name, err)
		}
		a.key = k
	}
	return &f, nil
}

// updateUsers applies fn to the accounts file under its lock and
// writes the result atomically, mode 0600.
func updateUsers(path string, fn func(*usersFile) error) error {
	unlock, err := lockUsers(path)
	if err != nil {
		return err
	}
	defer unlock()
	f, err := readUsers(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("web: encode accounts: %w", err)
	}
	return atomicfile.Write(path, append(data, '\n'), 0o600)
}

// lockWait is how long a writer of the accounts file waits for
// another one to finish.
const lockWait = 5 * time.Second

// lockUsers takes the lock beside the accounts file (users.json.lock):
// the CLI and the running node both rewrite the file, and each change
// must start from the other's. The operating system drops the lock of
// a process that dies, so a crash leaves nothing to clean up.
func lockUsers(path string) (unlock func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	l, err := lockfile.Lock(ctx, path+".lock")
	if errors.Is(err, lockfile.ErrLocked) {
		return nil, fmt.Errorf("web: accounts file %s is locked by another mutu process for more than %v; try again", path, lockWait)
	}
	if err != nil {
		return nil, fmt.Errorf("web: lock accounts: %w", err)
	}
	return func() { l.Unlock() }, nil
}
