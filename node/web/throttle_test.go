package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWrongPasswordsElsewhereDoNotLockTheUserOut: failures count per
// client address and account together, so whoever types wrong
// passwords for marie slows only themselves; marie logs in at once from
// her own address, and from any address with a browser she logged in
// with before.
func TestWrongPasswordsElsewhereDoNotLockTheUserOut(t *testing.T) {
	e := newEnv(t)
	e.account("marie")
	attacker := e.client().from("192.0.2.66")
	for i := range 10 {
		res := attacker.login("marie", fmt.Sprintf("essai %d", i))
		if res.status != http.StatusUnauthorized && res.status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: %d", i, res.status)
		}
	}
	if res := attacker.login("marie", testPassword); res.status != http.StatusTooManyRequests {
		t.Errorf("the attacker's address after its failures: %d, want 429", res.status)
	}
	home := e.client().from("198.51.100.7")
	if res := home.login("marie", testPassword); res.status != http.StatusSeeOther {
		t.Fatalf("marie from her own address after someone else's failures: %d, want 303:\n%s", res.status, res.body)
	}
	// The same browser later, from another address (a train's Wi-Fi):
	// its device cookie lets it through the address's throttle too.
	home.logout()
	home.from("192.0.2.66")
	if res := home.login("marie", testPassword); res.status != http.StatusSeeOther {
		t.Errorf("marie's browser from the attacker's throttled address: %d, want 303", res.status)
	}
}

// TestDeviceCookieGoesThroughAnAttackFromEverywhere: failures from many
// addresses reach the account's own ceiling, which slows browsers
// never used with the account by a few seconds at most, and never the
// browsers that logged in with it before.
func TestDeviceCookieGoesThroughAnAttackFromEverywhere(t *testing.T) {
	e := newEnv(t)
	e.account("marie")
	phone := e.client().from("198.51.100.7")
	if res := phone.login("marie", testPassword); res.status != http.StatusSeeOther {
		t.Fatalf("first login: %d", res.status)
	}
	phone.logout()
	for i := range 40 {
		bot := e.client().from(fmt.Sprintf("203.0.113.%d", i+1))
		for j := range freeFailuresSource {
			bot.login("marie", fmt.Sprintf("essai %d-%d", i, j))
		}
	}
	res := e.client().from("198.51.100.8").login("marie", testPassword)
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("a new browser during the attack: %d, want 429 (the account's ceiling)", res.status)
	}
	// The bound asked for: a few seconds, with margin.
	if wait, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || wait < 1 || wait > 10 {
		t.Errorf("a new browser must wait %q s, want a few seconds at most", res.header.Get("Retry-After"))
	}
	if !strings.Contains(res.body, "déjà connecté") {
		t.Errorf("the 429 page does not say a known browser goes through:\n%s", res.body)
	}
	if res := phone.login("marie", testPassword); res.status != http.StatusSeeOther {
		t.Errorf("marie's phone, with its device cookie, during the attack: %d, want 303", res.status)
	}
	e.clock.Advance(accountRefill + time.Second)
	if res := e.client().from("198.51.100.9").login("marie", testPassword); res.status != http.StatusSeeOther {
		t.Errorf("a new browser a few seconds later: %d, want 303", res.status)
	}
}

// TestDeviceCookieIsBoundToItsAccount: a device cookie vouches only
// for the account it was issued to, as issued, and its own failures
// slow it down.
func TestDeviceCookieIsBoundToItsAccount(t *testing.T) {
	e := newEnv(t)
	e.account("marie")
	paul, _ := e.account("paul")
	paul.logout()
	if res := paul.from("192.0.2.66").login("paul", testPassword); res.status != http.StatusSeeOther {
		t.Fatalf("paul logs in: %d", res.status)
	}
	paul.logout()
	for range freeFailuresSource {
		paul.login("marie", "mauvais")
	}
	if res := paul.login("marie", testPassword); res.status != http.StatusTooManyRequests {
		t.Errorf("paul's device cookie let him through marie's throttle: %d", res.status)
	}

	c := e.client().from("192.0.2.67")
	if res := c.login("marie", testPassword); res.status != http.StatusSeeOther {
		t.Fatalf("marie logs in: %d", res.status)
	}
	u, _ := url.Parse(e.ts.URL + "/connexion")
	var cookie *http.Cookie
	for _, ck := range c.http.Jar.Cookies(u) {
		if strings.HasPrefix(ck.Name, deviceCookiePrefix) {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no device cookie after a login")
	}
	if e.srv.deviceOf(requestWith(cookie), "marie", e.clock.Now()) == "" {
		t.Fatal("the device cookie as issued is not recognised")
	}
	tampered := *cookie
	tampered.Value = strings.Replace(cookie.Value, "marie", "paul", 1)
	for name, ck := range map[string]*http.Cookie{
		"for another account":   {Name: deviceCookiePrefix + "paul", Value: cookie.Value},
		"tampered":              &tampered,
		"cut":                   {Name: cookie.Name, Value: cookie.Value[:len(cookie.Value)-2]},
		"empty":                 {Name: cookie.Name, Value: ""},
		"after a year and more": cookie,
	} {
		now := e.clock.Now()
		if name == "after a year and more" {
			now = now.Add(deviceCookieTTL + time.Hour)
		}
		if e.srv.deviceOf(requestWith(ck), "marie", now) != "" {
			t.Errorf("device cookie %s: recognised", name)
		}
	}
	// A password reset withdraws the trust of marie's browsers.
	ResetAccount(e.users, "marie", e.clock.Now())
	if e.srv.deviceOf(requestWith(cookie), "marie", e.clock.Now()) != "" {
		t.Errorf("a device cookie outlived the reset of the password")
	}

	// A device guessing wrong slows itself down.
	e = newEnv(t)
	e.account("marie")
	d := e.client()
	d.login("marie", testPassword)
	d.logout()
	for range freeFailuresDevice {
		d.login("marie", "mauvais")
	}
	if res := d.login("marie", testPassword); res.status != http.StatusTooManyRequests {
		t.Errorf("a device cookie after %d failures: %d, want 429", freeFailuresDevice, res.status)
	}
}

// requestWith is a login request carrying cookie.
func requestWith(cookie *http.Cookie) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "/connexion", nil)
	r.AddCookie(cookie)
	return r
}

// TestLongNamesTakeNoRoomInTheThrottles: a name no account can have
// (a megabyte of it, say) is counted under one short key, so that the
// throttles' records stay small.
func TestLongNamesTakeNoRoomInTheThrottles(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for i := range 3 {
		c.login(strings.Repeat(fmt.Sprint(i), 100_000), "x")
	}
	e.srv.limiter.mu.Lock()
	defer e.srv.limiter.mu.Unlock()
	for k := range e.srv.limiter.records {
		if len(k) > 100 {
			t.Errorf("a throttle key of %d bytes", len(k))
		}
	}
	e.srv.ceiling.mu.Lock()
	defer e.srv.ceiling.mu.Unlock()
	for k := range e.srv.ceiling.buckets {
		if len(k) > 100 {
			t.Errorf("an account ceiling of %d bytes", len(k))
		}
	}
}
