package web

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/node/httplimit"
)

// Config is what the web interface is made of. Every field but Cat has
// a default:
//
//   - Net: nil; the network page then says the node runs without P2P,
//     local writes are not announced (peers get them at sync), and
//     missing attachments cannot be asked for.
//   - UsersPath: ""; no accounts, so nobody can write from the web.
//     `mutu run` gives the home's users.json (see UsersFile).
//   - Logger: discards.
//   - Now: time.Now.
//   - SecureCookies: false; cookies are still Secure on requests that
//     arrive over TLS. Set it when a TLS reverse proxy stands in front.
//   - SessionsPath: ""; a restart logs everyone out. `mutu run` gives
//     the home's web-sessions.json (see SessionsFile).
type Config struct {
	// Cat is the node's catalogue. Required.
	Cat *catalogue.Catalogue
	// Net is the running node, for the network page, to announce
	// what is published from the web, and to ask the other nodes for
	// attachments.
	Net api.Network
	// UsersPath is the accounts file, written by AddAccount; it is
	// reread when it changes.
	UsersPath string
	// Logger receives errors and security events (failed logins).
	Logger *slog.Logger
	// Now is the wall clock (tests move it forward).
	Now func() time.Time
	// SecureCookies marks every cookie Secure.
	SecureCookies bool
	// SessionsPath is the file that keeps the logged-in sessions and
	// the CSRF key across restarts; "" keeps them in memory only.
	SessionsPath string
	// NodeKey is the node's key (its libp2p identity's ed25519 key):
	// on a coordinator's node, it signs the admissions and revocations
	// an operator makes on the Réseau page. nil: none.
	NodeKey ed25519.PrivateKey
	// ReportsPerHour is how many reports an account makes in an hour
	// at most; api.ReportsPerHour (10) when 0.
	ReportsPerHour int
	// Moderation is the node's own moderation: its moderators act
	// through it from the pages. nil: the pages moderate nothing.
	Moderation *moderation.Moderator
	// Guard limits the rate of each client's searches, writes and
	// fetches (429 past it), and lets uploads and downloads of
	// attachments last past the server's timeouts while they move.
	// nil limits nothing.
	Guard *httplimit.Guard
}

// Server serves the web interface. It is an http.Handler for every
// path but /api/. Close it to stop its background work.
type Server struct {
	cat      *catalogue.Catalogue
	net      api.Network
	log      *slog.Logger
	now      func() time.Time
	accounts *accountStore
	sessions *sessions
	limiter  *limiter // login failures per device, source, address
	ceiling  *ceiling // login failures per account
	pages    *pages
	recent   *recentCache
	feeds    feedCache
	results  *resultCache // nil runs every search
	guard    *httplimit.Guard
	handler  http.Handler
	nodeKey  ed25519.PrivateKey
	mod      *moderation.Moderator // nil: no moderation
	reports  *api.ReportLimiter    // reports per account

	fetches   fetches       // background fetches of attachments
	fetchWait time.Duration // how long a request for one waits for it

	// hashing bounds the password hashes computed at once: each takes
	// argonMemory, and a flood of logins must not exhaust memory.
	hashing chan struct{}

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // background refreshes of recent
}

// Body size limits of POST requests.
const (
	maxFormSize   = 1 << 20  // a form without files
	maxUploadSize = 64 << 20 // a form with attachments, in all
)

// New returns the web interface described by cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Cat == nil {
		return nil, errors.New("web: Config.Cat is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	accounts, err := newAccountStore(cfg.UsersPath, cfg.Logger)
	if err != nil {
		return nil, err
	}
	sess, err := newSessions(cfg.SecureCookies, cfg.SessionsPath, cfg.Now())
	if err != nil {
		return nil, fmt.Errorf("web: sessions: %w", err)
	}
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cat:      cfg.Cat,
		net:      cfg.Net,
		nodeKey:  cfg.NodeKey,
		mod:      cfg.Moderation,
		reports:  api.NewReportLimiter(cfg.ReportsPerHour),
		log:      cfg.Logger,
		now:      cfg.Now,
		accounts: accounts,
		sessions: sess,
		limiter:  newLimiter(),
		ceiling:  newCeiling(),
		pages:    pg,
		results:  newResultCache(),
		guard:    cfg.Guard,
		hashing:  make(chan struct{}, 2),
		ctx:      ctx,
		cancel:   cancel,
	}
	s.fetches.running, s.fetchWait = make(map[cid.Cid]*fetchRun), defaultFetchWait
	s.recent = newRecentCache(s)
	s.handler = s.routes()
	// Sessions ended in the accounts file while the node was stopped
	// do not come back, and those ended while it runs end at once.
	s.dropEndedSessions(accounts.all())
	accounts.reloaded = func(all map[string]*account) {
		if s.dropEndedSessions(all) > 0 {
			s.saveSessions()
		}
	}
	s.wg.Add(1)
	go s.keepSessions()
	return s, nil
}

// dropEndedSessions ends the sessions that accounts no longer hold,
// and returns how many.
func (s *Server) dropEndedSessions(accounts map[string]*account) int {
	return s.sessions.keepOnly(func(se *session) bool { return accounts[se.account].holds(se) })
}

