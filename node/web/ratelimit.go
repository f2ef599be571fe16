package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Login throttling, in three layers, so that whoever types wrong
// passwords slows only themselves (OWASP, "Slow down online guessing
// attacks with device cookies"):
//
//   - A browser that logged in with the account before shows its
//     device cookie (device.go): its failures count against that cookie
//     alone, freeFailuresDevice of them free, and nothing else slows it.
//   - Any other attempt counts against its client address and the
//     account together (freeFailuresSource free), and against its
//     address across accounts (freeFailuresIP free, for one address
//     trying a password on many names). Past the free failures, the
//     next attempt must wait a delay that doubles with every further
//     failure, up to maxBackoff; attempts made during the wait are
//     refused without checking the password.
//   - The account has a ceiling of its own for those attempts, against
//     guesses spread over many addresses: accountBurst failures, then
//     one every accountRefill. It only slows, never locks out: a new
//     browser waits accountRefill at most.
//
// Behind a reverse proxy every client has the proxy's address, hence
// the higher threshold per address.
const (
	freeFailuresDevice = 5
	freeFailuresSource = 3
	freeFailuresIP     = 10
	firstBackoff       = 2 * time.Second
	maxBackoff         = 15 * time.Minute
	accountBurst       = 20
	accountRefill      = 5 * time.Second
	// forgetAfter: a record with no failure for this long is dropped.
	forgetAfter = 24 * time.Hour
	// maxRecords bounds the memory an attacker cycling names or
	// addresses can take; the oldest records go first.
	maxRecords = 100_000
)

// limiter counts login failures per key ("source:ADDR NAME",
// "ip:ADDR", "appareil:ID"). It is safe for concurrent use.
type limiter struct {
	mu      sync.Mutex // guards records
	records map[string]*failures
}

type failures struct {
	count int
	last  time.Time // of the last failure
}

func newLimiter() *limiter { return &limiter{records: make(map[string]*failures)} }

// wait returns how long key must still wait before its next attempt,
// given free failures allowed before delays start; 0 when it may try.
func (l *limiter) wait(key string, free int, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.records[key]
	if f == nil || f.count < free {
		return 0
	}
	if until := f.last.Add(backoff(f.count - free)); now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

// backoff is the delay after n failures beyond the free ones: 2 s, 4 s,
// 8 s… up to maxBackoff.
func backoff(n int) time.Duration {
	if n >= 20 {
		return maxBackoff
	}
	return min(firstBackoff<<n, maxBackoff)
}

// fail records a failure of key at now.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.records[key]
	if f == nil {
		if len(l.records) >= maxRecords {
			l.pruneLocked(now)
		}
		f = &failures{}
		l.records[key] = f
	}
	f.count++
	f.last = now
}

// reset forgets key's failures, after a successful login.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.records, key)
}

// pruneLocked drops forgotten records, and if that is not enough the
// oldest half.
func (l *limiter) pruneLocked(now time.Time) {
	var newest time.Time
	for k, f := range l.records {
		if now.Sub(f.last) > forgetAfter {
			delete(l.records, k)
		} else if f.last.After(newest) {
			newest = f.last
		}
	}
	if len(l.records) < maxRecords {
		return
	}
	// Everything is recent: keep the records of the last half of the
	// window since the oldest.
	var oldest time.Time
	for _, f := range l.records {
		if oldest.IsZero() || f.last.Before(oldest) {
			oldest = f.last
		}
	}
	cut := oldest.Add(newest.Sub(oldest) / 2)
	for k, f := range l.records {
		if !f.last.After(cut) {
			delete(l.records, k)
		}
	}
}

// ceiling is the accounts' own limit on failures, a token bucket per
// account name. It is safe for concurrent use.
type ceiling struct {
	mu      sync.Mutex // guards buckets
	buckets map[string]*rate.Limiter
}

func newCeiling() *ceiling { return &ceiling{buckets: make(map[string]*rate.Limiter)} }

// wait returns how long an attempt on account must wait at now; 0
// when it may try. It is accountRefill at most.
func (c *ceiling) wait(account string, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buckets[account]
	if b == nil {
		return 0
	}
	tokens := b.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) * float64(accountRefill))
}

// fail records a failure on account at now.
func (c *ceiling) fail(account string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buckets[account]
	if b == nil {
		if len(c.buckets) >= maxRecords {
			c.pruneLocked(now)
		}
		b = rate.NewLimiter(rate.Every(accountRefill), accountBurst)
		c.buckets[account] = b
	}
	b.AllowN(now, 1)
}

// pruneLocked drops the buckets that are full again, which hold
// nothing, and if that is not enough all of them: the other layers
// still apply.
func (c *ceiling) pruneLocked(now time.Time) {
	for k, b := range c.buckets {
		if b.TokensAt(now) >= accountBurst {
			delete(c.buckets, k)
		}
	}
	if len(c.buckets) >= maxRecords {
		clear(c.buckets)
	}
}
