package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
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
				Flags:       []cli.Flag{jsonFlag},
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
					if c.Bool("json") {
						return printJSON(c.App.Writer, map[string]string{"author": protocol.PublicKey(h.author).String(), "file": path})
					}
					fmt.Fprintf(c.App.Writer, "Author key %s written to %s\n", protocol.PublicKey(h.author), path)
					return nil
				},
			},
			{
				Name:      "import",
				Usage:     "make a key file the home's author key",
				ArgsUsage: "FILE",
				Description: "The previous author key is saved beside it as author.key.old-DATE-TIME; no saved key is ever overwritten.\n" +
					"Stop `mutu run` first: a running node keeps signing with the key it started with.",
				Flags: []cli.Flag{jsonFlag},
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "FILE"); err != nil {
						return err
					}
					return runKeyImport(c.Context, c.String("home"), c.Args().First(), c.Bool("json"), c.App.Writer)
				},
			},
		},
	}
}

// runKeyImport makes the author key in file the author key of the home
// in dir. The previous key is saved first under a name of its own, so
// that a second import does not lose the first one; a node running on
// the home would go on signing with the key it loaded, so the import
// is refused while one runs.
func runKeyImport(ctx context.Context, dir, file string, asJSON bool, out io.Writer) error {
	h, err := openHome(dir)
	if err != nil {
		return err
	}
	data, err := readInput(file, 64<<10, "it is not a key file written by `mutu key export`")
	if err != nil {
		return err
	}
	k, err := protocol.UnmarshalAuthorKey(data)
	if err != nil {
		return inputError{sentence{fmt.Sprintf("%s: %s", file, protocol.Sentence(err)), err}}
	}
	if k.Equal(h.author) {
		if asJSON {
			return printJSON(out, keyImported{Author: protocol.PublicKey(k).String(), Unchanged: true})
		}
		fmt.Fprintf(out, "%s is already this home's author key\n", protocol.PublicKey(k))
		return nil
	}
	if client := daemonClient(ctx, h); client != nil {
		return homeError{fmt.Errorf("a mutu node is running on %s and signs with the author key it started with; stop `mutu run`, import the key, then start it again", h.dir)}
	}
	saved, err := saveOldAuthorKey(h.dir, h.author, time.Now())
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(h.dir, authorFile), protocol.MarshalAuthorKey(k), 0o600); err != nil {
		return err
	}
	if asJSON {
		return printJSON(out, keyImported{Author: protocol.PublicKey(k).String(), Previous: protocol.PublicKey(h.author).String(), Saved: saved})
	}
	fmt.Fprintf(out, "Author key is now %s (the previous one, %s, is saved in %s)\n", protocol.PublicKey(k), protocol.PublicKey(h.author), saved)
	return nil
}

// keyImported is what `mutu key import --json` prints.
type keyImported struct {
	Author    string `json:"author"`             // the home's author key now
	Previous  string `json:"previous,omitempty"` // the key it replaced
	Saved     string `json:"saved,omitempty"`    // where the previous key is kept
	Unchanged bool   `json:"unchanged,omitempty"`
}

// oldAuthorPrefix starts the name of every saved author key of a home.
const oldAuthorPrefix = authorFile + ".old"

// saveOldAuthorKey saves key in dir under a name no file has yet,
// author.key.old-20060102-150405 (with -2, -3… when that is taken),
// and returns its path. A key saved already, under any such name, is
// not saved again. No existing file is ever replaced: the saved key
// may be the only copy of an identity.
func saveOldAuthorKey(dir string, key ed25519.PrivateKey, now time.Time) (string, error) {
	olds, err := filepath.Glob(filepath.Join(dir, oldAuthorPrefix+"*"))
	if err != nil {
		return "", fmt.Errorf("list saved author keys: %w", err)
	}
	for _, p := range olds {
		if k, err := readAuthorKey(p); err == nil && k.Equal(key) {
			return p, nil
		}
	}
	data := protocol.MarshalAuthorKey(key)
	base := filepath.Join(dir, oldAuthorPrefix+"-"+now.Format("20060102-150405"))
	for i := 1; i < 100; i++ {
		path := base
		if i > 1 {
			path = fmt.Sprintf("%s-%d", base, i)
		}
		err := writeFileExclusive(path, data, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("save the previous author key: %w", err)
		}
		return path, nil
	}
	return "", fmt.Errorf("save the previous author key: %s-2 to -99 exist already; move some of them away", base)
}
