package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

func openDir(t *testing.T, dir string) *Index {
	t.Helper()
	ix, err := Open(dir, Options{BatchSize: 3})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return ix
}

// built returns a directory holding an index of the fixtures at mark 5.
func built(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index")
	ix := openDir(t, dir)
	if !ix.NeedsRebuild() {
		t.Error("a new index does not report NeedsRebuild")
	}
	if err := ix.Rebuild(context.Background(), docsOf(fixtures()), 5, nil); err != nil {
		t.Fatal(err)
	}
	if ix.NeedsRebuild() {
		t.Error("NeedsRebuild after a complete Rebuild")
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// state returns what a reopened index reports.
func state(t *testing.T, dir string) (needsRebuild bool, count, mark uint64) {
	t.Helper()
	ix := openDir(t, dir)
	defer ix.Close()
	count, err := ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	mark, err = ix.Mark()
	if err != nil {
		t.Fatal(err)
	}
	return ix.NeedsRebuild(), count, mark
}

func TestOpenKeepsHealthyIndex(t *testing.T) {
	dir := built(t)
	ix := openDir(t, dir)
	defer ix.Close()
	if ix.NeedsRebuild() {
		t.Error("a healthy index reports NeedsRebuild")
	}
	if n, _ := ix.Count(); n != uint64(len(fixtures())) {
		t.Errorf("Count = %d, want %d", n, len(fixtures()))
	}
	if m, _ := ix.Mark(); m != 5 {
		t.Errorf("Mark = %d, want 5", m)
	}
	// Facets are counted from numbers stored with the index.
	if got, want := facet(search(t, ix, Query{}), "tags"), map[string]int{"regie": 2, "voyage": 2, "bourses": 1, "marches": 1, "tableur": 1}; !mapsEqual(got, want) {
		t.Errorf("tags after reopen = %v, want %v", got, want)
	}
	if err := ix.Apply([]Doc{{ID: "n-new", Title: "Nouvelle fiche", Tags: []string{"nouveau"}}}, []string{"n-regie"}, 6); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openDir(t, dir)
	defer ix.Close()
	if got, want := facet(search(t, ix, Query{}), "tags"), map[string]int{"regie": 1, "voyage": 1, "bourses": 1, "marches": 1, "tableur": 1, "nouveau": 1}; !mapsEqual(got, want) {
		t.Errorf("tags after an Apply and a reopen = %v, want %v", got, want)
	}
	if got := ids(search(t, ix, Query{Text: "bourses"})); !slices.Equal(got, []string{"n-bourses"}) {
		t.Errorf("bourses = %v", got)
	}
}

func TestOpenRecreates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"older mapping version", func(t *testing.T, dir string) {
			ix := openDir(t, dir)
			if err := ix.idx.SetInternal(keyVersion, []byte(strconv.Itoa(mappingVersion-1))); err != nil {
				t.Fatal(err)
			}
			ix.Close()
		}},
		{"interrupted rebuild", func(t *testing.T, dir string) {
			ix := openDir(t, dir)
			if err := ix.idx.SetInternal(keyRebuilding, []byte{1}); err != nil {
				t.Fatal(err)
			}
			ix.Close()
		}},
		{"damaged facet dictionary", func(t *testing.T, dir string) {
			ix := openDir(t, dir)
			if err := ix.idx.SetInternal(keyFacets, []byte{9}); err != nil {
				t.Fatal(err)
			}
			ix.Close()
		}},
		{"garbage meta", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "index_meta.json"), "{not json")
		}},
		{"missing root", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "store", "root.bolt")); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated segments", func(t *testing.T, dir string) {
			segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
			if len(segs) == 0 {
				t.Fatal("no segment file")
			}
			for _, s := range segs {
				if err := os.Truncate(s, 10); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"garbage root", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "store", "root.bolt"), "garbage")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := built(t)
			writeFile(t, filepath.Join(dir, "README"), "kept")
			tc.damage(t, dir)
			needs, count, mark := state(t, dir)
			if !needs || count != 0 || mark != 0 {
				t.Errorf("after damage: NeedsRebuild %v, Count %d, Mark %d; want true, 0, 0", needs, count, mark)
			}
			if data, err := os.ReadFile(filepath.Join(dir, "README")); err != nil || string(data) != "kept" {
				t.Errorf("Open removed a file it does not own: %v", err)
			}
			// The recreated index is usable and survives a reopen.
			ix := openDir(t, dir)
			if err := ix.Rebuild(context.Background(), docsOf(fixtures()), 9, nil); err != nil {
				t.Fatal(err)
			}
			ix.Close()
			if needs, count, mark := state(t, dir); needs || count != uint64(len(fixtures())) || mark != 9 {
				t.Errorf("after rebuild: NeedsRebuild %v, Count %d, Mark %d", needs, count, mark)
			}
		})
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLocked(t *testing.T) {
	old := lockTimeout
	lockTimeout = "100ms"
	defer func() { lockTimeout = old }()

	dir := built(t)
	ix := openDir(t, dir)
	defer ix.Close()
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	// The index held by the first Open is intact.
	if n, _ := ix.Count(); n != uint64(len(fixtures())) {
		t.Errorf("Count = %d after a refused Open", n)
	}
}

