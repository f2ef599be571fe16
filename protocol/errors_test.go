package protocol

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// TestCodesMatchTheSpecification: every code has the number and name
// that docs/protocol.md (Part 1, §1.8) gives it, and the table lists no
// code this package lacks: peers of other implementations read that
// table.
func TestCodesMatchTheSpecification(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## 1.8 Error codes")
	if !ok {
		t.Fatal("docs/protocol.md has no section 1.8 Error codes")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	documented := make(map[Code]string)
	for line := range strings.Lines(section) {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(cells[1]), 10, 16)
		if err != nil {
			continue // the header and its rule
		}
		documented[Code(n)] = strings.TrimSpace(cells[2])
	}
	if len(documented) != len(codeNames) {
		t.Errorf("§1.8 lists %d codes, the package has %d", len(documented), len(codeNames))
	}
	for c, name := range codeNames {
		if documented[c] != name {
			t.Errorf("code %d is %q here, %q in §1.8", c, name, documented[c])
		}
	}
}

// TestFederationCodes: the two codes of closed networks keep their
// numbers, and their sentinels match errors of their code.
func TestFederationCodes(t *testing.T) {
	if CodeNotVouched != 12 || CodeNotMember != 13 {
		t.Fatalf("codes renumbered: not vouched %d, not a member %d", CodeNotVouched, CodeNotMember)
	}
	if !errors.Is(Errorf(CodeNotVouched, "no certificate"), ErrNotVouched) || errors.Is(ErrNotVouched, ErrNotMember) {
		t.Error("ErrNotVouched does not match by code")
	}
	if !errors.Is(Errorf(CodeNotMember, "revoked"), ErrNotMember) || ErrNotMember.Error() != "protocol: not a member" {
		t.Errorf("ErrNotMember: %v", ErrNotMember)
	}
	if CodeNotEntitled != 14 || !errors.Is(Errorf(CodeNotEntitled, "not a coordinator"), ErrNotEntitled) || errors.Is(ErrNotEntitled, ErrNotVouched) ||
		ErrNotEntitled.Error() != "protocol: not entitled" {
		t.Errorf("ErrNotEntitled: code %d, %v", CodeNotEntitled, ErrNotEntitled)
	}
	if !errors.Is(Errorf(CodeWrongNetwork, "other"), ErrWrongNetwork) {
		t.Error("ErrWrongNetwork does not match by code")
	}
}
