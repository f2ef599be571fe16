package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The types below decode the --json output of the commands (and the
// same JSON from the API's read routes), as docs/cli.md and docs/api.md
// describe it. They hold the fields the tests read; others are ignored.

// Published is what publish, edit and retract print.
type Published struct {
	ID       string `json:"id"`
	Revision string `json:"revision"`
	File     string `json:"file"`
}

// Entry is what show prints.
type Entry struct {
	ID                string         `json:"id"`
	Kind              string         `json:"kind"`
	Title             string         `json:"title"`
	Author            string         `json:"author"`
	Head              string         `json:"head"`
	Heads             []string       `json:"heads"`
	Conflict          bool           `json:"conflict"`
	Retracted         bool           `json:"retracted"`
	Updated           time.Time      `json:"updated"`
	SignatureVerified bool           `json:"signature_verified"`
	Meta              map[string]any `json:"meta"`
	Body              string         `json:"body"`
}

// Summary is one entry of what list prints.
type Summary struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	Author    string    `json:"author"`
	Updated   time.Time `json:"updated"`
	Conflict  bool      `json:"conflict"`
	Retracted bool      `json:"retracted"`
}

// SearchResult is what search prints.
type SearchResult struct {
	Total uint64 `json:"total"`
	Hits  []Hit  `json:"hits"`
}

// Hit is one search result.
type Hit struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Kind  string  `json:"kind"`
	Score float64 `json:"score"`
}

// Status is what status prints.
type Status struct {
	Running        bool       `json:"running"`
	PeerID         string     `json:"peer_id"`
	Network        string     `json:"network"`
	Addrs          []string   `json:"addrs"`
	PeersConnected int        `json:"peers_connected"`
	Revisions      int        `json:"revisions"`
	Entries        int        `json:"entries"`
	Author         string     `json:"author"`
	IndexBacklog   uint64     `json:"index_backlog"`
	Sync           []PeerSync `json:"sync"`
	Counters       *Counters  `json:"counters"`
}

// Counters are a running node's totals since it started.
type Counters struct {
	Stored            uint64 `json:"stored"`
	SignaturesChecked uint64 `json:"signatures_checked"`
	Announced         uint64 `json:"announced"`
	AnnouncedBySync   uint64 `json:"announced_by_sync"`
	GossipReceived    uint64 `json:"gossip_received"`
	RevisionsReceived uint64 `json:"revisions_received"`
}

// PeerSync is the sync state with one peer.
type PeerSync struct {
	Peer      string    `json:"peer"`
	Connected bool      `json:"connected"`
	Running   bool      `json:"running"`
	LastSync  time.Time `json:"last_sync"`
	Mode      string    `json:"mode"`
	Result    string    `json:"result"`
	Received  int       `json:"received"`
	// ReceivedTotal counts the revisions received from the peer since
	// the node started.
	ReceivedTotal int `json:"received_total"`
}

// Peer is one connected peer, as peers prints it.
type Peer struct {
	ID    string   `json:"id"`
	Addrs []string `json:"addrs"`
}

// withJSON inserts --json after the command name: the command line
// takes flags before arguments only.
func withJSON(args []string) []string {
	return append([]string{args[0], "--json"}, args[1:]...)
}

// RunJSON runs a command with --json and decodes what it prints into
// v; it fails the test if the command fails.
func (n *Node) RunJSON(v any, args ...string) {
	n.t.Helper()
	res := n.MustRun(withJSON(args)...)
	if err := json.Unmarshal(res.Stdout, v); err != nil {
		n.t.Fatalf("node %s: decode output of mutu %s: %v\n%s", n.Name, strings.Join(args, " "), err, res.Stdout)
	}
}

// tryJSON runs a command with --json and decodes what it prints; it
// returns an error rather than failing the test, for polling.
func (n *Node) tryJSON(v any, args ...string) error {
	res := n.Run(withJSON(args)...)
	if res.Code != 0 || res.Err != nil {
		return fmt.Errorf("node %s: mutu %s: exit %d: %s", n.Name, strings.Join(args, " "), res.Code, strings.TrimSpace(string(res.Stderr)))
	}
	if err := json.Unmarshal(res.Stdout, v); err != nil {
		return fmt.Errorf("node %s: decode output of mutu %s: %w", n.Name, strings.Join(args, " "), err)
	}
	return nil
}

