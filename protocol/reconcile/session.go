package reconcile

import (
	"errors"
	"fmt"

	"github.com/mutu-network/mutu/protocol"
)

// Defaults of the session options.
const (
	// DefaultBranch is the number of sub-ranges a mismatched range is
	// split into.
	DefaultBranch = 16
	// DefaultLeafSize is the largest range, in local items, that is
	// listed instead of split.
	DefaultLeafSize = 32
	// DefaultFrameLimit is the size past which a session stops adding
	// ranges to a message and leaves the rest for a later round.
	DefaultFrameLimit = 1 << 20
	// DefaultMaxRounds is the number of incoming messages after which a
	// session gives up with protocol.CodeTooLarge.
	DefaultMaxRounds = 64
)

// maxFrameLimit leaves room under protocol.MaxMessageSize for the one
// range that may be added after the frame limit is reached: at most
// MaxRangeIDs sub-ranges or items of under 100 bytes each.
const maxFrameLimit = protocol.MaxMessageSize - 256<<10

type options struct {
	branch     int
	leafSize   int
	frameLimit int
	maxRounds  int
}

// Option configures a Session. Defaults: WithBranch(DefaultBranch),
// WithLeafSize(DefaultLeafSize), WithFrameLimit(DefaultFrameLimit),
// WithMaxRounds(DefaultMaxRounds).
//
// The options tune one side only: two peers with different settings
// still reconcile correctly.
type Option func(*options) error

// WithBranch sets how many sub-ranges of equal item counts a mismatched
// range is split into, from 2 to 256.
func WithBranch(n int) Option {
	return func(o *options) error {
		if n < 2 || n > 256 {
			return fmt.Errorf("reconcile: branch %d is outside [2, 256]", n)
		}
		o.branch = n
		return nil
	}
}

// WithLeafSize sets the largest mismatched range, counted in local
// items, that is listed rather than split: from 1 to MaxRangeIDs.
func WithLeafSize(n int) Option {
	return func(o *options) error {
		if n < 1 || n > MaxRangeIDs {
			return fmt.Errorf("reconcile: leaf size %d is outside [1, %d]", n, MaxRangeIDs)
		}
		o.leafSize = n
		return nil
	}
}

// WithFrameLimit sets the message size, in bytes, past which the session
// defers the rest of its work to a later round: from 1 KiB to
// protocol.MaxMessageSize − 256 KiB. A message may exceed the limit by
// one range (under 100 KiB).
func WithFrameLimit(n int) Option {
	return func(o *options) error {
		if n < 1<<10 || n > maxFrameLimit {
			return fmt.Errorf("reconcile: frame limit %d is outside [%d, %d]", n, 1<<10, maxFrameLimit)
		}
		o.frameLimit = n
		return nil
	}
}

// WithMaxRounds sets how many incoming messages the session accepts.
func WithMaxRounds(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("reconcile: max rounds %d is below 1", n)
		}
		o.maxRounds = n
		return nil
	}
}

// ErrDone is returned by Step and Initiate once the session has ended.
var ErrDone = errors.New("reconcile: session is over")

// Session is one side of one reconciliation. It works on a snapshot of
// its Set taken when it is created. It is not safe for concurrent use.
type Session struct {
	initiator bool
	opts      options
	items     []entry // snapshot of the set
	rounds    int     // messages received
	started   bool    // Initiate was called
	done      bool
	err       error // the error that ended the session

	// The initiator's state. pending maps the bounds of each IDList
	// range of its last message to the number of items it listed;
	// reported holds the IDs already returned in have or need.
	pending  map[[2]bound]int
	reported map[string]struct{}
}

// NewInitiator returns the session of the peer that opens the exchange
// with Initiate and learns the difference.
func NewInitiator(set *Set, opts ...Option) (*Session, error) {
	s, err := newSession(set, opts)
	if err != nil {
		return nil, err
	}
	s.initiator = true
	s.reported = make(map[string]struct{})
	return s, nil
}

// NewResponder returns the session of the peer that answers.
func NewResponder(set *Set, opts ...Option) (*Session, error) {
	return newSession(set, opts)
}

