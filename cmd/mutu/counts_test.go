package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/node/api"
)

// TestStatusCountsCurrentEntries: `mutu status` counts the entries
// that are not retracted, as the web pages do, and the revisions
// apart. (It said "Entries: 1" when the only entry was retracted.)
func TestStatusCountsCurrentEntries(t *testing.T) {
	home := newHome(t)
	id := publish(t, home, "---\ntitle: Régie\n---\nCorps.\n")
	if code, _, stderr := mutuIn(t, home, "retract", id); code != 0 {
		t.Fatal(stderr)
	}
	check := func(t *testing.T) {
		code, stdout, stderr := mutuIn(t, home, "status")
		if code != 0 || !strings.Contains(stdout, "Entries: 0\n") || !strings.Contains(stdout, "Revisions: 2\n") {
			t.Errorf("status: exit %d, want Entries: 0 and Revisions: 2\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr = mutuIn(t, home, "status", "--json")
		var st api.Status
		if err := json.Unmarshal([]byte(stdout), &st); code != 0 || err != nil || st.Entries != 0 || st.Revisions != 2 {
			t.Errorf("status --json: exit %d, %v, %+v\n%s", code, err, st, stderr)
		}
	}
	t.Run("home", check)
	serveHome(t, home)
	t.Run("node", check)
}

// TestEmptyListSaysWhatIsMissing: a listing of a kind that has no
// entry says so; it says to publish one only when the catalogue holds
// nothing at all. (`list --kind tool` said "No entries yet: publish
// one" beside a catalogue full of notes.)
func TestEmptyListSaysWhatIsMissing(t *testing.T) {
	home := newHome(t)
	list := func(t *testing.T, want, notWant string, args ...string) {
		t.Helper()
		code, stdout, stderr := mutuIn(t, home, append([]string{"list"}, args...)...)
		if code != 0 || !strings.Contains(stdout, want) || (notWant != "" && strings.Contains(stdout, notWant)) {
			t.Errorf("list %s: exit %d, want %q without %q\n%s%s", strings.Join(args, " "), code, want, notWant, stdout, stderr)
		}
	}
	list(t, "No entries yet: publish one", "")
	list(t, "No entries yet: publish one", "", "--kind", "tool")
	publish(t, home, "---\ntitle: Régie\n---\nCorps.\n")
	check := func(t *testing.T) {
		list(t, "No tool entries.", "publish", "--kind", "tool")
		list(t, "No software entries.", "publish", "--kind", "software")
		list(t, "Régie", "No ", "--kind", "note")
	}
	t.Run("home", check)
	serveHome(t, home)
	t.Run("node", check)
}
