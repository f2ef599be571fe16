package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
)

// Known peers. Every peer that connects and speaks mutu is remembered
// with the listen addresses identify learned from it; the list is saved
// to Config.PeerStorePath (JSON, rewritten atomically) every
// SyncInterval and at Close, and reloaded at Start. Known and bootstrap
// peers that are not connected are redialled with exponential backoff,
// from redialMin doubling up to redialMax, with jitter. The list holds
// at most maxKnownPeers peers, the bootstrap peers and the most recently
// seen others, none unseen for forgetAfter: in memory as in the file.
const (
	maxKnownPeers    = 256
	maxAddrsPerPeer  = 8
	redialMin        = 5 * time.Second
	redialMax        = 10 * time.Minute
	dialTick         = time.Second
	maxParallelDials = 4
	forgetAfter      = 30 * 24 * time.Hour // a peer unseen this long is dropped
	bootstrapTag     = "mutu-bootstrap"
)

// knownPeers is the node's address book.
// It is safe for concurrent use.
type knownPeers struct {
	path  string
	mu    sync.Mutex // guards peers, dirty
	peers map[peer.ID]*knownPeer
	dirty bool
}

type knownPeer struct {
	addrs     []ma.Multiaddr
	lastSeen  time.Time
	bootstrap bool
	synced    bool          // a sync with it succeeded: kept before peers merely met
	backoff   time.Duration // next wait after a failed dial
	nextDial  time.Time
	dialing   bool
}

// peerFile is the JSON form of the address book.
type peerFile struct {
	Version int         `json:"version"`
	Peers   []peerEntry `json:"peers"`
}

type peerEntry struct {
	ID       string    `json:"id"`
	Addrs    []string  `json:"addrs"`
	LastSeen time.Time `json:"last_seen"`
	Synced   bool      `json:"synced,omitempty"`
}

func newKnownPeers(path string) *knownPeers {
	return &knownPeers{path: path, peers: make(map[peer.ID]*knownPeer)}
}

// load reads the saved address book. Entries that do not parse are
// skipped.
func (k *knownPeers) load() error {
	if k.path == "" {
		return nil
	}
	data, err := os.ReadFile(k.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var f peerFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%s: %w", k.path, err)
	}
	if f.Version != 1 {
		return fmt.Errorf("%s: version %d, want 1", k.path, f.Version)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, e := range f.Peers {
		id, err := peer.Decode(e.ID)
		if err != nil {
			continue
		}
		var addrs []ma.Multiaddr
		for _, s := range e.Addrs {
			if a, err := ma.NewMultiaddr(s); err == nil {
				addrs = append(addrs, a)
			}
		}
		if len(addrs) == 0 {
			continue
		}
		kp := k.entry(id)
		kp.addrs, kp.lastSeen, kp.synced = addrs, e.LastSeen, e.Synced
	}
	k.trim("")
	return nil
}

// save writes the address book if it changed.
func (k *knownPeers) save() error {
	if k.path == "" {
		return nil
	}
	k.mu.Lock()
	if !k.dirty {
		k.mu.Unlock()
		return nil
	}
	f := peerFile{Version: 1}
	now := time.Now()
	for id, kp := range k.peers {
		if len(kp.addrs) == 0 || (!kp.bootstrap && now.Sub(kp.lastSeen) > forgetAfter) {
			continue
		}
		e := peerEntry{ID: id.String(), LastSeen: kp.lastSeen, Synced: kp.synced}
		for _, a := range kp.addrs {
			e.Addrs = append(e.Addrs, a.String())
		}
		f.Peers = append(f.Peers, e)
	}
	k.dirty = false
	k.mu.Unlock()
	slices.SortFunc(f.Peers, func(a, b peerEntry) int {
		if a.Synced != b.Synced {
			if a.Synced {
				return -1
			}
			return 1
		}
		return b.LastSeen.Compare(a.LastSeen)
	})
	if len(f.Peers) > maxKnownPeers {
		f.Peers = f.Peers[:maxKnownPeers]
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteNoSync(k.path, data, 0o644); err != nil {
		k.mu.Lock()
		k.dirty = true
		k.mu.Unlock()
		return err
	}
	return nil
}

// entry returns the record of id, creating it; k.mu is held.
func (k *knownPeers) entry(id peer.ID) *knownPeer {
	kp := k.peers[id]
	if kp == nil {
		kp = &knownPeer{backoff: redialMin}
		k.peers[id] = kp
	}
	return kp
}

// remember records addresses at which id was reached or announced.
func (k *knownPeers) remember(id peer.ID, addrs []ma.Multiaddr, seen time.Time) {
	var keep []ma.Multiaddr
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_CIRCUIT); err == nil {
			continue
		}
		keep = append(keep, a)
		if len(keep) == maxAddrsPerPeer {
			break
		}
	}
	if len(keep) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	kp := k.entry(id)
	kp.addrs, kp.lastSeen = keep, seen
	kp.backoff, kp.nextDial = redialMin, time.Time{}
	k.dirty = true
	k.trim(id)
}

