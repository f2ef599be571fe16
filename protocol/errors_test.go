package protocol

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrorText: an error wrapping a sentinel reads as a sentence, not
// one that ends in a colon; one with a message keeps it after its code.
func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("attachment %q is too big: %w", "a.bin", ErrTooLarge), `attachment "a.bin" is too big: protocol: too large`},
		{Errorf(CodeMalformed, "not a CAR file"), "protocol: malformed: not a CAR file"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	if !errors.Is(Errorf(CodeMalformed, "x"), ErrMalformed) {
		t.Error("an error with a message does not match its sentinel")
	}
}

// TestSentence: what an error says for people is the message of a
// protocol error without its "protocol: CODE: " prefix, and any other
// error's text.
func TestSentence(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{Errorf(CodeMalformed, "not a mutu author key"), "not a mutu author key"},
		{ErrMalformed, "protocol: malformed"},
		{errors.New("disk full"), "disk full"},
	} {
		if got := Sentence(tc.err); got != tc.want {
			t.Errorf("Sentence(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
