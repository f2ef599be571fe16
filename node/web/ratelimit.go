package web

import (
	"sync"
	"time"
)

// Login throttling. Each failed login counts against the account name
// and against the client's IP address. Past a few free failures, the
// next attempt must wait a delay that doubles with every further
// failure, up to maxBackoff; attempts made during the wait are refused
// without checking the password. Behind a reverse proxy every client
// has the proxy's address, so the IP threshold is higher than the
// account one.
const (
	freeFailuresAccount = 3
	freeFailuresIP      = 10
	firstBackoff        = 2 * time.Second
	maxBackoff          = 15 * time.Minute
	// forgetAfter: a record with no failure for this long is dropped.
	forgetAfter = 24 * time.Hour
	// maxRecords bounds the memory an attacker cycling names or
	// addresses can take; the oldest records go first.
	maxRecords = 100_000
)

// limiter counts login failures per key ("compte:NAME", "ip:ADDR").
// It is safe for concurrent use.
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
