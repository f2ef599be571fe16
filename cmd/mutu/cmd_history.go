package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "list an entry's revisions, newest first",
		ArgsUsage: "ID",
		Flags:     []cli.Flag{jsonFlag},
		Action: sessionAction(1, 1, "ID", func(c *cli.Context, s *session) error {
			revs, err := s.svc.History(c.Context, c.Args().First())
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, revs)
			}
			tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DATE\tOP\tAUTHOR\tREVISION\tPARENTS\tTITLE")
			for _, r := range revs {
				op := r.Op
				if r.Head {
					op += "*"
				}
				parents := make([]string, len(r.Parents))
				for i, p := range r.Parents {
					parents[i] = shortID(p)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Local().Format("2006-01-02 15:04:05"), op,
					term(shortKey(r.Author)), r.CID, strings.Join(parents, ","), term(r.Title))
			}
			fmt.Fprintln(tw, "(* current head)")
			return tw.Flush()
		}),
	}
}