// WriteEntry writes Markdown into a new file of the node's scratch
// directory and returns its path.
func (n *Node) WriteEntry(markdown string) string {
	n.t.Helper()
	n.mu.Lock()
	n.seq++
	path := filepath.Join(n.files, fmt.Sprintf("entry-%05d.md", n.seq))
	n.mu.Unlock()
	if err := os.WriteFile(path, []byte(markdown), 0o644); err != nil {
		n.t.Fatalf("node %s: %v", n.Name, err)
	}
	return path
}

// publishBatch is how many files one publish command takes.
const publishBatch = 250

// Publish publishes each Markdown text as a new entry, batchwise in
// few publish commands, and returns the results in order.
func (n *Node) Publish(markdown ...string) []Published {
	n.t.Helper()
	paths := make([]string, len(markdown))
	for i, md := range markdown {
		paths[i] = n.WriteEntry(md)
	}
	var out []Published
	for batch := range slices.Chunk(paths, publishBatch) {
		var got []Published
		n.RunJSON(&got, append([]string{"publish"}, batch...)...)
		if len(got) != len(batch) {
			n.t.Fatalf("node %s: publish of %d files printed %d results", n.Name, len(batch), len(got))
		}
		out = append(out, got...)
	}
	return out
}

// PublishOne publishes one entry.
func (n *Node) PublishOne(markdown string) Published {
	n.t.Helper()
	return n.Publish(markdown)[0]
}

// Edit publishes Markdown as a new revision of entry id.
func (n *Node) Edit(id, markdown string) Published {
	n.t.Helper()
	return n.runOne("edit", id, n.WriteEntry(markdown))
}

// Retract retracts entry id.
func (n *Node) Retract(id string) Published {
	n.t.Helper()
	return n.runOne("retract", id)
}

// runOne runs edit or retract, which print one result.
func (n *Node) runOne(args ...string) Published {
	n.t.Helper()
	var p Published
	n.RunJSON(&p, args...)
	if p.ID == "" {
		n.t.Fatalf("node %s: mutu %s printed no ID", n.Name, strings.Join(args, " "))
	}
	return p
}

// Show returns entry id, or the error of the show command (for
// example, the node does not hold it yet).
func (n *Node) Show(id string) (Entry, error) {
	var e Entry
	err := n.tryJSON(&e, "show", id)
	return e, err
}

// MustShow returns entry id and fails the test if show fails.
func (n *Node) MustShow(id string) Entry {
	n.t.Helper()
	var e Entry
	n.RunJSON(&e, "show", id)
	return e
}

// List returns the current entries (retracted ones are left out).
func (n *Node) List() []Summary {
	n.t.Helper()
	var l []Summary
	n.RunJSON(&l, "list")
	return l
}

// Search runs `mutu search flags... QUERY`.
func (n *Node) Search(query string, flags ...string) SearchResult {
	n.t.Helper()
	var r SearchResult
	args := append(append([]string{"search"}, flags...), query)
	n.RunJSON(&r, args...)
	return r
}

// Status returns the node's status: the daemon's if it runs, the
// home's otherwise.
func (n *Node) Status() Status {
	n.t.Helper()
	var s Status
	n.RunJSON(&s, "status")
	return s
}

// Peers returns the peers the daemon is connected to.
func (n *Node) Peers() []Peer {
	n.t.Helper()
	var p []Peer
	n.RunJSON(&p, "peers")
	return p
}

// apiClient is the client of every Get; its timeout bounds each call.
var apiClient = &http.Client{Timeout: 10 * time.Second}

