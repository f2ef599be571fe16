package api

import (
	"context"
	"errors"
	"fmt"
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
	Show(ctx context.Context, id string, opts ShowOptions) (*Entry, error)
	History(ctx context.Context, id string) ([]Revision, error)
	List(ctx context.Context, kind string) ([]Summary, error)
	Search(ctx context.Context, q SearchQuery) (*SearchResult, error)
	Status(ctx context.Context) (*Status, error)
	Peers(ctx context.Context) ([]Peer, error)
	// Fetch asks the other nodes for the attachments of entry id that
	// this node lacks; without a running node it fails with ErrOffline
	// if any is missing.
	Fetch(ctx context.Context, id string) (*FetchResult, error)
}

// ErrorKind classifies an API error. The values are stable: clients
// map them to exit codes.
type ErrorKind string

const (
	KindInput       ErrorKind = "input"       // the request is wrong: a file, a value
	KindNotFound    ErrorKind = "not_found"   // no such entry or attachment
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
)

// Error is an error as the API sends it.
type Error struct {
	Kind     ErrorKind `json:"kind"`
	Message  string    `json:"message"`
	Problems []Problem `json:"problems,omitempty"`
}

// Problem is one problem with an entry file, for forms and scripts.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Key     string `json:"key,omitempty"`
	Problem string `json:"problem"`
	Fix     string `json:"fix,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// HTTPStatus is the status code the API answers an error with.
func (e *Error) HTTPStatus() int {
	switch e.Kind {
	case KindInput:
		return http.StatusUnprocessableEntity
	case KindNotFound:
		return http.StatusNotFound
	case KindAmbiguous:
		return http.StatusConflict
	case KindForbidden:
		return http.StatusForbidden
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	default:
		return http.StatusInternalServerError
	}
}

// ErrorOf classifies any error of a Service.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	out := &Error{Message: err.Error()}
	var list entry.Errors
	var one *entry.Error
	switch {
	case errors.As(err, &list):
		out.Kind = KindInput
		for _, p := range list {
			out.Problems = append(out.Problems, problem(p))
		}
	case errors.As(err, &one):
		out.Kind = KindInput
		out.Problems = []Problem{problem(one)}
	case errors.Is(err, catalogue.ErrAmbiguous):
		out.Kind = KindAmbiguous
	case errors.Is(err, catalogue.ErrNotFound):
		out.Kind = KindNotFound
	case errors.Is(err, protocol.ErrNotAuthorized):
		out.Kind = KindForbidden
	case errors.Is(err, protocol.ErrTooLarge): // an attachment over 1 GiB, more than 64
		out.Kind = KindTooLarge
	case errors.Is(err, catalogue.ErrRetracted), errors.Is(err, protocol.ErrInvalid),
		errors.Is(err, protocol.ErrMalformed),
		errors.Is(err, protocol.ErrBadCID), errors.Is(err, ErrInput),
		isEntryError(err): // a kind that is none, outside an entry file
		out.Kind = KindInput
	case errors.Is(err, catalogue.ErrLocked), errors.Is(err, ErrOffline):
		out.Kind = KindUnavailable
	default:
		out.Kind = KindInternal
	}
	return out
}

// isEntryError reports whether err is of one of the classes of package
// entry, which name what is wrong with what the user gave.
func isEntryError(err error) bool {
	return errors.Is(err, entry.ErrInvalid) || errors.Is(err, entry.ErrTooLarge) ||
		errors.Is(err, entry.ErrNotText) || errors.Is(err, entry.ErrSyntax)
}

func problem(e *entry.Error) Problem {
	return Problem{File: e.File, Line: e.Line, Key: e.Key, Problem: e.Problem, Fix: e.Fix}
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
