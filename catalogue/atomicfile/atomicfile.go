// Package atomicfile replaces small files whole: the home's config,
// keys, accounts and sessions, the node's address book and bulk cursor.
// Data is written to a temporary file in the same directory, then
// renamed over the file, so that a crash or a full disk leaves either
// the old file or the new one, never a part.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with data, with the given permissions, and syncs
// it to disk before the rename: once Write returns, the new file
// survives a power cut.
func Write(path string, data []byte, mode fs.FileMode) error {
	return WriteWith(path, mode, true, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteNoSync is Write without the sync, for files that may lag after
// a power cut (a position that is only an optimisation, a cache).
func WriteNoSync(path string, data []byte, mode fs.FileMode) error {
	return WriteWith(path, mode, false, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteWith replaces path with what write writes into the temporary
// file, synced first if sync. When anything fails, path is left as it
// was and the temporary file is removed; the error names path, not the
// temporary file.
func WriteWith(path string, mode fs.FileMode, sync bool, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails once renamed
	err = write(tmp)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil && sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // names the temporary file, not the one the user will look for
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