// keepSessions rereads the accounts file and saves the sessions, when
// they were used, every sessionSaveEvery, until Close: a session ended
// with `mutu user` leaves memory and the file even when nobody uses
// it, and `mutu user sessions` shows when each was last seen.
func (s *Server) keepSessions() {
	defer s.wg.Done()
	t := time.NewTicker(sessionSaveEvery)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.accounts.refresh()
			if s.sessions.used() {
				s.saveSessions()
			}
		}
	}
}

// Close stops the background work (a fetch of attachments stops where
// it is: what arrived is kept), waits for it, and saves the
// sessions with their last use.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	return s.sessions.save()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// limit refuses a request of class c past its client's rate, with 429
// and a page that says how long to wait.
func (s *Server) limit(c httplimit.Class, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ok, wait := s.guard.Allow(c, r)
		if ok {
			next(w, r)
			return
		}
		secs := httplimit.RetryAfter(wait)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		what := map[httplimit.Class]string{
			httplimit.Search: "de recherches",
			httplimit.Write:  "de publications et de modifications",
			httplimit.Fetch:  "de demandes de pièces jointes",
		}[c]
		s.log.Warn("web: request refused past its rate", "class", c, "remote", r.RemoteAddr, "path", r.URL.Path)
		s.fail(w, r, http.StatusTooManyRequests, "Trop de requêtes",
			fmt.Sprintf("Ce nœud reçoit trop %s venant de votre adresse. Réessayez dans %s.", what, frenchDuration(secs)))
	}
}

// routes returns the handler of every page, wrapped in the security
// headers, the visitor lookup and the CSRF checks.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /recherche", s.limit(httplimit.Search, s.search))
	mux.HandleFunc("GET /outils", s.limit(httplimit.Search, s.table(entry.KindTool, "/outils", "Outils", "outils", "tools")))
	mux.HandleFunc("GET /logiciels", s.limit(httplimit.Search, s.table(entry.KindSoftware, "/logiciels", "Logiciels", "logiciels", "software")))
	mux.HandleFunc("GET /entree/{id}", s.entry)
	mux.HandleFunc("GET /entree/{id}/publiccode.yml", s.publiccodeFile)
	mux.HandleFunc("GET /entree/{id}/historique", s.history)
	mux.HandleFunc("GET /entree/{id}/diff", s.diff)
	mux.HandleFunc("GET /entree/{id}/piece/{name}", s.attachment)
	mux.HandleFunc("GET /entree/{id}/image/{name}", s.image)
	mux.HandleFunc("POST /entree/{id}/demander-pieces", s.limit(httplimit.Fetch, s.fetchPost))
	mux.HandleFunc("GET /entree/{id}/modifier", s.needAccount(s.editForm))
	mux.HandleFunc(editRoute, s.needAccount(s.limit(httplimit.Write, s.editPost)))
	mux.HandleFunc("GET /entree/{id}/retirer", s.needAccount(s.retractForm))
	mux.HandleFunc("POST /entree/{id}/retirer", s.needAccount(s.limit(httplimit.Write, s.retractPost)))
	mux.HandleFunc("GET /entree/{id}/effacer", s.needAccount(s.eraseForm))
	mux.HandleFunc("POST /entree/{id}/effacer", s.needAccount(s.limit(httplimit.Write, s.erasePost)))
	mux.HandleFunc("GET /publier", s.needAccount(s.publishForm))
	mux.HandleFunc(publishRoute, s.needAccount(s.limit(httplimit.Write, s.publishPost)))
	mux.HandleFunc("GET /reseau", s.network)
	mux.HandleFunc("POST /reseau/admettre", s.needAccount(s.limit(httplimit.Write, s.admitPost)))
	mux.HandleFunc("GET /reseau/revoquer", s.needAccount(s.revokeForm))
	mux.HandleFunc("POST /reseau/revoquer", s.needAccount(s.limit(httplimit.Write, s.revokePost)))
	mux.HandleFunc("POST /entree/{id}/signaler", s.needAccount(s.limit(httplimit.Write, s.reportPost)))
	mux.HandleFunc("GET /moderation", s.needAccount(s.moderationPage))
	mux.HandleFunc("POST /moderation/agir", s.needAccount(s.limit(httplimit.Write, s.moderatePost)))
	mux.HandleFunc("GET /connexion", s.loginForm)
	mux.HandleFunc("POST /connexion", s.loginPost)
	mux.HandleFunc("POST /deconnexion", s.logout)
	mux.HandleFunc("GET "+ActivationPath, s.activateForm)
	mux.HandleFunc("POST "+ActivationPath, s.activatePost)
	mux.HandleFunc("GET /flux.atom", s.feed)
	mux.HandleFunc("GET /flux/{file}", s.categoryFeed)
	mux.HandleFunc("GET /static/{file}", s.static)
	mux.HandleFunc("/", s.notFound)

	// Browsers say where a request comes from; one from another
	// origin is refused whatever it carries. The CSRF token then
	// covers browsers that do not say.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.csrfRefused))
	return securityHeaders(s.isolate(s.withVisitor(cop.Handler(s.checkForm(mux)))))
}
