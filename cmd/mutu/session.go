package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/node/api"
)

const tokenFile = "api.token" // written by `mutu run`, 0600: the API write token

// session is what a command works with: the home and a service, either
// a running daemon's API or the catalogue opened in this process.
type session struct {
	home    *home
	svc     api.Service
	local   *api.Local // nil when svc goes through a daemon
	cat     *catalogue.Catalogue
	journal *moderation.Journal // the moderation journal, with cat
}

func (s *session) Close() error {
	var err error
	if s.journal != nil {
		err = s.journal.Close()
	}
	if s.cat != nil {
		err = errors.Join(err, s.cat.Close())
	}
	return err
}

// openSession opens the home and reaches its daemon if one runs;
// otherwise it opens the catalogue itself.
func openSession(c *cli.Context) (*session, error) {
	h, err := openHome(c.String("home"))
	if err != nil {
		return nil, err
	}
	if client := daemonClient(c.Context, h); client != nil {
		return &session{home: h, svc: client}, nil
	}
	return openLocal(c.Context, h, c.App.ErrWriter)
}

func openLocal(ctx context.Context, h *home, stderr io.Writer) (*session, error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cat, err := catalogue.Open(ctx, filepath.Join(h.dir, storeDir), h.catalogueOptions(log, progressPrinter(stderr, "reindexing")))
	if errors.Is(err, catalogue.ErrLocked) {
		return nil, homeError{fmt.Errorf("the catalogue of %s is in use by another mutu process whose API does not answer; wait for it to end, or stop it, then try again", h.dir)}
	}
	if err != nil {
		return nil, err
	}
	mod, journal, err := openModeration(h, cat, log)
	if err != nil {
		cat.Close()
		return nil, err
	}
	l := &api.Local{Cat: cat, Author: h.author, NodeKey: h.nodeKey(), Invites: fileInvites{filepath.Join(h.dir, invitationsFile)}, Moderation: mod}
	return &session{home: h, svc: l, local: l, cat: cat, journal: journal}, nil
}

// daemonClient returns a client for the daemon whose address the home
// holds, or nil when none answers.
func daemonClient(ctx context.Context, h *home) *api.Client {
	addr, err := os.ReadFile(filepath.Join(h.dir, apiFile))
	if err != nil {
		return nil
	}
	token, _ := os.ReadFile(filepath.Join(h.dir, tokenFile))
	client := api.NewClient(strings.TrimSpace(string(addr)), strings.TrimSpace(string(token)))
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if client.Ping(ctx) != nil {
		return nil // a stale file left by a node that did not stop cleanly
	}
	return client
}

// progressPrinter reports long work on stderr, at most a few times a
// second.
func progressPrinter(w io.Writer, what string) func(done, total int) {
	var last time.Time
	return func(done, total int) {
		if total == 0 || done < total && time.Since(last) < 250*time.Millisecond {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "\r%s: %d/%d", what, done, total)
		if done >= total {
			fmt.Fprintln(w)
		}
	}
}

var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print JSON for scripts"}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// shortID is how human output shows an entry ID: its short ID (see
// catalogue.ShortID), which every command takes back.
func shortID(id string) string { return catalogue.ShortID(id) }

// shortKey is how human output shows an author key: the first 10
// characters after "ed25519:", as protocol.AuthorKey.Short gives them.
func shortKey(k string) string {
	k = strings.TrimPrefix(k, "ed25519:")
	if len(k) > 10 {
		return k[:10]
	}
	return k
}

// sessionAction is the action of a command that works on a session:
// it checks the number of arguments, opens the session (through a
// running daemon when there is one), runs fn and closes the session.
func sessionAction(min, max int, usage string, fn func(*cli.Context, *session) error) cli.ActionFunc {
	return withSession(openSession, min, max, usage, fn)
}

func withSession(open func(*cli.Context) (*session, error), min, max int, usage string, fn func(*cli.Context, *session) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := needArgs(c, min, max, usage); err != nil {
			return err
		}
		s, err := open(c)
		if err != nil {
			return err
		}
		defer s.Close()
		return fn(c, s)
	}
}

// needArgs refuses a command line with the wrong number of arguments.
func needArgs(c *cli.Context, min, max int, usage string) error {
	n := c.NArg()
	if n < min || (max >= 0 && n > max) {
		return usageError{fmt.Errorf("usage: mutu %s %s", c.Command.Name, usage)}
	}
	return nil
}

// readInput reads a file the user named, with a size cap, and turns
// its absence into an input error that names it. over says, in the
// error of a file over the cap, what the limit is and what to do.
func readInput(path string, limit int64, over string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputError{fmt.Errorf("%s: no such file", path)}
		}
		return nil, inputError{err}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, inputError{fmt.Errorf("%s is a directory; give a file", path)}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, inputError{fmt.Errorf("read %s: %w", path, err)}
	}
	if int64(len(data)) > limit {
		return nil, inputError{fmt.Errorf("%s is over %d bytes: %s", path, limit, over)}
	}
	return data, nil
}
