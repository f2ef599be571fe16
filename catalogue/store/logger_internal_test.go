package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestBadgerLogger checks that badger's warnings and errors reach slog
// with their component, and that its informational chatter does not.
func TestBadgerLogger(t *testing.T) {
	var buf bytes.Buffer
	l := badgerLogger{slog.New(slog.NewTextHandler(&buf, nil)).With("component", "badger")}
	l.Infof("Replaying file id: %d\n", 1)
	l.Debugf("compaction")
	l.Warningf("value log %s truncated\n", "000001.vlog")
	l.Errorf("disk %s", "full")
	out := buf.String()
	if strings.Contains(out, "Replaying") || strings.Contains(out, "compaction") {
		t.Errorf("informational messages logged:\n%s", out)
	}
	for _, want := range []string{
		`level=WARN msg="value log 000001.vlog truncated" component=badger`,
		`level=ERROR msg="disk full" component=badger`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
