package catalogue

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

var (
	// ErrNotFound means the document, revision, block or attachment is
	// not held.
	ErrNotFound = errors.New("catalogue: not found")
	// ErrAmbiguous means an ID prefix matches several documents; the
	// error is an *AmbiguousError listing them.
	ErrAmbiguous = errors.New("catalogue: ambiguous ID prefix")
	// ErrLocked means another process has the catalogue open.
	ErrLocked = errors.New("catalogue: in use by another process")
	// ErrRetracted means the document was retracted and can no longer
	// be edited.
	ErrRetracted = errors.New("catalogue: document retracted")
	// ErrDiskFull means the disk holding the catalogue has too little
	// free space left for a write, which stored nothing.
	ErrDiskFull = store.ErrDiskFull
)

// kindError is an error of one kind (ErrNotFound, ErrRetracted,
// protocol.ErrNotAuthorized…) whose text is a sentence for people:
// errors.Is matches the kind, but the text does not end in the kind's
// own ("catalogue: not found"), which names a package, not a fix.
type kindError struct {
	kind error
	err  error // the sentence; it may wrap a cause
}

func (e *kindError) Error() string { return e.err.Error() }

// Unwrap returns the kind and the sentence, for errors.Is and
// errors.As.
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// errorf returns an error of kind whose text is the sentence format
// makes; %w in format wraps a cause as fmt.Errorf does.
func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, err: fmt.Errorf(format, args...)}
}

// AmbiguousError lists the documents an ID prefix matches.
type AmbiguousError struct {
	Prefix     string
	Candidates []Summary
}

func (e *AmbiguousError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ID prefix %q matches %d entries; give more characters:", e.Prefix, len(e.Candidates))
	for _, c := range e.Candidates {
		fmt.Fprintf(&b, "\n  %s  %s", c.ID, c.Title)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrAmbiguous) match.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// RejectedError lists the revisions AddRevisions refused, each with
// its reason. errors.Is matches the reasons (protocol.ErrBadSignature
// and the like).
type RejectedError struct {
	Rejected map[cid.Cid]error
}

func (e *RejectedError) Error() string {
	parts := make([]string, 0, len(e.Rejected))
	for c, err := range e.Rejected {
		parts = append(parts, fmt.Sprintf("%s: %v", c, err))
		if len(parts) == 5 && len(e.Rejected) > 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Rejected)-5))
			break
		}
	}
	return fmt.Sprintf("catalogue: %d revisions refused: %s", len(e.Rejected), strings.Join(parts, "; "))
}

// Unwrap returns every reason, for errors.Is and errors.As.
func (e *RejectedError) Unwrap() []error {
	errs := make([]error, 0, len(e.Rejected))
	for _, err := range e.Rejected {
		errs = append(errs, err)
	}
	return errs
}

// NoAttachmentError is the error of an edit that drops an attachment
// the document does not have; nothing was stored. errors.Is matches it
// to protocol.ErrInvalid: the request is wrong.
type NoAttachmentError struct {
	Doc  cid.Cid
	Name string   // the attachment to drop
	Have []string // the document's attachments
}

func (e *NoAttachmentError) Error() string {
	if len(e.Have) == 0 {
		return fmt.Sprintf("entry %s has no attachment %q to drop; it has no attachments", e.Doc, e.Name)
	}
	return fmt.Sprintf("entry %s has no attachment %q to drop; its attachments are: %s", e.Doc, e.Name, strings.Join(e.Have, ", "))
}

// Is makes errors.Is(err, protocol.ErrInvalid) match.
func (e *NoAttachmentError) Is(target error) bool { return target == protocol.ErrInvalid }
