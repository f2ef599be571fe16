package node

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// streamGuard bounds a stream in time: it sets the stream's deadline
// and, because some transports (mocknet) ignore deadlines, also resets
// the stream from a timer when the deadline passes or when ctx ends.
type streamGuard struct {
	s      network.Stream
	idle   time.Duration
	timer  *time.Timer
	unhook func() bool
}

// guard arranges for s to be reset when ctx is done or when idle
// passes without a call to extend. release must be called.
func guard(ctx context.Context, s network.Stream, idle time.Duration) *streamGuard {
	g := &streamGuard{s: s, idle: idle}
	_ = s.SetDeadline(time.Now().Add(idle))
	g.timer = time.AfterFunc(idle, func() { _ = s.Reset() })
	g.unhook = context.AfterFunc(ctx, func() { _ = s.Reset() })
	return g
}

// extend pushes the deadline idle into the future again; long
// transfers call it after each frame.
func (g *streamGuard) extend() {
	_ = g.s.SetDeadline(time.Now().Add(g.idle))
	g.timer.Reset(g.idle)
}

// release stops the timers; the stream itself is left as it is.
func (g *streamGuard) release() {
	g.timer.Stop()
	g.unhook()
}

// finish closes s when err is nil and resets it otherwise, so that
// every stream ends one way or the other on every path.
func finish(s network.Stream, err error) {
	if err != nil {
		_ = s.Reset()
		return
	}
	_ = s.Close()
}
