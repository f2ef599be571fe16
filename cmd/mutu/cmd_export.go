package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
			dir := c.Args().First()
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return inputError{fmt.Errorf("cannot create the directory %s: %w", dir, pathReason(dir, err))}
			}
			res, err := s.cat.Export(c.Context, dir, ids)
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
