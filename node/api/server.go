package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mutu-network/mutu/node/httplimit"
)

// MaxRequestSize caps a JSON request body: entry files and
// attachments, base64-encoded. Larger attachments are streamed in a
// multipart request (see upload.go), where it caps the JSON part.
const MaxRequestSize = 64 << 20

// Handler serves svc as the JSON API under /api/v1/. Reads are open;
// writes need the header "Authorization: Bearer TOKEN", so that only
// who can read the home's token file publishes with its author key.
// Requests a browser sends on behalf of a web page are refused (see
// refusePages).
func Handler(svc Service, token string, log *slog.Logger, opts ...Option) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{svc: svc, token: token, log: log}
	for _, o := range opts {
		o(h)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/entries", h.list)
	mux.HandleFunc("POST /api/v1/entries", h.write(httplimit.Write, h.publish))
	mux.HandleFunc("GET /api/v1/entries/{id}", h.show)
	mux.HandleFunc("PUT /api/v1/entries/{id}", h.write(httplimit.Write, h.edit))
	mux.HandleFunc("DELETE /api/v1/entries/{id}", h.write(httplimit.Write, h.retract))
	mux.HandleFunc("GET /api/v1/entries/{id}/history", h.history)
	mux.HandleFunc("GET /api/v1/entries/{id}/diff", h.diff)
	mux.HandleFunc("POST /api/v1/entries/{id}/fetch", h.write(httplimit.Fetch, h.fetch))
	mux.HandleFunc("GET /api/v1/search", h.limit(httplimit.Search, h.search))
	mux.HandleFunc("GET /api/v1/status", h.status)
	mux.HandleFunc("GET /api/v1/peers", h.peers)
	mux.HandleFunc("POST /api/v1/reindex", h.write(httplimit.Write, h.reindex))
	mux.HandleFunc("POST /api/v1/import", h.write(httplimit.Write, h.importFolder))
	mux.HandleFunc("POST /api/v1/bundle", h.write(httplimit.Write, h.importBundle))
	mux.HandleFunc("GET /api/v1/bundle", h.exportBundle)
	mux.HandleFunc("GET /api/v1/entries/{id}/export", h.exportEntry)
	mux.HandleFunc("GET /api/v1/entries/{id}/attachments/{name}", h.exportAttachment)
	mux.HandleFunc("GET /api/v1/network", h.network)
	mux.HandleFunc("GET /api/v1/members", h.private(h.members))
	mux.HandleFunc("POST /api/v1/members/{node}/approve", h.write(httplimit.Write, h.approve))
	mux.HandleFunc("POST /api/v1/members/{node}/revoke", h.write(httplimit.Write, h.revoke))
	mux.HandleFunc("GET /api/v1/invitations", h.private(h.invitations))
	mux.HandleFunc("POST /api/v1/invitations", h.write(httplimit.Write, h.invite))
	mux.HandleFunc("DELETE /api/v1/invitations/{id}", h.write(httplimit.Write, h.withdrawInvitation))
	mux.HandleFunc("POST /api/v1/certificates", h.write(httplimit.Write, h.certify))
	mux.HandleFunc("DELETE /api/v1/certificates/{author}", h.write(httplimit.Write, h.endCertificate))
	mux.HandleFunc("POST /api/v1/moderation", h.write(httplimit.Write, h.moderate))
	mux.HandleFunc("GET /api/v1/moderation/journal", h.private(h.moderationJournal))
	mux.HandleFunc("POST /api/v1/reports", h.write(httplimit.Write, h.report))
	mux.HandleFunc("GET /api/v1/reports", h.private(h.reports))
	return noSniff(h.refusePages(h.routeErrors(mux)))
}

// Option sets up Handler.
type Option func(*handler)

// WithGuard limits the rate of each client's searches, writes and
// fetches with g (answering 429, kind rate_limited, past it), and lets
// writes stream attachments past the server's read timeout (see
// httplimit.Guard). Without it, nothing is limited.
func WithGuard(g *httplimit.Guard) Option {
	return func(h *handler) { h.guard = g }
}

// noSniff tells browsers never to take an answer for anything but its
// Content-Type (JSON): an answer that quotes what a request held must
// not run as HTML.
func noSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// limit refuses a request of class c past its client's rate.
func (h *handler) limit(c httplimit.Class, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := h.guard.Allow(c, r); !ok {
			secs := httplimit.RetryAfter(wait)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			rt := h.guard.Rate(c)
			h.fail(w, &Error{Kind: KindRateLimited, Message: fmt.Sprintf(
				"too many %s requests from %s: at most %g a second (bursts of %d); try again in %d s",
				c, clientHost(r), rt.PerSecond, rt.Burst, secs)})
			return
		}
		next(w, r)
	}
}

