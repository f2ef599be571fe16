package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// warnedFile has three things worth fixing, none of them an error.
const warnedFile = "---\ntitle: Régie\ntags: [Bad Tag]\ncategory: Budget\nsumary: Court.\n---\nCorps.\n"

// warnedLines are what publish, edit and import print for warnedFile,
// named f.md, on stderr.
var warnedLines = []string{
	`warning: f.md:3: key "tags": tag "Bad Tag" has capitals; tags are lowercase; write it as bad tag`,
	`warning: f.md:4: key "category": "Budget" is not one of the categories; it is kept as free text; if one fits, use one of `,
	`warning: f.md:5: key "sumary": unknown key, kept as is; did you mean "summary"?; rename it to summary if that is what you meant`,
}

// TestWarningsArePrinted publishes and edits a file with warnings, on
// the home and through a running node: each warning is one line on
// stderr, the same both ways, the write is done and the exit code is 0.
func TestWarningsArePrinted(t *testing.T) {
	home := newHome(t)
	dir := t.TempDir()
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "f.md"), []byte(warnedFile+body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// mutu runs in dir, so that the file is named f.md as typed.
	t.Chdir(dir)

	check := func(where, what string, code int, stdout, stderr, wantOut string) {
		t.Helper()
		if code != 0 || !strings.Contains(stdout, wantOut) {
			t.Fatalf("%s: %s: exit %d, stdout %q, stderr %q; want exit 0 and %q", where, what, code, stdout, stderr, wantOut)
		}
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if len(lines) != len(warnedLines) {
			t.Fatalf("%s: %s: stderr %q, want %d warnings", where, what, stderr, len(warnedLines))
		}
		for i, want := range warnedLines {
			if !strings.HasPrefix(lines[i], want) {
				t.Errorf("%s: %s: line %d of stderr:\n%s\nwant it to start with\n%s", where, what, i+1, lines[i], want)
			}
		}
	}
	var stderrs []string
	run := func(where string) {
		write(where)
		code, stdout, stderr := mutuIn(t, home, "publish", "f.md")
		check(where, "publish", code, stdout, stderr, "Published f.md as ")
		stderrs = append(stderrs, stderr)
		id := strings.Fields(stdout)[len(strings.Fields(stdout))-1]

		write(where + "\nSuite.\n")
		code, stdout, stderr = mutuIn(t, home, "edit", id, "f.md")
		check(where, "edit", code, stdout, stderr, "Edited f.md as ")
		stderrs = append(stderrs, stderr)
		code, stdout, stderr = mutuIn(t, home, "edit", id, "f.md")
		check(where, "edit that changes nothing", code, stdout, stderr, "Nothing changed")

		// --json carries them in the output too, beside stderr.
		write(where + "\nEncore.\n")
		code, stdout, stderr = mutuIn(t, home, "edit", "--json", id, "f.md")
		check(where, "edit --json", code, stdout, stderr, `"warnings"`)
		var p struct {
			Warnings []struct {
				File, Key, Problem, Fix string
				Line                    int
			}
		}
		if err := json.Unmarshal([]byte(stdout), &p); err != nil {
			t.Fatalf("%s: edit --json: %v\n%s", where, err, stdout)
		}
		if len(p.Warnings) != 3 || p.Warnings[0].File != "f.md" || p.Warnings[0].Line != 3 || p.Warnings[0].Key != "tags" || p.Warnings[0].Fix == "" {
			t.Errorf("%s: edit --json warnings: %+v", where, p.Warnings)
		}
	}
	run("on the home")
	serveHome(t, home)
	run("through the node")
	for i := range 2 {
		if stderrs[i] != stderrs[i+2] {
			t.Errorf("stderr differs on the home and through the node:\n%s\n%s", stderrs[i], stderrs[i+2])
		}
	}
}

// TestImportPrintsWarnings: import prints the warnings of the files it
// imports, one line each, and lists them in --json.
func TestImportPrintsWarnings(t *testing.T) {
	home := newHome(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.md"), []byte(warnedFile), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := mutuIn(t, home, "import", dir)
	if code != 0 || !strings.Contains(stdout, "1 published") {
		t.Fatalf("import: exit %d, %q %q", code, stdout, stderr)
	}
	for _, want := range warnedLines {
		want = strings.Replace(want, "f.md", filepath.Join(dir, "f.md"), 1)
		if !strings.Contains(stderr, want) {
			t.Errorf("import: stderr lacks\n%s\ngot:\n%s", want, stderr)
		}
	}
	code, stdout, _ = mutuIn(t, home, "import", "--json", dir)
	var out struct {
		Unchanged []json.RawMessage
		Warnings  []struct{ File, Key string }
	}
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil {
		t.Fatalf("import --json: exit %d, %v\n%s", code, err, stdout)
	}
	if len(out.Unchanged) != 1 || len(out.Warnings) != 3 || out.Warnings[0].Key != "tags" {
		t.Errorf("import --json: %s", stdout)
	}
}
