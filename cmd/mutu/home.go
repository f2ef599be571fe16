package main

import (
	"bytes"
	"crypto/ed25519"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"gopkg.in/yaml.v3"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/node/httplimit"
	"github.com/mutu-network/mutu/protocol"
)

// defaultConfig is written into every new home and supplies every
// default a config file leaves out.
//
//go:embed default-config.yaml
var defaultConfig []byte

// Files of a home.
const (
	configFile  = "config.yaml"
	nodeKeyFile = "node.key"   // libp2p identity, 0600
	authorFile  = "author.key" // the author's signing key, 0600
	storeDir    = "catalogue"
	apiFile     = "api"   // written by `mutu run`: the bound HTTP address
	addrsFile   = "addrs" // written by `mutu run`: P2P multiaddrs with /p2p/ID
)

// config is the home's config.yaml.
type config struct {
	Network             string     `yaml:"network"`
	Listen              []string   `yaml:"listen"`
	HTTP                string     `yaml:"http"`
	Peers               []string   `yaml:"peers"`
	LAN                 bool       `yaml:"lan"`
	UPnP                bool       `yaml:"upnp"`
	AttachmentAutoFetch *uint64    `yaml:"attachment_auto_fetch"` // nil: the node's default; 0: on demand only
	WebSecureCookies    bool       `yaml:"web_secure_cookies"`
	HTTPLimits          httpLimits `yaml:"http_limits"`
	Moderation          struct {
		// Follow is "all", "none" or a list of node keys: read it with
		// follow().
		Follow yaml.Node `yaml:"follow"`
	} `yaml:"moderation"`
}

// follow returns whose shared moderation decisions the node follows
// (moderation.follow; every coordinator when absent).
func (c *config) follow() (moderation.Follow, error) {
	n := c.Moderation.Follow
	switch n.Kind {
	case 0:
		return moderation.Follow{All: true}, nil
	case yaml.SequenceNode:
		keys := []string{}
		if err := n.Decode(&keys); err != nil {
			return moderation.Follow{}, fmt.Errorf("moderation.follow: %w", err)
		}
		return moderation.ParseFollow("", keys)
	case yaml.ScalarNode:
		return moderation.ParseFollow(n.Value, nil)
	}
	return moderation.Follow{}, fmt.Errorf("moderation.follow: give all, none, or a list of coordinators' node keys")
}