// clientHost is the address of r's client, without the port.
func clientHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refusePages refuses the requests a browser sends on behalf of a web
// page: any page can make a browser send a GET to 127.0.0.1:6888 (an
// <img>, a link), and so can an entry shown by the node's own web
// interface. The API serves programs (the mutu command, scripts),
// which send none of the headers below, and the node's pages never
// call it, so such a request is refused before it costs anything.
// Browsers say where a request comes from in Sec-Fetch-Site ("none"
// when a person typed the address, which is served); older ones are
// recognised by an Origin header, or a Referer outside the API (Go's
// client sets one when it follows a redirect of the API itself).
func (h *handler) refusePages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site := r.Header.Get("Sec-Fetch-Site")
		from := ""
		switch {
		case site != "" && site != "none":
			from = "Sec-Fetch-Site: " + site
		case r.Header.Get("Origin") != "":
			from = "Origin: " + r.Header.Get("Origin")
		case r.Header.Get("Referer") != "" && !refersToAPI(r.Header.Get("Referer"), r.Host):
			from = "Referer: " + r.Header.Get("Referer")
		}
		if from == "" {
			next.ServeHTTP(w, r)
			return
		}
		h.log.Debug("API request from a web page refused", "path", r.URL.Path, "from", from, "remote", r.RemoteAddr)
		h.fail(w, &Error{Kind: KindForbidden, Message: fmt.Sprintf("the API answers programs, not web pages, and this request came from one (%s); "+
			"call it from a program (the mutu command, curl) or open the node's web pages instead (docs/api.md)", from)})
	})
}

// refersToAPI reports whether a Referer is an address of the API
// itself, on host.
func refersToAPI(referer, host string) bool {
	u, err := url.Parse(referer)
	return err == nil && u.Host == host && strings.HasPrefix(u.Path, "/api/")
}

// routeErrors answers in the API's error shape the requests that no
// route of mux takes, which http.ServeMux would answer in plain text:
// an unknown path (404, kind not_found) and a path that does not take
// the method (405, kind method_not_allowed, with the Allow header).
func (h *handler) routeErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own answer tells which it is, and the methods.
		probe := &answerProbe{header: make(http.Header)}
		route.ServeHTTP(probe, r)
		switch probe.status {
		case http.StatusMethodNotAllowed:
			allow := probe.header.Get("Allow")
			w.Header().Set("Allow", allow)
			h.fail(w, &Error{Kind: KindMethodNotAllowed,
				Message: fmt.Sprintf("%s does not take %s; it takes %s (see docs/api.md)", r.URL.Path, r.Method, allow)})
		case http.StatusNotFound:
			h.fail(w, &Error{Kind: KindNotFound,
				Message: fmt.Sprintf("no API route %s %s (see docs/api.md)", r.Method, r.URL.Path)})
		default: // a redirect to the cleaned path
			mux.ServeHTTP(w, r)
		}
	})
}

// answerProbe records the status and headers of an answer and drops
// its body.
type answerProbe struct {
	header http.Header
	status int
}

func (p *answerProbe) Header() http.Header { return p.header }

func (p *answerProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *answerProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

type handler struct {
	svc   Service
	token string
	log   *slog.Logger
	guard *httplimit.Guard // nil: no limits
}

// write checks the token of a write of class c, then its client's rate.
func (h *handler) write(c httplimit.Class, next http.HandlerFunc) http.HandlerFunc {
	limited := h.limit(c, func(w http.ResponseWriter, r *http.Request) {
		// Bodies are read, within their limits, by decodeWrite; an
		// attachment of 1 GiB may take longer than the server's read
		// timeout, and a fetch longer than its write timeout.
		h.guard.LongUpload(w, r)
		if c == httplimit.Fetch {
			h.guard.NoWriteDeadline(w)
		}
		next(w, r)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.authorized(r) {
			h.fail(w, &Error{Kind: KindForbidden, Message: "writing needs the token in the node's home (file api.token); the mutu command sends it"})
			return
		}
		limited(w, r)
	}
}

// reply answers v, or err. v is encoded whole before anything is
// sent, so that a value JSON cannot encode is an internal error in
// the API's shape, never a 200 with an empty or cut body.
func (h *handler) reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		h.fail(w, ErrorOf(err))
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		h.fail(w, ErrorOf(fmt.Errorf("encode the answer: %w", err)))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if _, err := w.Write(append(body, '\n')); err != nil {
		h.log.Debug("write API response", "err", err)
	}
}

func (h *handler) fail(w http.ResponseWriter, e *Error) {
	if e.Kind == KindInternal {
		h.log.Error("API request failed", "err", e.Message)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.HTTPStatus())
	json.NewEncoder(w).Encode(struct {
		Error *Error `json:"error"`
	}{e})
}

// tooLarge is the error of a JSON body over MaxRequestSize.
func tooLarge() *Error {
	return &Error{Kind: KindTooLarge, Message: fmt.Sprintf("the request is over %d bytes (64 MiB), the limit of a JSON body; "+
		"send large attachments as parts of a multipart/form-data request, as the mutu command does (docs/api.md)", MaxRequestSize)}
}

func decode(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge()
		}
		return inputErrorf("request body: %v", err)
	}
	return nil
}

