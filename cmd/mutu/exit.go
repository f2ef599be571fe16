package main

import (
	"errors"

	"github.com/mutu-network/mutu/node/api"
)

// Exit codes. They are part of the command's interface: scripts rely on
// them. Do not renumber. Those of errors from the catalogue or a node
// come from api's table of error kinds (api.ErrorOf), the one place
// that classifies them.
const (
	exitOK       = 0                // success
	exitInput    = api.ExitInput    // the user's input is wrong: a file, an ID, a flag value
	exitUsage    = 2                // the command line itself is wrong
	exitHome     = api.ExitHome     // the home is missing, locked by another process, or damaged
	exitNetwork  = api.ExitNetwork  // the daemon or the network could not be reached, or the daemon asks to wait
	exitInternal = api.ExitInternal // a storage or internal failure; nothing was half-applied
)

const exitCodesHelp = `EXIT CODES:
   0  success
   1  wrong input: a file, an ID or a flag value (the message names it)
   2  wrong command line (unknown command or flag)
   3  home missing, locked by another mutu process, or damaged
   4  the running node or a peer could not be reached, or the node asks to wait (too many requests)
   5  storage or internal failure (nothing was half-applied)`

// sentence is an error that reads text, written for people, and
// matches err with errors.Is and errors.As.
type sentence struct {
	text string
	err  error
}

func (e sentence) Error() string { return e.text }
func (e sentence) Unwrap() error { return e.err }

// usageError marks a malformed command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// inputError marks an error in what the user gave: a file, an ID, a value.
type inputError struct{ err error }

func (e inputError) Error() string        { return e.err.Error() }
func (e inputError) Unwrap() error        { return e.err }
func (e inputError) Is(target error) bool { return target == api.ErrInput }

// homeError marks a home that is missing, locked or damaged.
type homeError struct{ err error }

func (e homeError) Error() string { return e.err.Error() }
func (e homeError) Unwrap() error { return e.err }

// networkError marks a daemon or peer that could not be reached.
type networkError struct{ err error }

func (e networkError) Error() string { return e.err.Error() }
func (e networkError) Unwrap() error { return e.err }

// exitCode maps an error to the process exit code: the command line's
// own errors first, then the kind api.ErrorOf finds.
func exitCode(err error) int {
	var (
		u usageError
		h homeError
		n networkError
		r *api.UnreachableError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &r), errors.As(err, &n):
		return exitNetwork
	case errors.As(err, &h):
		return exitHome
	}
	return api.ErrorOf(err).ExitCode()
}
