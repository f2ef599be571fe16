package web

import (
	"errors"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/render"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
)

// entryView is the page of one entry.
type entryView struct {
	base
	E         card
	Author    string
	AuthorKey string
	// Attribution says who vouches for the author of the version shown,
	// in a closed network (roster.go).
	Attribution string
	Created     time.Time
	Verified    bool
	Body        template.HTML
	Audience    []string
	Platforms   []string
	SoftType    string
	Publiccode  string // where a software entry's publiccode.yml is downloaded
	Attachments []attachmentView
	Editors     []string         // the co-editors the author lists
	Images      []attachmentView // the attachments shown in the page (see isImage)
	Owner       bool             // the visitor may edit and retract it
	Heads       []headView       // the concurrent versions, when in conflict
	// Remarks are what is worth fixing in the entry, shown to its
	// author right after a write from the form.
	Remarks []remark
	// Missing is true when an attachment is not all here; CanFetch
	// when the node can ask the other nodes for it, and Fetching while
	// it does.
	Missing, CanFetch, Fetching bool
	// Hidden is the act that hides the entry on this node, shown to
	// its moderators and its author; nil if none.
	Hidden *actView
	// Moderate: the visitor moderates, and the page shows the forms to
	// hide the entry (or show it again) and block its author.
	Moderate   bool
	Categories []categoryOption
	// CanReport: the visitor is logged in and the node signs reports
	// (the form « Signaler »); Reports are those on the entry, shown to
	// its author and to moderators.
	CanReport bool
	Reports   []reportView
}

type attachmentView struct {
	Name, Type, Href string
	Src              string // of the image shown in the page
	Size             uint64
	Held             bool
}

// headView is one of the concurrent versions of an entry in conflict.
type headView struct {
	CID    string
	Author string
	Time   time.Time
	Shown  bool
	Diff   string // link to its differences from the shown version
}

// entryPath is the address of an entry's page.
func entryPath(id cid.Cid) string { return "/entree/" + id.String() }

// loadDoc reads the document the path's {id} names; on failure it has
// answered.
func (s *Server) loadDoc(w http.ResponseWriter, r *http.Request) (*catalogue.Doc, bool) {
	id, err := s.cat.Resolve(r.PathValue("id"))
	if err == nil {
		var d *catalogue.Doc
		if d, err = s.cat.Get(id); err == nil {
			if d.Hidden != nil && !seesHidden(visitorOf(r), d) {
				s.hiddenPage(w, r, *d.Hidden)
				return nil, false
			}
			return d, true
		}
	}
	switch {
	case errors.Is(err, catalogue.ErrNotFound), errors.Is(err, catalogue.ErrAmbiguous):
		s.fail(w, r, http.StatusNotFound, "Entrée introuvable",
			"Aucune entrée de ce nœud ne porte cet identifiant. Elle n'est peut-être pas encore arrivée : les nœuds se synchronisent toutes les minutes.",
			link{"/", "Revenir à l'accueil"}, link{"/recherche", "Rechercher"})
	default:
		s.internalError(w, r, err)
	}
	return nil, false
}

// retracted answers for a retracted entry.
func (s *Server) retracted(w http.ResponseWriter, r *http.Request, d *catalogue.Doc) {
	title := "Entrée retirée"
	msg := "Son auteur l'a retirée le " + frenchDate(d.Updated) + " : elle n'est plus diffusée sur le réseau."
	if d.Entry != nil {
		msg = "« " + d.Entry.Title() + " » a été retirée par son auteur le " + frenchDate(d.Updated) + " : elle n'est plus diffusée sur le réseau."
	}
	s.fail(w, r, http.StatusGone, title, msg, link{"/", "Revenir à l'accueil"}, link{entryPath(d.ID) + "/historique", "Voir son historique"})
}

// erased answers for an entry whose shown content a moderation
// decision erased (docs/protocol.md §4.14).
func (s *Server) erased(w http.ResponseWriter, r *http.Request, d *catalogue.Doc) {
	s.fail(w, r, http.StatusGone, "Contenu effacé",
		erasedText(d.Erased)+". Une décision de modération a effacé ce contenu de ce nœud et de ceux qui la suivent ; l'historique de l'entrée reste consultable.",
		link{"/", "Revenir à l'accueil"}, link{entryPath(d.ID) + "/historique", "Voir son historique"})
}

// erasedText says when and why content was erased: « Contenu effacé le
// 7 décembre 2026 : données personnelles ».
func erasedText(by *catalogue.ErasedBy) string {
	why := by.Category.Label()
	if why == "" {
		why = string(by.Category)
	}
	return "Contenu effacé le " + frenchDate(by.Time) + " : " + why
}

