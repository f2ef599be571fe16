package api

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Reporting is how the command line reports an entry and reads the
// reports for this node's moderators (docs/operator.md, "Reports").
type Reporting interface {
	// Report signs a report of an entry with the node's key, on behalf
	// of the operator.
	Report(ctx context.Context, req ReportRequest) (*ReportView, error)
	// Reports returns the reports for this node's moderators: those
	// made here, and those on entries whose authors this node
	// certifies; oldest first.
	Reports(ctx context.Context) ([]ReportView, error)
}

var (
	_ Reporting = (*Local)(nil)
	_ Reporting = (*Client)(nil)
)

// ReportRequest is a report asked of the node.
type ReportRequest struct {
	Entry    string         `json:"entry"` // an entry's ID, short ID or unique prefix
	Category trust.Category `json:"category"`
	Comment  string         `json:"comment"` // at most trust.MaxComment characters
	// ShowName puts the reporter's name in the report, for the
	// moderators and the author to see; otherwise no name travels.
	ShowName bool `json:"show_name,omitempty"`
}

// ReportView is a report as the command line and the pages show it.
type ReportView struct {
	CID      string         `json:"cid"`
	Entry    string         `json:"entry"`
	Title    string         `json:"title,omitempty"` // "" when the entry is not held
	Revision string         `json:"revision"`
	Category trust.Category `json:"category"`
	Comment  string         `json:"comment"`
	Reporter string         `json:"reporter,omitempty"` // only if they agreed to show it
	Node     string         `json:"node"`               // the node that signed it
	// Revoke is the node whose revocation the report asks the
	// coordinators for (a report about a node: Entry is "" then).
	Revoke string    `json:"revoke,omitempty"`
	Time   time.Time `json:"time"`
	// Here: made on this node; else it is about an entry whose author
	// this node certifies.
	Here bool `json:"here"`
}

// ReportsPerHour is how many reports one account may make in an hour,
// by default (docs/web.md, "Limits").
const ReportsPerHour = 10

// ReportLimiter bounds the reports of each account: at most PerHour in
// any hour. It is kept in memory: a restart of the node forgets it.
// Safe for concurrent use.
type ReportLimiter struct {
	perHour int
	mu      sync.Mutex             // guards made
	made    map[string][]time.Time // by account: the times of its reports in the last hour
}

// NewReportLimiter returns a limiter of perHour reports an hour per
// account (ReportsPerHour when 0 or less).
func NewReportLimiter(perHour int) *ReportLimiter {
	if perHour <= 0 {
		perHour = ReportsPerHour
	}
	return &ReportLimiter{perHour: perHour, made: make(map[string][]time.Time)}
}

// Allow records a report of account at now and reports true, or
// reports false, recording nothing, when the account made PerHour of
// them in the hour before now.
func (l *ReportLimiter) Allow(account string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := slices.DeleteFunc(l.made[account], func(t time.Time) bool { return now.Sub(t) >= time.Hour })
	if len(recent) >= l.perHour {
		l.made[account] = recent
		return false
	}
	l.made[account] = append(recent, now)
	return true
}

// PerHour is the limiter's bound.
func (l *ReportLimiter) PerHour() int { return l.perHour }

// ErrRateLimited is the error of a report over the limit of its
// account.
var ErrRateLimited = errors.New("too many reports")

// ReportAs signs, with nodeKey, a report of the entry req names, on
// behalf of reporter (a web account's name, or the operator's), whose
// name the report carries only with req.ShowName. The node must be an
// active member of a closed network: reports travel to the moderators
// of the network's nodes.
func ReportAs(ctx context.Context, cat *catalogue.Catalogue, nodeKey ed25519.PrivateKey, reporter string, req ReportRequest) (*ReportView, error) {
	id, err := cat.Resolve(req.Entry)
	if err != nil {
		return nil, err
	}
	if !req.Category.Valid() {
		return nil, inputErrorf("category %q is not one of %s", req.Category, moderation.CategoryList())
	}
	comment := strings.TrimSpace(req.Comment)
	if comment == "" {
		return nil, inputErrorf("the comment is missing: say what is wrong with the entry")
	}
	if n := utf8.RuneCountInString(comment); n > trust.MaxComment {
		return nil, inputErrorf("the comment is %d characters, over %d: shorten it", n, trust.MaxComment)
	}
	r := cat.Roster()
	if !r.Closed() {
		return nil, inputErrorf("the network %s is open: a report goes to the moderators of a closed network's nodes, and this one has none", r.Network())
	}
	if nodeKey == nil || !r.Active(protocol.PublicKey(nodeKey)) {
		return nil, fmt.Errorf("%w: this node is not an active member of the network, whose reports only members sign", ErrNotCoordinator)
	}
	d, err := cat.Get(id)
	if err != nil {
		return nil, err
	}
	rep := trust.Report{Entry: id.String(), Revision: d.Head.String(), Category: req.Category, Comment: comment}
	if req.ShowName {
		rep.Reporter = reporter
	}
	rec, err := cat.AddTrust(ctx, nodeKey, &rep)
	if err != nil {
		return nil, err
	}
	v := reportView(cat, trust.ReportInfo{Report: rep, CID: rec.CID, Node: rec.Signer, Clock: rec.Clock}, true)
	return &v, nil
}

