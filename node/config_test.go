package node

import (
	"context"
	"errors"
	"testing"
	"time"

	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	ma "github.com/multiformats/go-multiaddr"
)

func TestConfigDefaults(t *testing.T) {
	c, err := Config{PrivKey: nodeKey(t)}.withDefaults(false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Network != "mutu" || c.SyncInterval != time.Minute || c.AttachmentAutoFetchLimit != 10<<20 ||
		len(c.ListenAddrs) != 4 || c.Logger == nil || c.LAN || c.UPnP {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestConfigRefused(t *testing.T) {
	key := nodeKey(t)
	for name, c := range map[string]Config{
		"no key":            {},
		"bad network name":  {PrivKey: key, Network: "Mon Réseau"},
		"negative interval": {PrivKey: key, SyncInterval: -time.Second},
		"bootstrap no peer": {PrivKey: key, Bootstrap: []ma.Multiaddr{ma.StringCast("/ip4/192.0.2.1/tcp/4001")}},
	} {
		if _, err := New(c, newMemCatalogue()); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := New(Config{PrivKey: key}, nil); err == nil {
		t.Error("New accepted a nil catalogue")
	}
}

func TestOptionsConflict(t *testing.T) {
	mn := mocknet.New()
	defer mn.Close()
	h, err := mn.GenPeer()
	if err != nil {
		t.Fatal(err)
	}
	allow := WithAllowlist(ma.StringCast("/ip4/192.0.2.0/ipcidr/24"))
	for name, opts := range map[string][]Option{
		"two hosts":           {WithHost(h), WithHost(h)},
		"host then allowlist": {WithHost(h), allow},
		"allowlist then host": {allow, WithHost(h)},
		"negative threshold":  {WithBulkThreshold(-1)},
	} {
		if _, err := New(Config{}, newMemCatalogue(), opts...); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := New(Config{PrivKey: nodeKey(t)}, newMemCatalogue(), WithHost(h)); err == nil {
		t.Error("New accepted a key that is not the given host's")
	}
}

func TestLifecycle(t *testing.T) {
	mn := mocknet.New()
	defer mn.Close()
	h, err := mn.GenPeer()
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Config{Logger: testConfig(&logBuffer{}).Logger}, newMemCatalogue(), WithHost(h))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := n.Connect(ctx, n.Addrs()[0]); !errors.Is(err, ErrNotStarted) && n.Addrs() != nil {
		t.Errorf("Connect before Start = %v, want ErrNotStarted", err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err == nil {
		t.Error("second Start accepted")
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := n.Start(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
	if _, err := n.FetchBlocks(ctx, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("FetchBlocks after Close = %v, want ErrClosed", err)
	}
	// The host outlives the node and carries none of its protocols.
	for _, p := range h.Mux().Protocols() {
		switch p {
		case ProtoSync, ProtoFetch, ProtoBulk, "/meshsub/1.1.0":
			t.Errorf("protocol %s still handled after Close", p)
		}
	}
	// Close without Start is fine too.
	n2, err := New(Config{PrivKey: nodeKey(t)}, newMemCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if err := n2.Close(); err != nil {
		t.Error(err)
	}
}
