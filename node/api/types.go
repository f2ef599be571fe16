// Package api is the node's local JSON API: the view types it speaks,
// the Service interface that the command line uses, a Local
// implementation over a catalogue (and a running node, when there is
// one), the HTTP handler that serves a Service, and a Client that
// speaks to it. The CLI prints the same thing whether it talks to a
// Local service or, through a Client, to a running daemon.
//
// See docs/api.md for the routes.
package api

import (
	"io"
	"time"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Summary is one entry of a listing.
type Summary struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	Author    string    `json:"author"`
	Updated   time.Time `json:"updated"`
	Conflict  bool      `json:"conflict,omitempty"`
	Retracted bool      `json:"retracted,omitempty"`
}

// Entry is one document with its metadata.
type Entry struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Title   string   `json:"title"`
	Summary string   `json:"summary,omitempty"`
	Author  string   `json:"author"`
	Editors []string `json:"editors,omitempty"` // the other authors who may revise it
	Head    string   `json:"head"`              // the winning revision
	Heads   []string `json:"heads"`             // winner first; more than one is a conflict, unless retracted
	// Revision is the revision whose content the entry shows: Head, or
	// the one asked for (ShowOptions.Revision); "" when retracted.
	Revision  string `json:"revision,omitempty"`
	Conflict  bool   `json:"conflict"`
	Retracted bool   `json:"retracted"`
	// Retraction is the retract revision that won, when Retracted.
	// A retracted entry's content (kind, title, text, attachments) is
	// not shown.
	Retraction        string         `json:"retraction,omitempty"`
	Created           time.Time      `json:"created"`
	Updated           time.Time      `json:"updated"`
	SignatureVerified bool           `json:"signature_verified"`
	Outdated          bool           `json:"outdated"`
	Meta              map[string]any `json:"meta,omitempty"`
	Body              string         `json:"body,omitempty"`
	Attachments       []Attachment   `json:"attachments"`
	// Markdown is the entry as a file: front matter and body.
	Markdown string `json:"markdown,omitempty"`
	// HTML is the sanitized rendering of the body.
	HTML string `json:"html,omitempty"`
	// Hidden is the act of this node's moderation that hides the entry
	// from its lists and searches (who, when, why); absent if none.
	Hidden *moderation.Act `json:"hidden,omitempty"`
	// Erased says that the content of the revision the entry shows was
	// erased by a moderation decision (docs/protocol.md §4.14): Meta,
	// Body and the attachments are gone; absent if not.
	Erased *Erasure `json:"erased,omitempty"`
}

// Erasure is the decision that erased the content of a revision.
type Erasure struct {
	Decision string         `json:"decision"` // the decision record's CID
	Time     time.Time      `json:"time"`     // when it was decided
	Category trust.Category `json:"category"`
}

// Attachment is a file attached to an entry.
type Attachment struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Size   uint64   `json:"size"`
	Blocks []string `json:"blocks"`
	Held   bool     `json:"held"`
}

// FetchResult is what asking the peers for an entry's missing
// attachments did. The fetch stores every block it receives, so a
// fetch cut short or left incomplete resumes where it stopped when
// asked again.
type FetchResult struct {
	ID string `json:"id"`
	// Attachments are the entry's files as they are now; Held says
	// which are complete on this node.
	Attachments []Attachment `json:"attachments"`
	// Wanted counts the blocks missing before the fetch; Fetched, those
	// received, verified and stored, Bytes their size; Missing, those
	// still missing after it.
	Wanted  int    `json:"blocks_wanted"`
	Fetched int    `json:"blocks_fetched"`
	Bytes   uint64 `json:"bytes_fetched"`
	Missing int    `json:"blocks_missing"`
	// Peers counts the connected peers that could be asked; From,
	// those that sent at least one block.
	Peers int `json:"peers"`
	From  int `json:"from_peers"`
	// Reason says why blocks are still missing: FetchNoPeer,
	// FetchNotHeld or FetchInterrupted; "" when none is.
	Reason string `json:"reason,omitempty"`
	// Problem says the same in a sentence, with what to do.
	Problem string `json:"problem,omitempty"`
}

