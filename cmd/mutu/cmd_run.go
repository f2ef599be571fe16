package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/node"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/node/httplimit"
	"github.com/mutu-network/mutu/node/web"
)

// shutdownTimeout bounds a clean stop after SIGINT or SIGTERM.
const shutdownTimeout = 4 * time.Second

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run the node: peer-to-peer sync, the JSON API and the web interface",
		Description: "A home that does not exist yet is created first (as `mutu init`). The node writes the\n" +
			"address of its API into the file api of its home, and its P2P addresses into addrs.\n" +
			"SIGINT or SIGTERM stop it cleanly.",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "listen", Usage: "P2P listen `MULTIADDR` (repeatable; default from config: TCP and QUIC on port 4001)"},
			&cli.StringFlag{Name: "http", Usage: "API and web `ADDR` (host:port, port 0 picks one; default from config: 127.0.0.1:6888)"},
			&cli.StringSliceFlag{Name: "peer", Usage: "connect to `MULTIADDR` (ending in /p2p/ID; repeatable)"},
			&cli.StringFlag{Name: "network", Usage: "network `ID`: a charter's CID, or the name of an open network (default from config; none: found a new closed network)"},
			&cli.BoolFlag{Name: "lan", Usage: "find peers on the local network with mDNS (sends multicast)"},
			&cli.BoolFlag{Name: "upnp", Usage: "ask the router to forward the P2P port (UPnP)"},
			&cli.DurationFlag{Name: "sync-interval", Usage: "reconcile with every peer this often", Value: node.DefaultSyncInterval},
			&cli.DurationFlag{Name: "join-retry", Value: joinRetry, Usage: "while a join waits, ask again this often (tests)", Hidden: true},
			&cli.BoolFlag{Name: "no-gossip", Usage: "do not propagate live; rely on periodic sync only (tests, benchmarks)", Hidden: true},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
		}, foundingFlags...),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0, "[flags]"); err != nil {
				return err
			}
			return runNode(c)
		},
	}
}

func runNode(c *cli.Context) error {
	log, err := newLogger(c.App.ErrWriter, c.String("log-level"))
	if err != nil {
		return err
	}
	h, created, err := openOrInitHome(c.String("home"))
	if err != nil {
		return err
	}
	if created {
		log.Info("created a new home", "home", h.dir)
	}
	httpAddr := h.config.HTTP
	if c.IsSet("http") {
		httpAddr = c.String("http")
	}
	// The API's address is taken first: a wrong or busy one is told at
	// once, before a reindex or the P2P listeners.
	ln, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return inputError{fmt.Errorf("listen on %s for the API: %w (choose another with --http)", httpAddr, err)}
	}
	defer ln.Close()

	network := h.config.Network
	if c.IsSet("network") {
		network = c.String("network")
		h.config.Network = network
	}
	cat, err := catalogue.Open(c.Context, filepath.Join(h.dir, storeDir), h.catalogueOptions(log, progressPrinter(c.App.ErrWriter, "reindexing")))
	if errors.Is(err, catalogue.ErrLocked) {
		return homeError{fmt.Errorf("another mutu process uses %s; stop it first, or give another --home", h.dir)}
	}
	if err != nil {
		return err
	}
	defer cat.Close()
	ctx := c.Context
	mod, journal, err := openModeration(h, cat, log)
	if err != nil {
		return err
	}
	defer journal.Close()

	token, err := newToken()
	if err != nil {
		return err
	}
	limits := h.config.HTTPLimits.limits()
	guard := httplimit.NewGuard(limits)
	// The API answers from the start; while a join waits, with the
	// catalogue alone and a status that says so.
	var front swapHandler
	waiting := &api.Local{Cat: cat, Author: h.author, NodeKey: h.nodeKey(), Invites: fileInvites{filepath.Join(h.dir, invitationsFile)},
		Joining: func() string { return "pending" }, Moderation: mod}
	front.set(api.Handler(waiting, token, log, api.WithGuard(guard)))
	srv, limited := httplimit.Server(&front, ln, limits)
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	if limited.Cap() < limits.MaxConns {
		log.Warn("HTTP connections capped below http_limits.max_connections, to leave file descriptors to peers and the store; raise the open-file limit (ulimit -n) to allow more",
			"max_connections", limits.MaxConns, "cap", limited.Cap())
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(limited) }()
	// The HTTP server stops first at the end, before the node and the
	// catalogue it serves; on an early return, when the function ends.
	stopHTTP := sync.OnceFunc(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(stopCtx); err != nil {
			srv.Close()
		}
	})
	defer stopHTTP()
	defer removeRunFiles(h.dir)

	if network == "" {
		pending, err := readPendingJoin(h.dir)
		if err != nil {
			return err
		}
		if pending != nil {
			if err := writeRunFiles(h.dir, ln.Addr().String(), token, nil); err != nil {
				return homeError{err}
			}
			if err := waitAdmission(ctx, h, cat, pending, c.Duration("join-retry"), log); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		} else if err := foundNetwork(ctx, c, h, cat, log); err != nil {
			return err
		}
	}
	if !c.IsSet("network") {
		if _, err := followClosure(c, h, cat, log); err != nil {
			return err
		}
	}
	if err := certifyOperator(ctx, c, h, cat, log); err != nil {
		return err
	}
	cfg, err := nodeConfig(c, h, log)
	if err != nil {
		return err
	}
	cfg.Trust = cat
	cfg.InvitationsPath = filepath.Join(h.dir, invitationsFile)

	var opts []node.Option
	if c.Bool("no-gossip") {
		opts = append(opts, node.WithoutGossip())
	}
	n, err := node.New(cfg, cat, opts...)
	if err != nil {
		return inputError{err}
	}
	if err := n.Start(ctx); err != nil {
		return networkError{fmt.Errorf("start node: %w", err)}
	}
	defer n.Close()

	follow, err := h.config.follow()
	if err != nil {
		return inputError{err}
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	following := make(chan struct{})
	go func() {
		defer close(following)
		followDecisions(followCtx, cat, mod, follow, log)
	}()
	defer func() {
		stopFollowing()
		<-following
	}()

	local := &api.Local{Cat: cat, Author: h.author, Net: n.API(), NodeKey: h.nodeKey(), Invites: nodeInvites{n}, Moderation: mod,
		ReportLimit: api.NewReportLimiter(0)}
	webSrv, err := web.New(web.Config{
		Cat:           cat,
		Net:           n.API(),
		UsersPath:     filepath.Join(h.dir, web.UsersFile),
		SessionsPath:  filepath.Join(h.dir, web.SessionsFile),
		Logger:        log,
		SecureCookies: h.config.WebSecureCookies,
		Guard:         guard,
		NodeKey:       h.nodeKey(),
		Moderation:    mod,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := webSrv.Close(); err != nil {
			log.Warn("web sessions not saved: their visitors will log in again", "err", err)
		}
	}()
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler(local, token, log, api.WithGuard(guard)))
	mux.Handle("/", webSrv)
	front.set(mux)

	if err := writeRunFiles(h.dir, ln.Addr().String(), token, n.Addrs()); err != nil {
		return homeError{err}
	}
	log.Info("node running", "peer", n.ID(), "network", cfg.Network, "api", "http://"+ln.Addr().String(), "home", h.dir)

	select {
	case <-ctx.Done():
		log.Info("stopping")
	case err := <-serveErr:
		return fmt.Errorf("API server: %w", err)
	}
	stopHTTP()
	return nil
}

