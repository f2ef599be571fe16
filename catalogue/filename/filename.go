// Package filename maps the names of entries and attachments, which
// come from anyone on the network, to file names that Windows, macOS
// and Linux all accept and that no shell or terminal misreads. Export
// names its files with it and import finds them again with it; the
// original names stay in the entries' front matter. The mapping is
// written down in docs/cli.md, "File names on export".
package filename

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// MaxBytes is the longest file name Portable returns, in bytes. File
// systems take 255; the rest leaves room for the suffix of a temporary
// file written beside it, and for a collision's number.
const MaxBytes = 200

// maxExt is the longest extension kept whole when a name is cut.
const maxExt = 16

// replacement stands for every character a file name may not hold.
const replacement = '_'

// forbidden are the printable characters Windows refuses in a name.
const forbidden = `<>:"/\|?*`

// reserved are the names Windows gives to devices, with any extension
// and in any case ("con", "Con.txt", "LPT1.tar.gz").
var reserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM0": true, "COM1": true, "COM2": true, "COM3": true, "COM4": true,
	"COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"COM¹": true, "COM²": true, "COM³": true,
	"LPT0": true, "LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true,
	"LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
	"LPT¹": true, "LPT²": true, "LPT³": true,
}

// Portable returns name as a file name valid on Windows, macOS and
// Linux, in this order: bytes that are not UTF-8 and every control,
// format (bidirectional and invisible) and line or paragraph separator
// character (Unicode Cc, Cf, Zl, Zp), and the characters Windows
// refuses (< > : " / \ | ? *), become "_"; the name is normalised to
// NFC; a leading "-" becomes "_", so that no command reads it as a
// flag; it is cut to MaxBytes bytes on a character boundary, keeping
// an extension of up to 16 bytes; trailing dots and spaces become "_";
// a name Windows reserves for a device (CON, PRN, AUX, NUL, COM0-9,
// LPT0-9, with any extension, in any case) gets "_" in front. A name
// that needs none of this is returned as it is.
func Portable(name string) string {
	var b strings.Builder
	for i, r := range norm.NFC.String(strings.ToValidUTF8(name, string(replacement))) {
		switch {
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp), strings.ContainsRune(forbidden, r),
			i == 0 && r == '-':
			b.WriteRune(replacement)
		default:
			b.WriteRune(r)
		}
	}
	s := cut(b.String(), MaxBytes)
	s = fixEnd(s)
	if isReserved(s) {
		s = fixEnd(cut(string(replacement)+s, MaxBytes))
	}
	if s == "" {
		s = string(replacement)
	}
	return s
}

// isReserved reports whether Windows takes s for a device: its part
// before the first dot, without trailing spaces, is a reserved name.
func isReserved(s string) bool {
	stem, _, _ := strings.Cut(s, ".")
	return reserved[strings.ToUpper(strings.TrimRight(stem, " "))]
}

// fixEnd replaces the trailing dots and spaces of s, which Windows
// drops, by "_".
func fixEnd(s string) string {
	t := strings.TrimRight(s, ". ")
	if len(t) == len(s) {
		return s
	}
	return t + strings.Repeat(string(replacement), len(s)-len(t))
}

// cut shortens s to at most max bytes on a character boundary, keeping
// its extension when it has a short one.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	stem, ext := split(s)
	if len(ext) > maxExt || len(ext) >= max {
		return prefix(s, max)
	}
	return prefix(stem, max-len(ext)) + ext
}

// prefix returns the longest start of s of at most max bytes that ends
// on a character boundary.
func prefix(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// split returns s's stem and its extension, from its last dot; a name
// whose only dot is its first character has no extension.
func split(s string) (stem, ext string) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// Folder gives the files of one folder their names: Portable names
// that are all different under Unicode case folding, as macOS and
// Windows compare them. The zero value is an empty folder. Given the
// same names in the same order, it gives the same file names: import
// finds the files that export wrote from the names listed in the
// entry.
type Folder struct {
	used map[string]bool // folded names given
}

// Name returns the file name of name in the folder: Portable(name),
// or, when a name given before is equal to it under case folding, the
// same with "-2", "-3"… before its extension.
func (f *Folder) Name(name string) string {
	if f.used == nil {
		f.used = make(map[string]bool)
	}
	p := Portable(name)
	s := p
	for n := 2; f.used[fold(s)]; n++ {
		stem, ext := split(p)
		if len(ext) > maxExt {
			// Not an extension to keep ("0.000…0"): the number
			// goes at the end, as cut would have it.
			stem, ext = p, ""
		}
		suffix := "-" + strconv.Itoa(n)
		s = prefix(stem, MaxBytes-len(ext)-len(suffix)) + suffix + ext
	}
	f.used[fold(s)] = true
	return s
}

// fold returns the key under which two names are the same file on a
// file system that ignores case. A cases.Caser is not safe for
// concurrent use: each call makes its own.
func fold(s string) string { return norm.NFC.String(cases.Fold().String(s)) }