// owns reports whether the visitor's account may revise d: it is its
// author, or among the editors its author lists.
func owns(v *visitor, d *catalogue.Doc) bool {
	if v.account == nil {
		return false
	}
	me := protocol.PublicKey(v.account.key)
	if d.Author == me {
		return true
	}
	if d.HeadRev != nil {
		for _, e := range d.HeadRev.Editors {
			if e == me {
				return true
			}
		}
	}
	return false
}

func (s *Server) entry(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadDoc(w, r)
	if !ok {
		return
	}
	if d.Erased != nil && !d.Retracted {
		s.erased(w, r, d)
		return
	}
	if d.Retracted || d.Entry == nil {
		s.retracted(w, r, d)
		return
	}
	body, err := renderBody(d.Entry.Body, bodyAttachments(d)...)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	c := cardOf(d, s.now(), true)
	v := &entryView{
		base:      base{Title: c.Title, Nav: navOfKind(c.Kind), Flash: flashes[r.URL.Query().Get("msg")]},
		E:         c,
		Author:    s.authorName(d.Author),
		AuthorKey: d.Author.String(),
		Created:   d.Created,
		Verified:  d.Verified,
		Body:      body,
		Audience:  d.Entry.Audience(),
		Platforms: d.Entry.Platforms(),
		SoftType:  d.Entry.SoftwareType(),
		Owner:     owns(visitorOf(r), d),
	}
	if d.Entry.Kind() == entry.KindSoftware {
		v.Publiccode = publiccodePath(entryPath(d.ID))
	}
	if d.HeadRev != nil {
		v.Attribution = s.attribution(d.HeadRev.Author, d.HeadRev.Clock)
		for _, k := range d.HeadRev.Editors {
			v.Editors = append(v.Editors, s.authorName(k))
		}
	}
	switch r.URL.Query().Get("msg") {
	case "publiee", "modifiee", "inchangee":
		// The form leads here after a write: the warnings, which did
		// not stop it, are the entry's, and are found again from it.
		if v.Owner {
			warnings, _ := d.Entry.Validate("entrée")
			v.Remarks = remarks(warnings)
		}
	}
	for _, a := range d.Attachments {
		v.Attachments = append(v.Attachments, attachmentView{
			Name: a.Name, Type: a.Type, Size: a.Size, Held: a.Held,
			Href: attachmentPath(d.ID, a.Name),
		})
		v.Missing = v.Missing || !a.Held
		if isImage(a) {
			img := v.Attachments[len(v.Attachments)-1]
			img.Src = imagePath(d.ID.String(), a.Name)
			v.Images = append(v.Images, img)
		}
	}
	if v.Missing && s.net != nil {
		v.CanFetch, v.Fetching = true, s.fetching(d.ID)
		s.ensureCookie(w, r) // the form needs a CSRF token, account or not
	}
	if d.Conflict() {
		v.Heads = s.heads(d)
	}
	if d.Hidden != nil {
		a := s.actView(*d.Hidden)
		v.Hidden = &a
	}
	vis := visitorOf(r)
	if vis.account.moderates() && s.mod != nil {
		v.Moderate = true
	}
	if vis.account != nil && s.canReport() {
		v.CanReport = true
	}
	if v.Moderate || v.CanReport {
		v.Categories = categoryOptions()
	}
	if v.Owner || vis.account.moderates() {
		v.Reports = reportViews(api.ReportsOn(s.cat, d.ID.String(), s.nodeKey))
	}
	s.render(w, r, http.StatusOK, "entry", v)
}

// attachmentPath is the address of an entry's attachment.
func attachmentPath(id cid.Cid, name string) string {
	return entryPath(id) + "/piece/" + url.PathEscape(name)
}

// bodyAttachments are d's attachments for render.HTML: the only
// images its text may show, at the addresses this site serves them.
func bodyAttachments(d *catalogue.Doc) []render.Attachment {
	atts := make([]render.Attachment, len(d.Attachments))
	for i, a := range d.Attachments {
		atts[i] = render.Attachment{Name: a.Name, Type: a.Type, URL: attachmentPath(d.ID, a.Name)}
	}
	return atts
}

// renderBody renders an entry's Markdown for a page whose h1 is the
// entry's title: its headings go one level down, so that the page's
// outline stays in order (RGAA 9.1).
func renderBody(md string, atts ...render.Attachment) (template.HTML, error) {
	h, err := render.HTML(md, atts...)
	if err != nil {
		return "", err
	}
	return shiftHeadings(h), nil
}

