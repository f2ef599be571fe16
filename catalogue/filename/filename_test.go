package filename

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// long is an attachment name of 255 bytes, the most a name may have.
var long = strings.Repeat("é", 125) + "x.pdf"

// hostile are attachment names that the network accepts and that a
// file system, a shell or a terminal would misread.
var hostile = []string{
	long, "ligne\r\nsuivante.txt", "esc\x1b[31mrouge.txt", "facture\u202Efdp.exe",
	"con", "con.txt", "CON.tar.gz", "Lpt1", "nul .txt", "-rf", `"`, "a.", "a ", "a. .",
	"É.txt", "é.txt", "e\u0301.txt", "<>:|?*.txt", "tab\there", "\u2028", "...", "-",
}

func TestPortable(t *testing.T) {
	for in, want := range map[string]string{
		"Budget 2024.xlsx":              "Budget 2024.xlsx",
		"arrêté.odt":                    "arrêté.odt",
		".bashrc":                       ".bashrc",
		"ligne\r\nsuivante.txt":         "ligne__suivante.txt",
		"esc\x1b[31mrouge.txt":          "esc_[31mrouge.txt",
		"facture\u202Efdp.exe":          "facture_fdp.exe",
		"zéro\u200Blargeur":             "zéro_largeur",
		"con":                           "_con",
		"con.txt":                       "_con.txt",
		"CON.tar.gz":                    "_CON.tar.gz",
		"Lpt1":                          "_Lpt1",
		"com9.log":                      "_com9.log",
		"nul .txt":                      "_nul .txt",
		"console.txt":                   "console.txt",
		"-rf":                           "_rf",
		"--help":                        "_-help",
		"a-b":                           "a-b",
		`"`:                             "_",
		`a<b>c:d"e/f\g|h?i*j`:           "a_b_c_d_e_f_g_h_i_j",
		"a.":                            "a_",
		"a ":                            "a_",
		"a. .":                          "a___",
		"...":                           "___",
		"e\u0301.txt":                   "é.txt",
		"\xff\xfe.txt":                  "_.txt",
		strings.Repeat("a", 300):        strings.Repeat("a", MaxBytes),
		long:                            strings.Repeat("é", 98) + ".pdf",
		strings.Repeat("é", 150):        strings.Repeat("é", 100),
		"x." + strings.Repeat("b", 250): "x." + strings.Repeat("b", MaxBytes-2),
	} {
		if got := Portable(in); got != want {
			t.Errorf("Portable(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkPortable fails unless s is a file name Windows, macOS and Linux
// all accept, that no command takes for a flag and no terminal for a
// command.
func checkPortable(t *testing.T, in, s string) {
	t.Helper()
	bad := func(why string) { t.Errorf("Portable(%q) = %q: %s", in, s, why) }
	switch {
	case s == "" || s == "." || s == "..":
		bad("not a file name")
	case len(s) > MaxBytes:
		bad("too long")
	case !utf8.ValidString(s):
		bad("not UTF-8")
	case !norm.NFC.IsNormalString(s):
		bad("not NFC")
	case strings.HasPrefix(s, "-"):
		bad("read as a flag")
	case strings.HasSuffix(s, ".") || strings.HasSuffix(s, " "):
		bad("ends with a dot or a space")
	case strings.ContainsAny(s, forbidden):
		bad("holds a character Windows refuses")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }):
		bad("holds a control or format character")
	case isReserved(s):
		bad("reserved by Windows")
	}
}

func TestPortableNamesAreValidEverywhere(t *testing.T) {
	for _, in := range hostile {
		checkPortable(t, in, Portable(in))
	}
}

// TestFolderNamesDifferUnderCaseFolding: two names that macOS or
// Windows take for the same file get different file names, the same
// ones each time.
func TestFolderNamesDifferUnderCaseFolding(t *testing.T) {
	names := []string{"É.txt", "é.txt", "e\u0301.txt", "A.txt", "a.txt", "a ", "a_", "con", "CON", long, long + ""}
	var f, again Folder
	seen := make(map[string]string)
	for _, n := range names {
		s := f.Name(n)
		checkPortable(t, n, s)
		if prev, dup := seen[fold(s)]; dup {
			t.Errorf("%q and %q both get %q", prev, n, s)
		}
		seen[fold(s)] = n
		if s2 := again.Name(n); s2 != s {
			t.Errorf("the second folder names %q %q, the first %q", n, s2, s)
		}
	}
	if got := (&Folder{}).Name("É.txt"); got != "É.txt" {
		t.Errorf("a name alone in its folder is %q, want it kept", got)
	}
	// A long "extension" is no extension: the number must not push
	// the whole stem out and start the name with "-" (found by
	// FuzzPortable).
	var h Folder
	dots := "0." + strings.Repeat("0", 250)
	h.Name(dots)
	if got := h.Name(dots); got != "0."+strings.Repeat("0", MaxBytes-4)+"-2" {
		t.Errorf("second of %q… = %q, want the number at the end", dots[:10], got)
	}
	var g Folder
	g.Name("É.txt")
	if got := g.Name("é.txt"); got != "é-2.txt" {
		t.Errorf("second of É.txt, é.txt = %q, want é-2.txt", got)
	}
}

// FuzzPortable checks that any name becomes a portable file name, and
// that a folder never gives two names that fold together.
func FuzzPortable(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, "É"+s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var folder Folder
		x, y, z := folder.Name(a), folder.Name(b), folder.Name(a)
		for _, s := range []string{x, y, z} {
			checkPortable(t, a+" | "+b, s)
		}
		if fold(x) == fold(y) || fold(x) == fold(z) || fold(y) == fold(z) {
			t.Errorf("folder names %q, %q, %q as %q, %q, %q: two fold together", a, b, a, x, y, z)
		}
	})
}
