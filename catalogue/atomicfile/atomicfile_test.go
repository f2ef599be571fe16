package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	for name, write := range map[string]func(string, []byte, os.FileMode) error{"Write": Write, "WriteNoSync": WriteNoSync} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(path, []byte("ancien"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := write(path, []byte("nouveau"), 0o600); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil || string(data) != "nouveau" {
				t.Fatalf("read back %q, %v", data, err)
			}
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, %v; want 0600", info.Mode().Perm(), err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) != 1 {
				t.Errorf("%d files left in the directory (%v), want the file alone", len(entries), err)
			}
			// A directory that does not exist: an error naming the file,
			// nothing written.
			if err := write(filepath.Join(dir, "absent", "f"), []byte("x"), 0o600); err == nil {
				t.Error("wrote into a directory that does not exist")
			}
		})
	}
}
