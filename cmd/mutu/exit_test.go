package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes runs wrong command lines and wrong values, on a home
// and through a running node, and checks the exit code and that the
// message is short and names what is wrong.
func TestExitCodes(t *testing.T) {
	home := newHome(t)
	note := filepath.Join(t.TempDir(), "f.md")
	if err := os.WriteFile(note, []byte("---\ntitle: Régie\n---\nCorps.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := mutuIn(t, home, "publish", note)
	if code != 0 {
		t.Fatalf("publish: %s", stderr)
	}
	id := strings.Fields(stdout)[len(strings.Fields(stdout))-1]
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr []string // each must appear
	}{
		{"unknown flag", []string{"list", "--bogus"}, exitUsage, []string{"list: ", "-bogus", "mutu help list"}},
		{"flag value of the wrong type", []string{"search", "--limit", "abc"}, exitUsage, []string{"search: ", `"abc"`, "limit", "mutu help search"}},
		{"unknown flag of a subcommand", []string{"key", "import", "--bogus", "f"}, exitUsage, []string{"key import: ", "-bogus", "mutu key help import"}},
		{"unknown global flag", []string{"--bogus", "list"}, exitUsage, []string{"-bogus", "mutu help"}},
		{"unknown command", []string{"frobnicate"}, exitUsage, []string{`unknown command "frobnicate"`, "mutu help"}},
		{"unknown help topic", []string{"help", "frobnicate"}, exitUsage, []string{`unknown command "frobnicate"`}},
		{"unknown subcommand", []string{"key", "frob"}, exitUsage, []string{`unknown command "key frob"`, "mutu help key"}},
		{"unknown kind to publish", []string{"publish", "--kind", "zz", note}, exitInput, []string{`"zz"`, "note, tool, software"}},
		{"unknown kind to list", []string{"list", "--kind", "zz"}, exitInput, []string{`"zz"`}},
		{"unknown kind to search", []string{"search", "--kind", "zz", "regie"}, exitInput, []string{`"zz"`}},
		// The limits of a search, the same offline and through the node.
		{"search over its length", []string{"search", strings.Repeat("a", 501)}, exitInput, []string{"501 bytes long, over the limit of 500 bytes"}},
		{"search over its words", append([]string{"search"}, strings.Fields(strings.Repeat("mot ", 33))...), exitInput, []string{"33 words, over the limit of 32 words"}},
		{"search over its offset", []string{"search", "--offset", "10001", "regie"}, exitInput, []string{"offset 10001 is over the limit of 10000"}},
		{"drop of an attachment the entry does not have", []string{"edit", id, note, "--drop", "typo.txt"}, exitInput, []string{`no attachment "typo.txt"`, "it has no attachments"}},
		{"export directory that cannot be created", []string{"export", filepath.Join(notADir, "sub")}, exitInput, []string{filepath.Join(notADir, "sub"), "not a directory"}},
	}
	check := func(t *testing.T, args []string, code int, want []string) {
		t.Helper()
		got, stdout, stderr := mutuIn(t, home, args...)
		if got != code {
			t.Errorf("mutu %s: exit %d, want %d; stderr %q", strings.Join(args, " "), got, code, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("mutu %s: stderr %q does not name %q", strings.Join(args, " "), stderr, w)
			}
		}
		if strings.Contains(stdout+stderr, "USAGE:") || strings.Count(stderr, "\n") > 1 {
			t.Errorf("mutu %s: a short message was expected, got:\n%s%s", strings.Join(args, " "), stdout, stderr)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.args, tc.code, tc.stderr) })
	}
	// Through a running node: the same codes. (key import needs the
	// node stopped.)
	serveHome(t, home)
	for _, tc := range cases {
		if tc.args[0] == "key" {
			continue
		}
		t.Run("node/"+tc.name, func(t *testing.T) { check(t, tc.args, tc.code, tc.stderr) })
	}
}
