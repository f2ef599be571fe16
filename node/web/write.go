package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/catalogue/render"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// formView is the publish and edit page.
type formView struct {
	base
	Heading   string
	Action    string // where the form posts
	Editing   bool
	EntryHref string
	Version   string // head the edit starts from
	F         entryForm
	Choices   formChoices
	Errors    map[string]*fieldError // by field
	Problems  []fieldError           // every problem, for the summary at the top
	Preview   template.HTML
	Previewed bool
	Warnings  []remark
	Kept      []*keptFile      // uploads kept from an earlier submission
	Existing  []attachmentView // edit: the entry's attachments
	Drop      []string         // edit: attachments ticked for removal
	Editors   editorsView
}

func (v *formView) addErrors(errs []fieldError) {
	if v.Errors == nil {
		v.Errors = make(map[string]*fieldError)
	}
	for _, e := range errs {
		if _, dup := v.Errors[e.Field]; !dup && e.Field != "" {
			v.Errors[e.Field] = &e
		}
		v.Problems = append(v.Problems, e)
	}
}

func (s *Server) publishForm(w http.ResponseWriter, r *http.Request) {
	f := entryForm{Kind: string(entry.KindNote)}
	if k := r.URL.Query().Get("kind"); k != "" {
		if kind, err := entry.ParseKind(k); err == nil {
			f.Kind = string(kind)
		}
	}
	v := &formView{base: base{Title: "Publier", Nav: "publier"}, Heading: "Publier une entrée", Action: "/publier", F: f, Choices: choicesFor(f)}
	v.Editors = s.editorsOf(visitorOf(r), nil)
	s.render(w, r, http.StatusOK, "form", v)
}

func (s *Server) publishPost(w http.ResponseWriter, r *http.Request) {
	vis := visitorOf(r)
	f := parseEntryForm(r)
	v := &formView{base: base{Title: "Publier", Nav: "publier"}, Heading: "Publier une entrée", Action: "/publier", F: f, Choices: choicesFor(f)}
	v.Editors = s.editorsOf(vis, nil)
	if uploadTooLarge(r) {
		s.uploadRefused(w, r, v)
		return
	}
	if name, data, ok, err := publiccodeUpload(r); ok {
		s.publishPubliccode(w, r, v, name, data, err)
		return
	}
	e := &entry.Entry{Meta: f.meta(nil), Body: f.Body}
	editors := v.editorKeys()
	files, ok := s.checkEntry(w, r, v, e)
	if !ok {
		return
	}
	p, err := s.cat.Publish(r.Context(), vis.account.key, e, files, editors...)
	closeFiles(files)
	if err != nil {
		s.writeFailed(w, r, v, nil, err)
		return
	}
	s.written(r, vis)
	http.Redirect(w, r, entryPath(p.Doc)+"?msg=publiee", http.StatusSeeOther)
}

func (s *Server) editForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.revisableDoc(w, r)
	if !ok {
		return
	}
	f := formOf(d.Entry)
	f.Editors = editorsText(d.HeadRev.Editors)
	v := s.editView(d, f)
	v.Editors = s.editorsOf(visitorOf(r), d)
	s.render(w, r, http.StatusOK, "form", v)
}

func (s *Server) editView(d *catalogue.Doc, f entryForm) *formView {
	v := &formView{
		base:    base{Title: "Modifier « " + d.Entry.Title() + " »", Nav: navOfKind(string(d.Entry.Kind()))},
		Heading: "Modifier « " + d.Entry.Title() + " »", Action: entryPath(d.ID) + "/modifier",
		Editing: true, EntryHref: entryPath(d.ID), Version: d.Head.String(), F: f, Choices: choicesFor(f),
	}
	for _, a := range d.Attachments {
		v.Existing = append(v.Existing, attachmentView{Name: a.Name, Type: a.Type, Size: a.Size, Held: a.Held})
	}
	return v
}

