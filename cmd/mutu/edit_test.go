package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEditThatChangesNothing edits an entry with the file it was
// published from, on the home and through a running node: no revision
// is stored, the command says so and exits 0.
func TestEditThatChangesNothing(t *testing.T) {
	home := newHome(t)
	dir := t.TempDir()
	note := filepath.Join(dir, "f.md")
	att := filepath.Join(dir, "acte.txt")
	os.WriteFile(note, []byte("---\ntitle: Régie\ntags: [regies]\n---\nCorps.\n"), 0o600)
	os.WriteFile(att, []byte("acte"), 0o600)
	code, stdout, stderr := mutuIn(t, home, "publish", note, "--attach", att)
	if code != 0 {
		t.Fatalf("publish: %s", stderr)
	}
	id := strings.Fields(stdout)[len(strings.Fields(stdout))-1]
	revisions := func() int {
		t.Helper()
		code, stdout, stderr := mutuIn(t, home, "history", "--json", id)
		if code != 0 {
			t.Fatalf("history: %s", stderr)
		}
		var h []json.RawMessage
		if err := json.Unmarshal([]byte(stdout), &h); err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	check := func(where string) {
		t.Helper()
		for _, args := range [][]string{
			{"edit", id, note},
			{"edit", id, note, "--attach", att},
		} {
			code, stdout, stderr := mutuIn(t, home, args...)
			if code != 0 || !strings.Contains(stdout, "Nothing changed") {
				t.Errorf("%s: mutu %s: exit %d, %q %q; want exit 0 and \"Nothing changed\"", where, strings.Join(args, " "), code, stdout, stderr)
			}
		}
		code, stdout, _ := mutuIn(t, home, "edit", "--json", id, note)
		if code != 0 || !strings.Contains(stdout, `"unchanged": true`) {
			t.Errorf("%s: edit --json that changes nothing: %s", where, stdout)
		}
		if n := revisions(); n != 1 {
			t.Fatalf("%s: edits that change nothing stored revisions: %d in all", where, n)
		}
	}
	check("on the home")
	serveHome(t, home)
	check("through the node")
}
