package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// savedAuthorKeys returns the public keys of the author keys saved in
// the home dir, by file name.
func savedAuthorKeys(t *testing.T, dir string) map[string]protocol.AuthorKey {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, oldAuthorPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]protocol.AuthorKey)
	for _, p := range paths {
		k, err := readAuthorKey(p)
		if err != nil {
			t.Fatalf("saved key %s: %v", p, err)
		}
		out[filepath.Base(p)] = protocol.PublicKey(k)
	}
	return out
}

func authorOf(t *testing.T, dir string) protocol.AuthorKey {
	t.Helper()
	k, err := readAuthorKey(filepath.Join(dir, authorFile))
	if err != nil {
		t.Fatal(err)
	}
	return protocol.PublicKey(k)
}

// TestKeyImportKeepsEveryKey imports two keys in a row into a home:
// the home's own key must survive the second import, and every import
// says where the key it replaced is.
func TestKeyImportKeepsEveryKey(t *testing.T) {
	a, b, c := newHome(t), newHome(t), newHome(t)
	keyA, keyB, keyC := authorOf(t, a), authorOf(t, b), authorOf(t, c)
	files := t.TempDir()
	for name, home := range map[string]string{"b.key": b, "c.key": c, "a.key": a} {
		if code, _, stderr := mutuIn(t, home, "key", "export", filepath.Join(files, name)); code != 0 {
			t.Fatalf("key export: %s", stderr)
		}
	}
	importKey := func(file string, want protocol.AuthorKey) {
		t.Helper()
		code, stdout, stderr := mutuIn(t, a, "key", "import", filepath.Join(files, file))
		if code != 0 {
			t.Fatalf("key import %s: exit %d, %s", file, code, stderr)
		}
		if got := authorOf(t, a); got != want {
			t.Fatalf("after importing %s the author key is %s, want %s", file, got, want)
		}
		if !strings.Contains(stdout, "is saved in "+filepath.Join(a, oldAuthorPrefix)) {
			t.Errorf("key import %s does not say where the previous key is: %q", file, stdout)
		}
	}
	importKey("b.key", keyB)
	importKey("c.key", keyC)

	saved := savedAuthorKeys(t, a)
	found := map[protocol.AuthorKey]bool{}
	for _, k := range saved {
		found[k] = true
	}
	if len(saved) != 2 || !found[keyA] || !found[keyB] {
		t.Fatalf("after two imports the saved keys are %v; want the home's own key %s and %s", saved, keyA, keyB)
	}

	// Back to the home's own key: C is saved, A and B are not saved twice.
	importKey("a.key", keyA)
	saved = savedAuthorKeys(t, a)
	if len(saved) != 3 {
		t.Fatalf("after a third import the saved keys are %v; want A, B and C once each", saved)
	}
	for name := range saved {
		info, err := os.Stat(filepath.Join(a, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", name, info.Mode().Perm(), err)
		}
	}
}

// TestKeyImportRefusedWhileNodeRuns: a running node signs with the key
// it loaded, so importing another one under it would only seem to work.
func TestKeyImportRefusedWhileNodeRuns(t *testing.T) {
	a, b := newHome(t), newHome(t)
	keyA := authorOf(t, a)
	file := filepath.Join(t.TempDir(), "b.key")
	if code, _, stderr := mutuIn(t, b, "key", "export", file); code != 0 {
		t.Fatalf("key export: %s", stderr)
	}
	serveHome(t, a)
	code, stdout, stderr := mutuIn(t, a, "key", "import", file)
	if code != exitHome || !strings.Contains(stderr, "stop `mutu run`") || strings.Contains(stdout, "Author key is now") {
		t.Fatalf("key import under a running node: exit %d, stdout %q, stderr %q; want exit %d and a request to stop the node", code, stdout, stderr, exitHome)
	}
	if got := authorOf(t, a); got != keyA {
		t.Fatalf("the author key changed under a running node: %s, want %s", got, keyA)
	}
	if saved := savedAuthorKeys(t, a); len(saved) != 0 {
		t.Errorf("a refused import saved keys: %v", saved)
	}
}
