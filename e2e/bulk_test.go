package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// bulkEntries is how many entries A holds: far more than the gap past
// which a node catches up by bulk transfer (512), and enough for the
// transfer to last long enough to be cut.
const bulkEntries = 3000

// bulkTimeout bounds each wait of the bulk scenario: the transfer of
// thousands of entries under the race detector on two loaded cores.
const bulkTimeout = 4 * time.Minute

// cursorFile is the JSON form of the bulk cursor that `mutu run` keeps
// in its home (bulk.cursor) while a bulk transfer is unfinished.
type cursorFile struct {
	Version int    `json:"version"`
	Clock   uint64 `json:"clock"`
	CID     string `json:"cid"`
}

// TestBulkResume: "A node that joins empty receives everything through
// the bulk stream; killed halfway and restarted, it resumes instead of
// starting over." A holds 3,000 entries; D starts empty with A as its
// peer; D is killed with SIGKILL once it holds a quarter of them and
// has saved its cursor, but still lacks enough to go on by bulk
// (512 revisions at least, or it would reconcile); restarted, D
// ends with exactly A's entries, asked A for the revisions after its
// saved cursor, and A served the stream from its beginning only once.
// A runs with debug logs, which record every bulk request it serves.
func TestBulkResume(t *testing.T) {
	h := harness.New(t)
	a, d := h.NewNode("A").Init(), h.NewNode("D").Init()

	// A's entries are imported while it is stopped: one batched import
	// is much faster than publishing through the daemon.
	dir := filepath.Join(h.Dir(), "corpus")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, md := range notes(bulkEntries, "transfert", "Lot") {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("lot-%05d.md", i+1)), []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var imported struct {
		Published []json.RawMessage `json:"published"`
		Failed    []json.RawMessage `json:"failed"`
	}
	a.RunJSON(&imported, "import", dir)
	if len(imported.Published) != bulkEntries || len(imported.Failed) != 0 {
		t.Fatalf("import published %d entries and refused %d, want %d and 0", len(imported.Published), len(imported.Failed), bulkEntries)
	}
	a.WithFlags("--log-level", "debug").Start()
	want, err := listIDs(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != bulkEntries {
		t.Fatalf("A lists %d entries, want %d", len(want), bulkEntries)
	}
	revisions := mustStatus(t, a).Revisions

	// D joins empty, and is killed halfway.
	cursorPath := filepath.Join(d.Home, "bulk.cursor")
	d.Start(a)
	h.WaitFor(bulkTimeout, "D to be halfway through the bulk transfer", func() error {
		st, err := d.GetStatus()
		if err != nil {
			return err
		}
		if st.Revisions > revisions-2*bulkThreshold {
			t.Fatalf("D already holds %d of %d revisions: the transfer went too fast to be cut; raise bulkEntries", st.Revisions, revisions)
		}
		if _, err := os.Stat(cursorPath); err != nil || st.Revisions < revisions/4 {
			return fmt.Errorf("D holds %d revisions of %d, cursor: %v", st.Revisions, revisions, err)
		}
		d.Kill()
		return nil
	})
	cursor := readCursor(t, cursorPath)
	heldAtKill := d.Status().Revisions // the home's count, D being stopped
	if heldAtKill == 0 || heldAtKill >= revisions-bulkThreshold {
		t.Fatalf("D holds %d of %d revisions after the kill: want some, and at least %d missing so that it resumes by bulk", heldAtKill, revisions, bulkThreshold)
	}
	t.Logf("D killed holding %d of %d revisions; its cursor is at %s", heldAtKill, revisions, cursor.CID)

	// Restarted, D resumes and ends with everything.
	restart := time.Now()
	d.Start(a)
	h.WaitFor(bulkTimeout, "D to hold every entry of A", func() error {
		st, err := d.GetStatus()
		if err != nil {
			return err
		}
		if st.Revisions != revisions {
			return fmt.Errorf("D holds %d revisions of %d", st.Revisions, revisions)
		}
		if _, err := os.Stat(cursorPath); err == nil {
			return fmt.Errorf("the transfer is not finished: %s is still there", cursorPath)
		}
		return nil
	})
	t.Logf("D caught up %v after its restart", time.Since(restart).Round(time.Millisecond))
	if diff := diffIDs(harness.IDs(d.List()), want); diff != "" {
		t.Errorf("mutu list on D: %s", diff)
	}

	// It resumed: D asked for the revisions after its saved cursor…
	resumed := regexp.MustCompile(`msg="bulk transfer" .*resume_after=` + regexp.QuoteMeta(cursor.CID))
	if !resumed.MatchString(d.Log()) {
		t.Errorf("D's log after the restart has no bulk transfer resuming after %s:\n%s", cursor.CID, grepLines(d.Log(), "bulk"))
	}
	// …A served it from there, and from the beginning only once.
	dID := d.PeerID()
	var fromStart, fromCursor int
	for _, line := range strings.Split(a.Log(), "\n") {
		if !strings.Contains(line, `msg="serving bulk"`) || !strings.Contains(line, "peer="+dID) {
			continue
		}
		if strings.Contains(line, " after=0 ") {
			fromStart++
		}
		if strings.Contains(line, "after_cid="+cursor.CID) {
			fromCursor++
		}
	}
	if fromStart != 1 || fromCursor != 1 {
		t.Errorf("A served D %d bulk streams from the beginning and %d from D's cursor, want 1 and 1:\n%s",
			fromStart, fromCursor, grepLines(a.Log(), "serving bulk"))
	}
}

// bulkThreshold is the gap, in revisions, from which a node catches up
// by bulk transfer rather than by reconciliation (node's default).
const bulkThreshold = 512

// readCursor reads a saved bulk cursor.
func readCursor(t *testing.T, path string) cursorFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("after the kill: %v", err)
	}
	var c cursorFile
	if err := json.Unmarshal(data, &c); err != nil || c.Version != 1 || c.CID == "" {
		t.Fatalf("bulk cursor %s: %q (%v)", path, data, err)
	}
	return c
}

// grepLines returns the lines of a log that contain s.
func grepLines(log, s string) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
