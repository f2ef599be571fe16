package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages holds one template set per page, each made of the layout and
// the page's own file, and the static files with their fingerprints.
type pages struct {
	byName   map[string]*template.Template
	static   map[string][]byte // by name
	styleURL string            // /static/style.css?v=<hash>: cached for good
	// scriptURL is the address of the form's toolbar, cached the same
	// way.
	scriptURL string
}

// loadPages parses the embedded templates. Their text is written with
// ordinary spaces; typoText sets French typography in it before
// parsing.
func loadPages() (*pages, error) {
	layout := template.New("layout.html").Funcs(funcs)
	for _, n := range []string{"templates/layout.html", "templates/parts.html"} {
		if err := parseTemplate(layout, n); err != nil {
			return nil, err
		}
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: make(map[string]*template.Template), static: make(map[string][]byte)}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		t := template.Must(layout.Clone())
		if err := parseTemplate(t, n); err != nil {
			return nil, err
		}
		p.byName[base] = t
	}
	files, err := fs.Glob(staticFiles, "static/*")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := staticFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		p.static[path.Base(f)] = data
	}
	p.styleURL, p.scriptURL = p.staticURL("style.css"), p.staticURL(editorScript)
	return p, nil
}

// staticURL is the address of a static file with its fingerprint, so
// that browsers may keep it for good.
func (p *pages) staticURL(name string) string {
	sum := sha256.Sum256(p.static[name])
	return "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
}

// parseTemplate adds the embedded template file name to t, with French
// typography set in its text.
func parseTemplate(t *template.Template, name string) error {
	src, err := templateFiles.ReadFile(name)
	if err == nil {
		if base := path.Base(name); t.Name() != base {
			// (New with t's own name would drop t's functions.)
			t = t.New(base)
		}
		_, err = t.Parse(typoText(string(src)))
	}
	if err != nil {
		return fmt.Errorf("web: parse %s: %w", name, err)
	}
	return nil
}

// base is what the layout shows on every page; each page's view
// embeds it.
type base struct {
	Title    string // of the page, before " — mutu"
	Nav      string // the menu item of the page: accueil, fiches, outils…
	Query    string // in the search box
	Flash    string // a status message ("Fiche publiée.")
	User     string // account name; "" when not logged in
	Operator bool
	// Moderator: the account moderates (a moderator or an operator):
	// the menu shows the Modération page.
	Moderator bool
	CSRF      string // token for the page's POST forms
	StyleURL  string
	// ScriptURL and Nonce load the form's toolbar (editor.go); "" on
	// the pages that run no script.
	ScriptURL, Nonce string
	Path             string // of the request, to come back after login
	// OwnSearch leaves out the header's search box on a page that has
	// its own (ownSearch): one search box per page.
	OwnSearch bool
}

// ownSearch are the pages with a search box of their own.
var ownSearch = map[string]bool{"home": true, "search": true}

// viewer is implemented by every page view, through base.
type viewer interface{ basePart() *base }

func (b *base) basePart() *base { return b }

// render writes page name with view v and status code.
// maxReturnPath caps the address the login link of a page carries.
const maxReturnPath = 2048

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v viewer) {
	b := v.basePart()
	vis := visitorOf(r)
	if vis.account != nil {
		b.User, b.Operator, b.Moderator = vis.account.Name, vis.account.Operator, vis.account.moderates()
	}
	if vis.id != "" {
		b.CSRF = s.sessions.csrfToken(vis.id)
	}
	b.StyleURL = s.pages.styleURL
	b.OwnSearch = ownSearch[name]
	if scriptPages[name] {
		b.ScriptURL, b.Nonce = s.pages.scriptURL, newNonce()
	}
	// The title and the status message are made in Go, often with an
	// entry's title in guillemets.
	b.Title, b.Flash = typo(b.Title), typo(b.Flash)
	// The login link brings the visitor back here; a page asked with an
	// address too long to be worth it (a search over its limits) comes
	// back without its query.
	b.Path = r.URL.RequestURI()
	if len(b.Path) > maxReturnPath {
		b.Path = r.URL.EscapedPath()
		if len(b.Path) > maxReturnPath {
			b.Path = "/"
		}
	}
	t := s.pages.byName[name]
	if t == nil {
		s.log.Error("web: no template", "name", name)
		http.Error(w, "page introuvable", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("web: render page", "page", name, "err", err)
		http.Error(w, "Erreur interne : la page n'a pas pu être affichée.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if b.Nonce != "" {
		h.Set("Content-Security-Policy", scriptPolicy(b.Nonce))
	}
	if vis.account != nil || b.CSRF != "" {
		// A page for one person, with a token: never stored.
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// messageView is a page that only says something.
type messageView struct {
	base
	Heading string
	Message string
	Items   []string // listed after the message, when there are some
	Links   []link
}

// link is a link for a message page.
type link struct {
	Href, Text string
}

// fail answers with a message page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, heading, message string, links ...link) {
	if len(links) == 0 {
		links = []link{{"/", "Revenir à l'accueil"}}
	}
	for i := range links {
		links[i].Text = typo(links[i].Text)
	}
	heading, message = typo(heading), typo(message)
	s.render(w, r, status, "message", &messageView{base: base{Title: heading}, Heading: heading, Message: message, Links: links})
}

// internalError logs err and answers 500.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("web: request failed", "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "Erreur interne",
		"Le nœud n'a pas pu répondre. Réessayez dans un instant ; si le problème continue, prévenez la personne qui gère le nœud.")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "Page introuvable", "Cette page n'existe pas sur ce nœud. Vérifiez l'adresse, ou cherchez ce qui vous intéresse.",
		link{"/", "Revenir à l'accueil"}, link{"/recherche", "Rechercher"})
}

// static serves the embedded style sheet and icons.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	data, ok := s.pages.static[name]
	if !ok {
		s.notFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Write(data)
}
