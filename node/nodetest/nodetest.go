// Package nodetest starts real nodes, on 127.0.0.1, for the tests of
// the packages built on package node (the API, the web pages).
package nodetest

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/crypto"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node"
	"github.com/mutu-network/mutu/protocol"
)

// Start starts a node over cat, listening on 127.0.0.1 only, that
// fetches attachments by itself up to autoFetch bytes per entry (0: the
// default; negative: never). It stops when the test ends.
func Start(t testing.TB, cat *catalogue.Catalogue, autoFetch int64) *node.Node {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.New(node.Config{
		PrivKey:                  key,
		ListenAddrs:              []ma.Multiaddr{ma.StringCast("/ip4/127.0.0.1/tcp/0")},
		AttachmentAutoFetchLimit: autoFetch,
		Logger:                   slog.New(slog.DiscardHandler),
	}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// Eventually calls cond every 20 ms until it holds, and fails the test
// with what after within.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Receive hands the revisions revs of catalogue from to catalogue to as
// a node does with what a peer sends: read, verified on receipt, stored
// with AddVerified. Attachment blocks are not copied.
func Receive(t testing.TB, to, from *catalogue.Catalogue, revs ...cid.Cid) {
	t.Helper()
	ctx := context.Background()
	blocks := make([]protocol.Block, len(revs))
	for i, c := range revs {
		data, err := from.Block(ctx, c)
		if err != nil {
			t.Fatalf("read revision %s: %v", c, err)
		}
		blocks[i] = protocol.Block{CID: c, Data: data}
	}
	Add(t, to, blocks...)
}

// Add stores blocks received from elsewhere in cat: verified, then
// stored with AddVerified. Any refusal fails the test.
func Add(t testing.TB, cat *catalogue.Catalogue, blocks ...protocol.Block) {
	t.Helper()
	good, bad := protocol.VerifyAll(context.Background(), blocks)
	if len(bad) > 0 {
		t.Fatalf("%d revisions do not verify: %v", len(bad), bad[0])
	}
	if _, err := cat.AddVerified(context.Background(), good); err != nil {
		t.Fatal(err)
	}
}