// swapHandler serves what set gave it last: the API alone while a join
// waits, then the API and the web pages.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// nodeConfig builds the node's config from the home's config and the
// command line, which wins.
func nodeConfig(c *cli.Context, h *home, log *slog.Logger) (node.Config, error) {
	cfg := node.Config{
		PrivKey:                  h.node,
		Network:                  h.config.Network,
		PeerStorePath:            filepath.Join(h.dir, "peers.json"),
		BulkCursorPath:           filepath.Join(h.dir, "bulk.cursor"),
		LAN:                      h.config.LAN,
		UPnP:                     h.config.UPnP,
		AttachmentAutoFetchLimit: autoFetchLimit(h.config.AttachmentAutoFetch),
		SyncInterval:             c.Duration("sync-interval"),
		Logger:                   log,
	}
	// --lan=false and --upnp=false turn off what the file turns on.
	if c.IsSet("lan") {
		cfg.LAN = c.Bool("lan")
	}
	if c.IsSet("upnp") {
		cfg.UPnP = c.Bool("upnp")
	}
	listen := h.config.Listen
	if c.IsSet("listen") {
		listen = c.StringSlice("listen")
	}
	var err error
	if cfg.ListenAddrs, err = multiaddrs("--listen", listen); err != nil {
		return cfg, err
	}
	if cfg.Bootstrap, err = multiaddrs("peer", append(append([]string{}, h.config.Peers...), c.StringSlice("peer")...)); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// autoFetchLimit turns the config's attachment_auto_fetch into the
// node's limit: absent, the node's default; 0, attachments are fetched
// only on demand.
func autoFetchLimit(v *uint64) int64 {
	switch {
	case v == nil:
		return 0
	case *v == 0:
		return -1
	default:
		return int64(min(*v, math.MaxInt64))
	}
}

func multiaddrs(what string, ss []string) ([]ma.Multiaddr, error) {
	var out []ma.Multiaddr
	for _, s := range ss {
		a, err := ma.NewMultiaddr(strings.TrimSpace(s))
		if err != nil {
			return nil, inputError{fmt.Errorf("%s %q is not a multiaddr (e.g. /ip4/192.0.2.1/tcp/4001/p2p/12D3…): %w", what, s, err)}
		}
		out = append(out, a)
	}
	return out, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, inputError{fmt.Errorf("--log-level %q: use debug, info, warn or error", level)}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make API token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// writeRunFiles tells the CLI and tests where the node is: api (the
// bound HTTP address), api.token (the write token, 0600) and addrs
// (P2P multiaddrs with /p2p/ID, one per line). The token goes first so
// that a client that sees api can always write.
func writeRunFiles(dir, httpAddr, token string, addrs []ma.Multiaddr) error {
	var lines []string
	for _, a := range addrs {
		lines = append(lines, a.String())
	}
	if err := atomicfile.Write(filepath.Join(dir, tokenFile), []byte(token+"\n"), 0o600); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, addrsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, apiFile), []byte(httpAddr+"\n"), 0o644)
}

func removeRunFiles(dir string) {
	for _, f := range []string{apiFile, addrsFile, tokenFile} {
		os.Remove(filepath.Join(dir, f))
	}
}