func (s *Server) editPost(w http.ResponseWriter, r *http.Request) {
	vis := visitorOf(r)
	d, ok := s.revisableDoc(w, r)
	if !ok {
		return
	}
	f := parseEntryForm(r)
	f.Kind = string(d.Entry.Kind()) // an edit keeps the kind
	v := s.editView(d, f)
	v.Editors = s.editorsOf(vis, d)
	v.Drop = r.PostForm["supprimer"]
	if uploadTooLarge(r) {
		s.uploadRefused(w, r, v)
		return
	}
	if r.PostFormValue("version") != d.Head.String() && r.PostFormValue("action") != "apercu" {
		// Someone changed the entry since the form was opened: show
		// it, so that the change is not overwritten unseen.
		v.addErrors([]fieldError{{Message: "L'entrée a été modifiée depuis l'ouverture de ce formulaire (sur ce nœud ou un autre). " +
			"Consultez son historique, puis enregistrez de nouveau : votre texte est conservé ci-dessous."}})
		v.Kept = s.keepUploads(r, vis)
		s.render(w, r, http.StatusConflict, "form", v)
		return
	}
	e := &entry.Entry{Meta: f.meta(d.Entry.Meta), Body: f.Body}
	editors := v.editorKeys()
	files, ok := s.checkEntry(w, r, v, e)
	if !ok {
		return
	}
	p, err := s.cat.Edit(r.Context(), vis.account.key, d.ID, e, catalogue.EditOptions{Files: files, Drop: v.Drop, Editors: editors})
	closeFiles(files)
	if err != nil {
		s.writeFailed(w, r, v, d, err)
		return
	}
	if p.Unchanged {
		s.sessions.release(vis.session, r.PostForm["garder"])
		http.Redirect(w, r, entryPath(p.Doc)+"?msg=inchangee", http.StatusSeeOther)
		return
	}
	s.written(r, vis)
	http.Redirect(w, r, entryPath(p.Doc)+"?msg=modifiee", http.StatusSeeOther)
}

// revisableDoc reads the document of the path and checks that the
// visitor may revise it; otherwise it has answered.
func (s *Server) revisableDoc(w http.ResponseWriter, r *http.Request) (*catalogue.Doc, bool) {
	d, ok := s.loadDoc(w, r)
	if !ok {
		return nil, false
	}
	if d.Erased != nil && !d.Retracted {
		s.erased(w, r, d)
		return nil, false
	}
	if d.Retracted || d.Entry == nil {
		s.retracted(w, r, d)
		return nil, false
	}
	if !owns(visitorOf(r), d) {
		s.notAuthor(w, r, d)
		return nil, false
	}
	return d, true
}

// notAuthor answers a visitor who is not the author of an entry.
func (s *Server) notAuthor(w http.ResponseWriter, r *http.Request, d *catalogue.Doc) {
	s.fail(w, r, http.StatusForbidden, "Vous n'êtes pas l'auteur de cette entrée",
		"Seul son auteur ("+s.authorName(d.Author)+") peut la modifier ou la retirer. "+
			"Pour proposer votre version, publiez votre propre entrée et citez celle-ci.",
		link{entryPath(d.ID), "Revenir à l'entrée"}, link{"/publier", "Publier ma propre entrée"})
}

// checkEntry validates the entry and the uploads, and handles the
// preview. It returns the files to attach when the entry is to be
// written now; otherwise it has shown the form again.
func (s *Server) checkEntry(w http.ResponseWriter, r *http.Request, v *formView, e *entry.Entry) ([]catalogue.File, bool) {
	vis := visitorOf(r)
	warnings, err := e.Validate("formulaire")
	if err != nil {
		v.addErrors(fieldErrors(err))
	}
	v.Warnings = remarks(warnings)
	uploads, problems := uploadedFiles(r)
	v.addErrors(problems)
	preview := r.PostFormValue("action") == "apercu"
	if preview || len(v.Problems) > 0 {
		closeFiles(uploads)
		v.Kept = s.keepUploads(r, vis)
		if preview {
			v.Previewed = true
			// An edit's preview shows the entry's image attachments as
			// its page does; a new entry's are not stored yet.
			var atts []render.Attachment
			for _, a := range v.Existing {
				atts = append(atts, render.Attachment{Name: a.Name, Type: a.Type, URL: a.Href})
			}
			if html, err := render.HTML(e.Body, atts...); err == nil {
				// Below the page's h1 and the preview's h2.
				v.Preview = shiftHeadings(shiftHeadings(html))
			}
		}
		status := http.StatusOK
		if len(v.Problems) > 0 {
			status = http.StatusUnprocessableEntity
		}
		s.render(w, r, status, "form", v)
		return nil, false
	}
	files := uploads
	for _, id := range r.PostForm["garder"] {
		if k := s.sessions.kept(vis.session, id); k != nil && !hasFile(files, k.Name) {
			files = append(files, catalogue.File{Name: k.Name, Type: k.Type, Data: bytes.NewReader(k.data)})
		}
	}
	return files, true
}