// ReportQueue returns the reports for the moderators of the node of
// key: those it signed, and those on entries whose author it certifies
// (at the entry's first revision); oldest first.
func ReportQueue(cat *catalogue.Catalogue, key ed25519.PrivateKey) []ReportView {
	out := []ReportView{}
	if key == nil {
		return out
	}
	me := protocol.PublicKey(key)
	r := cat.Roster()
	coordinator := r.Coordinator(me)
	for _, info := range cat.Moderation().Reports() {
		here := info.Node == me
		if info.Report.Node != (protocol.AuthorKey{}) {
			// A request to revoke a node: the coordinators' to handle.
			if here || coordinator {
				out = append(out, reportView(cat, info, here))
			}
			continue
		}
		if !here {
			id, err := protocol.ParseCID(info.Entry)
			if err != nil {
				continue
			}
			d, err := cat.Get(id)
			if err != nil {
				continue
			}
			c, ok := r.CertificateAt(d.Author, protocol.MakeClock(d.Created))
			if !ok || c.Issuer != me {
				continue
			}
		}
		out = append(out, reportView(cat, info, here))
	}
	return out
}

// ReportsOn returns the reports held on entry id, oldest first: what
// its author sees.
func ReportsOn(cat *catalogue.Catalogue, id string, key ed25519.PrivateKey) []ReportView {
	var out []ReportView
	var me protocol.AuthorKey
	if key != nil {
		me = protocol.PublicKey(key)
	}
	for _, info := range cat.Moderation().Reports() {
		if info.Entry == id {
			out = append(out, reportView(cat, info, key != nil && info.Node == me))
		}
	}
	return out
}

func reportView(cat *catalogue.Catalogue, info trust.ReportInfo, here bool) ReportView {
	v := ReportView{CID: info.CID.String(), Entry: info.Entry, Revision: info.Revision, Category: info.Category,
		Comment: info.Comment, Reporter: info.Reporter, Node: info.Node.String(), Time: info.Clock.Time().UTC(), Here: here}
	if k := info.Report.Node; k != (protocol.AuthorKey{}) {
		v.Revoke = k.String()
	}
	if id, err := protocol.ParseCID(info.Entry); err == nil {
		if d, err := cat.Get(id); err == nil && d.Entry != nil {
			v.Title = d.Entry.Title()
		}
	}
	return v
}

// Report signs a report on behalf of the operator.
func (l *Local) Report(ctx context.Context, req ReportRequest) (*ReportView, error) {
	if l.ReportLimit != nil && !l.ReportLimit.Allow(moderation.Operator, l.now()) {
		return nil, fmt.Errorf("%w: %d in the last hour, the most one account makes (docs/operator.md); try again later", ErrRateLimited, l.ReportLimit.PerHour())
	}
	return ReportAs(ctx, l.Cat, l.NodeKey, moderation.Operator, req)
}

// Reports returns the reports for this node's moderators.
func (l *Local) Reports(ctx context.Context) ([]ReportView, error) {
	return ReportQueue(l.Cat, l.NodeKey), nil
}

// Report asks the daemon to sign a report.
func (c *Client) Report(ctx context.Context, req ReportRequest) (*ReportView, error) {
	var out ReportView
	return &out, c.do(ctx, http.MethodPost, "/api/v1/reports", req, &out)
}

// Reports reads the daemon's reports for its moderators.
func (c *Client) Reports(ctx context.Context) ([]ReportView, error) {
	var out []ReportView
	return out, c.do(ctx, http.MethodGet, "/api/v1/reports", nil, &out)
}

// reporting returns the service's Reporting, or answers 503.
func (h *handler) reporting(w http.ResponseWriter) Reporting {
	m, ok := h.svc.(Reporting)
	if !ok {
		h.fail(w, &Error{Kind: KindUnavailable, Message: "this node serves no reports"})
		return nil
	}
	return m
}

func (h *handler) report(w http.ResponseWriter, r *http.Request) {
	m := h.reporting(w)
	if m == nil {
		return
	}
	var req ReportRequest
	if err := decodeSmall(w, r, &req); err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := m.Report(r.Context(), req)
	h.reply(w, out, err)
}

func (h *handler) reports(w http.ResponseWriter, r *http.Request) {
	if m := h.reporting(w); m != nil {
		out, err := m.Reports(r.Context())
		h.reply(w, out, err)
	}
}
