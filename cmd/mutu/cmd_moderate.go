package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol/trust"
)

// openModeration opens the home's moderation journal and gives cat the
// state it makes with the network's decisions the node follows, now
// and at every act.
func openModeration(h *home, cat *catalogue.Catalogue, log *slog.Logger) (*moderation.Moderator, *moderation.Journal, error) {
	follow, err := h.config.follow()
	if err != nil {
		return nil, nil, inputError{err}
	}
	j, err := moderation.OpenJournal(filepath.Join(h.dir, moderation.JournalFile), log)
	if err != nil {
		return nil, nil, homeError{err}
	}
	m := moderation.New(j, cat.SetModeration, nil)
	m.SetFollowed(cat.FollowedActs(follow))
	return m, j, nil
}

// erasureRecheck is how often a running node looks again for the
// revisions an author's erasure names that arrived after it.
const erasureRecheck = 30 * time.Second

// followDecisions keeps a running node's moderation in step with the
// network's decisions until ctx ends: at each change of the decisions
// held (or of the roster, which says whose count), it hands the
// decisions in force it follows to mod and carries out the erasures
// that apply (docs/protocol.md §4.12, §4.14).
func followDecisions(ctx context.Context, cat *catalogue.Catalogue, mod *moderation.Moderator, follow moderation.Follow, log *slog.Logger) {
	recheck := time.NewTicker(erasureRecheck)
	defer recheck.Stop()
	followed := mod.Followed()
	for {
		changed := cat.ModerationChanged()
		// A report changes nothing that is followed: only a change of
		// the acts in force makes the catalogue look again at every
		// entry.
		if acts := cat.FollowedActs(follow); !slices.Equal(acts, followed) {
			mod.SetFollowed(acts)
			followed = acts
		}
		n, err := cat.ApplyErasures(ctx, follow)
		if err != nil && ctx.Err() == nil {
			log.Warn("erasure by a moderation decision not carried out; retried at the next change", "err", err)
		}
		if n > 0 {
			log.Info("erased revisions by moderation decisions", "revisions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-recheck.C:
		}
	}
}

// moderateCommand is `mutu moderate`: the node's own moderation.
func moderateCommand() *cli.Command {
	acts := []struct {
		action    trust.Action
		arg, what string
		revision  bool
	}{
		{trust.ActionHide, "ID", "hide an entry (or one revision of it, --revision) from this node's lists, search, feeds and API", true},
		{trust.ActionUnhide, "ID", "show again an entry (or revision) hidden", true},
		{trust.ActionBlockAuthor, "KEY", "hide an author's entries and refuse their new revisions on every path", false},
		{trust.ActionUnblockAuthor, "KEY", "lift the block of an author", false},
		{trust.ActionBlockNode, "NODE", "hide the entries of the authors a node certifies", false},
		{trust.ActionUnblockNode, "NODE", "lift the block of a node", false},
		{trust.ActionErase, "ID", "erase the content of an entry (or of one revision, --revision) from every node: your own, for personal data; any, as a coordinator with --network", true},
	}
	var subs []*cli.Command
	for _, a := range acts {
		flags := []cli.Flag{
			&cli.StringFlag{Name: "category", Usage: "why, one of: " + moderation.CategoryList() + " (required)"},
			&cli.StringFlag{Name: "reason", Usage: "why, in a few words, kept in the journal (required, at most 500 characters)"},
			&cli.BoolFlag{Name: "network", Usage: "also publish the act as a decision of the network's coordinators (a coordinator's node only)"},
			jsonFlag,
		}
		usage := a.arg + " --category C --reason R [--network]"
		if a.revision {
			flags = append(flags, &cli.StringFlag{Name: "revision", Usage: "only this `REV`ision of the entry (its CID or a unique prefix)"})
			usage = a.arg + " [--revision REV] --category C --reason R [--network]"
		}
		action := a.action
		subs = append(subs, &cli.Command{
			Name:      string(a.action),
			Usage:     a.what,
			ArgsUsage: a.arg,
			Flags:     flags,
			Action: sessionAction(1, 1, usage, func(c *cli.Context, s *session) error {
				return runModerate(c, s.svc.(api.Moderation), api.ModerateRequest{
					Action: action, Target: c.Args().First(), Revision: c.String("revision"),
					Category: trust.Category(c.String("category")), Reason: c.String("reason"), Network: c.Bool("network"),
				})
			}),
		})
	}
	subs = append(subs, &cli.Command{
		Name:      "journal",
		Usage:     "list this node's moderation acts, oldest first",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag},
		Action: sessionAction(0, 0, "[--json]", func(c *cli.Context, s *session) error {
			acts, err := s.svc.(api.Moderation).ModerationJournal(c.Context)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, acts)
			}
			printJournal(c.App.Writer, acts)
			return nil
		}),
	})
	return &cli.Command{
		Name:  "moderate",
		Usage: "hide entries, block authors or nodes on this node, and read its moderation journal",
		Description: "Every act needs --category and --reason, is reversible (unhide, unblock-author, unblock-node),\n" +
			"takes effect at once and is appended to moderation.jsonl in the home (docs/operator.md, \"Moderation\").\n" +
			"ID is an entry's ID, short ID or a unique prefix; KEY an author key and NODE a node key (ed25519:…).",
		Subcommands: subs,
	}
}

// runModerate asks for one act and says what it did.
func runModerate(c *cli.Context, m api.Moderation, req api.ModerateRequest) error {
	if req.Category == "" || strings.TrimSpace(req.Reason) == "" {
		return usageError{fmt.Errorf("usage: mutu moderate %s TARGET --category C --reason R: both are required (categories: %s)", req.Action, moderation.CategoryList())}
	}
	a, err := m.Moderate(c.Context, req)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, a)
	}
	done := map[trust.Action]string{
		trust.ActionHide: "Hidden", trust.ActionUnhide: "Shown again", trust.ActionBlockAuthor: "Blocked",
		trust.ActionUnblockAuthor: "Unblocked", trust.ActionBlockNode: "Blocked", trust.ActionUnblockNode: "Unblocked",
		trust.ActionErase: "Erased",
	}[a.Action]
	fmt.Fprintf(c.App.Writer, "%s: %s (%s: %s).\n", done, targetText(*a), a.Category, term(a.Reason))
	if a.Decision != "" {
		fmt.Fprintf(c.App.Writer, "Published to the network as decision %s.\n", a.Decision)
	}
	return nil
}

// targetText is an act's target for people.
func targetText(a moderation.Act) string {
	kind, value := moderation.SplitTarget(a.Target)
	switch kind {
	case moderation.TargetEntry:
		return "entry " + shortID(value)
	case moderation.TargetRevision:
		return "revision " + value + " of entry " + shortID(a.Entry)
	case moderation.TargetAuthor:
		return "author " + value
	case moderation.TargetNode:
		return "node " + value
	}
	return a.Target
}

// printJournal writes the journal, one act a line.
func printJournal(w io.Writer, acts []moderation.Act) {
	if len(acts) == 0 {
		fmt.Fprintln(w, "No moderation act yet.")
		return
	}
	for _, a := range acts {
		fmt.Fprintf(w, "%s  %s  %s  %s  %s: %s", a.Time.UTC().Format("2006-01-02 15:04"), term(a.By), a.Action, targetText(a), a.Category, term(a.Reason))
		if a.Decision != "" {
			fmt.Fprintf(w, "  (decision %s)", a.Decision)
		}
		fmt.Fprintln(w)
	}
}
