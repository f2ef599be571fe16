package render

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// allowedAttrs is every attribute the sanitized HTML may carry, by
// element. Anything else in the output is a failure of the policy.
var allowedAttrs = map[string][]string{
	"a":     {"href", "rel", "title"},
	"img":   {"src", "alt", "title", "referrerpolicy", "loading"},
	"code":  {"class"},
	"ol":    {"start"},
	"th":    {"align"},
	"td":    {"align"},
	"input": {"type", "checked", "disabled"},
}

var allowedElements = map[string]bool{
	"p": true, "br": true, "hr": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "ul": true, "ol": true, "li": true, "pre": true, "code": true, "em": true,
	"strong": true, "del": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true,
	"td": true, "a": true, "img": true, "input": true,
}

// checkSafe parses out as a browser would and reports the first
// element, attribute or URL that could run code, load something
// unexpected or style the page.
func checkSafe(out string) error {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return nil // io.EOF: the tokenizer does not fail otherwise
		case html.CommentToken:
			return fmt.Errorf("comment %q survived", z.Token().Data)
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if !allowedElements[tok.Data] {
				return fmt.Errorf("element <%s> survived", tok.Data)
			}
			for _, a := range tok.Attr {
				if !contains(allowedAttrs[tok.Data], a.Key) {
					return fmt.Errorf("attribute %s on <%s> survived", a.Key, tok.Data)
				}
				if a.Key == "href" || a.Key == "src" {
					if err := checkURL(a.Val); err != nil {
						return fmt.Errorf("<%s %s>: %w", tok.Data, a.Key, err)
					}
				}
				if a.Key == "src" && !isSitePath(a.Val) {
					return fmt.Errorf("<img src=%q>: an image not from a path of the site", a.Val)
				}
				if a.Key == "href" && isSitePath(a.Val) && !readingPage(strings.SplitN(strings.SplitN(a.Val, "?", 2)[0], "#", 2)[0]) {
					return fmt.Errorf("<a href=%q>: a link to a page of the node that is not a reading page", a.Val)
				}
				if tok.Data == "a" && a.Key == "rel" && a.Val != linkRel {
					return fmt.Errorf("link rel is %q", a.Val)
				}
			}
			if tok.Data == "a" && !hasAttr(tok, "rel") && hasAttr(tok, "href") {
				return fmt.Errorf("link without rel: %s", tok)
			}
		}
	}
}

// checkURL accepts http, https, mailto and relative URLs, with the
// leniency of a browser: it strips the characters browsers strip
// before looking at the scheme.
func checkURL(raw string) error {
	lenient := strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, raw)
	u, err := url.Parse(lenient)
	if err != nil {
		return fmt.Errorf("URL %q does not parse", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto":
		return nil
	}
	return fmt.Errorf("URL %q has scheme %q", raw, u.Scheme)
}

// isSitePath reports whether u is a path of the site, as a browser
// reads it.
func isSitePath(u string) bool {
	u = strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, u)
	return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, "/\\")
}

func hasAttr(t html.Token, key string) bool {
	for _, a := range t.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
