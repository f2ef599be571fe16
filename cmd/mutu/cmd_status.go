package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show the node: peer ID, addresses, network, peers, revisions held, sync state",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag},
		Action: sessionAction(0, 0, "", func(c *cli.Context, s *session) error {
			st, err := s.svc.Status(c.Context)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, st)
			}
			w := c.App.Writer
			if !st.Running {
				fmt.Fprintf(w, "Node: not running (start it with `mutu --home %s run`)\n", s.home.dir)
			} else {
				fmt.Fprintf(w, "Node: running\nPeer ID: %s\nNetwork: %s\nPeers connected: %d\n", st.PeerID, st.Network, st.PeersConnected)
				for _, a := range st.Addrs {
					fmt.Fprintf(w, "Address: %s\n", a)
				}
			}
			fmt.Fprintf(w, "Author: %s\nEntries: %d\nRevisions: %d\n", st.Author, st.Entries, st.Revisions)
			if len(st.Sync) > 0 {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "PEER\tLAST SYNC\tRESULT")
				for _, p := range st.Sync {
					last := "never"
					if !p.LastSync.IsZero() {
						last = p.LastSync.Local().Format("2006-01-02 15:04:05")
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Peer, last, p.Result)
				}
				return tw.Flush()
			}
			return nil
		}),
	}
}

func peersCommand() *cli.Command {
	return &cli.Command{
		Name:      "peers",
		Usage:     "list the connected peers",
		ArgsUsage: " ",
		Flags:     []cli.Flag{jsonFlag},
		Action: sessionAction(0, 0, "", func(c *cli.Context, s *session) error {
			peers, err := s.svc.Peers(c.Context)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, peers)
			}
			if s.local != nil {
				fmt.Fprintln(c.App.Writer, "The node is not running: no peers.")
				return nil
			}
			if len(peers) == 0 {
				fmt.Fprintln(c.App.Writer, "No peer connected.")
				return nil
			}
			for _, p := range peers {
				fmt.Fprintf(c.App.Writer, "%s\n", p.ID)
				for _, a := range p.Addrs {
					fmt.Fprintf(c.App.Writer, "  %s\n", a)
				}
			}
			return nil
		}),
	}
}
