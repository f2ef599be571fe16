package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"
)

// Sentinel errors, for errors.Is. Rule violations found by Put wrap
// protocol.ErrInvalid or protocol.ErrNotAuthorized instead, so that the
// sync protocol can send their code to the peer.
var (
	// ErrNotFound means the block, revision, document or metadata key
	// is not held.
	ErrNotFound = errors.New("store: not found")
	// ErrMissingParent means a revision names a parent or document
	// that is not held; the error is a *MissingParentError.
	ErrMissingParent = errors.New("store: missing parent")
	// ErrClosed means the store was used after Close.
	ErrClosed = errors.New("store: closed")
	// ErrLocked means another process has the database open.
	ErrLocked = errors.New("store: in use by another process")
	// ErrCorrupt means a stored record does not decode or breaks an
	// invariant of the store.
	ErrCorrupt = errors.New("store: corrupt")
	// ErrDiskFull means the disk holding the store has too little free
	// space left for a write, which stored nothing.
	ErrDiskFull = errors.New("disk full")
)

// MissingParentError reports the revisions a revision needs that are
// not held: its parents, and its document's first revision.
// It matches ErrMissingParent with errors.Is.
type MissingParentError struct {
	Missing []cid.Cid
}

func (e *MissingParentError) Error() string {
	s := make([]string, len(e.Missing))
	for i, c := range e.Missing {
		s[i] = c.String()
	}
	// No package prefix: it is read inside a RevisionError.
	return "missing parent " + strings.Join(s, ", ")
}

// Is reports whether target is ErrMissingParent.
func (e *MissingParentError) Is(target error) bool { return target == ErrMissingParent }

// RevisionError is the error of one revision that Put refused: CID
// names it, Err says which rule it breaks. Err wraps
// protocol.ErrInvalid, protocol.ErrNotAuthorized or a
// *MissingParentError.
type RevisionError struct {
	CID cid.Cid
	Err error
}

func (e *RevisionError) Error() string { return fmt.Sprintf("store: revision %s: %v", e.CID, e.Err) }

func (e *RevisionError) Unwrap() error { return e.Err }

// storageError turns an error of badger into one of this package, so
// that no badger error value leaks out: not-found and closed map to the
// sentinels, anything else keeps only its text. op names the operation
// and its object. It is called at every badger call site, never on
// errors of this package.
func storageError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	case errors.Is(err, badger.ErrDBClosed):
		return fmt.Errorf("%s: %w", op, ErrClosed)
	default:
		// Some badger errors append a hex dump of the key or value.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fmt.Errorf("%s: %s", op, msg)
	}
}

// corruptf returns an error wrapping ErrCorrupt.
func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}