// closeFiles closes the uploads opened for a write.
func closeFiles(files []catalogue.File) {
	for _, f := range files {
		if c, ok := f.Data.(io.Closer); ok {
			c.Close()
		}
	}
}

func hasFile(files []catalogue.File, name string) bool {
	return slices.ContainsFunc(files, func(f catalogue.File) bool { return f.Name == name })
}

// uploadedFiles returns the files of the form's field "pieces", opened
// for reading, and the problems with them.
func uploadedFiles(r *http.Request) ([]catalogue.File, []fieldError) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var files []catalogue.File
	var problems []fieldError
	for _, fh := range r.MultipartForm.File["pieces"] {
		name, problem := attachmentName(fh.Filename)
		if problem != "" {
			problems = append(problems, fieldError{Field: "pieces", Message: problem})
			continue
		}
		if hasFile(files, name) {
			continue
		}
		fr, err := fh.Open()
		if err != nil {
			problems = append(problems, fieldError{Field: "pieces", Message: "Le fichier « " + name + " » n'a pas pu être lu ; envoyez-le de nouveau."})
			continue
		}
		files = append(files, catalogue.File{Name: name, Type: uploadType(fh), Data: fr})
	}
	if len(files) > protocol.MaxAttachments {
		problems = append(problems, fieldError{Field: "pieces", Message: fmt.Sprintf("Une entrée a au plus %d pièces jointes.", protocol.MaxAttachments)})
	}
	return files, problems
}

// attachmentName returns the plain file name of an upload, or what is
// wrong with it.
func attachmentName(filename string) (string, string) {
	// Some browsers send a whole path.
	name := filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", ""
	case name == "." || name == ".." || len(name) > 255 || !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		return "", "Le nom de fichier « " + filename + " » n'est pas accepté ; renommez le fichier."
	}
	return name, ""
}

// uploadType is the media type the browser gave an upload, if it is
// well formed; otherwise the catalogue guesses from the name.
func uploadType(fh *multipart.FileHeader) string {
	t := fh.Header.Get("Content-Type")
	if t == "" || t == "application/octet-stream" || mediaType(t) != t {
		return ""
	}
	return t
}

// keepUploads keeps the files of the form in the session for the next
// submission and returns every upload kept, the earlier ones still
// ticked included.
func (s *Server) keepUploads(r *http.Request, vis *visitor) []*keptFile {
	var out []*keptFile
	for _, id := range r.PostForm["garder"] {
		if k := s.sessions.kept(vis.session, id); k != nil {
			out = append(out, k)
		}
	}
	if r.MultipartForm == nil {
		return out
	}
	for _, fh := range r.MultipartForm.File["pieces"] {
		name, problem := attachmentName(fh.Filename)
		if name == "" || problem != "" {
			continue
		}
		fr, err := fh.Open()
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(fr, stashFileMax+1))
		fr.Close()
		if err != nil {
			continue
		}
		if id := s.sessions.keep(vis.session, name, uploadType(fh), data, s.now()); id != "" {
			out = slices.DeleteFunc(out, func(k *keptFile) bool { return k.Name == name })
			out = append(out, s.sessions.kept(vis.session, id))
		}
	}
	return out
}

// writeFailed shows the form again after the catalogue refused a
// write.
// d is the entry edited, nil for a new one.
func (s *Server) writeFailed(w http.ResponseWriter, r *http.Request, v *formView, d *catalogue.Doc, err error) {
	vis := visitorOf(r)
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, protocol.ErrNotAuthorized) && d != nil:
		s.notAuthor(w, r, d)
		return
	case errors.Is(err, catalogue.ErrRetracted):
		s.fail(w, r, http.StatusGone, "Entrée retirée", "Cette entrée a été retirée : elle ne peut plus être modifiée. Publiez une nouvelle entrée.")
		return
	case errors.Is(err, protocol.ErrBlocked):
		s.fail(w, r, http.StatusForbidden, "Publication refusée",
			"La modération de ce nœud a bloqué votre clé d'auteur : ce que vous écrivez n'y est plus enregistré. Adressez-vous à la personne qui gère le nœud.")
		return
	case errors.Is(err, protocol.ErrTooLarge):
		v.addErrors([]fieldError{{Field: "pieces", Message: "Une pièce jointe dépasse la taille permise.", Detail: err.Error()}})
	case errors.Is(err, protocol.ErrInvalid), errors.Is(err, entry.ErrInvalid):
		v.addErrors([]fieldError{{Message: "L'entrée n'a pas été acceptée.", Detail: err.Error()}})
	case errors.Is(err, catalogue.ErrDiskFull):
		s.log.Error("web: disk full, entry not stored", "path", r.URL.Path, "err", err)
		v.addErrors([]fieldError{{Message: "Le disque du nœud est plein : l'entrée n'a pas été enregistrée. " +
			"Prévenez la personne qui gère le nœud ; une fois de la place libérée, enregistrez de nouveau."}})
		status = http.StatusInsufficientStorage
	default:
		s.internalError(w, r, err)
		return
	}
	v.Kept = s.keepUploads(r, vis)
	s.render(w, r, status, "form", v)
}