// The reasons of a FetchResult with blocks still missing. The values
// are stable: scripts and the web interface read them.
const (
	FetchNoPeer      = "no_peer"     // no other node is connected
	FetchNotHeld     = "not_held"    // no connected node holds the blocks
	FetchInterrupted = "interrupted" // the fetch stopped before the end
)

// BlockFetch is what a running node did for Network.Fetch.
type BlockFetch struct {
	Wanted  int    // blocks asked for and not held when the fetch began
	Fetched int    // of those, blocks received, verified and stored
	Bytes   uint64 // the size of the blocks fetched
	Peers   int    // connected peers that could be asked
	From    int    // peers that sent at least one block
}

// Revision is one line of a history.
type Revision struct {
	CID     string    `json:"cid"`
	Op      string    `json:"op"`
	Author  string    `json:"author"`
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Parents []string  `json:"parents"`
	Title   string    `json:"title,omitempty"`
	Head    bool      `json:"head"`
}

// Published is the result of a write.
type Published struct {
	ID       string `json:"id"`
	Revision string `json:"revision"`
	File     string `json:"file,omitempty"`
	// Unchanged is true when an edit changed nothing: no revision was
	// stored, and Revision is the current head.
	Unchanged bool `json:"unchanged,omitempty"`
	// Warnings list what is worth fixing in File although it was
	// accepted: a tag in capitals, a category outside the list, a key
	// that looks misspelt (see docs/entries.md, "Warnings"). Absent
	// when there is nothing to say.
	Warnings []entry.Problem `json:"warnings,omitempty"`
}

// Upload is a file sent with a write: an entry file or an attachment.
type Upload struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	Data []byte `json:"data"`
	// Body, when set, is an attachment's content instead of Data:
	// streamed, so that it may be as large as an attachment may be
	// (protocol.MaxAttachmentSize), through a running node too (see
	// upload.go). It is read once, to the end, in the order of the
	// request's list; the caller closes it.
	Body io.Reader `json:"-"`
}

// PublishRequest publishes entry files; Attachments go with the single
// file when there is exactly one. Kind applies to files without one.
type PublishRequest struct {
	Files       []Upload `json:"files"`
	Attachments []Upload `json:"attachments,omitempty"`
	Kind        string   `json:"kind,omitempty"`
}

// EditRequest replaces an entry's content with File's.
type EditRequest struct {
	ID          string   `json:"id"`
	File        Upload   `json:"file"`
	Attachments []Upload `json:"attachments,omitempty"`
	Drop        []string `json:"drop,omitempty"`
}

// ShowOptions say what Show includes beside the metadata, and of
// which revision.
type ShowOptions struct {
	Markdown bool `json:"markdown"`
	HTML     bool `json:"html"`
	// Revision names the revision to show, by its CID or a unique
	// prefix: any revision of the entry's history. "" for the winning
	// head.
	Revision string `json:"revision,omitempty"`
}

// Diff compares two revisions of an entry.
type Diff struct {
	ID   string `json:"id"`
	From string `json:"from"` // the revision compared from ("---")
	To   string `json:"to"`   // the revision compared to ("+++")
	// Unified is the unified diff of the two revisions' Markdown files,
	// as `mutu show` writes them; "" when they are the same.
	Unified string `json:"diff"`
}

// SearchQuery is a search request.
type SearchQuery struct {
	Text     string `json:"q"`
	Kind     string `json:"kind,omitempty"`
	Category string `json:"category,omitempty"`
	Tag      string `json:"tag,omitempty"`
	Academie string `json:"academie,omitempty"`
	Audience string `json:"audience,omitempty"`
	Outdated bool   `json:"outdated,omitempty"`
	Sort     string `json:"sort,omitempty"`
	Offset   int    `json:"offset,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

// SearchResult is what a search found.
type SearchResult struct {
	Total  uint64                  `json:"total"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets"`
	TookMS float64                 `json:"took_ms"`
}

// Hit is one search result.
type Hit struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	Kind    string    `json:"kind"`
	Score   float64   `json:"score"`
	Snippet string    `json:"snippet"`
	Updated time.Time `json:"updated"`
}