// httpLimits is the http_limits block of config.yaml: the limits of the
// API and web server (docs/operator.md, "Limits of the HTTP server").
type httpLimits struct {
	MaxConnections    int           `yaml:"max_connections"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// Requests a second from one client address, in bursts of twice
	// that; 0 turns the limit off.
	SearchRate float64 `yaml:"search_rate"`
	WriteRate  float64 `yaml:"write_rate"`
	FetchRate  float64 `yaml:"fetch_rate"`
}

// check refuses values that would leave the server without a limit by
// mistake.
func (l httpLimits) check() error {
	if l.MaxConnections < 1 {
		return fmt.Errorf(`invalid config: "http_limits.max_connections" is %d; give at least 1`, l.MaxConnections)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"read_header_timeout", l.ReadHeaderTimeout}, {"read_timeout", l.ReadTimeout}, {"write_timeout", l.WriteTimeout}, {"idle_timeout", l.IdleTimeout}} {
		if d.v <= 0 {
			return fmt.Errorf(`invalid config: "http_limits.%s" is %v; give a duration above 0, such as 30s`, d.key, d.v)
		}
	}
	for _, r := range []struct {
		key string
		v   float64
	}{{"search_rate", l.SearchRate}, {"write_rate", l.WriteRate}, {"fetch_rate", l.FetchRate}} {
		if r.v < 0 {
			return fmt.Errorf(`invalid config: "http_limits.%s" is %v; give requests a second, or 0 for no limit`, r.key, r.v)
		}
	}
	return nil
}

// limits returns the server's limits.
func (l httpLimits) limits() httplimit.Limits {
	rate := func(perSecond float64) httplimit.Rate {
		if perSecond == 0 {
			return httplimit.Rate{PerSecond: -1}
		}
		return httplimit.Rate{PerSecond: perSecond, Burst: max(1, int(2*perSecond))}
	}
	return httplimit.Limits{
		MaxConns:          l.MaxConnections,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		Search:            rate(l.SearchRate),
		Write:             rate(l.WriteRate),
		Fetch:             rate(l.FetchRate),
	}
}

// home is an initialised mutu home directory.
type home struct {
	dir    string
	config config
	author ed25519.PrivateKey
	node   crypto.PrivKey
}

// defaultHome returns the platform data directory for mutu.
func defaultHome() string {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "mutu")
		}
	case "darwin":
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "mutu")
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "mutu")
		}
	}
	if d, err := os.UserHomeDir(); err == nil {
		return filepath.Join(d, ".local", "share", "mutu")
	}
	return "mutu-home"
}

// errNoHome means the directory holds no mutu home.
var errNoHome = errors.New("no mutu home")

// initHome creates a new home in dir: config, node key, author key.
// It refuses a directory that already holds a home.
// errHomeExists is initHome's error for a directory holding a home.
var errHomeExists = errors.New("already holds a mutu home")

func initHome(dir string) (*home, error) {
	if _, err := os.Stat(filepath.Join(dir, configFile)); err == nil {
		return nil, homeError{fmt.Errorf("%s: %w", dir, errHomeExists)}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, homeError{fmt.Errorf("create home %s: %w", dir, err)}
	}
	nodeKey, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		return nil, fmt.Errorf("generate node key: %w", err)
	}
	raw, err := crypto.MarshalPrivateKey(nodeKey)
	if err != nil {
		return nil, fmt.Errorf("encode node key: %w", err)
	}
	author, err := protocol.NewAuthorKey()
	if err != nil {
		return nil, err
	}
	// The config goes last: a home is complete when it has one.
	for _, f := range []struct {
		name string
		data []byte
		mode fs.FileMode
	}{
		{nodeKeyFile, raw, 0o600},
		{authorFile, protocol.MarshalAuthorKey(author), 0o600},
		{configFile, defaultConfig, 0o644},
	} {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return nil, homeError{err}
		}
	}
	return openHome(dir)
}

// openHome loads an existing home.
func openHome(dir string) (*home, error) {
	data, err := os.ReadFile(filepath.Join(dir, configFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, homeError{fmt.Errorf("%w in %s: run 'mutu --home %s init' first (or 'mutu run', which creates it)", errNoHome, dir, dir)}
	}
	if err != nil {
		return nil, homeError{fmt.Errorf("read config: %w", err)}
	}
	h := &home{dir: dir}
	if err := parseConfig(data, &h.config); err != nil {
		return nil, homeError{fmt.Errorf("%s: %w", filepath.Join(dir, configFile), err)}
	}
	if h.author, err = readAuthorKey(filepath.Join(dir, authorFile)); err != nil {
		return nil, homeError{err}
	}
	raw, err := os.ReadFile(filepath.Join(dir, nodeKeyFile))
	if err != nil {
		return nil, homeError{fmt.Errorf("read node key: %w", err)}
	}
	if h.node, err = crypto.UnmarshalPrivateKey(raw); err != nil {
		return nil, homeError{fmt.Errorf("%s is damaged: %w", filepath.Join(dir, nodeKeyFile), err)}
	}
	return h, nil
}

// openOrInitHome opens dir, creating the home first if it has none.
func openOrInitHome(dir string) (h *home, created bool, err error) {
	h, err = openHome(dir)
	if errors.Is(err, errNoHome) {
		h, err = initHome(dir)
		return h, err == nil, err
	}
	return h, false, err
}

// parseConfig reads config.yaml over the embedded defaults, refusing
// unknown keys so that a typo does not go unnoticed.
func parseConfig(data []byte, c *config) error {
	if err := yaml.Unmarshal(defaultConfig, c); err != nil {
		return fmt.Errorf("embedded defaults: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid config: %w", err)
	}
	if c.Network != "" && strings.TrimSpace(c.Network) != c.Network {
		return fmt.Errorf(`invalid config: "network" %q has spaces around it; remove them`, c.Network)
	}
	if _, err := c.follow(); err != nil {
		return fmt.Errorf("invalid config: %w", err)
	}
	return c.HTTPLimits.check()
}

func readAuthorKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read author key: %w", err)
	}
	k, err := protocol.UnmarshalAuthorKey(data)
	if err != nil {
		return nil, sentence{fmt.Sprintf("%s: %s", path, protocol.Sentence(err)), err}
	}
	return k, nil
}

// writeFileExclusive writes data to path, which must not exist: the
// file is written and synced under a temporary name, then linked to
// path, which fails with fs.ErrExist rather than replace a file. A
// crash leaves either no file at path or the whole one.
func writeFileExclusive(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = os.Link(tmp.Name(), path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = fmt.Errorf("write %s: %w", path, le.Err)
		}
		return err
	}
	// A file system without hard links (FAT, some network shares):
	// create the file exclusively and write it in place. The file
	// written may then be partial after a crash, never another one
	// replaced.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// updateConfig sets top-level keys of the home's config file, keeping
// its comments and every other key.
func updateConfig(dir string, set map[string]any) error {
	path := filepath.Join(dir, configFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: invalid config: %w", path, err)
	}
	if len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: invalid config: not a mapping", path)
	}
	for k, v := range set {
		var val yaml.Node
		if err := val.Encode(v); err != nil {
			return fmt.Errorf("encode %s: %w", k, err)
		}
		found := false
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == k {
				val.HeadComment, val.LineComment = root.Content[i+1].HeadComment, root.Content[i+1].LineComment
				root.Content[i+1] = &val
				found = true
			}
		}
		if !found {
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &val)
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	var check config
	if err := parseConfig(out, &check); err != nil {
		return err
	}
	return atomicfile.Write(path, out, 0o644)
}
