//go:build unix

package catalogue

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImportRefusesNamedPipe: a named pipe in the folder refuses the
// import. Read as an entry file, it would block the import for ever.
func TestImportRefusesNamedPipe(t *testing.T) {
	_, dir := importLayout(t)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := openTest(t, "")
	type result struct {
		res *ImportResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.Import(context.Background(), newKey(t), dir, ImportOptions{})
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		wantRefusedNothingImported(t, c, r.res, r.err, filepath.Join(dir, "pipe.md"))
		if !strings.Contains(r.err.Error(), "named pipe") {
			t.Errorf("error %q does not say the file is a named pipe", r.err)
		}
	case <-time.After(time.Minute): // generous: the import takes milliseconds
		t.Fatal("import still blocked on the named pipe after a minute")
	}
}

// TestImportRefusesSocket: a socket in the folder refuses the import.
func TestImportRefusesSocket(t *testing.T) {
	_, dir := importLayout(t)
	l, err := net.Listen("unix", filepath.Join(dir, "s.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := openTest(t, "")
	res, err := c.Import(context.Background(), newKey(t), dir, ImportOptions{})
	wantRefusedNothingImported(t, c, res, err, filepath.Join(dir, "s.md"))
	if err != nil && !strings.Contains(err.Error(), "a socket") {
		t.Errorf("error %q does not say the file is a socket", err)
	}
}
