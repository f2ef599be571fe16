package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "show how two revisions of an entry differ",
		ArgsUsage: "ID [FROM TO]",
		Description: "A unified diff of the two revisions' Markdown files, as `mutu show` writes them. Without FROM\n" +
			"and TO, the two heads of the entry's conflict, the shown one first; with them, any two\n" +
			"revisions of its history (`mutu history ID` lists them), by CID or a unique prefix.",
		Flags: []cli.Flag{jsonFlag},
		Action: sessionAction(1, 3, "ID [FROM TO]", func(c *cli.Context, s *session) error {
			if c.NArg() == 2 {
				return usageError{fmt.Errorf("usage: mutu diff ID [FROM TO]: name two revisions, or none")}
			}
			args := c.Args()
			d, err := s.svc.Diff(c.Context, args.Get(0), args.Get(1), args.Get(2))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, d)
			}
			if d.Unified == "" {
				fmt.Fprintf(c.App.ErrWriter, "Revisions %s and %s of %s have the same content.\n", d.From, d.To, shortID(d.ID))
				return nil
			}
			_, err = io.WriteString(c.App.Writer, d.Unified)
			return err
		}),
	}
}
