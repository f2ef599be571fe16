package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func reindexCommand() *cli.Command {
	return &cli.Command{
		Name:        "reindex",
		Usage:       "rebuild the search index from the store",
		ArgsUsage:   " ",
		Description: "The index is derived data; mutu rebuilds it by itself when it is missing or damaged. Stop `mutu run` first.",
		Flags:       []cli.Flag{jsonFlag},
		Action: localSessionAction(0, 0, "", func(c *cli.Context, s *session) error {
			if err := s.cat.Reindex(c.Context, progressPrinter(c.App.ErrWriter, "reindexing")); err != nil {
				return err
			}
			n, err := s.cat.Counts()
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, map[string]int{"entries": n.Entries})
			}
			fmt.Fprintf(c.App.Writer, "Search index rebuilt (%d entries).\n", n.Entries)
			return nil
		}),
	}
}
