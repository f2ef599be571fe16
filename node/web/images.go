package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/mutu-network/mutu/catalogue"
)

// The images attached to an entry are shown in its page, under the
// page's policy (img-src 'self'), from an address of their own: the
// attachment address stays a download. Only raster images are shown,
// never SVG, which can carry a script; the bytes decide the
// Content-Type sent, not what the entry declares, and a file that is
// not one of these images is refused.

// imageTypes are the media types shown in a page.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// maxInlineImage is the largest image shown in a page; a larger one is
// only listed for download. docs/web.md gives it.
const maxInlineImage = 10 << 20

// sniffLen is how many bytes decide the type of an image, as
// http.DetectContentType reads them.
const sniffLen = 512

// imagePath is the address of an attached image shown in a page.
func imagePath(id, name string) string {
	return "/entree/" + id + "/image/" + url.PathEscape(name)
}

// isImage reports whether an attachment is shown in its entry's page:
// a raster image by its declared type (or, when it declares none, by
// its name), held, and not too large.
func isImage(a catalogue.Attachment) bool {
	return a.Held && a.Size > 0 && a.Size <= maxInlineImage && imageTypes[declaredImageType(a)]
}

func declaredImageType(a catalogue.Attachment) string {
	t, _, err := mime.ParseMediaType(a.Type)
	if err != nil || t == "" || t == "application/octet-stream" {
		t, _, _ = mime.ParseMediaType(mime.TypeByExtension(strings.ToLower(path.Ext(a.Name))))
	}
	return t
}

// errNotImage stops the copy of a file whose first bytes are not those
// of an image shown in pages.
var errNotImage = errors.New("web: not an image")

// image sends an attached image to be shown in the entry's page.
func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	d, att, ok := s.attached(w, r)
	if !ok {
		return
	}
	back := link{entryPath(d.ID), "Revenir à l'entrée"}
	switch {
	case att == nil:
		s.fail(w, r, http.StatusNotFound, "Image introuvable", "Cette entrée n'a pas d'image de ce nom.", back)
		return
	case !att.Held:
		s.fail(w, r, http.StatusNotFound, "Image pas encore arrivée", "Ce nœud n'a pas encore reçu tout le fichier.", back)
		return
	case !isImage(*att):
		s.fail(w, r, http.StatusNotFound, "Pas une image affichable",
			"Seules les images PNG, JPEG, GIF et WebP de 10 Mo au plus s'affichent dans la page ; ce fichier se télécharge depuis l'entrée.", back)
		return
	}
	iw := &imageWriter{w: s.guard.LongDownload(w), size: att.Size, name: att.Name}
	_, err := s.cat.WriteAttachment(d.ID, att.Name, iw)
	if err == nil && !iw.sent {
		err = iw.send() // a file shorter than sniffLen
	}
	switch {
	case err == nil:
	case iw.sent:
		// The status is sent: returning short of Content-Length
		// makes the server close the connection.
		s.log.Error("web: image cut", "entry", d.ID, "name", att.Name, "err", err)
	case errors.Is(err, errNotImage):
		s.fail(w, r, http.StatusUnsupportedMediaType, "Pas une image affichable",
			"Ce fichier n'est pas l'image qu'il dit être : il ne s'affiche pas dans la page, et se télécharge depuis l'entrée.", back)
	case errors.Is(err, catalogue.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "Image pas encore arrivée", "Ce nœud n'a pas encore reçu tout le fichier.", back)
	default:
		s.internalError(w, r, err)
	}
}

// imageWriter holds back the first bytes of an image until they say
// its type, then sends the headers and the bytes; a file that is not
// an image of imageTypes is refused before anything is sent.
type imageWriter struct {
	w    http.ResponseWriter
	size uint64
	name string
	head []byte
	sent bool // the headers are sent
}

func (iw *imageWriter) Write(p []byte) (int, error) {
	if iw.sent {
		return iw.w.Write(p)
	}
	n := min(len(p), sniffLen-len(iw.head))
	iw.head = append(iw.head, p[:n]...)
	if len(iw.head) < sniffLen {
		return len(p), nil
	}
	if err := iw.send(); err != nil {
		return 0, err
	}
	m, err := iw.w.Write(p[n:])
	return n + m, err
}

// send decides the type from the bytes held back, and sends the
// headers and these bytes.
func (iw *imageWriter) send() error {
	t := http.DetectContentType(iw.head)
	if !imageTypes[t] {
		return errNotImage
	}
	h := iw.w.Header()
	h.Set("Content-Type", t)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": iw.name}))
	// Opened on its own, the image is all the document there is.
	h.Set("Content-Security-Policy", attachmentPolicy)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.FormatUint(iw.size, 10))
	iw.w.WriteHeader(http.StatusOK)
	iw.sent = true
	_, err := iw.w.Write(iw.head)
	return err
}
