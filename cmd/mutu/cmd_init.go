package main

import (
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

func runInit(dir string, asJSON bool, out io.Writer) error {
	h, err := initHome(dir)
	if err != nil {
		return err
	}
	author := protocol.PublicKey(h.author).String()
	if asJSON {
		return printJSON(out, map[string]string{"home": h.dir, "author": author})
	}
	fmt.Fprintf(out, "Created a mutu home in %s\nAuthor key: %s\nStart the node with: mutu --home %s run\n", h.dir, author, h.dir)
	return nil
}
