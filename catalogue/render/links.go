package render

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/util"
)

// Attachment is a file attached to the entry being rendered: the name
// its Markdown may use for it, its media type, and the address at
// which the page serves it.
type Attachment struct {
	Name string // as in the entry's manifest: "organigramme.png"
	Type string // media type: only image/* files show as images
	URL  string // a path of the site: "/entree/bafy…/piece/organigramme.png"
}

// What an entry may point at. An entry comes from any node, and the
// page that shows it is served by the reader's own node, so a URL of
// that node in an entry is a request the reader's browser makes to it
// with the reader's cookies:
//
//   - An image loads by itself, so it may show only one of the entry's
//     own image attachments: its Markdown names the file
//     (![plan](plan.png)) and the image points at the address the page
//     serves it at. Any other image, on this node or elsewhere, is shown
//     as a link to where it points, when a link may lead there (below),
//     and as its text otherwise: the reader decides to open it. Images
//     from other sites are never loaded: they would tell their owner
//     who reads which entry and from where, and fetching them through
//     the node would make every node fetch any address an entry names.
//   - A link is followed only when the reader chooses to, and may lead
//     to other sites (http, https, mailto), to the entry's attachments
//     (by name, like images), and on the node itself only to the pages
//     that read (readingPage): never to the API or to a page with a
//     form that acts. Other links keep their text and lose their
//     address. A URL whose host is this machine (localhost, 127.0.0.1,
//     [::1]…) is a URL of the node, whatever its port.
//
// A path relative to the page ("pieces/x.ods", "../api") that names no
// attachment leads nowhere: the entry is shown on several pages (its
// own, the form's preview), from which it would lead to different
// places.
var attachmentsKey = parser.NewContextKey()

// root resolves the dot segments of an absolute path.
var root = &url.URL{Path: "/"}

// readingPage reports whether p, a decoded absolute path, is one of
// the node's pages that only show things (docs/web.md, "Pages").
func readingPage(p string) bool {
	switch p {
	case "/", "/recherche", "/outils", "/logiciels", "/reseau", "/flux.atom":
		return true
	}
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for _, s := range seg {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	switch {
	case seg[0] == "flux" && len(seg) == 2:
		return true
	case seg[0] != "entree":
		return false
	case len(seg) == 2:
		return true // the entry's page
	case len(seg) == 3:
		return seg[2] == "historique" || seg[2] == "diff"
	case len(seg) == 4:
		return seg[2] == "piece"
	}
	return false
}

// linkRules applies the rules above to the links and images of a
// document, with the attachments set in the parser context.
func linkRules(doc *ast.Document, src []byte, pc parser.Context) {
	atts, _ := pc.Get(attachmentsKey).([]Attachment)
	var links, images, autolinks []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink:
			links = append(links, n)
		case ast.KindImage:
			images = append(images, n)
		case ast.KindAutoLink:
			autolinks = append(autolinks, n)
		}
		return ast.WalkContinue, nil
	})
	for _, n := range links {
		l := n.(*ast.Link)
		if to, ok := linkTarget(string(l.Destination), atts); ok {
			l.Destination = goldmarkURL(to)
		} else {
			unwrap(l)
		}
	}
	for _, n := range images {
		img := n.(*ast.Image)
		dest := string(img.Destination)
		if a := attachmentOf(resolveReferences(dest), atts); a != nil && strings.HasPrefix(a.Type, "image/") {
			img.Destination = goldmarkURL(a.URL)
			continue
		}
		to, ok := linkTarget(dest, atts)
		if !ok {
			unwrap(img)
			continue
		}
		// Any other image becomes a link to where it points, when a
		// link may lead there, under its alternative text (or its
		// address, when it has none).
		link := ast.NewLink()
		link.Destination, link.Title = goldmarkURL(to), img.Title
		link.SetAttributeString("rel", linkRel)
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			link.AppendChild(link, c)
			c = next
		}
		if !link.HasChildren() {
			link.AppendChild(link, ast.NewString([]byte(to)))
		}
		img.Parent().ReplaceChild(img.Parent(), img, link)
	}
	for _, n := range autolinks {
		a := n.(*ast.AutoLink)
		u := string(a.URL(src))
		if a.AutoLinkType == ast.AutoLinkEmail {
			continue
		}
		if _, ok := linkTarget(u, nil); !ok {
			n.Parent().ReplaceChild(n.Parent(), n, ast.NewString(a.Label(src)))
		}
	}
}

