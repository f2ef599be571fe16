package httplimit

import (
	"io"
	"net/http"
	"time"
)

// Guard is what the API and the web pages share of the server's
// limits: the request rates per client, and the deadlines of long
// transfers. A nil *Guard limits nothing and changes no deadline.
type Guard struct {
	rates       *RateLimiter
	read, write time.Duration
}

// NewGuard returns the guard of l (defaults for its zero fields).
func NewGuard(l Limits) *Guard {
	l = l.withDefaults()
	return &Guard{rates: NewRateLimiter(l), read: l.ReadTimeout, write: l.WriteTimeout}
}

// Allow counts a request of class c from r's client (see
// RateLimiter.Allow).
func (g *Guard) Allow(c Class, r *http.Request) (ok bool, retryAfter time.Duration) {
	if g == nil {
		return true, 0
	}
	return g.rates.Allow(c, r)
}

// Rate returns the rate of class c; the zero Rate for a nil Guard.
func (g *Guard) Rate(c Class) Rate {
	if g == nil {
		return Rate{}
	}
	return g.rates.Rate(c)
}

// LongUpload lets the body of r be read past the server's ReadTimeout,
// for as long as each read brings bytes within it: a 1 GiB attachment
// over a slow line goes through, a client that stops sending is cut
// off. Once the body is read, the answer has the server's WriteTimeout.
// Call it before reading the body, on routes whose client is trusted
// to send that much (it has the write token, or an account).
func (g *Guard) LongUpload(w http.ResponseWriter, r *http.Request) {
	if g == nil {
		return
	}
	rc := http.NewResponseController(w)
	r.Body = &progressBody{ReadCloser: r.Body, rc: rc, read: g.read, write: g.write}
}

type progressBody struct {
	io.ReadCloser
	rc          *http.ResponseController
	read, write time.Duration
}

func (b *progressBody) Read(p []byte) (int, error) {
	now := time.Now()
	// Errors mean the connection does not take deadlines (a test
	// recorder): the server's own then stand.
	_ = b.rc.SetReadDeadline(now.Add(b.read))
	_ = b.rc.SetWriteDeadline(now.Add(b.read + b.write))
	return b.ReadCloser.Read(p)
}

// LongDownload returns w such that an answer may be written past the
// server's WriteTimeout, for as long as each write completes within it:
// a large attachment reaches a slow reader, a reader that stops
// reading is cut off.
func (g *Guard) LongDownload(w http.ResponseWriter) http.ResponseWriter {
	if g == nil {
		return w
	}
	return &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), write: g.write}
}

type progressWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	write time.Duration
}

func (w *progressWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.write))
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// NoWriteDeadline lifts the server's WriteTimeout for the answer to r,
// for a route that answers once long work ends (a fetch of attachments
// from the other nodes), whose client is trusted.
func (g *Guard) NoWriteDeadline(w http.ResponseWriter) {
	if g == nil {
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
}