// synced notes that a sync with id succeeded: past maxKnownPeers, such
// peers are forgotten after those merely met, so that a crowd of new
// peer IDs connecting cannot push the useful ones out of the book.
func (k *knownPeers) synced(id peer.ID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if kp := k.peers[id]; kp != nil && !kp.synced {
		kp.synced, k.dirty = true, true
	}
}

// trim forgets peers past maxKnownPeers, other than keep and the
// bootstrap peers: the least recently seen of those never synced with
// first, then of the others; k.mu is held.
func (k *knownPeers) trim(keep peer.ID) {
	for len(k.peers) > maxKnownPeers {
		var oldest peer.ID
		var at time.Time
		var synced bool
		for id, kp := range k.peers {
			if id == keep || kp.bootstrap {
				continue
			}
			if oldest == "" || synced && !kp.synced || synced == kp.synced && kp.lastSeen.Before(at) {
				oldest, at, synced = id, kp.lastSeen, kp.synced
			}
		}
		if oldest == "" {
			return
		}
		delete(k.peers, oldest)
		k.dirty = true
	}
}

// prune forgets the peers, other than bootstrap peers, unseen for
// forgetAfter: they are no longer saved, nor redialled.
func (k *knownPeers) prune(now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for id, kp := range k.peers {
		if !kp.bootstrap && !kp.dialing && now.Sub(kp.lastSeen) > forgetAfter {
			delete(k.peers, id)
			k.dirty = true
		}
	}
}

// addBootstrap records a configured peer; it is kept and redialled
// whatever happens.
func (k *knownPeers) addBootstrap(ai peer.AddrInfo) {
	k.mu.Lock()
	defer k.mu.Unlock()
	kp := k.entry(ai.ID)
	kp.bootstrap = true
	kp.addrs = append(slices.Clone(ai.Addrs), kp.addrs...)
	kp.addrs = slices.CompactFunc(kp.addrs, func(a, b ma.Multiaddr) bool { return a.Equal(b) })
}

// connected resets the backoff of a peer that connected.
func (k *knownPeers) connected(id peer.ID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if kp := k.peers[id]; kp != nil {
		kp.backoff, kp.nextDial = redialMin, time.Time{}
		kp.lastSeen = time.Now()
		k.dirty = true
	}
}

// due returns the peers to dial now among those not connected, and
// marks them as being dialled.
func (k *knownPeers) due(now time.Time, connected func(peer.ID) bool, banned func(peer.ID) bool, limit int) []peer.AddrInfo {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []peer.AddrInfo
	for id, kp := range k.peers {
		if len(out) == limit {
			break
		}
		if kp.dialing || now.Before(kp.nextDial) || len(kp.addrs) == 0 || connected(id) || banned(id) {
			continue
		}
		kp.dialing = true
		out = append(out, peer.AddrInfo{ID: id, Addrs: slices.Clone(kp.addrs)})
	}
	return out
}

// dialed records the outcome of a dial: success resets the backoff,
// failure doubles it, with jitter, up to redialMax.
func (k *knownPeers) dialed(id peer.ID, err error, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	kp := k.peers[id]
	if kp == nil {
		return
	}
	kp.dialing = false
	if err == nil {
		kp.backoff, kp.nextDial = redialMin, time.Time{}
		return
	}
	wait := kp.backoff/2 + rand.N(kp.backoff/2+1)
	kp.nextDial = now.Add(wait)
	kp.backoff = min(kp.backoff*2, redialMax)
}

// dialLoop keeps the node connected to its bootstrap and known peers,
// dialling those that are not connected when their backoff allows.
func (n *Node) dialLoop(ctx context.Context) {
	for _, a := range n.cfg.Bootstrap {
		ai, err := addrInfo(a)
		if err != nil || ai.ID == n.host.ID() {
			continue
		}
		n.known.addBootstrap(ai)
		n.host.ConnManager().Protect(ai.ID, bootstrapTag)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, maxParallelDials)
	t := time.NewTicker(dialTick)
	defer t.Stop()
	self := n.host.ID()
	for {
		connected := func(id peer.ID) bool {
			return id == self || n.host.Network().Connectedness(id) == network.Connected
		}
		skip := func(id peer.ID) bool { return n.pen.banned(id) || !n.acc.admits(id) }
		for _, ai := range n.known.due(time.Now(), connected, skip, maxParallelDials) {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				n.known.dialed(ai.ID, ctx.Err(), time.Now())
				return
			}
			wg.Go(func() {
				defer func() { <-sem }()
				n.host.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.TempAddrTTL)
				dctx, cancel := context.WithTimeout(ctx, dialTimeout)
				err := n.host.Connect(dctx, ai)
				cancel()
				n.known.dialed(ai.ID, err, time.Now())
				if err != nil && ctx.Err() == nil {
					n.log.Debug("dial known peer", "peer", ai.ID, "err", err)
				}
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
