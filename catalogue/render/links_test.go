package render

import (
	"strings"
	"testing"
)

// testAttachments are the attachments of the entry the link tests
// render, at the addresses the web interface serves them.
var testAttachments = []Attachment{
	{Name: "plan.png", Type: "image/png", URL: "/entree/bafyentree/piece/plan.png"},
	{Name: "plan du site.svg", Type: "image/svg+xml", URL: "/entree/bafyentree/piece/plan%20du%20site.svg"},
	{Name: "modele.ods", Type: "application/vnd.oasis.opendocument.spreadsheet", URL: "/entree/bafyentree/piece/modele.ods"},
}

// linkCase is Markdown and what its HTML must and must not hold.
type linkCase struct {
	name string
	md   string
	want []string // substrings of the output
	gone []string // must not appear, case-insensitively
}

func checkLinkCases(t *testing.T, tests []linkCase, atts []Attachment) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := HTML(tt.md, atts...)
			if err != nil {
				t.Fatalf("HTML: %v", err)
			}
			if err := checkSafe(string(out)); err != nil {
				t.Errorf("unsafe output: %v", err)
			}
			s := string(out)
			if len(s) > 400 {
				s = s[:400] + "…"
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %s:\n%s", w, s)
				}
			}
			lower := strings.ToLower(string(out))
			for _, g := range tt.gone {
				if strings.Contains(lower, strings.ToLower(g)) {
					t.Errorf("output holds %s:\n%s", g, s)
				}
			}
		})
	}
}

// TestEntryImagesCannotRequestTheReadersNode: an image loads by
// itself, so an entry's images show only its own image attachments.
// The entry that brought nodes down made every reader's browser send
// its node a search of 480,000 characters; an image elsewhere would
// tell its owner who reads the entry.
func TestEntryImagesCannotRequestTheReadersNode(t *testing.T) {
	huge := "![logo](/api/v1/search?q=b" + strings.Repeat("x", 480_000) + ")"
	checkLinkCases(t, []linkCase{
		{"search of 480,000 characters", huge, []string{"<p>logo</p>"}, []string{"<img", "/api/", "href"}},
		{"API by reference", "![logo][r]\n\n[r]: /api/v1/status", []string{"logo"}, []string{"<img", "/api/"}},
		{"API relative to the page", "![logo](../api/v1/status)", []string{"logo"}, []string{"<img", "api"}},
		{"API on localhost", "![logo](http://localhost:6888/api/v1/status)", []string{"logo"}, []string{"<img", "api", "href"}},
		{"API on 127.0.0.1", "![logo](http://127.0.0.1:6888/api/v1/search?q=x)", nil, []string{"<img", "api", "href"}},
		{"API on a decimal loopback", "![logo](http://2130706433:6888/api/v1/status)", nil, []string{"<img", "api", "href"}},
		{"API on a hex loopback", "![logo](http://0x7f.1/api/v1/status)", nil, []string{"<img", "api", "href"}},
		{"API on [::1]", "![logo](http://[::1]:6888/api/v1/status)", nil, []string{"<img", "api", "href"}},
		{"form page", "![logo](/deconnexion)", nil, []string{"<img", "deconnexion"}},
		{"reading page", "![logo](/recherche?q=x)", []string{`<a href="/recherche?q=x" rel="nofollow noopener noreferrer">logo</a>`}, []string{"<img"}},
		{"another site", "![logo](https://a.fr/l.png)", []string{`<a href="https://a.fr/l.png" rel="nofollow noopener noreferrer">logo</a>`}, []string{"<img"}},
		{"another site without text", "![](https://a.fr/l.png \"t\")", []string{`<a href="https://a.fr/l.png" title="t" rel="nofollow noopener noreferrer">https://a.fr/l.png</a>`}, []string{"<img"}},
		{"scheme-relative", "![logo](//evil.example/l.png)", nil, []string{"<img"}},
		{"name of no attachment", "![logo](autre.png)", []string{"logo"}, []string{"<img", "href"}},
		{"attachment by name", "![Le plan](plan.png \"Plan\")", []string{`<img src="/entree/bafyentree/piece/plan.png" alt="Le plan" title="Plan" referrerpolicy="no-referrer" loading="lazy">`}, nil},
		{"attachment after ./", "![plan](./plan.png)", []string{`<img src="/entree/bafyentree/piece/plan.png"`}, nil},
		{"attachment percent-encoded", "![plan](plan%20du%20site.svg)", []string{`<img src="/entree/bafyentree/piece/plan%20du%20site.svg"`}, nil},
		{"attachment in angle brackets", "![plan](<plan du site.svg>)", []string{`<img src="/entree/bafyentree/piece/plan%20du%20site.svg"`}, nil},
		{"attachment by address", "![plan](/entree/bafyentree/piece/plan.png)", []string{`<img src="/entree/bafyentree/piece/plan.png"`}, nil},
		{"attachment that is no image", "![modèle](modele.ods)", []string{`<a href="/entree/bafyentree/piece/modele.ods" rel="nofollow noopener noreferrer">modèle</a>`}, []string{"<img"}},
	}, testAttachments)

	// Without attachments, no image shows at all.
	checkLinkCases(t, []linkCase{
		{"name without attachments", "![plan](plan.png)", []string{"<p>plan</p>"}, []string{"<img"}},
		{"another entry's attachment", "![plan](/entree/bafyautre/piece/plan.png)", []string{`<a href="/entree/bafyautre/piece/plan.png"`}, []string{"<img"}},
	}, nil)
}

