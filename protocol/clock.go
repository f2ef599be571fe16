package protocol

import (
	"sync"
	"time"
)

// Clock is a hybrid logical clock reading: the upper 48 bits are Unix
// milliseconds, the lower 16 a counter that orders events within one
// millisecond and events that follow a clock from the future.
// Readings compare as plain integers.
type Clock uint64

const clockCounterBits = 16

// MakeClock returns the reading for t with counter 0.
func MakeClock(t time.Time) Clock {
	return Clock(uint64(t.UnixMilli()) << clockCounterBits)
}

// Time returns the physical part of the reading.
func (c Clock) Time() time.Time {
	return time.UnixMilli(int64(c >> clockCounterBits)).UTC()
}

// MaxClockDrift is how far ahead of its wall clock what a node observes
// may move its clock. A peer whose clock runs ahead, or lies, cannot
// carry every later revision of the node into the future: the node's
// own readings stay within MaxClockDrift of its wall time, except for
// an edit of a revision from further ahead, which must sort after it
// (NowAfter).
const MaxClockDrift = time.Minute

// HLC issues strictly increasing clock readings that stay close to
// wall time and above every reading it has observed, up to
// MaxClockDrift ahead of its wall clock.
// It is safe for concurrent use.
type HLC struct {
	mu   sync.Mutex // guards last
	last Clock
	now  func() time.Time
}

// NewHLC returns a clock reading now; nil means time.Now.
func NewHLC(now func() time.Time) *HLC {
	if now == nil {
		now = time.Now
	}
	return &HLC{now: now}
}

// Now returns a reading greater than every earlier one and every
// observed one.
func (h *HLC) Now() Clock {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := MakeClock(h.now())
	if c <= h.last {
		c = h.last + 1
	}
	h.last = c
	return c
}

// Observe moves the clock past a reading seen on another revision, so
// that revisions made later here sort after it; but never further than
// MaxClockDrift ahead of the wall clock.
func (h *HLC) Observe(c Clock) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c = min(c, MakeClock(h.now().Add(MaxClockDrift)))
	if c > h.last {
		h.last = c
	}
}

// NowAfter returns a reading as Now does, and greater than floor too:
// the clock of an edit, which must sort after its parents even when
// one comes from further ahead than MaxClockDrift. A reading past the
// drift bound is not kept: later readings for other documents stay
// close to wall time.
func (h *HLC) NowAfter(floor Clock) Clock {
	c := h.Now()
	if c <= floor {
		c = floor + 1
	}
	return c
}
