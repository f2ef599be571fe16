package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/nstest"
)

// TestExportOnFullDisk exports an entry, makes it larger than the
// space left on the disk of the export, and exports it again. The
// second export must fail with exit code 5 and leave the first file as
// it was: a truncated file still carries the entry's ID, and
// `mutu import` would take it for an edit that cuts the entry. The
// disk is a tmpfs of 64 KB in a namespace of the test's own (see
// TestDiskFull).
func TestExportOnFullDisk(t *testing.T) {
	if !nstest.Rerun(t, nstest.Mount) {
		return
	}
	home := newHome(t)
	notes := t.TempDir()
	note := func(name, body string) string {
		path := filepath.Join(notes, name)
		if err := os.WriteFile(path, []byte("---\ntitle: Régie d'avances\n---\n"+body+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	code, stdout, stderr := mutuIn(t, home, "publish", note("v1.md", "Première version."))
	if code != 0 {
		t.Fatalf("publish: %s", stderr)
	}
	id := strings.Fields(stdout)[len(strings.Fields(stdout))-1]

	disk := nstest.Tmpfs(t, "64k")

	if code, _, stderr := mutuIn(t, home, "export", disk); code != 0 {
		t.Fatalf("first export: %s", stderr)
	}
	file := filepath.Join(disk, "regie-d-avances.md")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := mutuIn(t, home, "edit", id, note("v2.md", strings.Repeat("Deuxième version, bien plus longue. ", 9000))); code != 0 {
		t.Fatalf("edit: %s", stderr)
	}
	code, _, stderr = mutuIn(t, home, "export", disk)
	if code != exitInternal || !strings.Contains(stderr, "no space left") || !strings.Contains(stderr, file) {
		t.Fatalf("export onto a full disk: exit %d, %s; want exit %d naming %s and the full disk", code, stderr, exitInternal, file)
	}
	after, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(after, before) {
		t.Fatalf("the failed export changed %s: %d bytes, was %d (%v)", file, len(after), len(before), err)
	}
	if left, _ := os.ReadDir(disk); len(left) != 1 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Fatalf("the failed export left %v on the disk, want only %s", names, filepath.Base(file))
	}
}
