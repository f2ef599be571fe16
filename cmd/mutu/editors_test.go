package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/node/api"
)

// TestEditorEditsFromAnotherHome: an author names a colleague of
// another bassin in the editors key; the colleague, on their own home
// (the entry brought by a bundle, as it would by the network), edits
// it with `mutu show` then `mutu edit`, without the author's private
// key, and the edit reaches the author's home. The colleague cannot
// change the editors; the author can, through the daemon too.
func TestEditorEditsFromAnotherHome(t *testing.T) {
	dir := t.TempDir()
	alice, bob := newHome(t), newHome(t)
	bobKey := authorOf(t, bob).String()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	must := func(home string, args ...string) string {
		t.Helper()
		code, stdout, stderr := mutuIn(t, home, args...)
		if code != 0 {
			t.Fatalf("mutu %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return stdout
	}

	note := write("regie.md", "---\ntitle: Régie d'avances : la fiche commune\neditors: ["+bobKey+"]\n---\nTexte d'Alice.\n")
	id := strings.TrimSpace(must(alice, "publish", note)[len("Published "+note+" as "):])
	shown := must(alice, "show", id)
	if !strings.Contains(shown, "editors:\n  - "+bobKey+"\n") {
		t.Fatalf("show does not print the editors:\n%s", shown)
	}
	must(alice, "bundle", "export", filepath.Join(dir, "a.car"), id)
	must(bob, "bundle", "import", filepath.Join(dir, "a.car"))

	// Bob edits the file show prints him.
	shown = must(bob, "show", id)
	edited := write("bob.md", strings.Replace(shown, "Texte d'Alice.", "Texte d'Alice, revu par Bob.", 1))
	if out := must(bob, "edit", id, edited); !strings.HasPrefix(out, "Edited ") {
		t.Fatalf("bob's edit: %s", out)
	}
	// Bob may not change the editors, nor remove them.
	for _, changed := range []string{
		strings.Replace(shown, "  - "+bobKey+"\n", "  - "+bobKey+"\n  - "+authorOf(t, newHome(t)).String()+"\n", 1),
		strings.Replace(shown, "editors:\n  - "+bobKey+"\n", "editors: []\n", 1),
	} {
		code, _, stderr := mutuIn(t, bob, "edit", id, write("bob2.md", changed))
		if code != 1 || !strings.Contains(stderr, "only its author") {
			t.Errorf("bob changes the editors: exit %d: %s", code, stderr)
		}
	}

	must(bob, "bundle", "export", filepath.Join(dir, "b.car"), id)
	must(alice, "bundle", "import", filepath.Join(dir, "b.car"))
	if shown := must(alice, "show", id); !strings.Contains(shown, "revu par Bob") || !strings.Contains(shown, bobKey) {
		t.Fatalf("alice's home after bob's edit:\n%s", shown)
	}

	// Alice removes Bob, through her running node.
	serveHome(t, alice)
	shown = must(alice, "show", id)
	must(alice, "edit", id, write("alice.md", strings.Replace(shown, "editors:\n  - "+bobKey+"\n", "editors: []\n", 1)))
	var e api.Entry
	if err := json.Unmarshal([]byte(must(alice, "show", "--json", id)), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Editors) != 0 || strings.Contains(e.Markdown, "editors") {
		t.Fatalf("editors after alice removed them: %v\n%s", e.Editors, e.Markdown)
	}
}
