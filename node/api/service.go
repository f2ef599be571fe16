package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// Service is what the command line asks of a node. Local serves it
// in-process; Client serves it through a running daemon's HTTP API.
// Errors are those of package catalogue and entry from Local, and
// *Error from Client; ErrorOf turns either into an *Error.
type Service interface {
	Publish(ctx context.Context, req PublishRequest) ([]Published, error)
	Edit(ctx context.Context, req EditRequest) (*Published, error)
	Retract(ctx context.Context, id string) (*Published, error)
	// Show returns an entry, or one of its revisions. A retracted
	// entry is an error of kind KindRetracted whose *Error (ErrorOf)
	// carries the entry's metadata, its content withheld.
	Show(ctx context.Context, id string, opts ShowOptions) (*Entry, error)
	// Diff compares two revisions of an entry, named by CID or unique
	// prefix; with neither named, the two heads of its conflict.
	Diff(ctx context.Context, id, from, to string) (*Diff, error)
	History(ctx context.Context, id string) ([]Revision, error)
	List(ctx context.Context, kind string) ([]Summary, error)
	Search(ctx context.Context, q SearchQuery) (*SearchResult, error)
	Status(ctx context.Context) (*Status, error)
	Peers(ctx context.Context) ([]Peer, error)
	// Fetch asks the other nodes for the attachments of entry id that
	// this node lacks; without a running node it fails with ErrOffline
	// if any is missing.
	Fetch(ctx context.Context, id string) (*FetchResult, error)
	// Reindex rebuilds the search index from the store, telling
	// progress how many entries are done.
	Reindex(ctx context.Context, progress Progress) (*Reindexed, error)
	// Import publishes the entry files of a folder (see ImportRequest),
	// telling progress how many files are done.
	Import(ctx context.Context, req ImportRequest, progress Progress) (*ImportResult, error)
	// ImportBundle verifies and stores the CAR bundle read from r,
	// named name in messages, telling progress its bytes read.
	ImportBundle(ctx context.Context, r io.Reader, name string, progress Progress) (*catalogue.BundleResult, error)
	// ExportBundle writes entries ids (every one, retracted ones
	// included, when none) with their whole history and attachments
	// as a CAR bundle to w.
	ExportBundle(ctx context.Context, w io.Writer, ids []string) (*catalogue.BundleResult, error)
	// The entries as catalogue.Export writes them: mutu export reads
	// them through a running node as from its catalogue.
	catalogue.ExportSource
}

// ErrorKind classifies an error. The values are stable: scripts read
// them in the API's answers.
type ErrorKind string

const (
	KindInput       ErrorKind = "input"       // the request is wrong: a file, a value
	KindNotFound    ErrorKind = "not_found"   // no such entry or attachment
	KindRetracted   ErrorKind = "retracted"   // the entry was retracted by its author
	KindAmbiguous   ErrorKind = "ambiguous"   // an ID prefix matches several entries
	KindForbidden   ErrorKind = "forbidden"   // not the author of the entry
	KindUnavailable ErrorKind = "unavailable" // the node cannot do it now
	KindInternal    ErrorKind = "internal"    // storage or internal failure
	// KindTooLarge: the request body, or an attachment, is over its
	// limit.
	KindTooLarge ErrorKind = "too_large"
	// KindMethodNotAllowed: the path does not take the request's
	// method; the Allow header lists those it takes.
	KindMethodNotAllowed ErrorKind = "method_not_allowed"
	// KindRateLimited: the client sent more requests of the kind than
	// its rate allows; the Retry-After header says when to try again.
	KindRateLimited ErrorKind = "rate_limited"
)

// Exit codes of the command line for the kinds of error. They are part
// of its interface: scripts rely on them. Do not renumber. The command
// line adds its own: 2 for a wrong command line (docs/cli.md).
const (
	ExitInput    = 1 // the user's input is wrong: a file, an ID, a flag value
	ExitHome     = 3 // the home is missing, locked by another process, or damaged
	ExitNetwork  = 4 // the node or a peer could not be reached, or asks to wait: try again later
	ExitInternal = 5 // a storage or internal failure; nothing was half-applied
)

