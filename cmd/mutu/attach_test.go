package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
)

// TestLargeAttachment attaches a file of 40 MiB, more than a JSON
// request to the API could carry, with publish then edit, on the home
// and through a running node: entries.md promises 1 GiB both ways.
func TestLargeAttachment(t *testing.T) {
	dir := t.TempDir()
	note := filepath.Join(dir, "att.md")
	big := filepath.Join(dir, "40m.bin")
	other := filepath.Join(dir, "autre.bin")
	os.WriteFile(note, []byte("---\ntitle: Régie\n---\nCorps.\n"), 0o600)
	data := make([]byte, 40<<20)
	for i := range data {
		data[i] = byte(i * 7 / 4093)
	}
	os.WriteFile(big, data, 0o600)
	os.WriteFile(other, data[:3<<20], 0o600)

	for _, viaNode := range []bool{false, true} {
		where := "on the home"
		home := newHome(t)
		if viaNode {
			where = "through the node"
			serveHome(t, home)
		}
		code, stdout, stderr := mutuIn(t, home, "publish", note, "--attach", big)
		if code != 0 {
			t.Fatalf("%s: publish --attach 40m.bin: exit %d: %s", where, code, stderr)
		}
		id := strings.Fields(stdout)[len(strings.Fields(stdout))-1]
		code, _, stderr = mutuIn(t, home, "edit", id, note, "--attach", other, "--attach", big)
		if code != 0 {
			t.Fatalf("%s: edit --attach: exit %d: %s", where, code, stderr)
		}
		code, stdout, stderr = mutuIn(t, home, "show", "--json", id)
		if code != 0 {
			t.Fatalf("%s: show: %s", where, stderr)
		}
		var e api.Entry
		if err := json.Unmarshal([]byte(stdout), &e); err != nil {
			t.Fatal(err)
		}
		want := map[string]uint64{"40m.bin": 40 << 20, "autre.bin": 3 << 20}
		if len(e.Attachments) != 2 {
			t.Fatalf("%s: attachments %+v, want %v", where, e.Attachments, want)
		}
		for _, a := range e.Attachments {
			if a.Size != want[a.Name] || !a.Held || len(a.Blocks) != int(a.Size>>20) {
				t.Errorf("%s: attachment %+v, want %d bytes, held, in blocks of 1 MiB", where, a, want[a.Name])
			}
		}
	}
}

// TestAttachmentOverLimit: a file over the 1 GiB an attachment may
// hold is refused before anything is read or stored, with a message
// that names it and says the limit, on the home and through a node.
func TestAttachmentOverLimit(t *testing.T) {
	dir := t.TempDir()
	note := filepath.Join(dir, "att.md")
	os.WriteFile(note, []byte("---\ntitle: Régie\n---\nCorps.\n"), 0o600)
	huge := filepath.Join(dir, "huge.iso")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: no disk is used.
	if err := f.Truncate(protocol.MaxAttachmentSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	home := newHome(t)
	for _, where := range []string{"on the home", "through the node"} {
		if where == "through the node" {
			serveHome(t, home)
		}
		code, _, stderr := mutuIn(t, home, "publish", note, "--attach", huge)
		if code != exitInput || !strings.Contains(stderr, huge) || !strings.Contains(stderr, "1 GiB") {
			t.Errorf("%s: exit %d, %q; want exit %d, the file and the limit named", where, code, stderr, exitInput)
		}
	}
	if code, stdout, _ := mutuIn(t, home, "list"); code != 0 || strings.Contains(stdout, "Régie") {
		t.Errorf("a refused publish stored an entry: %q", stdout)
	}
}
