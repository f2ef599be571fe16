package store_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// crashDirEnv names the store directory of TestCrashChild.
const crashDirEnv = "MUTU_STORE_CRASH_DIR"

// forkMu keeps one lane from closing a store while the other starts a
// child: a process forked before its exec holds a copy of every file
// descriptor, badger's directory lock included, so a store closed in
// that window stays locked until the exec, and the next Open of it
// fails. cmd.Start returns once the child has exec'd.
var forkMu sync.Mutex

// crashSeed makes the child's author key, the same in every child so
// that each can edit what the one before wrote.
var crashSeed = bytes.Repeat([]byte{42}, ed25519.SeedSize)

// TestCrash runs a child process that writes to a store as fast as it
// can, kills it with SIGKILL at a random moment, then reopens the store
// and checks that every write the child saw acknowledged is there and
// that the store is consistent (Check). MUTU_STORE_CRASH_ITERATIONS sets
// the number of kills (default 50). Two lanes run side by side, each
// on its own stores, so that one waits on the disk while the other
// computes; each lane starts a new store every five kills, so that
// Check stays quick.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process 50 times")
	}
	iterations := 50
	if n, err := strconv.Atoi(os.Getenv("MUTU_STORE_CRASH_ITERATIONS")); err == nil {
		iterations = n
	}
	const lanes = 2
	for lane := range lanes {
		t.Run(fmt.Sprint("lane", lane), func(t *testing.T) {
			t.Parallel()
			crashLoop(t, (iterations+lanes-1-lane)/lanes)
		})
	}
}

func crashLoop(t *testing.T, iterations int) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	var (
		dir   string
		acked []string // "r <cid>" or "b <cid>"
		total int
	)
	for i := range iterations {
		if i%5 == 0 {
			dir, acked = t.TempDir(), nil
		}
		// Mostly once the child writes; one time in five from its
		// start, which may fall while it opens and recovers the store.
		delay := time.Duration(10+rng.IntN(291)) * time.Millisecond
		fromStart := rng.IntN(5) == 0
		got, err := runAndKill(dir, delay, fromStart)
		if err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		acked = append(acked, got...)
		total += len(got)
		if err := verifyAfterCrash(dir, acked); err != nil {
			t.Fatalf("kill %d, %v after start (%v) or open, %d writes acknowledged: %v", i, delay, fromStart, len(acked), err)
		}
	}
	t.Logf("%d kills, %d acknowledged writes checked", iterations, total)
}

// runAndKill starts TestCrashChild on dir, kills it delay after it has
// opened the store, or after its start, and returns the writes it
// acknowledged.
func runAndKill(dir string, delay time.Duration, fromStart bool) ([]string, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	forkMu.Lock()
	err = cmd.Start()
	forkMu.Unlock()
	if err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	var other bytes.Buffer // what the child printed besides acks: test failures
	lines := make(chan []string, 1)
	go func() { lines <- readAcks(out, ready, &other) }()
	if fromStart {
		time.Sleep(delay)
	} else {
		select {
		case <-ready:
			time.Sleep(delay)
		case <-time.After(time.Minute):
			err = errors.New("the child did not open the store within a minute")
		}
	}
	if kerr := cmd.Process.Kill(); kerr != nil && !errors.Is(kerr, os.ErrProcessDone) {
		err = errors.Join(err, fmt.Errorf("kill child: %w", kerr))
	}
	acked := <-lines
	werr := cmd.Wait()
	if err != nil {
		return nil, err
	}
	var exit *exec.ExitError
	if !errors.As(werr, &exit) || exit.ExitCode() != -1 {
		return nil, fmt.Errorf("child ended by itself (%v), not by the kill:\n%s%s", werr, other.Bytes(), stderr.Bytes())
	}
	return acked, nil
}

// readAcks reads the child's output until it ends, closing ready when
// the child reports the store open, and copying to other what is not
// an ack. Only whole lines count: a line cut by the kill was never
// acknowledged.
func readAcks(r io.Reader, ready chan<- struct{}, other io.Writer) []string {
	var acked []string
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if ready != nil {
				close(ready)
			}
			return acked
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "open" && ready != nil {
			close(ready)
			ready = nil
			continue
		}
		if strings.HasPrefix(line, "r ") || strings.HasPrefix(line, "b ") {
			acked = append(acked, line)
		} else {
			fmt.Fprintln(other, line)
		}
	}
}

