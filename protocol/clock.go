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

// HLC issues strictly increasing clock readings that stay close to
// wall time and above every reading it has observed.
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
// that revisions made later here sort after it.
func (h *HLC) Observe(c Clock) {
	h.mu.Lock()
	if c > h.last {
		h.last = c
	}
	h.mu.Unlock()
}
