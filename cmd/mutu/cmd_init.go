package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/protocol"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create a home: node key, author key, config",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0, ""); err != nil {
				return err
			}
			return runInit(c.String("home"), c.Bool("json"), c.App.Writer)
		},
	}
}

// runInit creates the home in dir. A home already there is kept as it
// is and said so, with success: `mutu run` creates one by itself, and
// someone following a guide that says `mutu init` after it must not
// stop there.
func runInit(dir string, asJSON bool, out io.Writer) error {
	created := true
	h, err := initHome(dir)
	if errors.Is(err, errHomeExists) {
		created = false
		h, err = openHome(dir)
	}
	if err != nil {
		return err
	}
	author := protocol.PublicKey(h.author).String()
	if asJSON {
		return printJSON(out, struct {
			Home    string `json:"home"`
			Author  string `json:"author"`
			Created bool   `json:"created"`
		}{h.dir, author, created})
	}
	if created {
		fmt.Fprintf(out, "Created a mutu home in %s\n", h.dir)
	} else {
		fmt.Fprintf(out, "%s already holds a mutu home: nothing was changed\n", h.dir)
	}
	fmt.Fprintf(out, "Author key: %s\nStart the node with: mutu --home %s run\n", author, h.dir)
	return nil
}
