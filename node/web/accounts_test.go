package web

import (
	"context"
	"os"
	"path/filepath"
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
