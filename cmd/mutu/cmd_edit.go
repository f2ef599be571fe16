package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
)

func editCommand() *cli.Command {
	return &cli.Command{
		Name:      "edit",
		Usage:     "publish a new revision of an entry from a Markdown file",
		ArgsUsage: "ID FILE",
		Description: "The new revision replaces every current head, so it also resolves a conflict.\n" +
			"An edit that changes nothing (same front matter, text and attachments) stores no revision and says so.\n" +
			"Warnings (a tag in capitals, a key that looks misspelt) are printed on stderr; the edit is stored all the same.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "attach", Usage: "add or replace attachment `FILE` (repeatable)"},
			&cli.StringSliceFlag{Name: "drop", Usage: "remove the attachment named `NAME` (repeatable)"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, 2, "ID FILE"); err != nil {
				return err
			}
			data, err := readInput(c.Args().Get(1), protocol.MaxEntryFileSize, entryFileOver)
			if err != nil {
				return err
			}
			atts, closeAtts, err := attachments(c.StringSlice("attach"))
			if err != nil {
				return err
			}
			defer closeAtts()
			s, err := openSession(c)
			if err != nil {
				return err
			}
			defer s.Close()
			p, err := s.svc.Edit(c.Context, api.EditRequest{
				ID: c.Args().Get(0), File: api.Upload{Name: c.Args().Get(1), Data: data},
				Attachments: atts, Drop: c.StringSlice("drop"),
			})
			if err != nil {
				return err
			}
			printWarnings(c.App.ErrWriter, publishedWarnings(*p))
			if c.Bool("json") {
				return printJSON(c.App.Writer, p)
			}
			if p.Unchanged {
				fmt.Fprintf(c.App.Writer, "Nothing changed: %s is the same as entry %s; no revision stored\n", term(p.File), p.ID)
				return nil
			}
			return printPublished(c.App.Writer, "Edited", *p)
		},
	}
}
