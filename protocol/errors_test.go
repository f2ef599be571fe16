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
