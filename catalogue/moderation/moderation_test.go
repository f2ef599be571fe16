package moderation

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

func testCID(t *testing.T, s string) cid.Cid {
	t.Helper()
	h, err := multihash.Sum([]byte(s), multihash.SHA2_256, -1)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(cid.DagCBOR, h)
}

func testKey(t *testing.T) protocol.AuthorKey {
	t.Helper()
	k, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	return protocol.PublicKey(k)
}

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func act(action trust.Action, target string, at int) Act {
	return Act{Time: t0.Add(time.Duration(at) * time.Minute), By: Operator, Action: action, Target: target,
		Category: trust.CategorySpam, Reason: "publicité"}
}

func TestJournalSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalFile)
	j, err := OpenJournal(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := testCID(t, "doc")
	a := act(trust.ActionHide, EntryTarget(doc), 0)
	b := act(trust.ActionUnhide, EntryTarget(doc), 1)
	for _, x := range []Act{a, b} {
		if err := j.Append(x); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, err = OpenJournal(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got := j.Acts()
	if len(got) != 2 || got[0].Action != trust.ActionHide || got[1].Action != trust.ActionUnhide || !got[0].Time.Equal(a.Time) {
		t.Fatalf("acts after reopen = %+v", got)
	}
	if err := j.Append(act(trust.ActionHide, EntryTarget(doc), 2)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("\n")); n != 3 {
		t.Fatalf("journal has %d lines, want 3:\n%s", n, data)
	}
}

func TestJournalDropsATornLastLineWithAWarning(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalFile)
	j, err := OpenJournal(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := testCID(t, "doc")
	if err := j.Append(act(trust.ActionHide, EntryTarget(doc), 0)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-12-07T10:05:00Z","by":"operator","act`)
	f.Close()

	var logs bytes.Buffer
	j, err = OpenJournal(path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("open with a torn last line: %v", err)
	}
	if got := j.Acts(); len(got) != 1 {
		t.Fatalf("acts = %+v, want the one whole line", got)
	}
	if !strings.Contains(logs.String(), "cut short") {
		t.Fatalf("no warning logged: %q", logs.String())
	}
	if err := j.Append(act(trust.ActionUnhide, EntryTarget(doc), 1)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = OpenJournal(path, nil)
	if err != nil {
		t.Fatalf("reopen after an append that followed a torn line: %v", err)
	}
	defer j.Close()
	if got := j.Acts(); len(got) != 2 || got[1].Action != trust.ActionUnhide {
		t.Fatalf("acts = %+v", got)
	}
}

func TestJournalRefusesADamagedLineBeforeTheLast(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalFile)
	line := `{"time":"2026-12-07T10:00:00Z","by":"operator","action":"hide","target":"entry:` + testCID(t, "d").String() + `","category":"spam","reason":"pub"}`
	os.WriteFile(path, []byte("garbage\n"+line+"\n"), 0o600)
	_, err := OpenJournal(path, nil)
	if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming the file and line 1", err)
	}
	if data, _ := os.ReadFile(path); !strings.HasPrefix(string(data), "garbage\n") {
		t.Fatal("the damaged journal was changed")
	}
}

func TestAppendRefusesAnInvalidAct(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), JournalFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	doc := testCID(t, "doc")
	good := act(trust.ActionHide, EntryTarget(doc), 0)
	for name, mod := range map[string]func(*Act){
		"no reason":          func(a *Act) { a.Reason = " " },
		"long reason":        func(a *Act) { a.Reason = strings.Repeat("é", MaxReason+1) },
		"unknown category":   func(a *Act) { a.Category = "rude" },
		"unknown action":     func(a *Act) { a.Action = "delete" },
		"author for hide":    func(a *Act) { a.Target = AuthorTarget(testKey(t)) },
		"bad cid":            func(a *Act) { a.Target = "entry:nope" },
		"revision, no entry": func(a *Act) { a.Target = RevisionTarget(doc) },
		"nobody":             func(a *Act) { a.By = "" },
	} {
		a := good
		mod(&a)
		if err := j.Append(a); err == nil {
			t.Errorf("%s: appended", name)
		}
	}
	if len(j.Acts()) != 0 {
		t.Fatal("an invalid act was kept")
	}
}

func TestLocalActsOverrideFollowedOnesTargetByTarget(t *testing.T) {
	a, b := testCID(t, "a"), testCID(t, "b")
	author := testKey(t)
	followed := []Act{
		act(trust.ActionHide, EntryTarget(a), 10),
		act(trust.ActionHide, EntryTarget(b), 10),
		act(trust.ActionBlockAuthor, AuthorTarget(author), 10),
	}
	for i := range followed {
		followed[i].By, followed[i].Decision = testKey(t).String(), testCID(t, "decision").String()
	}
	// A local unhide older than the followed hide still wins: the
	// node's own word is the last on its targets.
	local := []Act{act(trust.ActionUnhide, EntryTarget(a), 1)}
	s := Effective(local, followed)
	if _, hidden := s.HiddenEntry(a); hidden {
		t.Error("a local unhide did not override a followed hide")
	}
	if got, hidden := s.HiddenEntry(b); !hidden || got.Decision == "" {
		t.Errorf("the followed hide of another entry = %+v, %v", got, hidden)
	}
	if _, blocked := s.BlockedAuthor(author); !blocked {
		t.Error("the followed block of an author was lost")
	}
	// A later followed unhide undoes a followed hide.
	s = Effective(nil, append(followed, act(trust.ActionUnhide, EntryTarget(b), 11)))
	if _, hidden := s.HiddenEntry(b); hidden {
		t.Error("a later followed unhide did not undo the hide")
	}
	// Followed acts given out of order: the latest wins.
	s = Effective(nil, []Act{act(trust.ActionUnhide, EntryTarget(b), 11), act(trust.ActionHide, EntryTarget(b), 10)})
	if _, hidden := s.HiddenEntry(b); hidden {
		t.Error("an older followed hide given last won over a later unhide")
	}
}

func TestLastLocalActWins(t *testing.T) {
	doc := testCID(t, "doc")
	node := testKey(t)
	s := Effective([]Act{
		act(trust.ActionHide, EntryTarget(doc), 0),
		act(trust.ActionBlockNode, NodeTarget(node), 1),
		act(trust.ActionUnhide, EntryTarget(doc), 2),
	}, nil)
	if _, hidden := s.HiddenEntry(doc); hidden {
		t.Error("unhide did not undo hide")
	}
	if _, blocked := s.BlockedNode(node); !blocked {
		t.Error("node not blocked")
	}
	if got := s.InForce(); len(got) != 1 || got[0].Action != trust.ActionBlockNode {
		t.Errorf("in force = %+v", got)
	}
}

func TestModeratorAppliesEachActAndKeepsItAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalFile)
	j, err := OpenJournal(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var applied []*State
	m := New(j, func(s *State) { applied = append(applied, s) }, func() time.Time { return t0 })
	doc := testCID(t, "doc")
	a := act(trust.ActionHide, EntryTarget(doc), 0)
	a.Time = time.Time{}
	got, err := m.Act(a)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(t0) {
		t.Errorf("act stamped %v, want %v", got.Time, t0)
	}
	if len(applied) != 2 {
		t.Fatalf("apply called %d times, want 2 (at New and at the act)", len(applied))
	}
	if _, hidden := applied[1].HiddenEntry(doc); !hidden {
		t.Fatal("the state applied does not hide the entry")
	}
	m.SetFollowed([]Act{act(trust.ActionUnhide, EntryTarget(doc), 30)})
	if _, hidden := m.State().HiddenEntry(doc); !hidden {
		t.Fatal("a followed unhide overrode the local hide")
	}
	j.Close()

	j, err = OpenJournal(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	m = New(j, nil, nil)
	if _, hidden := m.State().HiddenEntry(doc); !hidden {
		t.Fatal("the hide was lost across a restart")
	}
}

func TestParseFollow(t *testing.T) {
	k := testKey(t)
	other := testKey(t)
	for _, tc := range []struct {
		word       string
		keys       []string
		follows    bool
		followsAny bool
		bad        bool
	}{
		{word: "all", follows: true, followsAny: true},
		{word: "", follows: true, followsAny: true},
		{word: "none"},
		{keys: []string{k.String()}, follows: true},
		{keys: []string{}},
		{word: "some", bad: true},
		{keys: []string{"marie"}, bad: true},
	} {
		f, err := ParseFollow(tc.word, tc.keys)
		if (err != nil) != tc.bad {
			t.Errorf("ParseFollow(%q, %v): %v", tc.word, tc.keys, err)
			continue
		}
		if !tc.bad && (f.Follows(k) != tc.follows || f.Follows(other) != tc.followsAny) {
			t.Errorf("ParseFollow(%q, %v) = %+v: follows %v and %v", tc.word, tc.keys, f, f.Follows(k), f.Follows(other))
		}
	}
}
