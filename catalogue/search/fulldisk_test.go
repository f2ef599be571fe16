package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mutu-network/mutu/catalogue/nstest"
)

// TestApplyOnFullDisk fills the disk under an index while batches keep
// coming, as when another program fills it. A batch that cannot reach the
// disk fails with the disk's error; the index keeps what it held, Mark
// stays at the last batch on disk, searches go on, and the batches after
// it neither panic nor get lost once space is freed. (bleve, left to
// itself, panics on the batch after a failed one.) The disk is a tmpfs of
// 16 MB, mounted in a user and mount namespace of the test's own.
func TestApplyOnFullDisk(t *testing.T) {
	if !nstest.Rerun(t, nstest.Mount) {
		return
	}
	disk := nstest.Tmpfs(t, "16m")

	dir := filepath.Join(disk, "index")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() }) // before the unmount
	if err := ix.Rebuild(context.Background(), func(func(Doc) error) error { return nil }, 0, nil); err != nil {
		t.Fatal(err)
	}
	const perBatch = 100
	batch := func(b uint64) []Doc {
		docs := make([]Doc, perBatch)
		for i := range docs {
			docs[i] = Doc{
				ID:    fmt.Sprintf("lot%d-%d", b, i),
				Kind:  "note",
				Title: fmt.Sprintf("Fiche %d du lot %d", i, b),
				Body:  strings.Repeat(fmt.Sprintf("Régie d'avances, lot%d, fiche%d : bourses et voyages scolaires. ", b, b*perBatch+uint64(i)), 80),
			}
		}
		return docs
	}
	check := func(mark uint64) {
		t.Helper()
		if got, err := ix.Mark(); err != nil || got != mark {
			t.Fatalf("mark %d (%v), want %d: the batches on disk", got, err, mark)
		}
		if n, err := ix.Count(); err != nil || n != mark*perBatch {
			t.Fatalf("%d documents (%v), want %d", n, err, mark*perBatch)
		}
		if mark == 0 {
			return
		}
		res, err := ix.Search(context.Background(), Query{Text: fmt.Sprintf("lot%d", mark)})
		if err != nil || res.Total != perBatch {
			t.Fatalf("search for the last batch on disk: %v, %v", res, err)
		}
	}

	// Replay as the catalogue does: from Mark, batch after batch.
	var mark uint64
	for range 3 {
		if err := ix.Apply(batch(mark+1), nil, mark+1); err != nil {
			t.Fatal(err)
		}
		mark++
	}
	filler := fillDisk(t, disk)
	failed := 0
	for attempt := 0; attempt < 30 && failed < 3; attempt++ {
		err := ix.Apply(batch(mark+1), nil, mark+1)
		if err == nil {
			mark++
			continue
		}
		// bleve formats the disk's error into its own.
		if !strings.Contains(err.Error(), syscall.ENOSPC.Error()) {
			t.Fatalf("batch %d: %v, want the disk's error", mark+1, err)
		}
		failed++
		check(mark)
	}
	if failed == 0 {
		t.Fatalf("%d batches fitted on a full disk: the test did not fill it", mark)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := ix.Apply(batch(mark+1), nil, mark+1); err != nil {
			t.Fatalf("batch %d once space is freed: %v", mark+1, err)
		}
		mark++
	}
	check(mark)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if ix, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	if ix.NeedsRebuild() {
		t.Fatal("the index needs a rebuild after a full disk")
	}
	check(mark)
}

// fillDisk writes a file in dir until the disk is full, and returns its
// path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return path
		}
	}
}

// TestReopenWhileUnreadable: when the index cannot be opened again after
// a failed batch (its files unreadable for a while), it is neither
// recreated empty nor left closed for good: searches fail meanwhile, and
// the next Apply or Mark opens it again once the files can be read.
func TestReopenWhileUnreadable(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { ix.Close() }()
	if err := ix.Rebuild(context.Background(), func(func(Doc) error) error { return nil }, 0, nil); err != nil {
		t.Fatal(err)
	}
	doc := func(i int) Doc {
		return Doc{ID: fmt.Sprintf("d%d", i), Kind: "note", Title: fmt.Sprintf("Fiche %d", i), Body: "Régie d'avances."}
	}
	if err := ix.Apply([]Doc{doc(1)}, nil, 1); err != nil {
		t.Fatal(err)
	}

	// The files go away under the open index, as a failing disk would
	// hide them, and a batch fails: the index cannot be opened again.
	store, aside := filepath.Join(dir, "store"), filepath.Join(dir, "store.aside")
	if err := os.Rename(store, aside); err != nil {
		t.Fatal(err)
	}
	ix.wmu.Lock()
	err = ix.reopen()
	ix.wmu.Unlock()
	if !errors.Is(err, errUnreadable) {
		t.Fatalf("reopen with the files gone: %v, want errUnreadable", err)
	}
	if _, err := ix.Search(context.Background(), Query{Text: "régie"}); !errors.Is(err, ErrClosed) {
		t.Errorf("search on a broken index: %v, want ErrClosed", err)
	}
	if err := ix.Apply([]Doc{doc(2)}, nil, 2); err == nil {
		t.Fatal("Apply succeeded with the files gone")
	}

	// (bleve's attempts leave an empty directory behind.)
	if err := os.RemoveAll(store); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(aside, store); err != nil {
		t.Fatal(err)
	}
	if m, err := ix.Mark(); err != nil || m != 1 {
		t.Fatalf("Mark once the files are back: %d, %v; want 1", m, err)
	}
	if err := ix.Apply([]Doc{doc(2)}, nil, 2); err != nil {
		t.Fatalf("Apply once the files are back: %v", err)
	}
	if n, err := ix.Count(); err != nil || n != 2 {
		t.Fatalf("%d documents (%v) after recovering, want 2", n, err)
	}
	if ix.NeedsRebuild() {
		t.Error("the index was recreated empty instead of opened again")
	}
}