// FacetCount is one value of a facet and how many hits have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Status describes the node.
type Status struct {
	Running        bool     `json:"running"`
	PeerID         string   `json:"peer_id"`
	Network        string   `json:"network"`
	Addrs          []string `json:"addrs"`
	PeersConnected int      `json:"peers_connected"`
	// Revisions counts every signed revision held, retractions
	// included; Entries the entries that are not retracted, as the web
	// pages count them.
	Revisions int    `json:"revisions"`
	Entries   int    `json:"entries"`
	Author    string `json:"author"`
	// IndexBacklog counts the stored changes that search does not
	// find yet: the indexer is still reaching them, as after a large
	// catch-up. 0 when search is up to date.
	IndexBacklog uint64 `json:"index_backlog"`
	// DiskFree is the space left on the disk of the home, in bytes, and
	// DiskReserve the part of it that writes leave free: below it they
	// are refused ("disk full"). Both 0 where the system cannot tell.
	DiskFree    uint64     `json:"disk_free"`
	DiskReserve uint64     `json:"disk_reserve"`
	Sync        []PeerSync `json:"sync,omitempty"`
	// Counters are the running node's totals since it started; absent
	// without a running node.
	Counters *Counters `json:"counters,omitempty"`
	// Closed: the network is closed (docs/protocol.md, Part 4). The
	// API then gives the network and the addresses only to callers
	// with the token: an anonymous one gets them empty.
	Closed bool `json:"closed"`
	// Join is "pending" while this home's join request waits for a
	// coordinator; empty otherwise.
	Join string `json:"join,omitempty"`
}

// Counters are a running node's totals since it started.
type Counters struct {
	// Stored counts the revisions stored, whatever brought them (a
	// local write, an import, a bundle, a peer).
	Stored uint64 `json:"stored"`
	// SignaturesChecked counts the revision signatures the process
	// verified: one per revision received from outside (a peer, a
	// bundle), none for what it signed itself.
	SignaturesChecked uint64 `json:"signatures_checked"`
	// Announced counts the revisions stored that the node published on
	// gossip; AnnouncedBySync those for which it asked its peers to
	// sync instead, being too many at once for gossip.
	Announced       uint64 `json:"announced"`
	AnnouncedBySync uint64 `json:"announced_by_sync"`
	// GossipReceived counts the revisions received by gossip,
	// RevisionsReceived those received by sync, bulk and fetch.
	GossipReceived    uint64 `json:"gossip_received"`
	RevisionsReceived uint64 `json:"revisions_received"`
	// Rejected counts the pieces of bad input refused from peers.
	Rejected uint64 `json:"rejected"`
}

// DiskFull reports whether writes are refused for want of disk space.
func (s *Status) DiskFull() bool {
	return s.DiskReserve > 0 && s.DiskFree <= s.DiskReserve
}

// DiskLow reports whether the disk nears the point where writes are
// refused: less than the reserve again is left above it.
func (s *Status) DiskLow() bool {
	return s.DiskFree > 0 && s.DiskFree < 2*s.DiskReserve
}

// PeerSync is the sync state with one peer.
type PeerSync struct {
	Peer      string    `json:"peer"`
	Connected bool      `json:"connected"`
	Running   bool      `json:"running"`   // a sync with the peer is in progress
	LastSync  time.Time `json:"last_sync"` // end of the last sync; zero if none ended yet
	Mode      string    `json:"mode"`      // "reconcile" or "bulk+reconcile"
	Result    string    `json:"result"`    // "ok" or the error that ended the last sync
	Received  int       `json:"received"`  // revisions received in the last sync
	// ReceivedTotal counts the revisions received from the peer since
	// the node started (or since the peer came back after ten minutes
	// away), those it offered at the end of its syncs included.
	ReceivedTotal int `json:"received_total"`
}

// Peer is a connected peer.
type Peer struct {
	ID        string   `json:"id"`
	Addrs     []string `json:"addrs"`
	Direction string   `json:"direction,omitempty"`
}

// Reindexed is the result of a reindex.
type Reindexed struct {
	Entries int `json:"entries"` // entries the index holds
}
