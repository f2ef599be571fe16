package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTerminalSafe(t *testing.T) {
	for _, tt := range []struct {
		in, line, text string
	}{
		{"Régie d'avances", "Régie d'avances", "Régie d'avances"},
		{"a\x1b[2Jb", `a\x1b[2Jb`, `a\x1b[2Jb`},
		{"facture\u202Efdp.exe", `facture\u202efdp.exe`, `facture\u202efdp.exe`},
		{"\u2066isolé\u2069", `\u2066isolé\u2069`, `\u2066isolé\u2069`},
		{"un\ndeux\tcol", `un\ndeux\tcol`, "un\ndeux\tcol"},
		{"cr\r\nlf", `cr\r\nlf`, "cr\\r\nlf"},
		{"bell\x07 del\x7f c1\u009b", `bell\x07 del\x7f c1\u009b`, `bell\x07 del\x7f c1\u009b`},
		{"ligne\u2028para\u2029", `ligne\u2028para\u2029`, `ligne\u2028para\u2029`},
		{"bad\xff utf8 \uFFFD", `bad\xff utf8 ` + "\uFFFD", `bad\xff utf8 ` + "\uFFFD"},
	} {
		if got := term(tt.in); got != tt.line {
			t.Errorf("term(%q) = %q, want %q", tt.in, got, tt.line)
		}
		if got := termText(tt.in); got != tt.text {
			t.Errorf("termText(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
}

// rawControls are what a terminal obeys or reorders: ESC, BEL, CR,
// and the right-to-left override.
var rawControls = []string{"\x1b", "\x07", "\r", "\u202e"}

// TestOutputEscapesEntryControls: the titles, summaries, bodies and
// attachment names of entries come from anyone on the network. An
// escape sequence in them reached the terminal raw from show, list,
// search and history; it is now printed as a visible escape. --json
// stays exact JSON.
func TestOutputEscapesEntryControls(t *testing.T) {
	home := newHome(t)
	dir := t.TempDir()
	note := filepath.Join(dir, "f.md")
	os.WriteFile(note, []byte("---\ntitle: \"Facture \\u202Efdp.exe rouge\"\nsummary: \"Résumé \\e[2J effacé\"\n---\n"+
		"Corps rouge \x1b]0;titre\x07 \x1b[31mrouge\r\nfin\n"), 0o600)
	att := filepath.Join(dir, "piece\x1b[31m.txt")
	if err := os.WriteFile(att, []byte("pièce"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := mutuIn(t, home, "publish", note, "--attach", att)
	if code != 0 {
		t.Fatalf("publish: %s", stderr)
	}
	id := strings.Fields(stdout)[len(strings.Fields(stdout))-1]
	check := func(where string) {
		for _, args := range [][]string{
			{"show", id}, {"show", "--html", id}, {"list"}, {"search", "rouge"}, {"history", id},
		} {
			code, stdout, stderr := mutuIn(t, home, args...)
			if code != 0 {
				t.Fatalf("%s: mutu %s: exit %d: %s", where, strings.Join(args, " "), code, stderr)
			}
			for _, c := range rawControls {
				if strings.Contains(stdout, c) || strings.Contains(stderr, c) {
					t.Errorf("%s: mutu %s prints %q raw:\n%s%s", where, strings.Join(args, " "), c, stdout, stderr)
				}
			}
		}
		_, stdout, _ = mutuIn(t, home, "show", id)
		if !strings.Contains(stdout, `\x1b[31mrouge\r`+"\nfin") {
			t.Errorf("%s: show does not print the body's escapes visibly, with its lines:\n%s", where, stdout)
		}
		_, stdout, _ = mutuIn(t, home, "show", "--json", id)
		var e struct{ Body string }
		if err := json.Unmarshal([]byte(stdout), &e); err != nil || !strings.Contains(e.Body, "\x1b[31mrouge\r\n") {
			t.Errorf("%s: show --json does not give the body exactly: %q, %v", where, e.Body, err)
		}
	}
	check("on the home")
	serveHome(t, home)
	check("through the node")
}

// TestImportMessagesEscapeFileNames: the files of a folder to import
// may come from anyone; their names reach the messages of import, the
// lines of refused files and the final error alike.
func TestImportMessagesEscapeFileNames(t *testing.T) {
	home := newHome(t)
	invalid := t.TempDir()
	os.WriteFile(filepath.Join(invalid, "bad\x1b[2J.md"), []byte("---\ntags: [x]\n---\nSans titre.\n"), 0o600)
	linked := t.TempDir()
	os.Symlink("/etc/hostname", filepath.Join(linked, "lien\x1b]0;pwned\x07.md"))
	for _, dir := range []string{invalid, linked} {
		code, stdout, stderr := mutuIn(t, home, "import", dir)
		if code != exitInput {
			t.Errorf("import %s: exit %d, want %d: %s", dir, code, exitInput, stderr)
		}
		for _, c := range rawControls[:2] { // the progress line ends with \r
			if strings.Contains(stdout+stderr, c) {
				t.Errorf("import %s prints %q raw:\n%s%s", dir, c, stdout, stderr)
			}
		}
		if !strings.Contains(stderr, `\x1b`) {
			t.Errorf("import %s does not name the file, escaped: %s", dir, stderr)
		}
	}
}
