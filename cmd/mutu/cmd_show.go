package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:        "show",
		Usage:       "print an entry",
		ArgsUsage:   "ID",
		Description: "By default the entry as a Markdown file with its front matter; --html renders it; --json adds its metadata.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "html", Usage: "print the body rendered as sanitized HTML"},
			jsonFlag,
		},
		Action: sessionAction(1, 1, "ID", func(c *cli.Context, s *session) error {
			e, err := s.svc.Show(c.Context, c.Args().First(), api.ShowOptions{Markdown: !c.Bool("html"), HTML: c.Bool("html") || c.Bool("json")})
			if err != nil {
				return err
			}
			return printEntry(c.App.Writer, e, c.Bool("html"), c.Bool("json"))
		}),
	}
}

func printEntry(w io.Writer, e *api.Entry, html, asJSON bool) error {
	switch {
	case asJSON:
		return printJSON(w, e)
	case e.Retracted:
		fmt.Fprintf(w, "Entry %s was retracted by its author (revision %s).\n", e.ID, e.Head)
		return nil
	case html:
		_, err := io.WriteString(w, termText(e.HTML))
		return err
	}
	if e.Conflict {
		fmt.Fprintf(w, "# conflict: %d concurrent revisions; showing %s. Edit the entry to merge them.\n", len(e.Heads), e.Head)
	}
	_, err := io.WriteString(w, termText(e.Markdown))
	return err
}
