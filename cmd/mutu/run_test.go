package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node"
	"github.com/mutu-network/mutu/node/httplimit"
)

// TestNodeConfig checks how the home's config.yaml and the flags of
// `mutu run` make the node's config: flags win over the file, both ways.
func TestNodeConfig(t *testing.T) {
	cases := []struct {
		name   string
		config string // lines added to the default config.yaml
		args   []string
		check  func(t *testing.T, cfg node.Config)
	}{
		{"defaults", "", nil, func(t *testing.T, cfg node.Config) {
			if cfg.LAN || cfg.UPnP {
				t.Errorf("LAN %v, UPnP %v by default: both send multicast, want them off", cfg.LAN, cfg.UPnP)
			}
			if cfg.AttachmentAutoFetchLimit != 10<<20 {
				t.Errorf("auto-fetch limit %d by default, want 10 MiB", cfg.AttachmentAutoFetchLimit)
			}
			var got []string
			for _, a := range cfg.ListenAddrs {
				got = append(got, a.String())
			}
			want := "/ip4/0.0.0.0/tcp/4001 /ip4/0.0.0.0/udp/4001/quic-v1 /ip6/::/tcp/4001 /ip6/::/udp/4001/quic-v1"
			if strings.Join(got, " ") != want {
				t.Errorf("listen on %v by default, want %s", got, want)
			}
		}},
		{"flags turn on", "", []string{"--lan", "--upnp"}, func(t *testing.T, cfg node.Config) {
			if !cfg.LAN || !cfg.UPnP {
				t.Errorf("--lan --upnp gave LAN %v, UPnP %v", cfg.LAN, cfg.UPnP)
			}
		}},
		{"flags turn off", "lan: true\nupnp: true\n", []string{"--lan=false", "--upnp=false"}, func(t *testing.T, cfg node.Config) {
			if cfg.LAN || cfg.UPnP {
				t.Errorf("--lan=false --upnp=false over a file turning both on gave LAN %v, UPnP %v", cfg.LAN, cfg.UPnP)
			}
		}},
		{"file turns on", "lan: true\nupnp: true\n", nil, func(t *testing.T, cfg node.Config) {
			if !cfg.LAN || !cfg.UPnP {
				t.Errorf("lan: true, upnp: true gave LAN %v, UPnP %v", cfg.LAN, cfg.UPnP)
			}
		}},
		{"on demand only", "attachment_auto_fetch: 0\n", nil, func(t *testing.T, cfg node.Config) {
			if cfg.AttachmentAutoFetchLimit >= 0 {
				t.Errorf("attachment_auto_fetch: 0 gave limit %d, want automatic fetching off (negative)", cfg.AttachmentAutoFetchLimit)
			}
		}},
		{"larger limit", "attachment_auto_fetch: 52428800\n", nil, func(t *testing.T, cfg node.Config) {
			if cfg.AttachmentAutoFetchLimit != 50<<20 {
				t.Errorf("attachment_auto_fetch: 52428800 gave limit %d", cfg.AttachmentAutoFetchLimit)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "home")
			if _, err := initHome(dir); err != nil {
				t.Fatal(err)
			}
			if tc.config != "" {
				path := filepath.Join(dir, configFile)
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				// Later keys of the same name are refused by YAML: replace
				// the defaults' lines.
				for _, line := range strings.Split(strings.TrimSpace(tc.config), "\n") {
					key, _, _ := strings.Cut(line, ":")
					var kept []string
					for _, l := range strings.Split(string(data), "\n") {
						if !strings.HasPrefix(l, key+":") {
							kept = append(kept, l)
						}
					}
					data = []byte(strings.Join(kept, "\n") + "\n" + line + "\n")
				}
				if err := os.WriteFile(path, data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			h, err := openHome(dir)
			if err != nil {
				t.Fatal(err)
			}
			var cfg node.Config
			app := &cli.App{
				Flags: runCommand().Flags,
				Action: func(c *cli.Context) error {
					var err error
					cfg, err = nodeConfig(c, h, slog.New(slog.DiscardHandler))
					return err
				},
			}
			if err := app.Run(append([]string{"run"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg)
		})
	}
}

// TestHTTPLimitsConfig: the http_limits block of config.yaml gives the
// HTTP server its limits; a partial block keeps the defaults of the
// keys it leaves out, 0 turns a rate off, and a value that would leave
// the server without a limit by mistake is refused, naming the key.
func TestHTTPLimitsConfig(t *testing.T) {
	parse := func(extra string) (config, error) {
		var c config
		return c, parseConfig([]byte(extra), &c)
	}
	c, err := parse("")
	if err != nil {
		t.Fatal(err)
	}
	l := c.HTTPLimits.limits()
	d := httplimit.DefaultLimits
	if l.MaxConns != d.MaxConns || l.ReadHeaderTimeout != d.ReadHeaderTimeout || l.ReadTimeout != d.ReadTimeout ||
		l.WriteTimeout != d.WriteTimeout || l.IdleTimeout != d.IdleTimeout || l.Search != d.Search || l.Write != d.Write || l.Fetch != d.Fetch {
		t.Errorf("the embedded config gives %+v, want httplimit.DefaultLimits %+v (docs/operator.md lists them)", l, d)
	}

	c, err = parse("http_limits:\n  search_rate: 5\n  fetch_rate: 0\n  read_timeout: 2m\n")
	if err != nil {
		t.Fatal(err)
	}
	l = c.HTTPLimits.limits()
	if l.Search != (httplimit.Rate{PerSecond: 5, Burst: 10}) || l.Fetch.PerSecond >= 0 || l.ReadTimeout != 2*time.Minute ||
		l.MaxConns != d.MaxConns || l.Write != d.Write || l.IdleTimeout != d.IdleTimeout {
		t.Errorf("a partial block gave %+v", l)
	}

	for _, tc := range []struct{ config, want string }{
		{"http_limits:\n  max_connections: 0\n", "http_limits.max_connections"},
		{"http_limits:\n  read_timeout: 0s\n", "http_limits.read_timeout"},
		{"http_limits:\n  search_rate: -1\n", "http_limits.search_rate"},
		{"http_limits:\n  max_conns: 10\n", "max_conns"},
	} {
		if _, err := parse(tc.config); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error naming %s", tc.config, err, tc.want)
		}
	}
}
