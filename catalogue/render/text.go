package render

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// PlainText returns the text of Markdown without markup, for the
// search index and for snippets: blocks (paragraphs, headings, code)
// separated by a blank line, list items and table rows by a newline,
// table cells by a space. Link and image URLs are left out, their
// text and alt text kept; raw HTML is dropped.
//
// The result is text, not HTML: escape it before putting it in a page
// (html/template does). Markdown shaped to make parsing slow (see
// tooComplex) is returned as it is.
func PlainText(md string) string {
	plain, _ := Text(md)
	return plain
}

// Text returns, from one parse, what PlainText and FirstParagraph
// return: indexing needs both, and parsing is most of their cost.
func Text(md string) (plain, firstParagraph string) {
	if tooComplex(md) {
		return md, FirstParagraph(md)
	}
	src := []byte(md)
	var b strings.Builder
	var prev ast.Node
	_ = ast.Walk(parseText(src), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var chunk string
		switch n.Kind() {
		case ast.KindParagraph, ast.KindTextBlock, ast.KindHeading:
			chunk = inlineText(n, src)
			if firstParagraph == "" && n.Kind() != ast.KindHeading && !inTable(n) {
				firstParagraph = strings.Join(strings.Fields(chunk), " ")
			}
		case ast.KindCodeBlock, ast.KindFencedCodeBlock:
			chunk = strings.TrimRight(string(n.Lines().Value(src)), "\n")
		case east.KindTableHeader, east.KindTableRow:
			chunk = rowText(n, src)
		case ast.KindHTMLBlock:
			return ast.WalkSkipChildren, nil
		default:
			return ast.WalkContinue, nil
		}
		if strings.TrimSpace(chunk) == "" {
			return ast.WalkSkipChildren, nil
		}
		if prev != nil {
			b.WriteString(separator(prev, n))
		}
		b.WriteString(chunk)
		prev = n
		return ast.WalkSkipChildren, nil
	})
	return b.String(), firstParagraph
}

// inTable reports whether n sits inside a table, which FirstParagraph
// skips.
func inTable(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == east.KindTable {
			return true
		}
	}
	return false
}

// FirstParagraph returns the plain text of the first paragraph of
// Markdown, headings and code skipped, on one line: what an entry
// without a summary shows as one. It is "" when there is none.
func FirstParagraph(md string) string {
	if tooComplex(md) {
		block, _, _ := strings.Cut(strings.TrimSpace(md), "\n\n")
		return strings.Join(strings.Fields(block), " ")
	}
	src := []byte(md)
	var first string
	_ = ast.Walk(parseText(src), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindParagraph, ast.KindTextBlock:
			if s := strings.Join(strings.Fields(inlineText(n, src)), " "); s != "" {
				first = s
				return ast.WalkStop, nil
			}
			return ast.WalkSkipChildren, nil
		case ast.KindHeading, ast.KindCodeBlock, ast.KindFencedCodeBlock, ast.KindHTMLBlock, east.KindTable:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return first
}

// separator is what goes between the chunks of two blocks: a newline
// inside a table or a tight list, a blank line elsewhere.
func separator(prev, cur ast.Node) string {
	switch {
	case isRow(prev) && isRow(cur) && prev.Parent() == cur.Parent(),
		prev.Kind() == ast.KindTextBlock && cur.Kind() == ast.KindTextBlock:
		return "\n"
	}
	return "\n\n"
}

func isRow(n ast.Node) bool {
	return n.Kind() == east.KindTableRow || n.Kind() == east.KindTableHeader
}

// rowText returns the cells of a table row separated by spaces.
func rowText(row ast.Node, src []byte) string {
	var cells []string
	for c := row.FirstChild(); c != nil; c = c.NextSibling() {
		if s := strings.TrimSpace(inlineText(c, src)); s != "" {
			cells = append(cells, s)
		}
	}
	return strings.Join(cells, " ")
}

// inlineText returns the text of the inline content of block n.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	writeInline(&b, n, src)
	return strings.TrimSpace(b.String())
}

func writeInline(b *strings.Builder, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Segment.Value(src)
			if n.Kind() == ast.KindCodeSpan {
				b.Write(bytes.ReplaceAll(v, []byte("\n"), []byte(" ")))
			} else {
				b.Write(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v))))
			}
			switch {
			case c.HardLineBreak():
				b.WriteByte('\n')
			case c.SoftLineBreak():
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink:
			b.Write(c.Label(src))
		case *ast.RawHTML, *east.TaskCheckBox:
			// Markup, not text.
		default:
			writeInline(b, c, src)
		}
	}
}
