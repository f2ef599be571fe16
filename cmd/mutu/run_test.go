package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node"
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