// verifyAfterCrash reopens the store and checks it: Check reads every
// revision, so holding the acknowledged blocks is enough here.
func verifyAfterCrash(dir string, acked []string) (err error) {
	s, err := store.Open(dir, store.Options{Logger: quiet})
	if err != nil {
		return err
	}
	defer func() {
		forkMu.Lock()
		defer forkMu.Unlock()
		err = errors.Join(err, s.Close())
	}()
	for _, a := range acked {
		c, err := cid.Decode(a[2:])
		if err != nil {
			return fmt.Errorf("child printed %q: %w", a, err)
		}
		held, err := s.Has(c)
		if err != nil {
			return err
		}
		if !held {
			return fmt.Errorf("acknowledged write lost: %s", a)
		}
	}
	return s.Check()
}

// TestCrashChild is the writer TestCrash kills; it does nothing unless
// MUTU_STORE_CRASH_DIR is set. It creates and edits documents in
// batches, with now and then a retract and an attachment block, and
// prints "r <cid>" or "b <cid>" for each write once Put returned.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	s, err := store.Open(dir, store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	author := protocoltest.AuthorFromKey(ed25519.NewKeyFromSeed(crashSeed))
	author.SetNextSeq(s.NextSeq(author.Key))
	protocoltest.ObserveClock(s.MaxClock())
	heads := recentHeads(t, s, 20)
	fmt.Println("open")

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for {
		var (
			batch []protocol.Verified
			out   strings.Builder
		)
		for range 1 + rng.IntN(32) {
			var v protocol.Verified
			switch r := rng.IntN(100); {
			case len(heads) == 0 || r < 30:
				v = author.Create(t, protocoltest.Body(strings.Repeat("Note de régie. ", 1+rng.IntN(300))))
			case r < 32:
				v = author.Retract(t, heads[rng.IntN(len(heads))])
			default:
				v = author.Edit(t, heads[rng.IntN(len(heads))], protocoltest.Title(fmt.Sprint("version ", rng.Int())))
			}
			batch = append(batch, v)
			heads = advance(heads, v)
		}
		if _, err := s.Put(batch); err != nil {
			t.Fatal(err)
		}
		for _, v := range batch {
			fmt.Fprintf(&out, "r %s\n", v.Block.CID)
		}
		if rng.IntN(8) == 0 {
			data := []byte(fmt.Sprint("pièce jointe ", rng.Int()))
			b := protocol.Block{CID: protocol.BlockCID(data), Data: data}
			if err := s.PutBlocks([]protocol.Block{b}); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "b %s\n", b.CID)
		}
		if _, err := os.Stdout.WriteString(out.String()); err != nil {
			t.Fatal(err)
		}
	}
}

// advance replaces the heads of v's document by v, or adds its document.
func advance(heads [][]protocol.Verified, v protocol.Verified) [][]protocol.Verified {
	id := protocoltest.DocOf(v)
	for i, h := range heads {
		if protocoltest.DocOf(h...).Equals(id) {
			heads[i] = []protocol.Verified{v}
			return heads
		}
	}
	if len(heads) >= 20 {
		heads = heads[1:]
	}
	return append(heads, []protocol.Verified{v})
}

// recentHeads returns the heads of the n documents updated last.
func recentHeads(t *testing.T, s *store.Store, n int) [][]protocol.Verified {
	var heads [][]protocol.Verified
	stop := errors.New("enough")
	err := s.Docs(func(d *store.Doc) error {
		var hs []protocol.Verified
		for _, c := range d.Heads {
			rev, data, err := s.Revision(c)
			if err != nil {
				return err
			}
			hs = append(hs, protocol.Verified{Block: protocol.Block{CID: c, Data: data}, Rev: rev})
		}
		heads = append(heads, hs)
		if len(heads) == n {
			return stop
		}
		return nil
	}, store.ByUpdated(), store.IncludeRetracted())
	if err != nil && err != stop {
		t.Fatal(err)
	}
	return heads
}
