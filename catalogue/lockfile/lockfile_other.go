//go:build !unix && !windows

package lockfile

import (
	"errors"
	"os"
)

func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// errUnsupported: this system has no file lock mutu knows how to take.
var errUnsupported = errors.New("lockfile: file locks are not supported on this system")

func lockFile(*os.File) error       { return errUnsupported }
func unlockFile(*os.File) error     { return nil }
func isSharingViolation(error) bool { return false }
