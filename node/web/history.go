package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// historyView is the list of an entry's revisions.
type historyView struct {
	base
	ID        string
	EntryHref string
	Heading   string
	Retracted bool
	Revisions []revisionView
}

// revisionView is one revision in a history.
type revisionView struct {
	CID     string
	Op      string // Publication, Modification, Retrait
	Author  string
	Time    time.Time
	Title   string
	Head    bool
	Diff    string // link to its changes from its first parent; "" for the first
	Checked string // "de" or "a" when the comparison form preselects it
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadDoc(w, r)
	if !ok {
		return
	}
	revs, err := s.cat.History(d.ID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	v := &historyView{ID: d.ID.String(), EntryHref: entryPath(d.ID), Retracted: d.Retracted}
	v.Heading = "Historique"
	if d.Entry != nil {
		v.Heading = "Historique de « " + d.Entry.Title() + " »"
	}
	v.Title, v.Nav = v.Heading, "fiches"
	for i, rv := range revs {
		row := revisionView{CID: rv.CID.String(), Op: opLabel(rv), Author: s.authorName(rv.Author), Time: rv.Time, Title: rv.Title, Head: rv.Head}
		if rv.Erased != nil {
			row.Title = typo(erasedText(rv.Erased))
		}
		if len(rv.Parents) > 0 {
			row.Diff = diffPath(d.ID, rv.Parents[0], rv.CID)
		}
		switch i {
		case 0:
			row.Checked = "a"
		case 1:
			row.Checked = "de"
		}
		v.Revisions = append(v.Revisions, row)
	}
	s.render(w, r, http.StatusOK, "history", v)
}

func opLabel(rv catalogue.RevisionInfo) string {
	switch {
	case rv.Op == protocol.OpRetract:
		return "Retrait"
	case len(rv.Parents) == 0:
		return "Publication"
	case len(rv.Parents) > 1:
		return "Modification (fusion d'un conflit)"
	}
	return "Modification"
}

func diffPath(id, from, to cid.Cid) string {
	return entryPath(id) + "/diff?" + url.Values{"de": {from.String()}, "a": {to.String()}}.Encode()
}

// diffView shows the changes between two revisions of an entry.
type diffView struct {
	base
	EntryHref, HistoryHref string
	From, To               revisionView
	Lines                  []diffRow
	Added, Removed, Mod    int
}

// diffRow is a line of the diff as shown: changed lines with a few
// unchanged ones around them, and a gap row for the unchanged runs
// left out. A line changed in place is one row, its words removed and
// added marked in Parts.
type diffRow struct {
	Class    string // same, add, del, mod, gap
	Text     string
	Parts    []diffPart // mod
	Old, New int
}

// diffContext is how many unchanged lines are shown around a change.
const diffContext = 3

func (s *Server) diff(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadDoc(w, r)
	if !ok {
		return
	}
	revs, err := s.cat.History(d.ID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	byCID := make(map[string]catalogue.RevisionInfo, len(revs))
	for _, rv := range revs {
		byCID[rv.CID.String()] = rv
	}
	q := r.URL.Query()
	from, okFrom := byCID[q.Get("de")]
	to, okTo := byCID[q.Get("a")]
	if !okFrom || !okTo {
		s.fail(w, r, http.StatusNotFound, "Versions introuvables", "Ces versions n'appartiennent pas à cette entrée. Choisissez-les dans l'historique.",
			link{entryPath(d.ID) + "/historique", "Voir l'historique"})
		return
	}
	fromText, err := s.revisionText(from.CID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	toText, err := s.revisionText(to.CID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	v := &diffView{
		EntryHref: entryPath(d.ID), HistoryHref: entryPath(d.ID) + "/historique",
		From: revisionView{CID: from.CID.String(), Op: opLabel(from), Author: s.authorName(from.Author), Time: from.Time, Title: from.Title},
		To:   revisionView{CID: to.CID.String(), Op: opLabel(to), Author: s.authorName(to.Author), Time: to.Time, Title: to.Title},
	}
	v.Title, v.Nav = "Modifications de « "+firstNonEmpty(to.Title, from.Title)+" »", "fiches"
	deadline := time.Now().Add(diffBudget)
	v.Lines, v.Added, v.Removed, v.Mod = diffRows(pairLines(lineDiffBy(fromText, toText, deadline), deadline))
	s.render(w, r, http.StatusOK, "diff", v)
}

// revisionText is a revision as the diff compares it: the entry file,
// front matter and body, with its attachments listed; "" for a
// retraction.
func (s *Server) revisionText(c cid.Cid) (string, error) {
	rev, _, err := s.cat.Revision(c)
	if errors.Is(err, catalogue.ErrNotFound) {
		if by, ok, eerr := s.cat.Erased(c); eerr == nil && ok {
			return erasedText(&by) + "\n", nil
		}
	}
	if err != nil {
		return "", err
	}
	if rev.Entry == nil {
		return "", nil
	}
	f := entry.File{Entry: entry.Entry{Meta: rev.Entry.Meta, Body: rev.Entry.Body}}
	for _, a := range rev.Attachments {
		f.Attachments = append(f.Attachments, entry.Attachment{Name: a.Name, Type: a.Type, Size: a.Size})
	}
	data, err := f.Marshal()
	if err != nil {
		// A value the file format cannot write: compare the body alone.
		return rev.Entry.Body, nil
	}
	return string(data), nil
}

// diffRows keeps the changed lines and diffContext unchanged lines
// around each, and counts the changes.
func diffRows(lines []diffLine) (rows []diffRow, added, removed, changed int) {
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op == opSame {
			continue
		}
		for j := max(0, i-diffContext); j <= min(len(lines)-1, i+diffContext); j++ {
			keep[j] = true
		}
	}
	gap := false
	for i, l := range lines {
		if !keep[i] {
			if !gap {
				rows = append(rows, diffRow{Class: "gap", Text: "…"})
				gap = true
			}
			continue
		}
		gap = false
		switch l.Op {
		case opAdd:
			added++
			rows = append(rows, diffRow{Class: "add", Text: l.Text, New: l.New})
		case opDel:
			removed++
			rows = append(rows, diffRow{Class: "del", Text: l.Text, Old: l.Old})
		case opMod:
			changed++
			rows = append(rows, diffRow{Class: "mod", Parts: l.Parts, Old: l.Old, New: l.New})
		default:
			rows = append(rows, diffRow{Class: "same", Text: l.Text, Old: l.Old, New: l.New})
		}
	}
	return rows, added, removed, changed
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
