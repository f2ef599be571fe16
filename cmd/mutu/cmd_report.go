package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol/trust"
)

// reportCommand is `mutu report`: the operator reports an entry to the
// network's moderators.
func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "report an entry to the moderators of this node and of its author's node",
		ArgsUsage: "ID",
		Description: "The report is signed by this node, a member of a closed network, and travels like the roster;\n" +
			"it hides nothing by itself. At most 10 reports an hour through a running node.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "category", Usage: "one of: donnees-personnelles, erronee-obsolete, illicite, hors-sujet, spam, autre (required)"},
			&cli.StringFlag{Name: "comment", Usage: "what is wrong with the entry (required, at most 1,000 characters)"},
			&cli.BoolFlag{Name: "show-name", Usage: "put your name in the report (otherwise no name travels)"},
			jsonFlag,
		},
		Action: sessionAction(1, 1, "ID --category C --comment TEXT [--show-name]", func(c *cli.Context, s *session) error {
			if c.String("category") == "" || c.String("comment") == "" {
				return usageError{fmt.Errorf("usage: mutu report ID --category C --comment TEXT: both are required")}
			}
			v, err := s.svc.(api.Reporting).Report(c.Context, api.ReportRequest{Entry: c.Args().First(),
				Category: trust.Category(c.String("category")), Comment: c.String("comment"), ShowName: c.Bool("show-name")})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, v)
			}
			fmt.Fprintf(c.App.Writer, "Reported entry %s (%s) as report %s.\n", shortID(v.Entry), v.Category, v.CID)
			return nil
		}),
	}
}

// reportsCommand is `mutu reports`: the reports for this node's
// moderators.
func reportsCommand() *cli.Command {
	return &cli.Command{
		Name:        "reports",
		Usage:       "list the reports for this node's moderators: made here, or on entries of authors it certifies",
		ArgsUsage:   " ",
		Flags:       []cli.Flag{jsonFlag},
		Description: "Oldest first. A reporter's name shows only if they agreed to it.",
		Action: sessionAction(0, 0, "[--json]", func(c *cli.Context, s *session) error {
			list, err := s.svc.(api.Reporting).Reports(c.Context)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, list)
			}
			printReports(c.App.Writer, list)
			return nil
		}),
	}
}

func printReports(w io.Writer, list []api.ReportView) {
	if len(list) == 0 {
		fmt.Fprintln(w, "No report.")
		return
	}
	for _, r := range list {
		who := "anonymous"
		if r.Reporter != "" {
			who = term(r.Reporter)
		}
		where := "from node " + shortKey(r.Node)
		if r.Here {
			where = "made here"
		}
		title := shortID(r.Entry)
		if r.Title != "" {
			title += " " + term(r.Title)
		}
		if r.Revoke != "" {
			title = "revoke node " + r.Revoke
		}
		fmt.Fprintf(w, "%s  %s  %s  %s (%s): %s\n", r.Time.Format("2006-01-02 15:04"), title, r.Category, who, where, term(r.Comment))
	}
}