func (h *handler) publish(w http.ResponseWriter, r *http.Request) {
	var req PublishRequest
	if err := decodeWrite(w, r, &req, &req.Attachments); err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := h.svc.Publish(r.Context(), req)
	h.reply(w, out, err)
}

func (h *handler) edit(w http.ResponseWriter, r *http.Request) {
	var req EditRequest
	if err := decodeWrite(w, r, &req, &req.Attachments); err != nil {
		h.reply(w, nil, err)
		return
	}
	req.ID = r.PathValue("id")
	out, err := h.svc.Edit(r.Context(), req)
	h.reply(w, out, err)
}

func (h *handler) retract(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.Retract(r.Context(), r.PathValue("id"))
	h.reply(w, out, err)
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out, err := h.svc.Show(r.Context(), r.PathValue("id"), ShowOptions{Markdown: q.Has("markdown"), HTML: q.Has("html"), Revision: q.Get("revision")})
	if err == nil && out.Hidden != nil && !h.authorized(r) {
		// Hidden from readers: only the operator, who holds the token,
		// sees it (with who hid it, when and why).
		h.fail(w, &Error{Kind: KindForbidden, Message: fmt.Sprintf("entry %s is hidden by this node's moderation; its operator sees it with the token in the node's home (file api.token)", out.ID)})
		return
	}
	h.reply(w, out, err)
}

func (h *handler) diff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out, err := h.svc.Diff(r.Context(), r.PathValue("id"), q.Get("from"), q.Get("to"))
	h.reply(w, out, err)
}

func (h *handler) fetch(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.Fetch(r.Context(), r.PathValue("id"))
	h.reply(w, out, err)
}

func (h *handler) history(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.History(r.Context(), r.PathValue("id"))
	h.reply(w, out, err)
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.List(r.Context(), r.URL.Query().Get("kind"))
	h.reply(w, out, err)
}

func (h *handler) search(w http.ResponseWriter, r *http.Request) {
	q, err := ParseSearchQuery(r)
	if err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := h.svc.Search(r.Context(), q)
	h.reply(w, out, err)
}

// ParseSearchQuery reads a search from URL parameters: q, kind,
// category, tag, academie, audience, outdated, sort, offset, limit.
func ParseSearchQuery(r *http.Request) (SearchQuery, error) {
	v := r.URL.Query()
	q := SearchQuery{
		Text: v.Get("q"), Kind: v.Get("kind"), Category: v.Get("category"), Tag: v.Get("tag"),
		Academie: v.Get("academie"), Audience: v.Get("audience"), Sort: v.Get("sort"),
		Outdated: v.Get("outdated") == "1" || v.Get("outdated") == "true",
	}
	for name, dst := range map[string]*int{"offset": &q.Offset, "limit": &q.Limit} {
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return q, inputErrorf("%s %q: want a whole number", name, s)
			}
			*dst = n
		}
	}
	return q, nil
}

// status answers the node's status. In a closed network, who does
// not hold the token learns neither the network's identifier nor the
// node's addresses nor its peers': an invitation code is what lets a
// node in, and it carries them.
func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.Status(r.Context())
	if err == nil && out.Closed && !h.authorized(r) {
		out.Network, out.Addrs, out.PeerID, out.Sync = "", []string{}, "", nil
	}
	h.reply(w, out, err)
}

func constantEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (h *handler) peers(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.Peers(r.Context())
	h.reply(w, out, err)
}

func (h *handler) reindex(w http.ResponseWriter, r *http.Request) {
	h.long(w, r, func(ctx context.Context, progress Progress) (any, error) {
		return h.svc.Reindex(ctx, progress)
	})
}
