package render

import (
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linkRel is the rel attribute of every link: no endorsement for
// search engines, no access to this window, no Referer telling a
// third party which entry was read.
const linkRel = "nofollow noopener noreferrer"

// markdown is the one goldmark configuration used for HTML and plain
// text alike. It renders raw HTML as an omission comment: never add
// html.WithUnsafe.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.Linkify,
		// Alignment as an align attribute: the sanitizer drops style.
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.TaskList,
	),
	goldmark.WithParserOptions(
		parser.WithASTTransformers(util.Prioritized(linkAttributes{}, 1000), util.Prioritized(linkRuler{}, 900)),
	),
)

// textParser reads Markdown for its text alone, which links and their
// attributes do not change: without Linkify, which looks at every
// character for a URL, it takes a fifth less time, and indexing parses
// every body a node receives.
var textParser = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(),
		extension.Strikethrough,
		extension.TaskList,
	),
).Parser()

// parseText parses src into a goldmark document, for its text.
func parseText(src []byte) ast.Node {
	return textParser.Parse(text.NewReader(src))
}

// linkAttributes sets rel on links and keeps images from sending a
// Referer.
type linkAttributes struct{}

func (linkAttributes) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindAutoLink:
			n.SetAttributeString("rel", linkRel)
		case ast.KindImage:
			n.SetAttributeString("referrerpolicy", "no-referrer")
			n.SetAttributeString("loading", "lazy")
		}
		return ast.WalkContinue, nil
	})
}

// linkRuler applies linkRules (links.go): what links and images may
// point at.
type linkRuler struct{}

func (linkRuler) Transform(doc *ast.Document, r text.Reader, pc parser.Context) {
	linkRules(doc, r.Source(), pc)
}
