package catalogue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// The catalogue remembers which documents are trust records in the
// store's metadata: the list of their CIDs, in the order stored, and
// the change log position it covers (trustKey). Open reads it, then
// the change log after that position, as the search index does, so
// that a crash loses nothing and a restart reads no more than the
// changes since the list was last saved (at most trustSaveEvery, and
// at Close). The list only grows, so it is kept in chunks of
// trustChunk CIDs, and a save rewrites the last chunk or two only.

// trustKey is the metadata key of the list of trust records held: a
// uvarint, the change log position it covers, then another, the
// number of records listed. Their CIDs, in binary one after the
// other, are in chunks under trustKey/0, trustKey/1…
const trustKey = "catalogue/trust"

// trustChunk is how many CIDs a chunk of the list holds: some 150 KB.
var trustChunk = 4096 // a variable for the tests

// trustSaveEvery is how many change log records may follow the saved
// list of trust records before a write saves it again: what Open reads
// of the change log to complete it.
const trustSaveEvery = 4096

// loadTrust reads the trust records held, at Open: the list saved in
// the metadata, then the documents stored after it. It returns the
// roster of the saved list, to compare with the roster of everything
// held: what a crash kept from being withdrawn. The network is
// opts.Network.
func (c *Catalogue) loadTrust() (prev *trust.Roster, err error) {
	t := &c.trust
	t.network = c.opts.Network
	t.ids = make(map[cid.Cid]bool)
	t.changed = make(chan struct{})
	t.modChanged = make(chan struct{})
	saved, mark, found, err := c.readTrustList()
	if err != nil {
		return nil, err
	}
	for _, id := range saved {
		if err := c.loadRecord(id); err != nil {
			return nil, err
		}
	}
	if len(t.records) == len(saved) {
		t.mark, t.saved = mark, len(saved)
	} else {
		// A record of the list is no longer held: list them all again.
		t.mark, t.saved = 0, 0
	}
	if found {
		prev = trust.Fold(t.network, t.records)
	}
	seen := make(map[cid.Cid]bool)
	err = c.store.ChangesSince(mark, func(ch store.Change) error {
		first := len(ch.Revs) == 0 && !seen[ch.Doc] // a change log record of format 1 names no revision
		for _, it := range ch.Revs {
			first = first || it.ID.Equals(ch.Doc)
		}
		seen[ch.Doc] = true
		if !first || t.ids[ch.Doc] {
			return nil
		}
		return c.loadRecord(ch.Doc)
	})
	if err != nil {
		return nil, fmt.Errorf("catalogue: read the trust records stored: %w", err)
	}
	t.roster = trust.Fold(t.network, t.records)
	t.moderation = trust.FoldModeration(t.roster, t.records)
	t.loaded = true
	return prev, nil
}

// loadRecord takes in document id, at Open, if it is a trust record.
func (c *Catalogue) loadRecord(id cid.Cid) error {
	r, data, err := c.store.Revision(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // withdrawn, or a document whose first revision is not held
	}
	if err != nil {
		return fmt.Errorf("catalogue: read trust record %s: %w", id, err)
	}
	if !trust.IsTrust(r) || c.trust.ids[id] {
		return nil
	}
	rec, err := trust.Decode(protocol.Verified{Block: protocol.Block{CID: id, Data: data}, Rev: r})
	if err != nil {
		// Stored before trust records were read (an entry with a
		// "record" key): it stays an entry.
		c.log.Warn("document with a record key is not a trust record; kept as an entry", "doc", id, "err", err)
		return nil
	}
	c.trust.records = append(c.trust.records, rec)
	c.trust.ids[id] = true
	return nil
}

// openedTrust finishes what loadTrust began, once the search index is
// ready: it withdraws what the records stored after the saved list no
// longer vouch for, and saves the list.
func (c *Catalogue) openedTrust(ctx context.Context, prev *trust.Roster) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.withdraw(ctx, c.Roster().Withdrawals(prev))
	c.maybeSaveTrust()
}

