package web

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// A form whose files are over maxUploadSize cannot be read to the end,
// and the standard library then drops the whole form. So that what was
// typed is not lost (docs/web.md), the first maxHeadSize bytes of every
// multipart body are kept while it is read: browsers send the fields
// in the order of the page, and the publish and edit form puts its
// text fields, the CSRF token first, before the file field. When the
// body is too large, the fields found there go to the form's page,
// which shows the form again with them and says what to do (413).
// Files are not kept: they were not received whole. When the fields
// cannot be read back (another client's order, a text over
// maxHeadSize), a page says so, with the way back to the form.

// maxHeadSize is how much of a multipart body is kept in case it turns
// out too large: the largest text an entry may hold, and room for the
// other fields.
const maxHeadSize = 2 << 20

// headRecorder keeps a copy of the first max bytes read through it.
type headRecorder struct {
	io.ReadCloser
	max int
	buf bytes.Buffer
}

func (h *headRecorder) Read(p []byte) (int, error) {
	n, err := h.ReadCloser.Read(p)
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(n, room)])
	}
	return n, err
}

// The routes of the forms that take files, which know how to show a
// form over the limit again.
const (
	publishRoute = "POST /publier"
	editRoute    = "POST /entree/{id}/modifier"
)

// tooLargeKey marks, in the context of a request, a form over
// maxUploadSize; the value is the names of the files it carried, as
// far as they could be read.
type tooLargeKey struct{}

// uploadTooLarge reports whether the request's form was over
// maxUploadSize: only its fields before the files are there.
func uploadTooLarge(r *http.Request) bool {
	return r.Context().Value(tooLargeKey{}) != nil
}

// tooLargeUpload answers a multipart form over maxUploadSize whose
// first bytes were head. A publish or edit form whose fields can be
// read back, with the right CSRF token, goes to its page, marked; any
// other gets a page saying what happened.
func (s *Server) tooLargeUpload(w http.ResponseWriter, r *http.Request, mux *http.ServeMux, head []byte) {
	s.log.Info("web: form over the upload limit", "path", r.URL.Path, "limit", maxUploadSize)
	_, route := mux.Handler(r)
	if route != publishRoute && route != editRoute {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "Envoi trop volumineux",
			"Le formulaire et ses pièces jointes dépassent 64 Mo ; rien n'a été enregistré.")
		return
	}
	fields, files := fieldsBeforeFiles(r, head)
	if fields.Get("csrf") == "" {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "Envoi trop volumineux",
			"Le formulaire et ses pièces jointes dépassent 64 Mo ; rien n'a été enregistré, et ce que vous aviez saisi n'a pas pu être relu. "+
				"Revenez au formulaire (le bouton « Précédent » du navigateur garde souvent le texte saisi), "+
				"puis joignez des fichiers plus petits ou envoyez-les en plusieurs fois : "+
				"enregistrez l'entrée avec une partie des fichiers, puis ajoutez les autres en la modifiant.",
			link{r.URL.Path, "Revenir au formulaire"})
		return
	}
	if !s.sessions.checkCSRF(visitorOf(r).id, fields.Get("csrf")) {
		s.refuseCSRF(w, r)
		return
	}
	r.PostForm, r.Form = fields, fields
	r.MultipartForm = &multipart.Form{Value: fields}
	mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tooLargeKey{}, files)))
}

// fieldsBeforeFiles returns the text fields whole in head, the start
// of r's multipart body, and the names of the files it begins.
func fieldsBeforeFiles(r *http.Request, head []byte) (url.Values, []string) {
	fields := make(url.Values)
	var files []string
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return fields, nil
	}
	mr := multipart.NewReader(bytes.NewReader(head), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return fields, files // the end of head
		}
		if p.FileName() != "" {
			if name, problem := attachmentName(p.FileName()); name != "" && problem == "" {
				files = append(files, name)
			}
			continue
		}
		if p.FormName() == "" {
			continue
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return fields, files // cut by the end of head: not whole
		}
		fields.Add(p.FormName(), string(v))
	}
}

// uploadRefused shows the publish or edit form v again after a
// submission over maxUploadSize, with what was typed and the files
// kept from earlier ones.
func (s *Server) uploadRefused(w http.ResponseWriter, r *http.Request, v *formView) {
	what := "Les pièces jointes dépassent"
	if files, _ := r.Context().Value(tooLargeKey{}).([]string); len(files) > 0 {
		what = "Les pièces jointes (" + strings.Join(files, ", ") + ") dépassent"
	}
	v.addErrors([]fieldError{{Field: "pieces", Message: what + " 64 Mo en tout : elles n'ont pas été reçues. " +
		"Joignez des fichiers plus petits, ou envoyez-les en plusieurs fois : enregistrez l'entrée avec une partie des fichiers, " +
		"puis ajoutez les autres en la modifiant (64 Mo au plus à chaque envoi). Un fichier seul de plus de 64 Mo ne passe pas " +
		"par ce formulaire : compressez-le ou découpez-le. Choisissez de nouveau les fichiers à joindre."}})
	v.Kept = s.keepUploads(r, visitorOf(r))
	s.render(w, r, http.StatusRequestEntityTooLarge, "form", v)
}
