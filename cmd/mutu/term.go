package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// termText returns s for a terminal, keeping its line breaks and tabs:
// for text laid out on several lines, such as an entry's body in
// `mutu show` or an error message. See terminalSafe.
func termText(s string) string { return terminalSafe(s, true) }

// term returns s for a terminal, on one line: for a title, a name or a
// table cell. See terminalSafe.
func term(s string) string { return terminalSafe(s, false) }

// terminalSafe is the one function through which everything printed for
// people that comes from entries, files or peers goes: titles,
// summaries, bodies, attachment names, snippets, peers' messages. A
// terminal obeys the control characters it is sent: an escape sequence
// in a title could clear the screen, rewrite lines above, change the
// window title or, on some terminals, paste text; a right-to-left
// override makes "facture\u202Efdp.exe" show as "facturexe.pdf". So
// terminalSafe writes, as visible escapes, every C0 and C1 control
// character (ESC, CR and, unless layout is true, LF and tab), DEL, the
// bidirectional embedding, override and isolate characters
// (U+202A–U+202E, U+2066–U+2069), the line and paragraph separators
// (U+2028, U+2029) and bytes that are not UTF-8: "\x1b", "\r", "\u202e",
// "\xff". Text without any of these is returned as it is. --json output
// does not need it: JSON escapes control characters itself.
func terminalSafe(s string, layout bool) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r, layout) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for s = s[i:]; s != ""; {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case !unsafeRune(r, layout):
			b.WriteString(s[:size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		s = s[size:]
	}
	return b.String()
}

// unsafeRune reports whether terminalSafe escapes r.
func unsafeRune(r rune, layout bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !layout
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}
