package main

import (
	"errors"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
)

// Exit codes. They are part of the command's interface: scripts rely on
// them. Do not renumber.
const (
	exitOK       = 0 // success
	exitInput    = 1 // the user's input is wrong: a file, an ID, a flag value
	exitUsage    = 2 // the command line itself is wrong
	exitHome     = 3 // the home is missing, locked by another process, or damaged
	exitNetwork  = 4 // the daemon or the network could not be reached
	exitInternal = 5 // a storage or internal failure; nothing was half-applied
)

const exitCodesHelp = `EXIT CODES:
   0  success
   1  wrong input: a file, an ID or a flag value (the message names it)
   2  wrong command line (unknown command or flag)
   3  home missing, locked by another mutu process, or damaged
   4  the running node or a peer could not be reached
   5  storage or internal failure (nothing was half-applied)`

// usageError marks a malformed command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// inputError marks an error in what the user gave: a file, an ID, a value.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// homeError marks a home that is missing, locked or damaged.
type homeError struct{ err error }

func (e homeError) Error() string { return e.err.Error() }
func (e homeError) Unwrap() error { return e.err }

// networkError marks a daemon or peer that could not be reached.
type networkError struct{ err error }

func (e networkError) Error() string { return e.err.Error() }
func (e networkError) Unwrap() error { return e.err }

// exitCode maps an error to the process exit code. This is the one
// place where that mapping lives.
func exitCode(err error) int {
	var (
		a *api.Error
		r *api.UnreachableError
		u usageError
		i inputError
		h homeError
		n networkError
		v *entry.Error
		l entry.Errors
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &r):
		return exitNetwork
	case errors.As(err, &a):
		// An error sent back by a running daemon: same codes as in-process.
		switch a.Kind {
		case api.KindInput, api.KindNotFound, api.KindAmbiguous, api.KindForbidden, api.KindTooLarge:
			return exitInput
		case api.KindUnavailable:
			return exitHome
		default:
			return exitInternal
		}
	case errors.As(err, &h), errors.Is(err, catalogue.ErrLocked):
		return exitHome
	case errors.As(err, &n):
		return exitNetwork
	case errors.As(err, &i), errors.As(err, &v), errors.As(err, &l),
		errors.Is(err, catalogue.ErrNotFound), errors.Is(err, catalogue.ErrAmbiguous),
		errors.Is(err, catalogue.ErrRetracted),
		errors.Is(err, protocol.ErrInvalid), errors.Is(err, protocol.ErrNotAuthorized),
		errors.Is(err, protocol.ErrBadCID), errors.Is(err, protocol.ErrBadSignature),
		errors.Is(err, protocol.ErrMalformed), errors.Is(err, protocol.ErrTooLarge),
		errors.Is(err, protocol.ErrUnsupportedVersion), errors.Is(err, api.ErrInput),
		errors.Is(err, entry.ErrInvalid), errors.Is(err, entry.ErrTooLarge),
		errors.Is(err, entry.ErrNotText), errors.Is(err, entry.ErrSyntax):
		return exitInput
	default:
		return exitInternal
	}
}
