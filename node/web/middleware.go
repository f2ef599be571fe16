package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// contentSecurityPolicy is sent with every page. The pages carry no
// script at all, so none may run; styles and images come only from
// the node (an image in a note that points elsewhere is not loaded,
// which also keeps readers from being tracked); forms post only here;
// no other site may frame a page.
//
// An entry's images may show only its own attachments, which
// render.HTML enforces on the Markdown. The policy cannot say as much:
// a source with a path (http://host/entree/ID/piece/) needs the host
// the browser used, which the node does not know behind a reverse
// proxy, so img-src stays 'self', and isolate with the API's own check
// refuse what an image of the node could still ask for.
const contentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; " +
	"style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// isolate refuses the requests a page of another site makes a browser
// send other than by a link: as an image, a script's fetch, a frame
// (the Fetch Metadata "resource isolation" policy). Any site can point
// an <img> at 127.0.0.1:6888, and so make every reader's browser run a
// search or read a file with the reader's cookies; following a link,
// or a form of the node's own pages, is still served. Browsers that do
// not send Sec-Fetch-Site (feed readers, programs, old browsers) are
// served as before.
func (s *Server) isolate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Sec-Fetch-Site") {
		case "", "none", "same-origin":
		default:
			dest := r.Header.Get("Sec-Fetch-Dest")
			if r.Header.Get("Sec-Fetch-Mode") != "navigate" || dest == "object" || dest == "embed" {
				s.log.Debug("web: request of another site's page refused", "path", r.URL.Path,
					"site", r.Header.Get("Sec-Fetch-Site"), "dest", dest, "remote", r.RemoteAddr)
				http.Error(w, "Ce site ne se laisse pas charger par les pages d'un autre site.", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		next.ServeHTTP(w, r)
	})
}

// visitor is who makes a request.
type visitor struct {
	id      string   // session ID from the cookie; "" if none
	session *session // nil when not logged in
	account *account // nil when not logged in
}

type visitorKey struct{}

// withVisitor finds the visitor's session and account.
func (s *Server) withVisitor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &visitor{id: cookieID(r)}
		if se := s.sessions.lookup(v.id, s.now()); se != nil {
			// An account removed, disabled or whose sessions were
			// ended in the file is logged out at once.
			if a := s.accounts.get(se.account); a.holds(se) {
				v.session, v.account = se, a
			} else {
				s.sessions.logout(v.id)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), visitorKey{}, v)))
	})
}

func visitorOf(r *http.Request) *visitor {
	if v, ok := r.Context().Value(visitorKey{}).(*visitor); ok {
		return v
	}
	return &visitor{}
}

// ensureCookie gives the visitor a session ID if it has none, so that a
// form shown to it can carry a CSRF token.
func (s *Server) ensureCookie(w http.ResponseWriter, r *http.Request) {
	v := visitorOf(r)
	if v.id == "" {
		v.id = newID()
		s.sessions.setCookie(w, r, v.id)
	}
}

// checkForm parses the body of every POST, within a size limit, and
// refuses it unless it carries the CSRF token of the visitor's
// session. A form with files over maxUploadSize goes on to the publish
// or edit page with the fields that came before the files (see
// tooLargeUpload); on another route it is refused with 413.
func (s *Server) checkForm(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			mux.ServeHTTP(w, r)
			return
		}
		var err error
		var head *headRecorder
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if visitorOf(r).account != nil {
				// Files over a slow line may take longer than the
				// server's read timeout: as long as they move.
				s.guard.LongUpload(w, r)
			}
			head = &headRecorder{ReadCloser: http.MaxBytesReader(w, r.Body, maxUploadSize), max: maxHeadSize}
			r.Body = head
			err = r.ParseMultipartForm(8 << 20)
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormSize)
			err = r.ParseForm()
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) && head != nil {
				s.tooLargeUpload(w, r, mux, head.buf.Bytes())
				return
			}
			if errors.As(err, &tooBig) {
				s.fail(w, r, http.StatusRequestEntityTooLarge, "Envoi trop volumineux",
					"Le formulaire envoyé dépasse la taille permise ; rien n'a été enregistré. Revenez à la page précédente et raccourcissez le texte.")
				return
			}
			s.fail(w, r, http.StatusBadRequest, "Formulaire illisible", "Le formulaire reçu est incomplet ou mal formé. Rechargez la page et recommencez.")
			return
		}
		if !s.sessions.checkCSRF(visitorOf(r).id, r.PostFormValue("csrf")) {
			s.refuseCSRF(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// refuseCSRF logs and refuses a form without the right CSRF token.
func (s *Server) refuseCSRF(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("form refused: missing or wrong CSRF token", "path", r.URL.Path, "remote", r.RemoteAddr)
	s.csrfRefused(w, r)
}

// csrfRefused answers a form that did not come from this site's own
// page.
func (s *Server) csrfRefused(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusForbidden, "Formulaire refusé",
		"Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page, puis envoyez-le de nouveau.")
}

// needAccount sends visitors who are not logged in to the login page,
// to come back here afterwards.
func (s *Server) needAccount(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if visitorOf(r).account != nil {
			next(w, r)
			return
		}
		if r.Method == http.MethodPost {
			s.fail(w, r, http.StatusForbidden, "Connexion nécessaire", "Votre session a pris fin. Connectez-vous, puis recommencez.")
			return
		}
		http.Redirect(w, r, "/connexion?suite="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	}
}

// localPath returns p if it is a path on this site, "/" otherwise, so
// that a login link cannot send the visitor elsewhere afterwards. A
// path of this site starts with one "/" followed by anything but "/"
// or "\" (which browsers read as "/": "//host" and "/\host" are other
// sites), and holds no control character or space anywhere, since
// browsers drop tabs and newlines from a URL ("/\t/host" is "//host").
// The rule holds for p and for p percent-decoded once, in case a proxy
// or a browser decodes it.
func localPath(p string) string {
	decoded, err := url.PathUnescape(p)
	if err != nil || !isLocalPath(p) || !isLocalPath(decoded) {
		return "/"
	}
	return p
}

func isLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for _, r := range p {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}
