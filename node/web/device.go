package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Device cookies. After a successful login the browser gets a
// long-lived cookie that says "this browser logged in as NAME": at the
// next login for NAME it goes through the throttles of its address and
// of the account, so that failures made elsewhere never keep the
// person out of their own browser (see ratelimit.go). It grants nothing
// else: the password is still checked, and its own failures slow it.
//
// The value is NAME.ID.EXPIRES.MAC, where ID is random, EXPIRES a Unix
// time, and MAC an HMAC-SHA256, under the key of the CSRF tokens (kept
// in the sessions file), of those and of the account's session_gen: a
// password reset, the end of its sessions or an account made again
// under the same name withdraws every device's trust. One cookie per
// account, sent only to the login page.
const (
	deviceCookiePrefix = "mutu_appareil_"
	deviceCookieTTL    = 365 * 24 * time.Hour
)

// deviceMAC is the MAC of a device cookie.
func (s *Server) deviceMAC(name, gen, id string, expires int64) string {
	m := hmac.New(sha256.New, s.sessions.key)
	m.Write([]byte("mutu device\x00" + name + "\x00" + gen + "\x00" + id + "\x00" + strconv.FormatInt(expires, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setDeviceCookie gives the browser a device cookie for account a.
func (s *Server) setDeviceCookie(w http.ResponseWriter, r *http.Request, a *account, now time.Time) {
	id := newID()[:22]
	expires := now.Add(deviceCookieTTL).Unix()
	http.SetCookie(w, &http.Cookie{
		Name:     deviceCookiePrefix + a.Name,
		Value:    a.Name + "." + id + "." + strconv.FormatInt(expires, 10) + "." + s.deviceMAC(a.Name, a.SessionGen, id, expires),
		Path:     "/connexion",
		MaxAge:   int(deviceCookieTTL / time.Second),
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   s.sessions.secure || r.TLS != nil,
	})
}

// deviceOf returns the ID of the valid device cookie for the account
// name that r carries at now, or "" if it carries none.
func (s *Server) deviceOf(r *http.Request, name string, now time.Time) string {
	c, err := r.Cookie(deviceCookiePrefix + name)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || parts[0] != name {
		return ""
	}
	expires, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || now.Unix() >= expires {
		return ""
	}
	a := s.accounts.get(name)
	if a == nil {
		return ""
	}
	want := s.deviceMAC(name, a.SessionGen, parts[1], expires)
	if !hmac.Equal([]byte(parts[3]), []byte(want)) {
		return ""
	}
	return parts[1]
}
