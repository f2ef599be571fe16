package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
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
			if st.Join == "" && !st.Running {
				if p, _ := readPendingJoin(s.home.dir); p != nil {
					st.Join = "pending"
				}
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, st)
			}
			w := c.App.Writer
			if st.Join != "" {
				fmt.Fprintf(w, "Join: %s (the join request waits for a coordinator; mutu run asks again every 30 s)\n", term(st.Join))
			} else if !st.Running {
				fmt.Fprintf(w, "Node: not running (start it with `mutu --home %s run`)\n", s.home.dir)
			} else {
				fmt.Fprintf(w, "Node: running\nPeer ID: %s\nNetwork: %s\nPeers connected: %d\n", term(st.PeerID), term(st.Network), st.PeersConnected)
				for _, a := range st.Addrs {
					fmt.Fprintf(w, "Address: %s\n", term(a))
				}
			}
			fmt.Fprintf(w, "Author: %s\nEntries: %d\nRevisions: %d\n", st.Author, st.Entries, st.Revisions)
			if st.IndexBacklog == 0 {
				fmt.Fprintln(w, "Search: up to date")
			} else {
				fmt.Fprintf(w, "Search: %d changes still to index\n", st.IndexBacklog)
			}
			if line := diskLine(st); line != "" {
				fmt.Fprintln(w, line)
			}
			if len(st.Sync) > 0 {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "PEER\tSTATE\tLAST SYNC\tRECEIVED\tRESULT")
				for _, p := range st.Sync {
					last, result := "never", p.Result
					if !p.LastSync.IsZero() {
						last = p.LastSync.Local().Format("2006-01-02 15:04:05")
					} else {
						result = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", term(p.Peer), syncState(p), last, p.ReceivedTotal, term(result))
				}
				return tw.Flush()
			}
			return nil
		}),
	}
}

// syncState says in a word where the node stands with a peer.
func syncState(p api.PeerSync) string {
	switch {
	case p.Running:
		return "syncing"
	case p.Connected:
		return "connected"
	}
	return "disconnected"
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
				fmt.Fprintf(c.App.Writer, "%s\n", term(p.ID))
				for _, a := range p.Addrs {
					fmt.Fprintf(c.App.Writer, "  %s\n", term(a))
				}
			}
			return nil
		}),
	}
}

// diskLine says how much room the home's disk has left, and warns when
// writes are refused or soon will be; "" when the system cannot tell.
func diskLine(st *api.Status) string {
	switch {
	case st.DiskFree == 0 && st.DiskReserve == 0:
		return ""
	case st.DiskFull():
		return fmt.Sprintf("Disk: full (%s free, writes need %s): free some space", bytesText(st.DiskFree), bytesText(st.DiskReserve))
	case st.DiskLow():
		return fmt.Sprintf("Disk: %s free, nearly full: writes stop below %s", bytesText(st.DiskFree), bytesText(st.DiskReserve))
	}
	return fmt.Sprintf("Disk: %s free", bytesText(st.DiskFree))
}

// bytesText writes a size in bytes for people: "850 B", "12.5 MB", "3.2 GB".
func bytesText(n uint64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}
