package main

import (
	"github.com/urfave/cli/v2"
)

func retractCommand() *cli.Command {
	return &cli.Command{
		Name:        "retract",
		Usage:       "withdraw an entry for good, on every node",
		ArgsUsage:   "ID",
		Description: "A retraction is a signed tombstone: it is kept forever and no peer can bring the entry back.",
		Flags:       []cli.Flag{jsonFlag},
		Action: sessionAction(1, 1, "ID", func(c *cli.Context, s *session) error {
			p, err := s.svc.Retract(c.Context, c.Args().First())
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, p)
			}
			return printPublished(c.App.Writer, "Retracted", *p)
		}),
	}
}