// Get reads a route of the running daemon's JSON API (GET, no token)
// into v, for checks that must cost little: a CLI command starts a
// process, a GET costs a millisecond, which matters when a test
// measures how fast something arrives. path is e.g. "/api/v1/status".
func (n *Node) Get(path string, v any) error {
	addr := n.APIAddr()
	if addr == "" {
		return fmt.Errorf("node %s: not running", n.Name)
	}
	resp, err := apiClient.Get("http://" + addr + path)
	if err != nil {
		return fmt.Errorf("node %s: GET %s: %w", n.Name, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("node %s: GET %s: %w", n.Name, path, err)
	}
	if resp.StatusCode == http.StatusGone {
		var out struct {
			Error struct {
				Entry *Entry `json:"entry"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &out) == nil && out.Error.Entry != nil {
			return &GoneError{Path: path, Entry: *out.Error.Entry}
		}
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("node %s: GET %s: %s: %s", n.Name, path, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("node %s: GET %s: decode: %w", n.Name, path, err)
	}
	return nil
}

// GetEntry reads entry id through the API. A retracted entry answers
// 410, its metadata in the error; GetEntry returns them.
func (n *Node) GetEntry(id string) (Entry, error) {
	var e Entry
	err := n.Get("/api/v1/entries/"+url.PathEscape(id), &e)
	var gone *GoneError
	if errors.As(err, &gone) {
		return gone.Entry, nil
	}
	return e, err
}

// GoneError is the answer 410 of the API to a read of a retracted
// entry, with what remains to say of it.
type GoneError struct {
	Path  string
	Entry Entry
}

func (e *GoneError) Error() string { return e.Path + ": 410 Gone: the entry was retracted" }

// GetStatus reads the daemon's status through the API.
func (n *Node) GetStatus() (Status, error) {
	var s Status
	err := n.Get("/api/v1/status", &s)
	return s, err
}

// GetPeers reads the daemon's connected peers through the API.
func (n *Node) GetPeers() ([]Peer, error) {
	var p []Peer
	err := n.Get("/api/v1/peers", &p)
	return p, err
}

// IDs returns the IDs of a listing, sorted.
func IDs(list []Summary) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	slices.Sort(out)
	return out
}

// HitIDs returns the IDs of search hits, sorted.
func HitIDs(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	slices.Sort(out)
	return out
}

// Members is what `mutu members --json` prints: the nodes of a closed
// network and the join requests that wait.
type Members struct {
	Network string   `json:"network"`
	Closed  bool     `json:"closed"`
	Members []Member `json:"members"`
	Pending []struct {
		Node  string `json:"node"`
		Label string `json:"label"`
	} `json:"pending"`
}

// Member is one node of a closed network's roster.
type Member struct {
	Node    string `json:"node"` // its key, ed25519:…
	Role    string `json:"role"`
	Label   string `json:"label"`
	Revoked bool   `json:"revoked"`
}

// Members returns the roster the node holds.
func (n *Node) Members() Members {
	n.t.Helper()
	var m Members
	n.RunJSON(&m, "members")
	return m
}

// NodeKey returns the key (ed25519:…) of the node labelled label in
// the roster n holds, and fails the test if it holds none.
func (n *Node) NodeKey(label string) string {
	n.t.Helper()
	m := n.Members()
	for _, mb := range m.Members {
		if mb.Label == label {
			return mb.Node
		}
	}
	n.t.Fatalf("node %s: no member labelled %q in %+v", n.Name, label, m.Members)
	return ""
}

// Invite runs `mutu invite flags...` and returns the code it prints.
func (n *Node) Invite(flags ...string) string {
	n.t.Helper()
	code := strings.TrimSpace(string(n.MustRun(append([]string{"invite"}, flags...)...).Stdout))
	if code == "" || strings.ContainsAny(code, " \n") {
		n.t.Fatalf("node %s: mutu invite printed %q, want one code", n.Name, code)
	}
	return code
}

// Join runs `mutu join --label LABEL CODE` on the node's home, which
// it creates if needed, and makes the node start on the network the
// join writes (OwnNetwork).
func (n *Node) Join(code, label string) Result {
	n.t.Helper()
	res := n.MustRun("join", "--label", label, code)
	n.OwnNetwork()
	return res
}