func TestRebuild(t *testing.T) {
	dir := built(t)
	ix := openDir(t, dir)
	defer ix.Close()

	// A failed rebuild leaves an index that Open discards.
	stop := errors.New("store unreadable")
	n := 0
	err := ix.Rebuild(context.Background(), func(yield func(Doc) error) error {
		for _, d := range fixtures() {
			if n++; n == 5 {
				return stop
			}
			if err := yield(d); err != nil {
				return err
			}
		}
		return nil
	}, 7, nil)
	if !errors.Is(err, stop) {
		t.Fatalf("Rebuild = %v, want %v", err, stop)
	}
	if !ix.NeedsRebuild() {
		t.Error("NeedsRebuild false after a failed Rebuild")
	}

	// A cancelled rebuild stops.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ix.Rebuild(ctx, docsOf(fixtures()), 7, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Rebuild = %v", err)
	}

	// A complete rebuild holds exactly the new set and reports progress.
	var progress []int
	docs := fixtures()[2:]
	if err := ix.Rebuild(context.Background(), docsOf(docs), 8, func(done int) { progress = append(progress, done) }); err != nil {
		t.Fatal(err)
	}
	if want := []int{3, 5}; !slices.Equal(progress, want) {
		t.Errorf("progress = %v, want %v", progress, want)
	}
	if got := ids(search(t, ix, Query{Limit: 20})); len(got) != len(docs) || slices.Contains(got, "n-regie") {
		t.Errorf("after rebuild: %v", got)
	}
	ix.Close()
	if needs, count, mark := state(t, dir); needs || count != uint64(len(docs)) || mark != 8 {
		t.Errorf("reopened: NeedsRebuild %v, Count %d, Mark %d", needs, count, mark)
	}
}

func TestClosed(t *testing.T) {
	ix := openFilled(t, fixtures())
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"Close":   ix.Close(),
		"Apply":   ix.Apply(nil, nil, 1),
		"Rebuild": ix.Rebuild(ctx, docsOf(nil), 1, nil),
		"Search":  second(ix.Search(ctx, Query{})),
		"Count":   second(ix.Count()),
		"Mark":    second(ix.Mark()),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// segments returns the number of segments of an index: in memory, and on
// disk.
func segments(t *testing.T, ix *Index) (mem, file uint64) {
	t.Helper()
	stats, _ := ix.idx.StatsMap()["index"].(map[string]any)
	return rootSegments(stats)
}

func TestRebuildCompacts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	g := generator{seed: 2}
	docs := fixtures()
	for i := range 300 {
		docs = append(docs, g.note(i, 300))
	}
	check := func(ix *Index) {
		t.Helper()
		if n, _ := ix.Count(); n != uint64(len(docs)) {
			t.Errorf("Count = %d, want %d", n, len(docs))
		}
		if got := ids(search(t, ix, Query{Text: "0691234A"})); !slices.Equal(got, []string{"n-uai-a"}) {
			t.Errorf("0691234A = %v", got)
		}
	}

	// Closing in the middle of the merge leaves a healthy index.
	ix, err := Open(dir, Options{BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Rebuild(context.Background(), docsOf(docs), 3, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = openDir(t, dir)
	defer ix.Close()
	if ix.NeedsRebuild() {
		t.Fatal("index closed during its compaction needs a rebuild")
	}
	check(ix)

	// Left to run, the merge leaves one segment.
	if err := ix.Rebuild(context.Background(), docsOf(docs), 4, nil); err != nil {
		t.Fatal(err)
	}
	ix.compacting.Wait()
	if mem, file := segments(t, ix); mem+file != 1 {
		t.Fatalf("%d segments in memory and %d on disk after compaction, want 1", mem, file)
	}
	check(ix)
}

// TestConcurrentUse runs searches while Apply and Rebuild change the
// index; run it with -race.
func TestConcurrentUse(t *testing.T) {
	ix := openDir(t, filepath.Join(t.TempDir(), "index"))
	defer ix.Close()
	ctx := context.Background()
	if err := ix.Rebuild(ctx, docsOf(fixtures()), 1, nil); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				for _, q := range []Query{{Text: "regie"}, {Tag: "voyage"}, {Text: "bource"}, {}} {
					if _, err := ix.Search(ctx, q); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	g := generator{seed: 3}
	for i := range 6 {
		d := g.note(i, 500)
		d.Tags = append(d.Tags, fmt.Sprintf("nouveau-%d", i)) // a new facet term each time
		if err := ix.Apply([]Doc{d}, nil, uint64(2+i)); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			if err := ix.Rebuild(ctx, docsOf(fixtures()), 5, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := facet(search(t, ix, Query{}), "tags")["nouveau-5"]; got != 1 {
		t.Errorf("tag of the last Apply counted %d times, want 1", got)
	}
}
