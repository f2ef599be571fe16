package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func reindexCommand() *cli.Command {
	return &cli.Command{
		Name:      "reindex",
		Usage:     "rebuild the search index from the store",
		ArgsUsage: " ",
		Description: "The index is derived data; mutu rebuilds it by itself when it is missing or damaged.\n" +
			"While `mutu run` runs, the node rebuilds it, and searches find what was indexed before until it is done.",
		Flags: []cli.Flag{jsonFlag},
		Action: sessionAction(0, 0, "", func(c *cli.Context, s *session) error {
			res, err := s.svc.Reindex(c.Context, progressPrinter(c.App.ErrWriter, "reindexing"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, res)
			}
			fmt.Fprintf(c.App.Writer, "Search index rebuilt (%d entries).\n", res.Entries)
			return nil
		}),
	}
}
