package main

import (
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:        "export",
		Usage:       "write every current entry as a Markdown file into a directory",
		ArgsUsage:   "DIR [ID...]",
		Description: "Each file has its complete front matter (with its id and every unknown key); attachments go in a directory of the same name beside it.",
		Flags:       []cli.Flag{jsonFlag},
		Action: localSessionAction(1, -1, "DIR [ID...]", func(c *cli.Context, s *session) error {
			ids, err := resolveAll(s, c.Args().Tail())
			if err != nil {
				return err
			}
			res, err := s.cat.Export(c.Context, c.Args().First(), ids)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, res)
			}
			fmt.Fprintf(c.App.Writer, "Exported %d entries and %d attachments to %s\n", len(res.Files), res.Attachments, c.Args().First())
			return nil
		}),
	}
}

func resolveAll(s *session, refs []string) ([]cid.Cid, error) {
	var ids []cid.Cid
	for _, r := range refs {
		id, err := s.cat.Resolve(r)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}
