package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list current entries, most recently updated first",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kind", Usage: "only entries of kind `K`: note, tool or software"},
			jsonFlag,
		},
		Action: sessionAction(0, 0, "[--kind K]", func(c *cli.Context, s *session) error {
			list, err := s.svc.List(c.Context, c.String("kind"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, list)
			}
			if len(list) == 0 {
				return printNoEntries(c, s)
			}
			tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tUPDATED\tTITLE")
			for _, e := range list {
				title := term(e.Title)
				if e.Conflict {
					title += "  [conflict]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", shortID(e.ID), term(e.Kind), e.Updated.Local().Format("2006-01-02"), title)
			}
			return tw.Flush()
		}),
	}
}

// printNoEntries says that a listing is empty: that the catalogue has
// no entry of the kind asked for, or, when it has none at all, how to
// publish one.
func printNoEntries(c *cli.Context, s *session) error {
	if kind := c.String("kind"); kind != "" {
		st, err := s.svc.Status(c.Context)
		if err != nil {
			return err
		}
		if st.Entries > 0 {
			fmt.Fprintf(c.App.Writer, "No %s entries.\n", kind)
			return nil
		}
	}
	fmt.Fprintln(c.App.Writer, "No entries yet: publish one with `mutu publish FILE.md`.")
	return nil
}
