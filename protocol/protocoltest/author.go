// Package protocoltest makes signed revisions for tests: a document,
// an edit of given parents, a retract, each signed by a test author and
// ready to be stored.
package protocoltest

import (
	"crypto/ed25519"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// clock is shared by every Author, so that a revision made after
// another sorts after it by default, whoever signs it.
var clock = protocol.NewHLC(nil)

// Author signs revisions with one key. Sequence numbers count up from
// one per Author. It is safe for concurrent use.
type Author struct {
	Key  protocol.AuthorKey
	priv ed25519.PrivateKey

	mu  sync.Mutex // guards seq
	seq uint64
}

// NewAuthor returns an author with a fresh random key.
func NewAuthor(tb testing.TB) *Author {
	tb.Helper()
	priv, err := protocol.NewAuthorKey()
	if err != nil {
		tb.Fatal(err)
	}
	return AuthorFromKey(priv)
}

// AuthorFromKey returns an author signing with priv, for tests that
// need the same author across processes (ed25519.NewKeyFromSeed).
// Its sequence numbers start at one; see SetNextSeq to continue a series.
func AuthorFromKey(priv ed25519.PrivateKey) *Author {
	return &Author{Key: protocol.PublicKey(priv), priv: priv}
}

// SetNextSeq makes n the sequence number of the author's next
// revision, to continue a series kept in a store (the store's NextSeq).
func (a *Author) SetNextSeq(n uint64) {
	a.mu.Lock()
	a.seq = n - 1
	a.mu.Unlock()
}

// ObserveClock moves the shared clock past c, so that revisions made
// next sort after c (the store's MaxClock).
func ObserveClock(c protocol.Clock) { clock.Observe(c) }

// Option sets a field of the revision being made.
type Option func(*protocol.Revision)

// Title sets the front matter title. The default is "Fiche de test".
func Title(title string) Option { return Meta("title", title) }

// Kind sets the front matter kind.
func Kind(kind string) Option { return Meta("kind", kind) }

// Body sets the Markdown body.
func Body(body string) Option {
	return func(r *protocol.Revision) {
		if r.Entry != nil {
			r.Entry.Body = body
		}
	}
}

// Meta sets one front matter key.
func Meta(key string, value any) Option {
	return func(r *protocol.Revision) {
		if r.Entry != nil {
			r.Entry.Meta[key] = value
		}
	}
}

// Clock sets the clock, instead of the shared clock's next reading.
func Clock(c protocol.Clock) Option { return func(r *protocol.Revision) { r.Clock = c } }

// Seq sets the sequence number, instead of the author's next one.
func Seq(seq uint64) Option { return func(r *protocol.Revision) { r.Seq = seq } }

// Editors lists other authors allowed to revise the document.
func Editors(keys ...protocol.AuthorKey) Option {
	return func(r *protocol.Revision) { r.Editors = keys }
}

// Doc sets the document ID, instead of the parents' document.
func Doc(id cid.Cid) Option { return func(r *protocol.Revision) { r.Doc = id } }

// Create returns the first revision of a new document.
func (a *Author) Create(tb testing.TB, opts ...Option) protocol.Verified {
	tb.Helper()
	return a.sign(tb, &protocol.Revision{Op: protocol.OpPut, Entry: entry()}, opts)
}

// Edit returns a put revision of the document of parents[0], with the
// given parents.
func (a *Author) Edit(tb testing.TB, parents []protocol.Verified, opts ...Option) protocol.Verified {
	tb.Helper()
	return a.sign(tb, &protocol.Revision{Op: protocol.OpPut, Entry: entry(), Parents: cids(parents), Doc: DocOf(parents...)}, opts)
}

// Retract returns a retract revision of the document of parents[0],
// with the given parents.
func (a *Author) Retract(tb testing.TB, parents []protocol.Verified, opts ...Option) protocol.Verified {
	tb.Helper()
	return a.sign(tb, &protocol.Revision{Op: protocol.OpRetract, Parents: cids(parents), Doc: DocOf(parents...)}, opts)
}

// DocOf returns the document ID of the first of revs: its Doc, or its
// own CID for a first revision. cid.Undef if revs is empty.
func DocOf(revs ...protocol.Verified) cid.Cid {
	if len(revs) == 0 {
		return cid.Undef
	}
	return revs[0].Doc()
}

func entry() *protocol.Entry {
	return &protocol.Entry{
		Meta: map[string]any{"title": "Fiche de test"},
		Body: "Pour rapprocher le relevé de la balance, exporter les deux en CSV.\n",
	}
}

func cids(revs []protocol.Verified) []cid.Cid {
	out := make([]cid.Cid, len(revs))
	for i, v := range revs {
		out[i] = v.Block.CID
	}
	return out
}

func (a *Author) sign(tb testing.TB, rev *protocol.Revision, opts []Option) protocol.Verified {
	tb.Helper()
	a.mu.Lock()
	a.seq++
	rev.Seq = a.seq
	a.mu.Unlock()
	rev.Clock = clock.Now()
	for _, opt := range opts {
		opt(rev)
	}
	v, err := rev.Sign(a.priv)
	if err != nil {
		tb.Fatalf("sign revision: %v", err)
	}
	return v
}