// headingShift moves sanitized headings one level down. The sanitizer
// writes heading tags bare; text that looks like a tag is escaped, so
// only real tags match.
var headingShift = strings.NewReplacer(
	"<h1>", "<h2>", "</h1>", "</h2>", "<h2>", "<h3>", "</h2>", "</h3>",
	"<h3>", "<h4>", "</h3>", "</h4>", "<h4>", "<h5>", "</h4>", "</h5>",
	"<h5>", "<h6>", "</h5>", "</h6>",
)

func shiftHeadings(h template.HTML) template.HTML {
	return template.HTML(headingShift.Replace(string(h)))
}

// heads describes the concurrent versions of a document in conflict.
func (s *Server) heads(d *catalogue.Doc) []headView {
	var out []headView
	for _, h := range d.Heads {
		rev, _, err := s.cat.Revision(h)
		if err != nil {
			continue
		}
		hv := headView{CID: h.String(), Author: s.authorName(rev.Author), Time: rev.Clock.Time(), Shown: h == d.Head}
		if !hv.Shown {
			hv.Diff = entryPath(d.ID) + "/diff?" + url.Values{"de": {d.Head.String()}, "a": {h.String()}}.Encode()
		}
		out = append(out, hv)
	}
	return out
}

func navOfKind(kind string) string {
	switch kind {
	case "tool":
		return "outils"
	case "software":
		return "logiciels"
	}
	return "fiches"
}

// attachmentPolicy is the Content-Security-Policy of a downloaded
// file: should a browser display it anyway, nothing in it runs.
const attachmentPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// attached loads the entry a request names and finds the attachment it
// names, nil if the entry has none of that name. It answers the request
// itself (not found, retracted) when ok is false.
func (s *Server) attached(w http.ResponseWriter, r *http.Request) (d *catalogue.Doc, att *catalogue.Attachment, ok bool) {
	if d, ok = s.loadDoc(w, r); !ok {
		return nil, nil, false
	}
	if d.Retracted {
		s.retracted(w, r, d)
		return nil, nil, false
	}
	name := r.PathValue("name")
	for i := range d.Attachments {
		if d.Attachments[i].Name == name {
			return d, &d.Attachments[i], true
		}
	}
	return d, nil, true
}

// attachment sends an attached file, always as a download: a file
// from the network (an SVG or HTML page with a script) must never be
// displayed as part of this site.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	d, att, ok := s.attached(w, r)
	if !ok {
		return
	}
	if att == nil {
		s.fail(w, r, http.StatusNotFound, "Pièce jointe introuvable", "Cette entrée n'a pas de pièce jointe de ce nom.",
			link{entryPath(d.ID), "Revenir à l'entrée"})
		return
	}
	if !att.Held {
		s.fail(w, r, http.StatusNotFound, "Pièce jointe pas encore arrivée",
			"Ce nœud n'a pas encore reçu tout le fichier. Sur la page de l'entrée, « Demander les pièces jointes aux autres nœuds » le fait venir des nœuds qui l'ont.",
			link{entryPath(d.ID), "Revenir à l'entrée"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", mediaType(att.Type))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
	h.Set("Content-Security-Policy", attachmentPolicy)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.FormatUint(att.Size, 10))
	// A large file to a slow reader may take longer than the server's
	// write timeout: as long as it moves.
	cw := &countingWriter{w: s.guard.LongDownload(w)}
	if _, err := s.cat.WriteAttachment(d.ID, att.Name, cw); err != nil {
		if cw.n > 0 {
			// The status is sent. Returning short of Content-Length
			// makes the server close the connection, which the
			// browser shows as a failed download.
			s.log.Error("web: attachment cut", "entry", d.ID, "name", att.Name, "err", err)
			return
		}
		for _, k := range []string{"Content-Disposition", "Content-Length", "Content-Security-Policy"} {
			h.Del(k)
		}
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		if errors.Is(err, catalogue.ErrNotFound) {
			s.fail(w, r, http.StatusNotFound, "Pièce jointe pas encore arrivée",
				"Ce nœud n'a pas encore reçu tout le fichier. Sur la page de l'entrée, « Demander les pièces jointes aux autres nœuds » le fait venir des nœuds qui l'ont.", link{entryPath(d.ID), "Revenir à l'entrée"})
			return
		}
		s.internalError(w, r, err)
	}
}

// mediaType returns t if it is a well-formed media type, and
// application/octet-stream otherwise.
func mediaType(t string) string {
	mt, params, err := mime.ParseMediaType(t)
	if err != nil {
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}

// countingWriter counts what was written through it.
type countingWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
