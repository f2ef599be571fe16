package web

import "strings"

// French typography: the pages never break a line before a colon, a
// semicolon, a question or exclamation mark, or inside guillemets.
// The space there is a no-break space (U+00A0) before a colon and a
// narrow no-break space (U+202F) elsewhere, as the Imprimerie
// nationale's rules have it.
const (
	nbsp       = "\u00a0"
	narrowNbsp = "\u202f"
)

// frenchSpaces replaces the ordinary space before : ; ? ! » and after «
// by the no-break space French typography wants there.
var frenchSpaces = strings.NewReplacer(
	" :", nbsp+":",
	" ;", narrowNbsp+";",
	" ?", narrowNbsp+"?",
	" !", narrowNbsp+"!",
	" »", narrowNbsp+"»",
	"« ", "«"+narrowNbsp,
)

// typo sets French typography in a text the pages write: the
// templates' own text (loadPages applies it to their source), and the
// messages and headings made in Go, which may hold an entry's title.
// It is never applied to what a form sends back (a title in its
// field, the text in its text area), which must come back as typed.
func typo(s string) string { return frenchSpaces.Replace(s) }

// typoText sets French typography in the text of a template source,
// leaving its actions ({{$c := .X}}) as they are. The text in an
// action's string literals is the job of the function that shows it
// (field, for the form's labels and hints).
func typoText(src string) string {
	var b strings.Builder
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			b.WriteString(typo(src))
			return b.String()
		}
		b.WriteString(typo(src[:i]))
		j := strings.Index(src[i:], "}}")
		if j < 0 {
			b.WriteString(src[i:]) // for the parser to report
			return b.String()
		}
		b.WriteString(src[i : i+j+2])
		src = src[i+j+2:]
	}
}
