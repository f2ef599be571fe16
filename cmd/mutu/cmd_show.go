package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print an entry",
		ArgsUsage: "ID",
		Description: "By default the entry as a Markdown file with its front matter, which `mutu edit ID FILE` takes back;\n" +
			"--html renders it; --json adds its metadata. --revision shows any revision of its history\n" +
			"(`mutu history ID` lists them), such as the other side of a conflict.\n" +
			"A conflict is said on stderr, so that stdout stays the entry's file.\n" +
			"--publiccode prints a software entry as a publiccode.yml file; what the standard would miss in it goes to stderr.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "html", Usage: "print the body rendered as sanitized HTML"},
			&cli.BoolFlag{Name: "publiccode", Usage: "print a software entry as a publiccode.yml file"},
			&cli.StringFlag{Name: "revision", Usage: "show revision `CID` (or a unique prefix of it) instead of the current one"},
			jsonFlag,
		},
		Action: sessionAction(1, 1, "ID", func(c *cli.Context, s *session) error {
			if c.Bool("publiccode") {
				return showPubliccode(c.Context, c.App.Writer, c.App.ErrWriter, s, c.Args().First())
			}
			e, err := s.svc.Show(c.Context, c.Args().First(), api.ShowOptions{
				Markdown: !c.Bool("html"), HTML: c.Bool("html") || c.Bool("json"), Revision: c.String("revision"),
			})
			if err != nil && c.Bool("json") {
				// What remains to say of a retracted entry is data too.
				if gone := api.ErrorOf(err); gone.Kind == api.KindRetracted && gone.Entry != nil {
					return printJSON(c.App.Writer, gone.Entry)
				}
			}
			if err != nil {
				return err
			}
			return printEntry(c.App.Writer, c.App.ErrWriter, e, c.Bool("html"), c.Bool("json"))
		}),
	}
}

// printEntry writes e to w: as JSON, as HTML, or as the Markdown file
// `mutu edit` takes back. A conflict, the act that hides the entry, or
// the erasure of its content, is said on stderr, so that w stays a
// valid entry file.
func printEntry(w, stderr io.Writer, e *api.Entry, html, asJSON bool) error {
	switch {
	case asJSON:
		return printJSON(w, e)
	case html:
		_, err := io.WriteString(w, termText(e.HTML))
		return err
	}
	if e.Conflict && e.Revision == e.Head {
		fmt.Fprintf(stderr, "conflict: entry %s has %d concurrent revisions; this is %s. "+
			"`mutu diff %s` shows how they differ, `mutu show %s --revision CID` the others; "+
			"edit the entry (`mutu edit %s FILE`) to merge them.\n",
			shortID(e.ID), len(e.Heads), e.Head, shortID(e.ID), shortID(e.ID), shortID(e.ID))
	}
	if a := e.Hidden; a != nil {
		fmt.Fprintf(stderr, "hidden: entry %s is hidden from this node's readers by %s on %s (%s: %s); `mutu moderate unhide %s` shows it again.\n",
			shortID(e.ID), term(a.By), a.Time.UTC().Format("2006-01-02"), a.Category, term(a.Reason), shortID(e.ID))
	}
	if x := e.Erased; x != nil && e.Revision == "" {
		fmt.Fprintf(stderr, "erased: the content of entry %s was erased on %s by decision %s (%s); `mutu history %s` lists its revisions.\n",
			shortID(e.ID), x.Time.UTC().Format("2006-01-02"), x.Decision, x.Category, shortID(e.ID))
	}
	_, err := io.WriteString(w, termText(e.Markdown))
	return err
}