// linkTarget returns the address a link to dest (as written in the
// Markdown) may lead to, and false when it may lead nowhere.
func linkTarget(dest string, atts []Attachment) (string, bool) {
	v := resolveReferences(dest)
	if a := attachmentOf(v, atts); a != nil {
		return a.URL, true
	}
	// What a browser would read differently from url.Parse (it drops
	// tabs and newlines, reads "\" as "/") is refused rather than
	// guessed at.
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] == 0x7f || v[i] == '\\' {
			return "", false
		}
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "mailto":
		return u.String(), u.Opaque != ""
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
		if !thisMachine(u.Hostname()) {
			return u.String(), true
		}
		// A URL of this machine is one of the node's.
		u.Scheme, u.Host, u.User = "", "", nil
	case "":
		if u.Host != "" { // "//host/path": another site, or this one
			if !thisMachine(u.Hostname()) {
				return u.String(), true
			}
			u.Host, u.User = "", nil
		}
		if u.Path == "" && u.RawQuery == "" {
			return u.String(), u.Fragment != "" // "#section", on the page itself
		}
		if !strings.HasPrefix(u.Path, "/") {
			return "", false
		}
	default:
		return "", false
	}
	u = root.ResolveReference(u)
	if !readingPage(u.Path) {
		return "", false
	}
	return u.String(), true
}

// attachmentOf returns the attachment that v, a destination with its
// references resolved, names: by its name, as it is, percent-encoded
// or after "./", or by its address; nil if none.
func attachmentOf(v string, atts []Attachment) *Attachment {
	if len(atts) == 0 {
		return nil
	}
	names := []string{v}
	if d, err := url.PathUnescape(v); err == nil && d != v {
		names = append(names, d)
	}
	for _, n := range names {
		n = strings.TrimPrefix(n, "./")
		for i := range atts {
			if n != "" && (n == atts[i].Name || n == atts[i].URL) {
				return &atts[i]
			}
		}
	}
	return nil
}

// resolveReferences returns dest as goldmark's renderer reads it:
// backslash escapes and character references resolved.
func resolveReferences(dest string) string {
	b := util.UnescapePunctuations([]byte(dest))
	b = util.ResolveNumericReferences(b)
	return string(util.ResolveEntityNames(b))
}

// goldmarkURL returns u written so that goldmark's renderer, which
// resolves references in a destination, writes u.
func goldmarkURL(u string) []byte {
	return []byte(strings.ReplaceAll(u, "&", "&amp;"))
}

// unwrap replaces n by its children: a link or an image by its text.
func unwrap(n ast.Node) {
	parent := n.Parent()
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

// thisMachine reports whether host names the machine the browser runs
// on, where the reader's node listens: localhost and its subdomains,
// the loopback and unspecified addresses, in any of the forms a
// browser reads as an IPv4 address ("127.1", "2130706433", "0x7f.1").
func thisMachine(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ip = browserIPv4(host)
	}
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// browserIPv4 parses host as the WHATWG URL standard parses an IPv4
// address: one to four parts, each decimal, octal (leading 0) or hex
// (0x), the last one filling the remaining bytes. It returns nil when
// host is not one.
func browserIPv4(host string) net.IP {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return nil
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			p, base = p[2:], 16
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return nil
		}
		nums[i] = n
	}
	var addr uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return nil
		}
		addr |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return nil
	}
	addr |= last
	return net.IPv4(byte(addr>>24), byte(addr>>16), byte(addr>>8), byte(addr))
}