// readTrustList reads the saved list of trust records: their CIDs and
// the change log position it covers. found is false when none was
// saved (a store from before trust records), or when it is damaged:
// then the whole change log is read.
func (c *Catalogue) readTrustList() (ids []cid.Cid, mark uint64, found bool, err error) {
	head, err := c.store.GetMeta(trustKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("catalogue: read the list of trust records: %w", err)
	}
	damaged := func(what string) ([]cid.Cid, uint64, bool, error) {
		c.log.Warn("list of trust records damaged: reading the whole change log", "key", trustKey, "problem", what)
		return nil, 0, false, nil
	}
	mark, n := binary.Uvarint(head)
	count, m := uint64(0), 0
	if n > 0 {
		count, m = binary.Uvarint(head[n:])
	}
	if n <= 0 || m <= 0 || n+m != len(head) {
		return damaged("its head does not decode")
	}
	for i := 0; uint64(len(ids)) < count; i++ {
		v, err := c.store.GetMeta(trustChunkKey(i))
		if errors.Is(err, store.ErrNotFound) {
			return damaged(fmt.Sprintf("chunk %d is missing", i))
		}
		if err != nil {
			return nil, 0, false, fmt.Errorf("catalogue: read the list of trust records: %w", err)
		}
		for rest := v; len(rest) > 0 && uint64(len(ids)) < count; {
			k, id, err := cid.CidFromBytes(rest)
			if err != nil {
				return damaged(fmt.Sprintf("chunk %d: %v", i, err))
			}
			ids = append(ids, id)
			rest = rest[k:]
		}
		if uint64(len(ids)) < count && len(ids) != (i+1)*trustChunk {
			return damaged(fmt.Sprintf("chunk %d is short", i))
		}
	}
	return ids, mark, true, nil
}

// trustChunkKey is the metadata key of chunk i of the list of trust
// records.
func trustChunkKey(i int) string { return fmt.Sprintf("%s/%d", trustKey, i) }

// maybeSaveTrust saves the list of trust records when the change log
// has grown by trustSaveEvery records since it was saved. The caller
// holds writeMu.
func (c *Catalogue) maybeSaveTrust() {
	if c.store.ChangeSeq()-c.trust.mark >= trustSaveEvery {
		c.saveTrust()
	}
}

// saveTrust saves the list of trust records and the change log
// position it covers: the chunks that changed since the last save,
// then the head. Records are only ever added to the list, so a chunk
// written before a crash kept the head from following holds what the
// head lists and more: Open reads the records after it again, and
// takes each once. The caller holds writeMu, so that no write is half
// done. A failure is only logged: Open then reads more of the change
// log.
func (c *Catalogue) saveTrust() {
	t := &c.trust
	t.mu.RLock()
	mark := c.store.ChangeSeq()
	records := t.records
	t.mu.RUnlock()
	for i := t.saved / trustChunk; i*trustChunk < len(records); i++ {
		chunk := records[i*trustChunk : min(len(records), (i+1)*trustChunk)]
		v := make([]byte, 0, len(chunk)*40)
		for _, rec := range chunk {
			v = append(v, rec.CID.Bytes()...)
		}
		if err := c.store.SetMeta(trustChunkKey(i), v); err != nil {
			c.log.Warn("list of trust records not saved; the next start reads the change log further back", "err", err)
			return
		}
	}
	head := binary.AppendUvarint(binary.AppendUvarint(nil, mark), uint64(len(records)))
	if err := c.store.SetMeta(trustKey, head); err != nil {
		c.log.Warn("list of trust records not saved; the next start reads the change log further back", "err", err)
		return
	}
	t.mu.Lock()
	t.mark, t.saved = mark, len(records)
	t.mu.Unlock()
}

// closeTrust saves the list of trust records if it is behind the
// change log.
func (c *Catalogue) closeTrust() {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.trust.loaded && c.store.ChangeSeq() != c.trust.mark {
		c.saveTrust()
	}
}
