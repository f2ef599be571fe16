package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/node/api"
)

// writeFile writes a file in a temporary directory and returns its
// path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// publish publishes content as an entry on home and returns its ID.
func publish(t *testing.T, home, content string) string {
	t.Helper()
	code, stdout, stderr := mutuIn(t, home, "publish", "--json", writeFile(t, "entry.md", content))
	if code != 0 {
		t.Fatalf("publish: exit %d: %s", code, stderr)
	}
	var out []api.Published
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || len(out) != 1 {
		t.Fatalf("publish --json: %v: %s", err, stdout)
	}
	return out[0].ID
}

// TestFilterOnlySearch: a search by kind, tag or category alone finds
// the entries, on the home and through a running node, for people and
// with --json. (It failed with `json: unsupported value: NaN` offline
// and `read the node's answer: EOF` through the node.)
func TestFilterOnlySearch(t *testing.T) {
	home := newHome(t)
	publish(t, home, "---\ntitle: Régie d'avances\ntags: [regie]\ncategory: regies\n---\nCorps.\n")
	check := func(t *testing.T) {
		for _, args := range [][]string{
			{"search", "--kind", "note", ""},
			{"search", "--tag", "regie", ""},
			{"search", "--category", "regies"},
		} {
			code, stdout, stderr := mutuIn(t, home, args...)
			if code != 0 || !strings.Contains(stdout, "Régie d'avances") {
				t.Errorf("mutu %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
			}
			code, stdout, stderr = mutuIn(t, home, append(args, "--json")...)
			var res api.SearchResult
			if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil || res.Total != 1 {
				t.Errorf("mutu %s --json: exit %d, %v\n%s%s", strings.Join(args, " "), code, err, stdout, stderr)
			}
		}
	}
	t.Run("home", check)
	serveHome(t, home)
	t.Run("node", check)
}
