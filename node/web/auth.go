package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// loginView is the login page.
type loginView struct {
	base
	Name  string
	Next  string // where to go afterwards
	Error string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if visitorOf(r).account != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("suite")), http.StatusSeeOther)
		return
	}
	s.ensureCookie(w, r)
	s.render(w, r, http.StatusOK, "login", &loginView{base: base{Title: "Connexion", Nav: "connexion"}, Next: localPath(r.URL.Query().Get("suite"))})
}

// loginPost checks a name and password. Failures are throttled (see
// ratelimit.go): per device cookie for a browser that logged in with
// the account before, otherwise per address and account, per address,
// and under the account's ceiling. During a wait, attempts are refused
// with 429 before the password is even looked at.
func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(strings.TrimSpace(r.PostFormValue("nom")))
	password := r.PostFormValue("mot_de_passe")
	next := localPath(r.PostFormValue("suite"))
	v := &loginView{base: base{Title: "Connexion", Nav: "connexion"}, Name: name, Next: next}
	now := s.now()
	ip := clientIP(r)
	if !accountName.MatchString(name) {
		// No account has it: one key for them all, so that names of
		// a megabyte take no room in the throttles and the log.
		name = "(nom invalide)"
	}
	device := s.deviceOf(r, name, now)
	deviceKey, sourceKey, ipKey := "appareil:"+device, "source:"+ip+" "+name, "ip:"+ip
	var wait time.Duration
	var crowded bool // the account's ceiling is what makes it wait
	if device != "" {
		wait = s.limiter.wait(deviceKey, freeFailuresDevice, now)
	} else {
		wait = max(s.limiter.wait(sourceKey, freeFailuresSource, now), s.limiter.wait(ipKey, freeFailuresIP, now))
		if w := s.ceiling.wait(name, now); w > wait {
			wait, crowded = w, true
		}
	}
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		v.Error = fmt.Sprintf("Trop de tentatives de connexion échouées : réessayez dans %s.", frenchDuration(secs))
		if crowded {
			v.Error = fmt.Sprintf("De nombreuses tentatives échouées visent ce compte : réessayez dans %s. "+
				"Depuis un navigateur où vous vous êtes déjà connecté, vous n'avez pas à attendre.", frenchDuration(secs))
		}
		s.log.Warn("web: login refused while throttled", "account", name, "remote", r.RemoteAddr, "device", device != "", "account_ceiling", crowded)
		s.render(w, r, http.StatusTooManyRequests, "login", v)
		return
	}
	a := s.accounts.get(name)
	hash := dummyHash
	if a != nil && a.Password != "" && len(password) <= maxPasswordLen {
		hash = a.Password
	}
	ok, err := s.checkPasswordBounded(r.Context(), hash, password)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !ok || a == nil || a.Password == "" {
		if device != "" {
			s.limiter.fail(deviceKey, now)
		} else {
			s.limiter.fail(sourceKey, now)
			s.limiter.fail(ipKey, now)
			s.ceiling.fail(name, now)
		}
		s.log.Warn("web: failed login", "account", name, "remote", r.RemoteAddr, "device", device != "")
		v.Error = "Nom ou mot de passe incorrect."
		s.render(w, r, http.StatusUnauthorized, "login", v)
		return
	}
	if a.Disabled {
		s.log.Warn("web: login of a disabled account refused", "account", name, "remote", r.RemoteAddr)
		v.Error = "Ce compte est désactivé : adressez-vous à la personne qui gère le nœud."
		s.render(w, r, http.StatusForbidden, "login", v)
		return
	}
	s.limiter.reset(sourceKey)
	s.limiter.reset(deviceKey)
	s.startSession(w, r, a)
	s.setDeviceCookie(w, r, a, now)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// checkPasswordBounded checks a password with at most cap(s.hashing)
// hashes computed at once.
func (s *Server) checkPasswordBounded(ctx context.Context, hash, password string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashing }()
	return checkPassword(hash, password)
}

// startSession logs the visitor in as a under a new session ID.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a *account) {
	vis := visitorOf(r)
	if vis.id != "" {
		s.sessions.logout(vis.id)
	}
	id := s.sessions.login(a, s.now())
	s.sessions.setCookie(w, r, id)
	s.saveSessions()
}

// saveSessions writes the sessions file after a login or a logout. A
// failure is logged: sessions go on in memory, and only a restart
// would log their visitors out.
func (s *Server) saveSessions() {
	if err := s.sessions.save(); err != nil {
		s.log.Warn("web: sessions not saved; a restart will log their visitors out", "err", err)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	vis := visitorOf(r)
	if vis.id != "" {
		s.sessions.logout(vis.id)
		s.saveSessions()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.sessions.secure || r.TLS != nil})
	http.Redirect(w, r, "/?msg=deconnecte", http.StatusSeeOther)
}

// clientIP is the address a request came from, without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// frenchDuration writes a wait: "12 secondes", "3 minutes".
func frenchDuration(secs int) string {
	switch {
	case secs < 2:
		return "1 seconde"
	case secs < 120:
		return strconv.Itoa(secs) + " secondes"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}

// activateView is the page where a new account chooses its password.
type activateView struct {
	base
	Token   string
	Account string
	Error   string
	MinLen  int
}

func (s *Server) activateForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("jeton")
	a := s.accounts.byToken(token, s.now())
	if a == nil {
		s.badToken(w, r)
		return
	}
	s.ensureCookie(w, r)
	// The token stays out of the Referer of anything the page loads.
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "activate", &activateView{base: base{Title: "Choisir votre mot de passe"}, Token: token, Account: a.Name, MinLen: MinPasswordLen})
}

func (s *Server) activatePost(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("jeton")
	now := s.now()
	a := s.accounts.byToken(token, now)
	if a == nil {
		s.badToken(w, r)
		return
	}
	password := r.PostFormValue("mot_de_passe")
	if problem := passwordProblem(password, r.PostFormValue("confirmation")); problem != "" {
		w.Header().Set("Referrer-Policy", "no-referrer")
		s.render(w, r, http.StatusUnprocessableEntity, "activate", &activateView{base: base{Title: "Choisir votre mot de passe"},
			Token: token, Account: a.Name, Error: problem, MinLen: MinPasswordLen})
		return
	}
	select {
	case s.hashing <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	name, err := s.accounts.activate(token, password, now)
	<-s.hashing
	if errors.Is(err, errTokenInvalid) {
		s.badToken(w, r)
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.Info("web: account activated", "account", name)
	if a = s.accounts.get(name); a == nil {
		s.internalError(w, r, fmt.Errorf("web: account %q gone after its activation", name))
		return
	}
	s.startSession(w, r, a)
	http.Redirect(w, r, "/?msg=active", http.StatusSeeOther)
}

func (s *Server) badToken(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "Lien d'activation non valable",
		"Ce lien a déjà servi, a expiré (il vaut "+strconv.Itoa(int(ActivationTTL/time.Hour))+" heures) ou a été mal copié. "+
			"Demandez-en un nouveau à la personne qui gère le nœud (commande mutu user reset).")
}
