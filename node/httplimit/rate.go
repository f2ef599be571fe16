package httplimit

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Class is a kind of expensive request, each with its own rate.
type Class int

const (
	Search Class = iota // a search: API, search page, tool and software lists
	Write               // a publish, an edit or a retraction
	Fetch               // a request to fetch attachments from the other nodes
	numClasses
)

var classNames = [numClasses]string{"search", "write", "fetch"}

func (c Class) String() string { return classNames[c] }

// maxClients bounds the memory that clients cycling addresses can take:
// past it, the clients seen longest ago are forgotten first.
const maxClients = 20_000

// RateLimiter counts the requests of each client address, per class,
// in token buckets (golang.org/x/time/rate). An IPv6 address counts
// with its /64, which one host usually holds whole. Clients on the
// node's own machine are not counted unless Limits.LimitLoopback says
// so. Behind a reverse proxy on another machine every client has the
// proxy's address: the rates then apply to all of them together. It is
// safe for concurrent use.
type RateLimiter struct {
	rates    [numClasses]Rate
	loopback bool // count loopback clients too
	now      func() time.Time

	mu      sync.Mutex // guards clients
	clients map[clientKey]*bucket
}

type clientKey struct {
	class Class
	addr  netip.Prefix
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time // of the last request
}

// NewRateLimiter returns a limiter with the rates of l (defaults for
// its zero fields).
func NewRateLimiter(l Limits) *RateLimiter {
	l = l.withDefaults()
	return &RateLimiter{
		rates:    [numClasses]Rate{Search: l.Search, Write: l.Write, Fetch: l.Fetch},
		loopback: l.LimitLoopback,
		now:      time.Now,
		clients:  make(map[clientKey]*bucket),
	}
}

// Rate returns the rate of class c.
func (rl *RateLimiter) Rate(c Class) Rate { return rl.rates[c] }

// Allow counts a request of class c from r's client and reports
// whether it may go on; when not, retryAfter is how long the client
// should wait before the next. The request refused does not count.
func (rl *RateLimiter) Allow(c Class, r *http.Request) (ok bool, retryAfter time.Duration) {
	rt := rl.rates[c]
	if rt.PerSecond < 0 {
		return true, 0
	}
	addr, loopback := clientPrefix(r.RemoteAddr)
	if loopback && !rl.loopback {
		return true, 0
	}
	key := clientKey{class: c, addr: addr}
	now := rl.now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	b := rl.clients[key]
	if b == nil {
		if len(rl.clients) >= maxClients {
			rl.pruneLocked(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(rt.PerSecond), rt.Burst)}
		rl.clients[key] = b
	}
	b.last = now
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Minute
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// pruneLocked forgets the clients whose bucket has filled up again
// (they are as good as new), then, if that is not enough, the older
// half of the rest.
func (rl *RateLimiter) pruneLocked(now time.Time) {
	var oldest, newest time.Time
	for k, b := range rl.clients {
		rt := rl.rates[k.class]
		refill := time.Duration(float64(rt.Burst) / rt.PerSecond * float64(time.Second))
		if now.Sub(b.last) > refill {
			delete(rl.clients, k)
			continue
		}
		if oldest.IsZero() || b.last.Before(oldest) {
			oldest = b.last
		}
		if b.last.After(newest) {
			newest = b.last
		}
	}
	if len(rl.clients) < maxClients {
		return
	}
	cut := oldest.Add(newest.Sub(oldest) / 2)
	for k, b := range rl.clients {
		if !b.last.After(cut) {
			delete(rl.clients, k)
		}
	}
}

// clientPrefix is the client's address from a RemoteAddr, an IPv4
// address whole, an IPv6 one to its /64, and whether it is a loopback
// address.
func clientPrefix(remote string) (netip.Prefix, bool) {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap().WithZone("")
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p, a.IsLoopback()
}

// RetryAfter is the value of a Retry-After header for a wait: whole
// seconds, at least 1.
func RetryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