// kinds is the one table of error kinds: how each is recognised
// (classify, in order), the HTTP status the API answers it with and
// the exit code of the command line. docs/api.md and docs/cli.md list
// the same.
var kinds = []struct {
	kind   ErrorKind
	status int
	exit   int
	is     []error // errors.Is any of them selects the kind
}{
	{KindAmbiguous, http.StatusConflict, ExitInput, []error{catalogue.ErrAmbiguous}},
	{KindNotFound, http.StatusNotFound, ExitInput, []error{catalogue.ErrNotFound}},
	// Gone for good, as the entry's web page answers.
	{KindRetracted, http.StatusGone, ExitInput, []error{catalogue.ErrRetracted}},
	{KindForbidden, http.StatusForbidden, ExitInput, []error{protocol.ErrNotAuthorized, ErrNotCoordinator, protocol.ErrNotVouched, protocol.ErrNotEntitled, protocol.ErrBlocked}},
	// An attachment over 1 GiB, more than 64 of them.
	{KindTooLarge, http.StatusRequestEntityTooLarge, ExitInput, []error{protocol.ErrTooLarge}},
	{KindInput, http.StatusUnprocessableEntity, ExitInput, []error{
		ErrInput, catalogue.ErrInvalidQuery,
		protocol.ErrInvalid, protocol.ErrMalformed, protocol.ErrBadCID, protocol.ErrBadSignature,
		protocol.ErrUnsupportedVersion,
		// A kind that is none, outside an entry file.
		entry.ErrInvalid, entry.ErrTooLarge, entry.ErrNotText, entry.ErrSyntax,
	}},
	{KindUnavailable, http.StatusServiceUnavailable, ExitHome, []error{catalogue.ErrLocked, ErrOffline}},
	{KindMethodNotAllowed, http.StatusMethodNotAllowed, ExitInput, nil},
	// Nothing was done and the same command works later, as when the
	// node could not be reached: scripts that retry on 4 retry it.
	{KindRateLimited, http.StatusTooManyRequests, ExitNetwork, []error{ErrRateLimited}},
	{KindInternal, http.StatusInternalServerError, ExitInternal, nil},
}

// Error is an error as the API sends it.
type Error struct {
	Kind     ErrorKind       `json:"kind"`
	Message  string          `json:"message"`
	Problems []entry.Problem `json:"problems,omitempty"`
	// Entry, for KindRetracted, is what remains to say of the entry:
	// its metadata, the retraction named, its content withheld.
	Entry *Entry `json:"entry,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// HTTPStatus is the status code the API answers an error with.
func (e *Error) HTTPStatus() int {
	for _, k := range kinds {
		if k.kind == e.Kind {
			return k.status
		}
	}
	return http.StatusInternalServerError
}

// ExitCode is the exit code of the command line for the error.
func (e *Error) ExitCode() int {
	for _, k := range kinds {
		if k.kind == e.Kind {
			return k.exit
		}
	}
	return ExitInternal
}

// ErrorOf classifies any error of a Service: an *Error as it is, the
// problems of an entry file as KindInput with their details, and
// anything else by the table above.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	out := &Error{Message: err.Error(), Kind: KindInternal}
	var list entry.Errors
	var one *entry.Error
	var gone *RetractedError
	if errors.As(err, &gone) {
		out.Entry = gone.Entry
	}
	switch {
	case errors.As(err, &list):
		out.Kind = KindInput
		for _, p := range list {
			out.Problems = append(out.Problems, p.Problem)
		}
		return out
	case errors.As(err, &one):
		out.Kind = KindInput
		out.Problems = []entry.Problem{one.Problem}
		return out
	}
	for _, k := range kinds {
		for _, target := range k.is {
			if errors.Is(err, target) {
				out.Kind = k.kind
				return out
			}
		}
	}
	return out
}

// ErrInput marks a request that is wrong in a way no other package
// names: errors.Is(err, ErrInput) holds for them.
var ErrInput = errors.New("invalid request")

// inputError is an ErrInput that says only what is wrong.
type inputError string

func (e inputError) Error() string        { return string(e) }
func (e inputError) Is(target error) bool { return target == ErrInput }

func inputErrorf(format string, args ...any) error {
	return inputError(fmt.Sprintf(format, args...))
}