// TestEntryLinksLeadOnlyToReadingPagesOfTheNode: a link in an entry
// may lead to other sites, to the entry's attachments and to the
// node's pages that only show things, never into its API or to a page
// with a form that acts (log out, retract, publish, log in and go
// elsewhere).
func TestEntryLinksLeadOnlyToReadingPagesOfTheNode(t *testing.T) {
	inert := func(name, dest string) linkCase {
		return linkCase{name, "[cliquez ici](" + dest + ")", []string{"cliquez ici"}, []string{"href"}}
	}
	checkLinkCases(t, []linkCase{
		inert("API", "/api/v1/search?q=x"),
		inert("API relative", "../api/v1/status"),
		inert("API dot segments encoded", "/entree/%2E%2E/api/v1/status"),
		inert("API on localhost", "http://localhost:6888/api/v1/status"),
		inert("API on a subdomain of localhost", "http://mutu.localhost:6888/api/v1/status"),
		inert("API on 127.0.0.1", "http://127.0.0.1:6888/api/v1/status"),
		inert("API on 127.1", "http://127.1:6888/api/v1/status"),
		inert("API on 0.0.0.0", "http://0.0.0.0:6888/api/v1/status"),
		inert("API on [::1]", "http://[::1]:6888/api/v1/status"),
		inert("API on a mapped loopback", "http://[::ffff:127.0.0.1]:6888/api/v1/status"),
		inert("API scheme-relative", "//127.0.0.1:6888/api/v1/status"),
		inert("log out", "/deconnexion"),
		inert("retract", "/entree/bafyentree/retirer"),
		inert("edit", "/entree/bafyentree/modifier"),
		inert("ask for attachments", "/entree/bafyentree/demander-pieces"),
		inert("publish", "/publier?title=x"),
		inert("log in and go elsewhere", "/connexion?suite=/%09/evil.example"),
		inert("activation", "/compte/activer?jeton=x"),
		inert("tab in the path", "</\t/evil.example>"),
		inert("backslash", "/\\evil.example"),
		inert("javascript", "javascript:alert(1)"),
		{"bare URL of the API", "voir http://mutu.localhost:6888/api/v1/status fin", []string{"voir http://mutu.localhost:6888/api/v1/status fin"}, []string{"href"}},
		{"autolink of the API", "<http://localhost:6888/api/v1/status>", []string{"http://localhost:6888/api/v1/status"}, []string{"href"}},
		{"entry", "[voir](/entree/bafyautre)", []string{`href="/entree/bafyautre"`}, nil},
		inert("relative to the page", "bafyautre"),
		inert("relative to the page, in a folder", "pieces/modele.ods"),
		{"entry history", "[voir](/entree/bafyautre/historique)", []string{`href="/entree/bafyautre/historique"`}, nil},
		{"entry on localhost", "[voir](http://127.0.0.1:6888/entree/bafyautre#a)", []string{`href="/entree/bafyautre#a"`}, nil},
		{"search", "[voir](/recherche?q=r%C3%A9gie&kind=note)", []string{`href="/recherche?q=r%C3%A9gie&amp;kind=note"`}, nil},
		{"home", "[accueil](/)", []string{`href="/"`}, nil},
		{"feed", "[flux](/flux/regies.atom)", []string{`href="/flux/regies.atom"`}, nil},
		{"fragment", "[plus bas](#budget)", []string{`href="#budget"`}, nil},
		{"attachment", "[le modèle](modele.ods)", []string{`href="/entree/bafyentree/piece/modele.ods"`}, nil},
		{"another site's API", "[doc](https://api.gouv.fr/api/v1/x?a=1&b=2)", []string{`href="https://api.gouv.fr/api/v1/x?a=1&amp;b=2"`}, nil},
		{"mail", "[écrire](mailto:regie@ac-lyon.fr)", []string{`href="mailto:regie@ac-lyon.fr"`}, nil},
		{"bare URL", "voir https://www.service-public.fr.", []string{`href="https://www.service-public.fr"`}, nil},
	}, testAttachments)
}

func TestBrowserIPv4(t *testing.T) {
	for host, want := range map[string]string{
		"127.0.0.1": "127.0.0.1", "127.1": "127.0.0.1", "2130706433": "127.0.0.1", "0x7f.1": "127.0.0.1",
		"0177.0.0.1": "127.0.0.1", "0x7f000001": "127.0.0.1", "10.0.258": "10.0.1.2", "0": "0.0.0.0",
		"example.fr": "", "1.2.3.4.5": "", "256.0.0.1": "", "1.2.3.256": "", "4294967296": "", "0x": "0.0.0.0", "": "",
	} {
		got := ""
		if ip := browserIPv4(host); ip != nil {
			got = ip.String()
		}
		if got != want {
			t.Errorf("browserIPv4(%q) = %q, want %q", host, got, want)
		}
	}
}
