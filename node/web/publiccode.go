package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/publiccode"
)

// The publiccode.yml of software entries (docs/entries.md,
// "publiccode.yml"): the entry page offers it for download, and the
// publish form takes one in place of its fields.

// publiccodeField is the publish form's file field for a
// publiccode.yml.
const publiccodeField = "publiccode"

// publiccodePath is where a software entry's publiccode.yml is
// downloaded.
func publiccodePath(entryHref string) string { return entryHref + "/publiccode.yml" }

// publiccodeFile serves a software entry as a publiccode.yml file of
// the current version of the standard.
func (s *Server) publiccodeFile(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadDoc(w, r)
	if !ok {
		return
	}
	if d.Retracted || d.Entry == nil || d.Entry.Kind() != entry.KindSoftware {
		s.fail(w, r, http.StatusNotFound, "Pas de fichier publiccode.yml",
			"Seules les entrées de logiciel ont un fichier publiccode.yml.", link{entryPath(d.ID), "Revenir à l'entrée"})
		return
	}
	out, _, err := publiccode.Export(d.Entry)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/yaml; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "publiccode.yml"}))
	h.Set("Content-Security-Policy", attachmentPolicy)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.Write(out)
}

// publiccodeUpload returns the publiccode.yml sent with the publish
// form, and its name; ok is false when none was sent.
func publiccodeUpload(r *http.Request) (name string, data []byte, ok bool, err error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[publiccodeField]) == 0 {
		return "", nil, false, nil
	}
	fh := r.MultipartForm.File[publiccodeField][0]
	if fh.Size == 0 && fh.Filename == "" {
		return "", nil, false, nil // the field left empty
	}
	f, err := fh.Open()
	if err != nil {
		return fh.Filename, nil, true, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, publiccode.MaxFileSize+1))
	return fh.Filename, data, true, err
}

// publishPubliccode publishes the software entry a publiccode.yml
// makes, in place of the form's fields. Its problems are shown in
// French, each naming the key path and the line; a file with an error
// publishes nothing. "Aperçu" checks the file without publishing it.
func (s *Server) publishPubliccode(w http.ResponseWriter, r *http.Request, v *formView, name string, data []byte, readErr error) {
	vis := visitorOf(r)
	if readErr != nil {
		v.addErrors([]fieldError{{Field: publiccodeField, Message: "Le fichier « " + name + " » n'a pas pu être lu ; envoyez-le de nouveau."}})
		s.render(w, r, http.StatusUnprocessableEntity, "form", v)
		return
	}
	if name == "" {
		name = "publiccode.yml"
	}
	f, warns, err := publiccode.Import(name, data)
	var errs []fieldError
	if es, ok := err.(entry.Errors); ok {
		for _, e := range es {
			errs = append(errs, fieldError{Field: publiccodeField, Message: "Fichier publiccode.yml, " + publiccode.French(e.Problem)})
		}
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, p := range warns {
		v.Warnings = append(v.Warnings, remark{Field: publiccodeField, Label: "Fichier publiccode.yml", Message: typo(publiccode.French(p))})
	}
	if len(errs) > 0 {
		v.addErrors(errs)
		s.render(w, r, http.StatusUnprocessableEntity, "form", v)
		return
	}
	if r.PostFormValue("action") == "apercu" {
		v.Previewed = true
		v.Preview, _ = renderBody(f.Body)
		s.render(w, r, http.StatusOK, "form", v)
		return
	}
	p, err := s.cat.Publish(r.Context(), vis.account.key, &f.Entry, nil)
	if err != nil {
		s.writeFailed(w, r, v, nil, err)
		return
	}
	s.written(r, vis)
	if len(warns) == 0 {
		http.Redirect(w, r, entryPath(p.Doc)+"?msg=publiee", http.StatusSeeOther)
		return
	}
	items := make([]string, len(warns))
	for i, w := range warns {
		items[i] = typo(publiccode.French(w))
	}
	heading := typo("Logiciel publié : « " + f.Title() + " »")
	s.render(w, r, http.StatusOK, "message", &messageView{base: base{Title: heading}, Heading: heading,
		Message: typo(fmt.Sprintf("Le fichier publiccode.yml a été lu et le logiciel publié, avec %s à corriger dans le fichier du dépôt :",
			plural(len(warns), "remarque", "remarques"))),
		Items: items, Links: []link{{entryPath(p.Doc), "Voir l'entrée"}, {publiccodePath(entryPath(p.Doc)), "Télécharger le fichier publiccode.yml tel que mutu l'écrit"}}})
}
