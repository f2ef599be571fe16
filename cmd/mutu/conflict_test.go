package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/node/api"
)

// mustRun runs a command that must succeed and returns its stdout
// and stderr.
func mustRun(t *testing.T, home string, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := mutuIn(t, home, args...)
	if code != 0 {
		t.Fatalf("mutu %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

// TestMergeThroughTheNode: a conflict made by two edits on two homes
// is merged through home A's running node as on the home itself:
// show (the conflict on stderr), diff, show --revision, then edit of
// the file show wrote. A retracted entry then fails to show, naming
// its retraction, and show --json says it is retracted.
func TestMergeThroughTheNode(t *testing.T) {
	a, b := newHome(t), newHome(t)
	key := filepath.Join(t.TempDir(), "key.pem")
	mustRun(t, a, "key", "export", key)
	mustRun(t, b, "key", "import", key)
	id := publish(t, a, "---\ntitle: Cantine\n---\nTarifs.\n")
	car := filepath.Join(t.TempDir(), "x.car")
	mustRun(t, a, "bundle", "export", car)
	mustRun(t, b, "bundle", "import", car)
	mustRun(t, a, "edit", id, writeFile(t, "a.md", "---\ntitle: Cantine (A)\n---\nTarifs votés.\n"))
	mustRun(t, b, "edit", id, writeFile(t, "b.md", "---\ntitle: Cantine (B)\n---\nTarifs du forfait.\n"))
	os.Remove(car)
	mustRun(t, b, "bundle", "export", car)
	mustRun(t, a, "bundle", "import", car)
	serveHome(t, a)

	stdout, stderr := mustRun(t, a, "show", id)
	if !strings.Contains(stderr, "conflict: entry") || strings.Contains(stdout, "conflict") || !strings.HasPrefix(stdout, "---\n") {
		t.Fatalf("show: the conflict belongs on stderr, the file on stdout:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	shown := writeFile(t, "shown.md", stdout)
	var e api.Entry
	out, _ := mustRun(t, a, "show", "--json", id)
	if err := json.Unmarshal([]byte(out), &e); err != nil || !e.Conflict || len(e.Heads) != 2 {
		t.Fatalf("show --json: %v %+v", err, e)
	}
	diff, _ := mustRun(t, a, "diff", id)
	for _, line := range []string{"--- " + e.Heads[0] + "\n", "+++ " + e.Heads[1] + "\n", "\n-title: Cantine (", "\n+title: Cantine (", "\n id: " + id + "\n"} {
		if !strings.Contains(diff, line) {
			t.Errorf("diff lacks %q:\n%s", line, diff)
		}
	}
	other, _ := mustRun(t, a, "show", id, "--revision", e.Heads[1][:16])
	if other == stdout || !strings.Contains(other, "title: Cantine (") {
		t.Errorf("show --revision of the other head:\n%s", other)
	}
	mustRun(t, a, "edit", id, shown)
	if _, stderr := mustRun(t, a, "show", id); stderr != "" {
		t.Errorf("show after the merge still says: %s", stderr)
	}

	ret, _ := mustRun(t, a, "retract", "--json", id)
	var r api.Published
	if err := json.Unmarshal([]byte(ret), &r); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := mutuIn(t, a, "show", id)
	if code != exitInput || stdout != "" || !strings.Contains(stderr, "was retracted by its author (revision "+r.Revision+")") {
		t.Errorf("show of the retracted entry: exit %d\n%s%s", code, stdout, stderr)
	}
	out, _ = mustRun(t, a, "show", "--json", id)
	if err := json.Unmarshal([]byte(out), &e); err != nil || !e.Retracted || e.Conflict || e.Retraction != r.Revision || e.Title != "" {
		t.Errorf("show --json of the retracted entry: %v %+v", err, e)
	}
}