func newSession(set *Set, opts []Option) (*Session, error) {
	if set == nil {
		return nil, errors.New("reconcile: nil set")
	}
	o := options{
		branch:     DefaultBranch,
		leafSize:   DefaultLeafSize,
		frameLimit: DefaultFrameLimit,
		maxRounds:  DefaultMaxRounds,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &Session{opts: o, items: set.snapshot()}, nil
}

// Done reports whether the session has ended, successfully or not. An
// initiator is done when Step returns a nil reply. A responder is done
// when its reply settled every range; otherwise the initiator may still
// send, or may end the exchange by closing the stream, which the
// responder must take as the normal end.
func (s *Session) Done() bool { return s.done || s.err != nil }

// Initiate returns the initiator's first message.
func (s *Session) Initiate() ([]byte, error) {
	switch {
	case !s.initiator:
		return nil, errors.New("reconcile: Initiate called on a responder")
	case s.started:
		return nil, errors.New("reconcile: Initiate called twice")
	}
	s.started = true
	enc := newEncoder()
	s.pending = make(map[[2]bound]int)
	s.open(enc, s.pending, bound{}, infinity, 0, len(s.items))
	if enc.err != nil {
		return nil, s.fail(enc.err)
	}
	return enc.buf, nil
}

// Step processes a message from the peer and returns the reply to send.
//
// For the initiator, a nil reply means the reconciliation is complete:
// send nothing more. have lists the items it holds that the peer lacks,
// need the items the peer holds that it lacks; over the session each
// item appears at most once in either.
//
// For the responder the reply is never nil, and have and need are
// always nil.
//
// An error ends the session. A malformed, oversized or out-of-protocol
// message gives a *protocol.Error (see protocol.CodeOf) to report to
// the peer; later calls return the same error. Calls after the end
// return ErrDone.
func (s *Session) Step(msg []byte) (reply []byte, have, need []Item, err error) {
	switch {
	case s.err != nil:
		return nil, nil, nil, s.err
	case s.done:
		return nil, nil, nil, ErrDone
	case s.initiator && !s.started:
		return nil, nil, nil, errors.New("reconcile: Step called before Initiate")
	}
	s.rounds++
	if s.rounds > s.opts.maxRounds {
		return nil, nil, nil, s.fail(fmt.Errorf("reconcile: %w",
			protocol.Errorf(protocol.CodeTooLarge, "more than %d rounds", s.opts.maxRounds)))
	}
	ranges, err := decodeMessage(msg)
	if err != nil {
		return nil, nil, nil, s.fail(fmt.Errorf("reconcile: round %d: %w", s.rounds, err))
	}
	if s.initiator {
		reply, have, need, err = s.stepInitiator(ranges)
	} else {
		reply, err = s.stepResponder(ranges)
	}
	if err != nil {
		return nil, nil, nil, s.fail(fmt.Errorf("reconcile: round %d: %w", s.rounds, err))
	}
	return reply, have, need, nil
}

func (s *Session) fail(err error) error {
	s.err = err
	return err
}

// stepResponder answers each range of an initiator's message.
func (s *Session) stepResponder(ranges []wireRange) ([]byte, error) {
	enc := newEncoder()
	i := 0 // index of the first local item in the current range
	for k, rg := range ranges {
		j := search(s.items, rg.upper)
		switch rg.mode {
		case modeSkip:
			enc.skip(rg.upper)
		case modeFingerprint, modeIDList:
			if enc.full(s.opts.frameLimit) {
				s.deferRest(enc, i)
				return s.finishResponder(enc)
			}
			if rg.mode == modeIDList {
				s.answerIDList(enc, rg, i, j)
				break
			}
			switch {
			case rangeFingerprint(s.items, i, j) == rg.fp:
				enc.skip(rg.upper)
			case j-i <= s.opts.leafSize:
				enc.items(rg.upper, s.items[i:j])
			default:
				s.split(enc, rg.upper, i, j, s.opts.branch)
			}
		default:
			return nil, protocol.Errorf(protocol.CodeInvalid, "range %d: an initiator does not send %s ranges", k, rg.mode)
		}
		i = j
	}
	return s.finishResponder(enc)
}

func (s *Session) finishResponder(enc *encoder) ([]byte, error) {
	if enc.err != nil {
		return nil, enc.err
	}
	if enc.ranges == 0 {
		s.done = true
	}
	return enc.buf, nil
}

// answerIDList answers the initiator's IDList for s.items[i:j] with a
// Diff, or splits the range when the initiator lacks more items than
// one Diff may carry.
func (s *Session) answerIDList(enc *encoder, rg wireRange, i, j int) {
	n, m := len(rg.short), j-i
	if m-n > MaxRangeIDs {
		s.splitLarge(enc, rg.upper, i, j)
		return
	}
	index := make(map[shortID]int, n)
	for k, sid := range rg.short {
		index[sid] = k
	}
	matched := make([]bool, n)
	var extra []entry // our items the initiator lacks
	for k := i; k < j; k++ {
		if x, ok := index[shortOf(s.items[k].id)]; ok {
			matched[x] = true
			continue
		}
		if len(extra) == MaxRangeIDs {
			s.splitLarge(enc, rg.upper, i, j)
			return
		}
		extra = append(extra, s.items[k])
	}
	bits := make([]byte, (n+7)/8)
	lacking := 0
	for k, ok := range matched {
		if !ok {
			bits[k/8] |= 1 << (k % 8)
			lacking++
		}
	}
	if lacking == 0 && len(extra) == 0 {
		enc.skip(rg.upper)
		return
	}
	enc.diff(rg.upper, n, bits, extra)
}

// splitLarge splits s.items[i:j] into ranges of about MaxRangeIDs/2
// items, so that each fits one Diff once the initiator lists its own.
func (s *Session) splitLarge(enc *encoder, upper bound, i, j int) {
	half := MaxRangeIDs / 2
	parts := min(max((j-i+half-1)/half, 2), MaxRangeIDs)
	s.split(enc, upper, i, j, parts)
}

// stepInitiator takes in the responder's answers and continues the
// ranges that remain open.
func (s *Session) stepInitiator(ranges []wireRange) (reply []byte, have, need []Item, err error) {
	enc := newEncoder()
	pending := make(map[[2]bound]int)
	deferred := false
	var lower bound
	i := 0 // index of the first local item not below lower
	for k, rg := range ranges {
		j := search(s.items, rg.upper)
		switch rg.mode {
		case modeSkip:
			if !deferred {
				enc.skip(rg.upper)
			}
		case modeItems:
			have, need = s.compareItems(have, need, s.items[i:j], rg.items)
			if !deferred {
				enc.skip(rg.upper)
			}
		case modeDiff:
			listed, ok := s.pending[[2]bound{lower, rg.upper}]
			if !ok {
				return nil, nil, nil, protocol.Errorf(protocol.CodeInvalid, "range %d: Diff for a range that was not sent as an IDList", k)
			}
			if rg.nbits != listed {
				return nil, nil, nil, protocol.Errorf(protocol.CodeInvalid, "range %d: Diff bitmap of %d bits answers an IDList of %d", k, rg.nbits, listed)
			}
			for b := range rg.nbits {
				if rg.bits[b/8]&(1<<(b%8)) != 0 {
					have = s.report(have, &s.items[i+b])
				}
			}
			for x := range rg.items {
				if !holds(s.items, &rg.items[x]) {
					need = s.report(need, &rg.items[x])
				}
			}
			if !deferred {
				enc.skip(rg.upper)
			}
		case modeFingerprint:
			if deferred {
				break
			}
			if enc.full(s.opts.frameLimit) {
				s.deferRest(enc, i)
				deferred = true
				break
			}
			if rangeFingerprint(s.items, i, j) == rg.fp {
				enc.skip(rg.upper)
				break
			}
			s.open(enc, pending, lower, rg.upper, i, j)
		default:
			return nil, nil, nil, protocol.Errorf(protocol.CodeInvalid, "range %d: a responder does not send %s ranges", k, rg.mode)
		}
		lower, i = rg.upper, j
	}
	if enc.err != nil {
		return nil, nil, nil, enc.err
	}
	s.pending = pending
	if enc.ranges == 0 {
		s.done = true
		return nil, have, need, nil
	}
	return enc.buf, have, need, nil
}

// open continues the initiator's work on the range [lower, upper), of
// which it holds s.items[i:j]: it lists a small range, recording it in
// pending, and splits a large one.
func (s *Session) open(enc *encoder, pending map[[2]bound]int, lower, upper bound, i, j int) {
	if j-i > s.opts.leafSize {
		s.split(enc, upper, i, j, s.opts.branch)
		return
	}
	enc.idList(upper, s.items[i:j])
	pending[[2]bound{lower, upper}] = j - i
}

// split covers s.items[i:j], ending at upper, with up to parts
// fingerprint ranges of equal item counts.
func (s *Session) split(enc *encoder, upper bound, i, j, parts int) {
	c := j - i
	parts = max(min(parts, c), 1)
	for t := range parts {
		a := i + int(int64(t)*int64(c)/int64(parts))
		b := i + int(int64(t+1)*int64(c)/int64(parts))
		ub := upper
		if t < parts-1 {
			ub = boundBetween(&s.items[b-1], &s.items[b])
		}
		enc.fingerprint(ub, rangeFingerprint(s.items, a, b))
	}
}

// deferRest ends a full message with one fingerprint over everything
// from s.items[i] on, to be taken up in a later round.
func (s *Session) deferRest(enc *encoder, i int) {
	enc.fingerprint(infinity, rangeFingerprint(s.items, i, len(s.items)))
}

// compareItems compares the initiator's items of a range with the
// responder's full list of the same range.
func (s *Session) compareItems(have, need []Item, ours, theirs []entry) ([]Item, []Item) {
	a, b := 0, 0
	for a < len(ours) || b < len(theirs) {
		c := 0
		switch {
		case b == len(theirs):
			c = -1
		case a == len(ours):
			c = 1
		default:
			c = compareEntries(&ours[a], &theirs[b])
		}
		switch {
		case c < 0:
			have = s.report(have, &ours[a])
			a++
		case c > 0:
			need = s.report(need, &theirs[b])
			b++
		default:
			a++
			b++
		}
	}
	return have, need
}

// report appends e to list unless it was reported before.
func (s *Session) report(list []Item, e *entry) []Item {
	k := e.id.KeyString()
	if _, dup := s.reported[k]; dup {
		return list
	}
	s.reported[k] = struct{}{}
	return append(list, e.item())
}
