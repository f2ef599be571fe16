package render

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"

	"github.com/yuin/goldmark/parser"

	"github.com/mutu-network/mutu/protocol"
)

// ErrTooLarge is returned for Markdown longer than an entry body may
// be (protocol.MaxBodySize).
var ErrTooLarge = errors.New("render: Markdown too large")

// HTML renders Markdown to sanitized HTML, ready to be placed in an
// html/template page. Raw HTML in the Markdown is dropped; links get
// rel="nofollow noopener noreferrer"; only http, https, mailto and
// relative URLs survive. atts are the entry's attachments: images show
// only these (the image files among them), and links and images lead
// only where links.go says. Markdown shaped to make parsing slow (see
// tooComplex) is shown as preformatted text.
func HTML(md string, atts ...Attachment) (template.HTML, error) {
	if len(md) > protocol.MaxBodySize {
		return "", fmt.Errorf("render %d bytes of Markdown (limit %d): %w", len(md), protocol.MaxBodySize, ErrTooLarge)
	}
	var buf bytes.Buffer
	if tooComplex(md) {
		buf.WriteString("<pre>")
		template.HTMLEscape(&buf, []byte(md))
		buf.WriteString("</pre>\n")
	} else {
		pc := parser.NewContext()
		pc.Set(attachmentsKey, atts)
		if err := markdown.Convert([]byte(md), &buf, parser.WithContext(pc)); err != nil {
			return "", fmt.Errorf("render Markdown: %w", err)
		}
	}
	// The policy is what makes this conversion safe.
	return template.HTML(policy.SanitizeBytes(buf.Bytes())), nil
}
