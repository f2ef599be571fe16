package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue/lockfile"
)

// TestAccountsLockLeftByACrashBlocksNothing: a process killed while it
// rewrote the accounts file leaves users.json.lock behind; the next
// command goes through at once instead of waiting for a stale timeout
// and failing.
func TestAccountsLockLeftByACrashBlocksNothing(t *testing.T) {
	users := filepath.Join(t.TempDir(), UsersFile)
	if err := os.WriteFile(users+".lock", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := AddAccount(users, "marie", AddOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("AddAccount beside a lock file left by a crash: %v", err)
		}
	case <-time.After(lockWait / 2):
		// Generous: an uncontended lock takes microseconds.
		t.Fatalf("AddAccount still waits after %v for a lock nobody holds", lockWait/2)
	}
}

// TestAccountsWritersWaitForTheLock: while another process holds the
// lock of the accounts file, a writer waits for it rather than writing
// over the other's change.
func TestAccountsWritersWaitForTheLock(t *testing.T) {
	users := filepath.Join(t.TempDir(), UsersFile)
	held, err := lockfile.Lock(context.Background(), users+".lock")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := AddAccount(users, "marie", AddOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("AddAccount went ahead while the lock was held: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	held.Unlock()
	if err := <-done; err != nil {
		t.Fatalf("AddAccount once the lock is released: %v", err)
	}
	if list, err := ListAccounts(users); err != nil || len(list) != 1 {
		t.Fatalf("ListAccounts = %v, %v", list, err)
	}
}

// loggedIn reports whether c's session is a logged-in one: /publier
// answers the form instead of sending to the login page.
func loggedIn(c *client) bool {
	c.t.Helper()
	return c.get("/publier").status == http.StatusOK
}

// TestPasswordResetEndsSessions: a reset (the password leaked, the
// phone with a session was lost) ends every session of the account at
// once, and the old password stops working; setting the new one ends
// any other session again.
func TestPasswordResetEndsSessions(t *testing.T) {
	e := newEnv(t)
	marie, _ := e.account("marie")
	paul, _ := e.account("paul")
	token, err := ResetAccount(e.users, "marie", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if loggedIn(marie) {
		t.Errorf("marie's session outlived the reset of her password")
	}
	if !loggedIn(paul) {
		t.Errorf("paul was logged out by the reset of marie's password")
	}
	if res := e.client().login("marie", testPassword); res.status != http.StatusUnauthorized {
		t.Errorf("the old password after a reset: %d, want 401", res.status)
	}
	c := e.client()
	if res := c.submit(ActivationPath+"?jeton="+token, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {"une toute nouvelle phrase"}, "confirmation": {"une toute nouvelle phrase"}}); res.status != http.StatusSeeOther {
		t.Fatalf("new password: %d", res.status)
	}
	if !loggedIn(c) {
		t.Errorf("the browser that set the new password is not logged in")
	}
}

// TestDisabledAccountCannotLogIn: disabling an account ends its
// sessions and refuses its logins, right password included, until it
// is enabled again.
func TestDisabledAccountCannotLogIn(t *testing.T) {
	e := newEnv(t)
	marie, _ := e.account("marie")
	if err := DisableAccount(e.users, "marie"); err != nil {
		t.Fatal(err)
	}
	if loggedIn(marie) {
		t.Errorf("a session of a disabled account is still logged in")
	}
	res := e.client().login("marie", testPassword)
	if res.status != http.StatusForbidden || !strings.Contains(res.body, "désactivé") {
		t.Errorf("login of a disabled account: %d, want 403 saying it is disabled:\n%s", res.status, res.body)
	}
	if res := e.client().login("marie", "mauvais mot de passe"); res.status != http.StatusUnauthorized || strings.Contains(res.body, "désactivé") {
		t.Errorf("wrong password for a disabled account: %d; it must not tell the account is disabled", res.status)
	}
	list, _ := ListAccounts(e.users)
	if len(list) != 1 || !list[0].Disabled {
		t.Errorf("ListAccounts = %+v, want marie disabled", list)
	}
	if err := EnableAccount(e.users, "marie"); err != nil {
		t.Fatal(err)
	}
	if loggedIn(marie) {
		t.Errorf("enabling the account brought an ended session back")
	}
	c := e.client()
	if res := c.login("marie", testPassword); res.status != http.StatusSeeOther || !loggedIn(c) {
		t.Errorf("login once enabled: %d", res.status)
	}
	for _, f := range []func(string, string) error{DisableAccount, EnableAccount, RemoveAccount, EndSessions} {
		if err := f(e.users, "personne"); !errors.Is(err, ErrNoAccount) {
			t.Errorf("on an unknown account: %v, want ErrNoAccount", err)
		}
	}
}

// TestRemovedAccountStaysLoggedOut: a removed account's sessions end,
// its entries stay, and an account created later under the same name
// does not inherit them.
func TestRemovedAccountStaysLoggedOut(t *testing.T) {
	e := newEnv(t)
	marie, key := e.account("marie")
	id := e.publish(key, map[string]any{"title": "Fiche de marie"}, "x")
	if err := RemoveAccount(e.users, "marie"); err != nil {
		t.Fatal(err)
	}
	if loggedIn(marie) {
		t.Errorf("a removed account is still logged in")
	}
	if list, _ := ListAccounts(e.users); len(list) != 0 {
		t.Errorf("ListAccounts after removal = %+v", list)
	}
	if res := e.client().get("/entree/" + id); res.status != http.StatusOK {
		t.Errorf("the removed account's entry: %d, want 200", res.status)
	}
	e.account("marie")
	if loggedIn(marie) {
		t.Errorf("an account created again under the same name revived the old session")
	}
}

// TestEndSessions: the operator lists an account's sessions (created,
// last seen, nothing that opens them) and ends them all, the others
// untouched, on a running node and across its restart.
func TestEndSessions(t *testing.T) {
	e := newEnv(t)
	start := e.clock.Now()
	phone, _ := e.account("marie")
	e.clock.Advance(time.Minute)
	desk := e.client()
	desk.login("marie", testPassword)
	paul, _ := e.account("paul")
	e.clock.Advance(time.Minute)
	loggedIn(desk)
	e.srv.saveSessions()

	list, err := ListSessions(e.users, e.cfg.SessionsPath, "marie", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("ListSessions = %+v, want marie's two", list)
	}
	if !list[0].Created.Equal(start) || !list[1].Seen.Equal(start.Add(2*time.Minute)) {
		t.Errorf("ListSessions = %+v, want them oldest first, created %v, the second seen %v", list, start, start.Add(2*time.Minute))
	}
	if err := EndSessions(e.users, "marie"); err != nil {
		t.Fatal(err)
	}
	if loggedIn(phone) || loggedIn(desk) {
		t.Errorf("a session of marie outlived EndSessions")
	}
	if !loggedIn(paul) {
		t.Errorf("paul was logged out by the end of marie's sessions")
	}
	if list, _ := ListSessions(e.users, e.cfg.SessionsPath, "marie", e.clock.Now()); len(list) != 0 {
		t.Errorf("ListSessions after EndSessions = %+v", list)
	}
	if list, _ := ListSessions(e.users, e.cfg.SessionsPath, "paul", e.clock.Now()); len(list) != 1 {
		t.Errorf("paul's sessions after the end of marie's = %+v", list)
	}
	if _, err := ListSessions(e.users, e.cfg.SessionsPath, "personne", e.clock.Now()); !errors.Is(err, ErrNoAccount) {
		t.Errorf("ListSessions of an unknown account: %v", err)
	}
	data, _ := os.ReadFile(e.cfg.SessionsPath)
	if strings.Count(string(data), `"marie"`) != 0 {
		t.Errorf("the running node kept marie's ended sessions in its file:\n%s", data)
	}

	// Ended while the node is stopped: the next start does not bring
	// them back.
	desk.login("marie", testPassword)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if list, _ := ListSessions(e.users, e.cfg.SessionsPath, "marie", e.clock.Now()); len(list) != 1 {
		t.Fatalf("ListSessions with the node stopped = %+v, want 1", list)
	}
	if err := EndSessions(e.users, "marie"); err != nil {
		t.Fatal(err)
	}
	e.restart()
	if loggedIn(desk) {
		t.Errorf("a session ended while the node was stopped came back with it")
	}
}
