package search

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// The crash test runs a child process — this test binary, running
// TestCrashChild — that plays the caller: it keeps a store (a sequence
// number in a file, written before the index), applies one batch per
// sequence to the index, now and then rebuilds it whole, and is killed
// with SIGKILL at a random moment. After each kill the parent checks that
// the index is either healthy, holding exactly the documents its Mark
// promises, or reported as needing a rebuild.

const (
	crashEnv       = "MUTU_SEARCH_CRASH_DIR"
	crashRounds    = 12
	crashBatch     = 40 // documents per sequence
	crashKeep      = 3  // sequence k deletes the documents of k-crashKeep
	crashRebuildAt = 9  // the child rebuilds at every sequence multiple of this
)

// crashDocs returns the documents that sequence k puts.
func crashDocs(k uint64) []Doc {
	docs := make([]Doc, crashBatch)
	for j := range docs {
		docs[j] = Doc{
			ID:    fmt.Sprintf("d-%d-%d", k, j),
			Kind:  "note",
			Title: fmt.Sprintf("Fiche %d du lot %d", j, k),
			Body: fmt.Sprintf("Le lot %d rassemble des fiches sur la régie d'avances, les bourses et les voyages scolaires. "+
				"Fiche numéro %d, rédigée pour le test de résistance aux pannes.", k, j),
			Updated: time.Unix(int64(k*1000+uint64(j)), 0),
		}
	}
	return docs
}

// crashDeletes returns the IDs that sequence k deletes.
func crashDeletes(k uint64) []string {
	if k <= crashKeep {
		return nil
	}
	var ids []string
	for _, d := range crashDocs(k - crashKeep) {
		ids = append(ids, d.ID)
	}
	return ids
}

// crashExpected returns the IDs the index holds once sequences 1..m are
// applied.
func crashExpected(m uint64) []string {
	var ids []string
	for k := max(1, int64(m)-crashKeep+1); k <= int64(m); k++ {
		for _, d := range crashDocs(uint64(k)) {
			ids = append(ids, d.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func crashStore(m uint64) func(yield func(Doc) error) error {
	return func(yield func(Doc) error) error {
		for k := max(1, int64(m)-crashKeep+1); k <= int64(m); k++ {
			for _, d := range crashDocs(uint64(k)) {
				if err := yield(d); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// readSeq returns the store's sequence, written atomically by the child.
func readSeq(dir string) (uint64, error) {
	data, err := os.ReadFile(filepath.Join(dir, "seq"))
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(data), 10, 64)
}

func writeSeq(dir string, seq uint64) error {
	tmp := filepath.Join(dir, "seq.tmp")
	if err := os.WriteFile(tmp, []byte(strconv.FormatUint(seq, 10)), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "seq"))
}

// TestCrashChild is the child process of TestCrash; it does nothing
// unless MUTU_SEARCH_CRASH_DIR is set.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("child process of TestCrash")
	}
	// Never outlive a parent that failed to kill us.
	deadline := time.Now().Add(30 * time.Second)
	if err := crashChild(dir, deadline); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
}

func crashChild(dir string, deadline time.Time) error {
	ctx := context.Background()
	seq, err := readSeq(dir)
	if err != nil {
		return err
	}
	ix, err := Open(filepath.Join(dir, "index"), Options{BatchSize: 25})
	if err != nil {
		return err
	}
	// Tell the parent the index is open: it kills us from now on.
	fmt.Println("open")
	if ix.NeedsRebuild() {
		if err := ix.Rebuild(ctx, crashStore(seq), seq, nil); err != nil {
			return err
		}
	}
	mark, err := ix.Mark()
	if err != nil {
		return err
	}
	// Catch up with the store, then keep writing.
	for k := mark + 1; time.Now().Before(deadline); k++ {
		if k > seq {
			if err := writeSeq(dir, k); err != nil {
				return err
			}
			seq = k
		}
		if err := ix.Apply(crashDocs(k), crashDeletes(k), k); err != nil {
			return err
		}
		if k%crashRebuildAt == 0 {
			if err := ix.Rebuild(ctx, crashStore(k), k, nil); err != nil {
				return err
			}
		}
	}
	return ix.Close()
}

// listIDs returns every ID in the index.
func listIDs(t *testing.T, ix *Index) []string {
	t.Helper()
	var out []string
	for {
		res := search(t, ix, Query{Limit: MaxLimit, Offset: len(out)})
		out = append(out, ids(res)...)
		if len(res.Hits) == 0 || uint64(len(out)) >= res.Total {
			break
		}
	}
	slices.Sort(out)
	return out
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	// Mostly waiting for its children: let the other tests run meanwhile.
	t.Parallel()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	healthy, rebuilt := 0, 0
	for round := 1; round <= crashRounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		opened := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "open" {
					opened <- true
				}
			}
			close(opened)
		}()
		select {
		case <-opened:
		case <-time.After(20 * time.Second):
			t.Error("child did not open the index within 20 s")
		}
		time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child ended before the kill: %v", round, err)
		}

		seq, err := readSeq(dir)
		if err != nil {
			t.Fatal(err)
		}
		ix := openDir(t, filepath.Join(dir, "index"))
		mark, err := ix.Mark()
		if err != nil {
			t.Fatal(err)
		}
		got := listIDs(t, ix)
		count, err := ix.Count()
		if err != nil {
			t.Fatal(err)
		}
		if ix.NeedsRebuild() {
			rebuilt++
			if mark != 0 || count != 0 {
				t.Errorf("round %d: index to rebuild holds %d documents at mark %d", round, count, mark)
			}
		} else {
			healthy++
			want := crashExpected(mark)
			if mark > seq {
				t.Errorf("round %d: index mark %d is ahead of the store (%d)", round, mark, seq)
			}
			if !slices.Equal(got, want) || count != uint64(len(want)) {
				t.Errorf("round %d: mark %d: index holds %d documents (Count %d), want %d", round, mark, len(got), count, len(want))
			}
		}
		t.Logf("round %d: store at %d, index mark %d, %d documents, needs rebuild %v", round, seq, mark, count, ix.NeedsRebuild())
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d kills: %d healthy indexes, %d to rebuild", crashRounds, healthy, rebuilt)

	// Whatever state the kills left, a rebuild gives exactly the store.
	seq, err := readSeq(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix := openDir(t, filepath.Join(dir, "index"))
	defer ix.Close()
	if err := ix.Rebuild(context.Background(), crashStore(seq), seq, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := listIDs(t, ix), crashExpected(seq); !slices.Equal(got, want) {
		t.Errorf("after rebuild: %d documents, want %d", len(got), len(want))
	}
	if m, _ := ix.Mark(); m != seq {
		t.Errorf("after rebuild: mark %d, want %d", m, seq)
	}
}
