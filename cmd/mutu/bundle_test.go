package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// TestBundleMissingParentExitsOne: a bundle holding an edit without
// the revision it follows is wrong input: exit code 1 (it was 5, a
// storage failure), with a message naming the revision and the parent
// it lacks.
func TestBundleMissingParentExitsOne(t *testing.T) {
	ctx := context.Background()
	src, err := catalogue.Open(context.Background(), "", catalogue.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	parse := func(text string) *entry.Entry {
		f, _, err := entry.Parse("t.md", []byte(text), entry.KindNote)
		if err != nil {
			t.Fatal(err)
		}
		return &f.Entry
	}
	p, err := src.Publish(ctx, key, parse("---\ntitle: Voyage scolaire\n---\nVote du CA.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := src.Edit(ctx, key, p.Doc, parse("---\ntitle: Voyage scolaire\n---\nVote du CA, revu.\n"), catalogue.EditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "edit.car")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := src.Block(ctx, e.Revision)
	if err != nil {
		t.Fatal(err)
	}
	w, err := storage.NewWritable(f, []cid.Cid{e.Revision}, carv2.WriteAsCarV1(true))
	if err == nil {
		err = w.Put(ctx, e.Revision.KeyString(), data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	code, _, stderr := mutuIn(t, newHome(t), "bundle", "import", path)
	if code != exitInput {
		t.Errorf("exit %d, want %d: %s", code, exitInput, stderr)
	}
	for _, want := range []string{e.Revision.String(), p.Doc.String(), "neither in the bundle nor held"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("message %q lacks %q", stderr, want)
		}
	}
}
