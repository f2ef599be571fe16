package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

func bundleCommand() *cli.Command {
	return &cli.Command{
		Name:  "bundle",
		Usage: "carry entries between nodes without a network, or back them up (CAR files)",
		Subcommands: []*cli.Command{
			{
				Name:      "export",
				Usage:     "write entries with their whole history and attachments to a CAR file",
				ArgsUsage: "FILE.car [ID...]",
				Flags:     []cli.Flag{jsonFlag},
				Action: sessionAction(1, -1, "FILE.car [ID...]", func(c *cli.Context, s *session) error {
					path := c.Args().First()
					f, err := os.CreateTemp(filepath.Dir(path), ".bundle-*")
					if err != nil {
						return inputError{fmt.Errorf("create %s: %w", path, err)}
					}
					defer os.Remove(f.Name())
					res, err := s.svc.ExportBundle(c.Context, f, c.Args().Tail())
					if err == nil {
						err = f.Sync()
					}
					if cerr := f.Close(); err == nil {
						err = cerr
					}
					if err != nil {
						return err
					}
					if err := os.Rename(f.Name(), path); err != nil {
						return fmt.Errorf("write %s: %w", path, err)
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, res)
					}
					fmt.Fprintf(c.App.Writer, "Wrote %s: %d entries, %d revisions, %d attachment blocks\n", path, res.Docs, res.Revisions, res.Blocks)
					return nil
				}),
			},
			{
				Name:      "import",
				Usage:     "verify and store every block of a CAR file",
				ArgsUsage: "FILE.car",
				Description: "Every block is verified (CID and signature) first; a bad block, a root missing from the file or a revision\n" +
					"whose parent is neither in the file nor held refuses the whole bundle. Blocks no entry lists are not stored.",
				Flags: []cli.Flag{jsonFlag},
				Action: sessionAction(1, 1, "FILE.car", func(c *cli.Context, s *session) error {
					path := c.Args().First()
					f, err := os.Open(path)
					if err != nil {
						if errors.Is(err, fs.ErrNotExist) {
							return inputError{fmt.Errorf("%s: no such file", path)}
						}
						return inputError{err}
					}
					defer f.Close()
					res, err := s.svc.ImportBundle(c.Context, f, path, progressPrinter(c.App.ErrWriter, "reading the bundle (bytes)"))
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, res)
					}
					fmt.Fprintf(c.App.Writer, "Imported %s: %d revisions (%d new), %d attachment blocks\n", c.Args().First(), res.Revisions, res.Added, res.Blocks)
					if res.Ignored > 0 {
						fmt.Fprintf(c.App.Writer, "Not stored: %d blocks that no entry lists\n", res.Ignored)
					}
					return nil
				}),
			},
		},
	}
}
