package httplimit

import (
	"container/list"
	"errors"
	"net"
	"net/http"
	"sync"
)

// Listener accepts at most max connections at once, so that a client
// opening thousands cannot take the file descriptors the node needs for
// its peers and its store. When it is full, the connection idle
// longest (kept alive after an answer, or opened and silent since) is
// closed to make room, so that a crowd of idle connections cannot lock
// out a new client; when every connection is busy, Accept waits for one
// to close, as golang.org/x/net/netutil.LimitListener does.
//
// It learns which connections are idle from the http.Server it feeds:
// set the server's ConnState to the listener's (Server does). Without
// it, every connection counts as idle since it was accepted.
type Listener struct {
	net.Listener
	slots chan struct{} // one token per open connection
	done  chan struct{} // closed by Close
	once  sync.Once

	mu   sync.Mutex // guards idle and the list fields of conns
	idle list.List  // of *conn not busy, idle longest first
}

// NewListener returns ln accepting at most max connections at once.
func NewListener(ln net.Listener, max int) *Listener {
	return &Listener{
		Listener: ln,
		slots:    make(chan struct{}, max),
		done:     make(chan struct{}),
	}
}

// conn is an accepted connection, with what the server last said of it.
type conn struct {
	net.Conn
	l    *Listener
	once sync.Once

	// Guarded by l.mu.
	elem   *list.Element // in l.idle while not busy; nil otherwise
	closed bool
}

// Close closes the connection and frees its slot.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		c.closed = true
		c.l.unidleLocked(c)
		c.l.mu.Unlock()
		<-c.l.slots
	})
	return err
}

// Accept waits for a connection, then for a slot for it: if there is
// none, the connection idle longest is closed to make one, or, when
// every connection is busy, Accept waits for one to close.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if err := l.acquire(); err != nil {
		c.Close()
		return nil, err
	}
	tc := &conn{Conn: c, l: l}
	l.mu.Lock()
	tc.elem = l.idle.PushBack(tc)
	l.mu.Unlock()
	return tc, nil
}

// errClosed is what Accept returns once the listener is closed.
var errClosed = errors.New("httplimit: listener closed")

func (l *Listener) acquire() error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	if idle := l.idlest(); idle != nil {
		idle.Close()
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-l.done:
		return errClosed
	}
}

// idlest takes the connection idle longest off the idle list and
// returns it, or nil if all are busy.
func (l *Listener) idlest() *conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.idle.Front()
	if e == nil {
		return nil
	}
	c := e.Value.(*conn)
	l.unidleLocked(c)
	return c
}

// unidleLocked takes c off the idle list.
func (l *Listener) unidleLocked(c *conn) {
	if c.elem != nil {
		l.idle.Remove(c.elem)
		c.elem = nil
	}
}

// ConnState records whether a connection is busy; set it as the
// http.Server's ConnState.
func (l *Listener) ConnState(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch state {
	case http.StateActive:
		l.unidleLocked(c)
	case http.StateIdle:
		l.unidleLocked(c)
		if !c.closed {
			c.elem = l.idle.PushBack(c)
		}
	case http.StateHijacked:
		// No longer the server's: counted until closed, never taken
		// for idle.
		l.unidleLocked(c)
	}
}

// Cap returns the most connections the listener holds at once.
func (l *Listener) Cap() int { return cap(l.slots) }

// Open returns the number of connections open.
func (l *Listener) Open() int { return len(l.slots) }

// Close stops accepting; open connections are the server's to close.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}
