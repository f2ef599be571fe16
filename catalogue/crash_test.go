package catalogue

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue/search"
)

// crashDirEnv names the catalogue directory of TestCrashChild.
const crashDirEnv = "MUTU_CRASH_CHILD_DIR"

// TestCrashChild is not a test: it is the child process of
// TestKilledWhilePublishing, which publishes and indexes as fast as it
// can until it is killed, printing each acknowledged document ID.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of TestKilledWhilePublishing")
	}
	c, err := Open(context.Background(), dir, Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	me := newKey(t)
	ctx := context.Background()
	for i := 0; ; i++ {
		e := parse(t, fmt.Sprintf("---\ntitle: Fiche %d sur la restauration scolaire\n---\nTarifs de demi-pension et forfait numéro %d.\n", i, i))
		p, err := c.Publish(ctx, me, e, nil)
		if err != nil {
			fmt.Println("publish:", err)
			os.Exit(4)
		}
		fmt.Println(p.Doc)
	}
}

// TestKilledWhilePublishing kills a process publishing (and so
// indexing) at random moments; every time, the catalogue reopens, every
// acknowledged entry is there whole, the store's invariants hold, and
// search finds exactly the entries the store holds.
func TestKilledWhilePublishing(t *testing.T) {
	if testing.Short() {
		t.Skip("crash loop skipped in -short mode")
	}
	n := 20
	if s := os.Getenv("MUTU_CRASH_ITERATIONS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	acked := make(map[string]bool)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the child to publish something, then a random while.
		first, ok := <-lines
		if !ok {
			cmd.Wait()
			t.Fatalf("iteration %d: child published nothing", i)
		}
		acked[first] = true
		deadline := time.After(time.Duration(5+rng.IntN(150)) * time.Millisecond)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				acked[l] = true
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			acked[l] = true // printed before the kill landed
		}
		cmd.Wait()
		checkAfterCrash(t, dir, acked)
	}
}

func checkAfterCrash(t *testing.T, dir string, acked map[string]bool) {
	t.Helper()
	c, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer c.Close()
	if err := c.store.Check(); err != nil {
		t.Fatalf("store inconsistent after kill: %v", err)
	}
	list, err := c.List(ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	held := make(map[string]bool)
	for _, s := range list {
		held[s.ID.String()] = true
	}
	for id := range acked {
		if id[:4] != "bafy" {
			t.Fatalf("child said: %s", id)
		}
		if !held[id] {
			t.Fatalf("acknowledged entry %s lost", id)
		}
	}
	res, err := c.Search(context.Background(), search.Query{Limit: 1, Text: ""})
	if err != nil {
		t.Fatal(err)
	}
	if int(res.Total) != len(list) {
		t.Fatalf("search holds %d entries, the store %d", res.Total, len(list))
	}
	res, err = c.Search(context.Background(), search.Query{Text: "restauration scolaire", Limit: 1})
	if err != nil || int(res.Total) != len(list) {
		t.Fatalf("text search finds %d of %d entries (%v)", res.Total, len(list), err)
	}
}
