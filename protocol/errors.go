package protocol

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
)

// Code is a stable numeric error code sent between peers.
// Do not renumber or reorder: codes are part of the wire format.
type Code uint16

const (
	CodeOK                 Code = 0
	CodeMalformed          Code = 1  // bytes do not decode, or are not canonical
	CodeTooLarge           Code = 2  // a size limit was exceeded
	CodeBadCID             Code = 3  // a CID does not match its bytes, or is of a refused kind
	CodeBadSignature       Code = 4  // the signature does not verify
	CodeUnsupportedVersion Code = 5  // unknown record or protocol version
	CodeNotFound           Code = 6  // the requested block is not held
	CodeInternal           Code = 7  // the responder failed; try again later
	CodeRateLimited        Code = 8  // too many requests; slow down
	CodeWrongNetwork       Code = 9  // the peer belongs to another network
	CodeNotAuthorized      Code = 10 // the author may not revise this document
	CodeInvalid            Code = 11 // well-formed but breaks a record or exchange rule
	CodeNotVouched         Code = 12 // in a closed network, the author has no certificate valid at the revision's clock
	CodeNotMember          Code = 13 // the peer is not an active node of the network
	CodeNotEntitled        Code = 14 // the signer may not make this moderation record at its clock
	CodeErased             Code = 15 // the block was erased by a moderation decision and is never stored again
	CodeBlocked            Code = 16 // the node's moderation blocks the revision's author
)

var codeNames = map[Code]string{
	CodeOK:                 "ok",
	CodeMalformed:          "malformed",
	CodeTooLarge:           "too large",
	CodeBadCID:             "bad CID",
	CodeBadSignature:       "bad signature",
	CodeUnsupportedVersion: "unsupported version",
	CodeNotFound:           "not found",
	CodeInternal:           "internal error",
	CodeRateLimited:        "rate limited",
	CodeWrongNetwork:       "wrong network",
	CodeNotAuthorized:      "not authorized",
	CodeInvalid:            "invalid",
	CodeNotVouched:         "not vouched",
	CodeNotMember:          "not a member",
	CodeNotEntitled:        "not entitled",
	CodeErased:             "erased",
	CodeBlocked:            "blocked",
}

func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code %d", uint16(c))
}

// Error is a protocol error: a stable code and a message for people.
type Error struct {
	Code Code
	Msg  string
}

// Error reads "protocol: CODE: MSG"; a sentinel, which has no message,
// reads "protocol: CODE", so that an error wrapping one does not end in
// a dangling colon.
func (e *Error) Error() string {
	if e.Msg == "" {
		return "protocol: " + e.Code.String()
	}
	return "protocol: " + e.Code.String() + ": " + e.Msg
}

// Is makes errors.Is(err, ErrBadSignature) and the like match any
// *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && t.Msg == ""
}

// Errorf returns an *Error with the given code.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Sentinels for errors.Is; they match any *Error of the same code.
var (
	ErrMalformed          = &Error{Code: CodeMalformed}
	ErrTooLarge           = &Error{Code: CodeTooLarge}
	ErrBadCID             = &Error{Code: CodeBadCID}
	ErrBadSignature       = &Error{Code: CodeBadSignature}
	ErrUnsupportedVersion = &Error{Code: CodeUnsupportedVersion}
	ErrNotFound           = &Error{Code: CodeNotFound}
	ErrWrongNetwork       = &Error{Code: CodeWrongNetwork}
	ErrNotAuthorized      = &Error{Code: CodeNotAuthorized}
	ErrInvalid            = &Error{Code: CodeInvalid}
	ErrNotVouched         = &Error{Code: CodeNotVouched}
	ErrNotMember          = &Error{Code: CodeNotMember}
	ErrNotEntitled        = &Error{Code: CodeNotEntitled}
	ErrErased             = &Error{Code: CodeErased}
	ErrBlocked            = &Error{Code: CodeBlocked}
)

// CodeOf returns the code carried by err, CodeInternal for a non-nil
// error that carries none, and CodeOK for nil.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// MissingError reports the blocks a record refers to that are not held
// (a revision's parents or document), so that the caller can fetch
// them and try again. It matches ErrNotFound with errors.Is.
type MissingError struct {
	CIDs []cid.Cid
}

func (e *MissingError) Error() string {
	s := make([]string, len(e.CIDs))
	for i, c := range e.CIDs {
		s[i] = c.String()
	}
	return "protocol: missing " + strings.Join(s, ", ")
}

// Is makes errors.Is(err, ErrNotFound) match.
func (e *MissingError) Is(target error) bool { return target == ErrNotFound }

// Missing returns the CIDs carried by a *MissingError in err's chain.
func Missing(err error) []cid.Cid {
	var m *MissingError
	if errors.As(err, &m) {
		return m.CIDs
	}
	return nil
}

// Sentence returns what err says for people. For an *Error with a
// message, that is the message alone: Error puts "protocol: CODE: "
// before it for logs and peers, which tells a person nothing they can
// act on. For any other error, its text.
func Sentence(err error) string {
	if e, ok := err.(*Error); ok && e.Msg != "" {
		return e.Msg
	}
	return err.Error()
}
