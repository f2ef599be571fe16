package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
)

func fetchCommand() *cli.Command {
	return &cli.Command{
		Name:      "fetch",
		Usage:     "fetch the attachments of an entry that this node lacks from the other nodes",
		ArgsUsage: "ID",
		Description: "A node fetches by itself the attachments of entries up to attachment_auto_fetch bytes\n" +
			"(config.yaml, 10 MB by default); larger ones wait for this command or the button of the\n" +
			"entry's web page. It needs the running node (`mutu run`), which asks its connected peers.\n" +
			"What arrives is kept: after a cut, run it again to fetch the rest.\n" +
			"Exit code 4 when blocks are still missing, or when no node runs.",
		Flags: []cli.Flag{jsonFlag},
		Action: sessionAction(1, 1, "ID", func(c *cli.Context, s *session) error {
			ref := c.Args().First()
			res, err := s.svc.Fetch(c.Context, ref)
			if errors.Is(err, api.ErrOffline) {
				return networkError{fmt.Errorf("attachments of %s are missing, and only the other nodes have them: no node runs on %s. "+
					"Start it with `mutu --home %s run`, then run `mutu fetch %s` again", ref, s.home.dir, s.home.dir, ref)}
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				err = printJSON(c.App.Writer, res)
			} else {
				err = printFetch(c.App.Writer, res)
			}
			if err != nil {
				return err
			}
			if res.Missing > 0 {
				return networkError{fmt.Errorf("%d attachment blocks of %s still missing: %s", res.Missing, shortID(res.ID), res.Problem)}
			}
			return nil
		}),
	}
}

// printFetch says what a fetch did: blocks and bytes received, from
// how many peers, and where each attachment stands.
func printFetch(w io.Writer, r *api.FetchResult) error {
	id := shortID(r.ID)
	switch {
	case len(r.Attachments) == 0:
		_, err := fmt.Fprintf(w, "Entry %s has no attachments.\n", id)
		return err
	case r.Wanted == 0:
		_, err := fmt.Fprintf(w, "Every attachment of %s is on this node already; nothing to fetch.\n", id)
		return err
	}
	fmt.Fprintf(w, "Fetched %d of %d missing blocks (%s) from %d of %d connected peers.\n",
		r.Fetched, r.Wanted, bytesText(r.Bytes), r.From, r.Peers)
	for _, a := range r.Attachments {
		state := "on this node"
		if !a.Held {
			state = "still missing"
		}
		fmt.Fprintf(w, "  %s (%s): %s\n", term(a.Name), bytesText(a.Size), state)
	}
	if r.Missing == 0 {
		_, err := fmt.Fprintf(w, "Every attachment of %s is now on this node.\n", id)
		return err
	}
	return nil
}
