package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/api"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write every current entry as a Markdown file into a directory",
		ArgsUsage: "DIR [ID...]",
		Description: "Each file has its complete front matter (with its id and every unknown key); attachments go in a directory of the same name beside it.\n" +
			"--publiccode writes instead, for each software entry, DIR/NAME/publiccode.yml in the current version of the standard.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "publiccode", Usage: "write one publiccode.yml per software entry"},
			jsonFlag,
		},
		Action: sessionAction(1, -1, "DIR [ID...]", func(c *cli.Context, s *session) error {
			ids, err := resolveAll(c.Context, s, c.Args().Tail())
			if err != nil {
				return err
			}
			dir := c.Args().First()
			if c.Bool("publiccode") {
				return exportPubliccode(c, s, dir, ids)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return inputError{fmt.Errorf("cannot create the directory %s: %w", dir, pathReason(dir, err))}
			}
			res, err := catalogue.Export(c.Context, s.svc, dir, ids)
			if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrExist) {
				// The directory, not the catalogue: choose another one.
				return inputError{err}
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, res)
			}
			for _, m := range res.Missing {
				fmt.Fprintf(c.App.ErrWriter, "not exported, not fetched yet (mutu fetch ID): %s\n", termText(m))
			}
			fmt.Fprintf(c.App.Writer, "Exported %d entries and %d attachments to %s\n", len(res.Files), res.Attachments, c.Args().First())
			return nil
		}),
	}
}

// resolveAll returns the IDs of entries named on the command line,
// through a running node or from the catalogue.
func resolveAll(ctx context.Context, s *session, refs []string) ([]cid.Cid, error) {
	var ids []cid.Cid
	for _, r := range refs {
		e, err := s.svc.Show(ctx, r, api.ShowOptions{})
		if err != nil {
			return nil, err
		}
		id, err := cid.Decode(e.ID)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// pathReason returns the reason of a file-system error about path
// without the operation and path it repeats, or with the path when it
// is another one (a parent that could not be created).
func pathReason(path string, err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	if filepath.Clean(pe.Path) == filepath.Clean(path) {
		return pe.Err
	}
	return fmt.Errorf("%s: %w", pe.Path, pe.Err)
}