// written finishes a write: the uploads kept for it are dropped and
// the home page lists recomputed. The node learns of the revision from
// the catalogue's change feed.
func (s *Server) written(r *http.Request, vis *visitor) {
	s.sessions.release(vis.session, r.PostForm["garder"])
	s.recent.invalidate()
}

// retractView is the confirmation page of a retraction.
type retractView struct {
	base
	EntryTitle string
	EntryHref  string
	Action     string
}

func (s *Server) retractForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.revisableDoc(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "retract", &retractView{
		base:       base{Title: "Retirer « " + d.Entry.Title() + " »", Nav: navOfKind(string(d.Entry.Kind()))},
		EntryTitle: d.Entry.Title(), EntryHref: entryPath(d.ID), Action: entryPath(d.ID) + "/retirer",
	})
}

func (s *Server) retractPost(w http.ResponseWriter, r *http.Request) {
	vis := visitorOf(r)
	d, ok := s.revisableDoc(w, r)
	if !ok {
		return
	}
	_, err := s.cat.Retract(r.Context(), vis.account.key, d.ID)
	switch {
	case errors.Is(err, protocol.ErrNotAuthorized):
		s.notAuthor(w, r, d)
		return
	case errors.Is(err, catalogue.ErrRetracted):
		s.retracted(w, r, d)
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	s.written(r, vis)
	http.Redirect(w, r, "/?msg=retiree", http.StatusSeeOther)
}

// eraseView is the confirmation page of an author's erasure of the
// personal data their entry holds.
type eraseView struct {
	base
	EntryTitle string
	EntryHref  string
	Action     string
	Reason     string // what the form held, shown again with Problem
	Problem    string
}

func (s *Server) eraseForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.revisableDoc(w, r)
	if !ok {
		return
	}
	s.renderErase(w, r, http.StatusOK, d, "", "")
}

func (s *Server) renderErase(w http.ResponseWriter, r *http.Request, status int, d *catalogue.Doc, reason, problem string) {
	s.render(w, r, status, "erase", &eraseView{
		base:       base{Title: "Effacer « " + d.Entry.Title() + " »", Nav: navOfKind(string(d.Entry.Kind()))},
		EntryTitle: d.Entry.Title(), EntryHref: entryPath(d.ID), Action: entryPath(d.ID) + "/effacer",
		Reason: reason, Problem: typo(problem),
	})
}

// erasePost erases, for personal data, the content of the revisions of
// the entry its author signed, on this node at once and on every node
// of the network (docs/operator.md, "Erasure").
func (s *Server) erasePost(w http.ResponseWriter, r *http.Request) {
	vis := visitorOf(r)
	d, ok := s.revisableDoc(w, r)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("motif"))
	if reason == "" || utf8.RuneCountInString(reason) > moderation.MaxReason {
		s.renderErase(w, r, http.StatusBadRequest, d, reason,
			fmt.Sprintf("Indiquez en quelques mots ce que l'entrée contenait de personnel (%d caractères au plus).", moderation.MaxReason))
		return
	}
	if s.mod == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "Effacement indisponible",
			"Ce nœud ne tient pas de journal de modération : demandez à la personne qui le gère d'effacer l'entrée.")
		return
	}
	_, err := api.EraseAs(r.Context(), s.cat, s.mod, nil, vis.account.key, vis.account.Name, api.ModerateRequest{
		Action: trust.ActionErase, Target: d.ID.String(), Category: trust.CategoryPersonalData, Reason: reason,
	})
	if err != nil {
		if e := api.ErrorOf(err); e.Kind == api.KindInput || e.Kind == api.KindForbidden {
			s.renderErase(w, r, http.StatusConflict, d, reason, "L'effacement n'a pas pu être publié : "+e.Message)
			return
		}
		s.internalError(w, r, err)
		return
	}
	s.written(r, vis)
	http.Redirect(w, r, entryPath(d.ID), http.StatusSeeOther)
}
