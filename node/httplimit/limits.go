// Package httplimit keeps any one HTTP client from taking the node
// down: a cap on the connections held at once that closes idle ones
// first (Listener), the server's timeouts (Server), request rates per
// client address on the expensive routes (RateLimiter), and deadlines
// that let a large upload or download last as long as it keeps moving
// (Guard). The JSON API and the web pages share them; docs/operator.md
// lists the limits and their defaults.
package httplimit

import (
	"net"
	"net/http"
	"time"
)

// Limits are the limits of the node's HTTP server. A zero field takes
// its default (DefaultLimits); a negative rate turns that limit off.
type Limits struct {
	// MaxConns caps the connections held at once (default 1000).
	MaxConns int
	// ReadHeaderTimeout bounds the reading of a request's headers
	// (default 10 s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request (default 30 s).
	// An upload that Guard.LongUpload lets through may take longer, as
	// long as no ReadTimeout passes without a byte.
	ReadTimeout time.Duration
	// WriteTimeout bounds the writing of an answer, from the end of the
	// request's headers (default 60 s); a download that
	// Guard.LongDownload lets through may take longer, as long as each
	// write completes within it.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends no request
	// for this long (default 60 s).
	IdleTimeout time.Duration
	// Search, Write and Fetch are the request rates allowed to each
	// client address: searches (API and pages), writes (publish, edit,
	// retract) and fetches of attachments from the other nodes.
	Search, Write, Fetch Rate
	// LimitLoopback counts clients on the node's own machine too. By
	// default they are not limited: they are the mutu command, scripts
	// of whoever runs the node, and a reverse proxy on the same
	// machine, through which every visitor would share one address
	// (the proxy alone sees theirs, and should limit them itself).
	LimitLoopback bool
}

// Rate is a sustained number of requests per second, and the burst
// allowed above it. PerSecond 0 takes the default; below 0, no limit.
// Burst 0 is twice PerSecond, and at least 1.
type Rate struct {
	PerSecond float64
	Burst     int
}

// DefaultLimits are the limits of a zero Limits.
var DefaultLimits = Limits{
	MaxConns:          1000,
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       60 * time.Second,
	Search:            Rate{PerSecond: 20, Burst: 40},
	Write:             Rate{PerSecond: 5, Burst: 10},
	Fetch:             Rate{PerSecond: 2, Burst: 4},
}

// MaxHeaderBytes caps a request's line and headers. Go's default is
// 1 MiB, which a thousand connections could make a gigabyte; no
// browser or reverse proxy sends more than a few kilobytes (nginx
// refuses a request line over 8 KiB). A request over it is answered
// 431 by the server itself.
const MaxHeaderBytes = 64 << 10

// withDefaults fills in the zero fields of l.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	for _, p := range []struct{ v, def *time.Duration }{
		{&l.ReadHeaderTimeout, &d.ReadHeaderTimeout},
		{&l.ReadTimeout, &d.ReadTimeout},
		{&l.WriteTimeout, &d.WriteTimeout},
		{&l.IdleTimeout, &d.IdleTimeout},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	for _, p := range []struct{ v, def *Rate }{{&l.Search, &d.Search}, {&l.Write, &d.Write}, {&l.Fetch, &d.Fetch}} {
		if p.v.PerSecond == 0 {
			*p.v = *p.def
		}
		if p.v.PerSecond > 0 && p.v.Burst <= 0 {
			p.v.Burst = max(1, int(2*p.v.PerSecond))
		}
	}
	return l
}

// ConnCap returns the cap on connections the server keeps for a
// configured max: max, but at most a quarter of the process's limit on
// open files (and at least 16), so that the peer-to-peer connections
// and the store keep the rest.
func ConnCap(want int) int {
	if n, ok := openFileLimit(); ok && uint64(want) > n/4 {
		return int(max(16, n/4))
	}
	return want
}

// Server returns an HTTP server for h with the timeouts of l, serving
// on ln with at most ConnCap(l.MaxConns) connections at once. Serve it
// on the listener returned.
func Server(h http.Handler, ln net.Listener, l Limits) (*http.Server, *Listener) {
	l = l.withDefaults()
	cl := NewListener(ln, ConnCap(l.MaxConns))
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnState:         cl.ConnState,
	}, cl
}
