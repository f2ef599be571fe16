package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/api"
)

// mutuIn runs the command line args on the home dir in-process and
// returns its exit code and output.
func mutuIn(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(append([]string{"mutu", "--home", dir}, args...), strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

// newHome creates a home in a temporary directory.
func newHome(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "home")
	if code, _, stderr := mutuIn(t, dir, "init"); code != 0 {
		t.Fatalf("init: %s", stderr)
	}
	return dir
}

// serveHome stands for `mutu run` on the home dir: it opens the home's
// catalogue, which locks it, serves the JSON API over it and writes
// the files through which the CLI finds a running node. Everything is
// undone when the test ends.
func serveHome(t *testing.T, dir string) {
	t.Helper()
	h, err := openHome(dir)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalogue.Open(context.Background(), filepath.Join(dir, storeDir), catalogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const token = "test-token"
	srv := httptest.NewServer(api.Handler(&api.Local{Cat: cat, Author: h.author}, token, nil))
	for name, data := range map[string]string{apiFile: srv.Listener.Addr().String(), tokenFile: token} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		os.Remove(filepath.Join(dir, apiFile))
		os.Remove(filepath.Join(dir, tokenFile))
		srv.Close()
		cat.Close()
	})
}
