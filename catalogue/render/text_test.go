package render

import (
	"strings"
	"testing"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{"empty", "", ""},
		{"paragraphs", "Premier paragraphe\nsur deux lignes.\n\nSecond.", "Premier paragraphe sur deux lignes.\n\nSecond."},
		{"heading and emphasis", "# Régie\n\nUn *mot* et **deux** ~~trois~~.", "Régie\n\nUn mot et deux trois."},
		{"links keep text", "[décret](https://legifrance.gouv.fr) et <https://a.fr> et ![logo](l.png)", "décret et https://a.fr et logo"},
		{"entities and escapes", "&eacute;t&#233; &amp; \\*pas\\* d'italique", "été & *pas* d'italique"},
		{"code span keeps backslashes", "`a\\*b &amp;`", "a\\*b &amp;"},
		{"tight list", "- un\n- deux\n- trois", "un\ndeux\ntrois"},
		{"loose list", "- un\n\n- deux", "un\n\ndeux"},
		{"task list", "- [x] fait\n- [ ] à faire", "fait\nà faire"},
		{"table cells", "| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | |", "A B\n1 2\n3"},
		{"code block", "Avant.\n\n```\nx := 1\ny := 2\n```\n\nAprès.", "Avant.\n\nx := 1\ny := 2\n\nAprès."},
		{"raw html dropped", "<div>\nbloc\n</div>\n\ntexte <b>gras</b> fin", "texte gras fin"},
		{"hard break", "ligne  \nforcée", "ligne\nforcée"},
		{"blockquote", "> cité\n\naprès", "cité\n\naprès"},
		{"thematic break", "a\n\n---\n\nb", "a\n\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.md); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestFirstParagraph(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{"empty", "", ""},
		{"skips headings", "# Titre\n\n## Contexte\n\nLe *premier*\nparagraphe.\n\nLe second.", "Le premier paragraphe."},
		{"skips code and tables", "```\ncode\n```\n\n| a |\n|---|\n| b |\n\nTexte.", "Texte."},
		{"tight list item", "## Objectifs\n\n- simplifier\n- partager", "simplifier"},
		{"inside blockquote", "> citation\n> suite", "citation suite"},
		{"skips raw html", "<div>\nx\n</div>\n\nVrai texte.", "Vrai texte."},
		{"only heading", "# Titre seul", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FirstParagraph(tt.md); got != tt.want {
				t.Errorf("FirstParagraph(%q) = %q, want %q", tt.md, got, tt.want)
			}
		})
	}
}

// TestTextMatchesPlainTextAndFirstParagraph checks that the one-parse
// Text gives what the two separate functions give.
func TestTextMatchesPlainTextAndFirstParagraph(t *testing.T) {
	for _, md := range []string{
		"",
		"# Titre\n\nPremier paragraphe.\n\nSecond.\n",
		"| a | b |\n|---|---|\n| 1 | 2 |\n\nAprès le tableau.\n",
		"```\ncode\n```\n\n- item un\n- item deux\n\nFin.\n",
		"> citation\n\nTexte *en* **gras** et [lien](https://example.org).\n",
		strings.Repeat("> ", 300) + "profond\n",
	} {
		plain, first := Text(md)
		if want := PlainText(md); plain != want {
			t.Errorf("Text(%q) plain = %q, PlainText = %q", md, plain, want)
		}
		if want := FirstParagraph(md); first != want {
			t.Errorf("Text(%q) first = %q, FirstParagraph = %q", md, first, want)
		}
	}
}
