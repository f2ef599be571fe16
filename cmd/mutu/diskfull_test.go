package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/nstest"
)

// TestDiskFull publishes notes into a home on a small file system until
// the disk is full. mutu must refuse the write that would fill it with
// a clear message and exit code 5, not die in the middle of a write
// (badger writes through mapped files, where a full disk is a SIGBUS),
// and keep every entry published before. Once space is freed, the same
// publish succeeds. The file system is a tmpfs of 80 MB, mounted in a
// user and mount namespace of the test's own (unshare), so that
// nothing is mounted on the machine.
func TestDiskFull(t *testing.T) {
	if !nstest.Rerun(t, nstest.Mount) {
		return
	}
	disk := nstest.Tmpfs(t, "80m")
	home := filepath.Join(disk, "home")
	mutu := func(args ...string) (code int, stdout, stderr string) {
		var o, e bytes.Buffer
		code = run(append([]string{"mutu", "--home", home}, args...), strings.NewReader(""), &o, &e)
		return code, o.String(), e.String()
	}
	if code, _, stderr := mutu("init"); code != 0 {
		t.Fatalf("init: %s", stderr)
	}

	// Batches of 20 notes of 40 KB, written outside the small disk.
	notes := t.TempDir()
	batch := func(b int) []string {
		var files []string
		for i := range 20 {
			path := filepath.Join(notes, fmt.Sprintf("n%03d-%02d.md", b, i))
			body := strings.Repeat(fmt.Sprintf("Lot %d, fiche %d : régie d'avances, bourses et voyages scolaires. ", b, i), 520)
			note := fmt.Sprintf("---\ntitle: Fiche %d du lot %d\nkind: note\ncategory: budget\n---\n%s\n", i, b, body)
			if err := os.WriteFile(path, []byte(note), 0o600); err != nil {
				t.Fatal(err)
			}
			files = append(files, path)
		}
		return files
	}
	published := 0
	var refused []string
	for b := 0; b < 150 && refused == nil; b++ {
		files := batch(b)
		code, _, stderr := mutu(append([]string{"publish"}, files...)...)
		switch {
		case code == 0:
			published += len(files)
		case code == exitInternal && strings.Contains(stderr, "disk full") && strings.Contains(stderr, "free some space"):
			refused = files
		default:
			t.Fatalf("publish of batch %d: exit %d, %s", b, code, stderr)
		}
	}
	if refused == nil {
		t.Fatalf("%d notes published on an 80 MB disk without a refusal", published)
	}
	if published == 0 {
		t.Fatal("the first publish was refused: the test disk is too small to show anything")
	}
	t.Logf("%d notes published, then refused", published)

	count := func() int {
		t.Helper()
		code, stdout, stderr := mutu("list", "--json", "--kind", "note")
		if code != 0 {
			t.Fatalf("list: %s", stderr)
		}
		var entries []json.RawMessage
		if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
			t.Fatalf("list --json: %v", err)
		}
		return len(entries)
	}
	if n := count(); n != published {
		t.Fatalf("after the refusal the home lists %d notes, want the %d published", n, published)
	}
	if code, stdout, _ := mutu("search", "--json", "fiche 3 du lot 0"); code != 0 || !strings.Contains(stdout, "Fiche 3 du lot 0") {
		t.Errorf("search after the refusal: exit %d, %s", code, stdout)
	}

	nstest.Remount(t, disk, "remount,size=200m")
	if code, _, stderr := mutu(append([]string{"publish"}, refused...)...); code != 0 {
		t.Fatalf("publish once space is freed: %s", stderr)
	}
	if n := count(); n != published+len(refused) {
		t.Errorf("after freeing space the home lists %d notes, want %d", n, published+len(refused))
	}
}
