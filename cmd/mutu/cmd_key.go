package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/protocol"
)

func keyCommand() *cli.Command {
	return &cli.Command{
		Name:  "key",
		Usage: "move your author identity between homes (a new post, a new machine)",
		Subcommands: []*cli.Command{
			{
				Name:        "export",
				Usage:       "write the home's author key to a file (keep it secret)",
				ArgsUsage:   "FILE",
				Description: "The file lets anyone sign as you: keep it on a USB key in a safe place, and delete copies.",
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "FILE"); err != nil {
						return err
					}
					h, err := openHome(c.String("home"))
					if err != nil {
						return err
					}
					path := c.Args().First()
					f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
					if errors.Is(err, os.ErrExist) {
						return inputError{fmt.Errorf("%s exists already; choose another file name", path)}
					}
					if err != nil {
						return inputError{err}
					}
					_, err = f.Write(protocol.MarshalAuthorKey(h.author))
					if cerr := f.Close(); err == nil {
						err = cerr
					}
					if err != nil {
						return fmt.Errorf("write %s: %w", path, err)
					}
					fmt.Fprintf(c.App.Writer, "Author key %s written to %s\n", protocol.PublicKey(h.author), path)
					return nil
				},
			},
			{
				Name:        "import",
				Usage:       "make a key file the home's author key",
				ArgsUsage:   "FILE",
				Description: "The previous author key is kept beside it as author.key.old. Stop `mutu run` first.",
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "FILE"); err != nil {
						return err
					}
					h, err := openHome(c.String("home"))
					if err != nil {
						return err
					}
					data, err := readInput(c.Args().First(), 64<<10)
					if err != nil {
						return err
					}
					k, err := protocol.UnmarshalAuthorKey(data)
					if err != nil {
						return inputError{fmt.Errorf("%s: %w", c.Args().First(), err)}
					}
					cur := filepath.Join(h.dir, authorFile)
					if k.Equal(h.author) {
						fmt.Fprintf(c.App.Writer, "%s is already this home's author key\n", protocol.PublicKey(k))
						return nil
					}
					if err := writeFileAtomic(cur+".old", protocol.MarshalAuthorKey(h.author), 0o600); err != nil {
						return err
					}
					if err := writeFileAtomic(cur, protocol.MarshalAuthorKey(k), 0o600); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "Author key is now %s (the previous one is in %s.old)\n", protocol.PublicKey(k), cur)
					return nil
				},
			},
		},
	}
}
