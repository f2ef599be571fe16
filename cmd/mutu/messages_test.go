package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// packagePrefixes are how the errors of mutu's packages start: a
// message that holds one shows a chain of Go errors, not a sentence.
var packagePrefixes = []string{"catalogue:", "entry:", "store:", "protocol:", "wire:", "search:", "api:"}

// TestErrorsReadAsSentences runs failing commands, on the home and
// through a running node, and checks that what they print says what
// is wrong and what to do, without the package prefixes of the errors
// it was made of (": catalogue: not found", "entry: invalid entry:").
func TestErrorsReadAsSentences(t *testing.T) {
	home, other := newHome(t), newHome(t)
	note := "---\ntitle: Régie\n---\nCorps.\n"
	id := publish(t, home, note)
	gone := publish(t, home, "---\ntitle: Retirée\n---\nCorps.\n")
	if code, _, stderr := mutuIn(t, home, "retract", gone); code != 0 {
		t.Fatalf("retract: %s", stderr)
	}
	// An entry of another author, carried over in a bundle.
	theirs := publish(t, other, "---\ntitle: La leur\n---\nCorps.\n")
	car := filepath.Join(t.TempDir(), "theirs.car")
	for _, c := range []struct{ home, cmd string }{{other, "export"}, {home, "import"}} {
		if code, _, stderr := mutuIn(t, c.home, "bundle", c.cmd, car); code != 0 {
			t.Fatalf("bundle %s: %s", c.cmd, stderr)
		}
	}
	file := writeFile(t, "f.md", note)
	notCAR := writeFile(t, "notes.car", "pas un CAR")
	notKey := writeFile(t, "key.pem", "pas une clé")
	noFrontMatter := writeFile(t, "plain.md", "---\nnot: closed\nJuste du texte.\n")
	unknown := "bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	emptyHome := newHome(t)

	cases := []struct {
		name    string
		home    string
		args    []string
		stopped bool     // needs the node stopped
		want    []string // each must appear on stderr
	}{
		{"show of an unknown ID", home, []string{"show", unknown}, false, []string{unknown, "mutu list"}},
		{"show of a short ID", home, []string{"show", "bafy"}, false, []string{`"bafy" is too short`}},
		{"history of an unknown ID", home, []string{"history", unknown[:12]}, false, []string{unknown[:12]}},
		{"edit of an unknown ID", home, []string{"edit", unknown, file}, false, []string{unknown}},
		{"retract of an unknown ID", home, []string{"retract", unknown}, false, []string{unknown}},
		{"fetch of an unknown ID", home, []string{"fetch", unknown}, false, []string{unknown}},
		{"search over its length", home, []string{"search", strings.Repeat("a", 501)}, false, []string{"501 bytes long, over the limit of 500 bytes"}},
		{"search with a filter over its length", home, []string{"search", "--tag", strings.Repeat("a", 201), "x"}, false, []string{"tag filter is 201 bytes long"}},
		{"search past its offset", home, []string{"search", "--offset", "10001", "x"}, false, []string{"offset 10001 is over the limit"}},
		{"show of an unknown revision", home, []string{"show", id, "--revision", unknown}, false, []string{"no revision starting with", "mutu history"}},
		{"diff of an entry without conflict", home, []string{"diff", id}, false, []string{"has no conflict", "mutu history"}},
		{"list of an unknown kind", home, []string{"list", "--kind", "zz"}, false, []string{`"zz" is not a kind of entry`, "note, tool, software"}},
		{"search of an unknown kind", home, []string{"search", "--kind", "zz", "regie"}, false, []string{`"zz" is not a kind of entry`}},
		{"publish of an unknown kind", home, []string{"publish", "--kind", "zz", file}, false, []string{`"zz" is not a kind of entry`}},
		{"edit with a front matter never closed", home, []string{"edit", id, noFrontMatter}, false, []string{"plain.md:1", "never closed"}},
		{"edit of a retracted entry", home, []string{"edit", gone, file}, false, []string{gone, "retracted", "publish a new entry"}},
		{"edit of another author's entry", home, []string{"edit", theirs, file}, false, []string{theirs, "derived_from"}},
		{"attachment given twice", home, []string{"publish", file, "--attach", file, "--attach", file}, false, []string{`"f.md" given twice`}},
		{"import of an unknown kind", home, []string{"import", "--kind", "zz", t.TempDir()}, true, []string{`"zz" is not a kind of entry`}},
		{"export of an unknown ID", home, []string{"export", t.TempDir(), unknown}, true, []string{unknown}},
		{"bundle import of a file that is not one", home, []string{"bundle", "import", notCAR}, true, []string{notCAR, "not a CAR file"}},
		{"bundle export of an empty catalogue", emptyHome, []string{"bundle", "export", filepath.Join(t.TempDir(), "x.car")}, true, []string{"nothing to export"}},
		{"key import of a file that is not a key", home, []string{"key", "import", notKey}, true, []string{notKey, "not a mutu author key"}},
		{"join with a damaged code", home, []string{"join", "mutu1abc"}, true, []string{"invitation code is mistyped or cut"}},
	}
	check := func(t *testing.T, home string, args, want []string) {
		t.Helper()
		code, _, stderr := mutuIn(t, home, args...)
		if code == 0 {
			t.Fatalf("mutu %s succeeded", strings.Join(args, " "))
		}
		for _, p := range packagePrefixes {
			if strings.Contains(stderr, p) {
				t.Errorf("mutu %s: stderr holds %q:\n%s", strings.Join(args, " "), p, stderr)
			}
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("mutu %s: stderr does not say %q:\n%s", strings.Join(args, " "), w, stderr)
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.home, tc.args, tc.want) })
	}
	serveHome(t, home)
	for _, tc := range cases {
		if tc.stopped {
			continue
		}
		t.Run("node/"+tc.name, func(t *testing.T) { check(t, tc.home, tc.args, tc.want) })
	}
	if _, err := os.Stat(filepath.Join(home, apiFile)); err != nil {
		t.Fatal(err)
	}
}
