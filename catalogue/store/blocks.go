package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// PutBlocks stores raw attachment blocks, all or none. Each must be a
// raw block whose CID addresses its bytes (protocol.CheckCID) within
// protocol.MaxBlockSize; revisions go through Put. Blocks already held
// are skipped.
func (s *Store) PutBlocks(blocks []protocol.Block) error {
	for _, b := range blocks {
		if b.CID.Defined() && b.CID.Type() != protocol.CodecRaw {
			return fmt.Errorf("put block %s: %w", b.CID, protocol.Errorf(protocol.CodeInvalid, "not a raw block: revisions are stored with Put"))
		}
		if limit := min(s.maxValue, protocol.MaxBlockSize); len(b.Data) > limit {
			return fmt.Errorf("put block %s: %w", b.CID, protocol.Errorf(protocol.CodeTooLarge, "block is %d bytes, limit %d", len(b.Data), limit))
		}
		if err := protocol.CheckCID(b.CID, b.Data); err != nil {
			return fmt.Errorf("put block %s: %w", b.CID, err)
		}
	}
	if len(blocks) == 0 {
		return nil
	}
	op := fmt.Sprintf("put %d blocks from %s", len(blocks), blocks[0].CID)
	size := 0
	for _, b := range blocks {
		size += len(b.Data)
	}
	if err := s.RoomFor(op, size); err != nil {
		return err
	}
	return s.update(op, func(txn *badger.Txn) error {
		for _, b := range blocks {
			if err := refuseErased(txn, b.CID); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			k := blockKey(b.CID)
			held, err := exists(txn, k)
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			if held {
				continue
			}
			if err := writeError(txn.Set(k, b.Data)); err != nil {
				if errors.Is(err, errTxnTooBig) {
					return fmt.Errorf("%s: %w", op, protocol.Errorf(protocol.CodeTooLarge, "too many blocks for one call: put them in smaller groups"))
				}
				return fmt.Errorf("%s: %w", op, err)
			}
		}
		return nil
	})
}

// Block returns the bytes of block c, a revision or a raw block;
// ErrNotFound if it is not held, which matches ErrErased too if it was
// erased.
func (s *Store) Block(c cid.Cid) ([]byte, error) {
	var data []byte
	err := s.view(func(txn *badger.Txn) error {
		var err error
		data, err = getBlock(txn, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read block %s: %w", c, err)
	}
	return data, nil
}

// Has reports whether block c, a revision or a raw block, is held.
func (s *Store) Has(c cid.Cid) (bool, error) {
	var held bool
	err := s.view(func(txn *badger.Txn) error {
		var err error
		held, err = exists(txn, blockKey(c))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("read block %s: %w", c, err)
	}
	return held, nil
}

// Revision returns revision c decoded, and its encoded bytes;
// ErrNotFound if it is not held, which matches ErrErased too if it was
// erased (Erased returns its stub).
func (s *Store) Revision(c cid.Cid) (*protocol.Revision, []byte, error) {
	var (
		rev  *protocol.Revision
		data []byte
	)
	err := s.view(func(txn *badger.Txn) error {
		var err error
		rev, data, err = readRevision(txn, c)
		return err
	})
	return rev, data, err
}

// readRevision reads and decodes revision c.
func readRevision(txn *badger.Txn, c cid.Cid) (*protocol.Revision, []byte, error) {
	if !isRevisionCID(c) {
		return nil, nil, fmt.Errorf("read revision %s: not a revision CID: %w", c, ErrNotFound)
	}
	data, err := getBlock(txn, c)
	if err != nil {
		return nil, nil, fmt.Errorf("read revision %s: %w", c, err)
	}
	rev, err := protocol.DecodeRevision(data)
	if err != nil {
		return nil, nil, fmt.Errorf("read revision %s: %w: %v", c, ErrCorrupt, err)
	}
	return rev, data, nil
}

// getBlock returns the bytes of block c; ErrNotFound if it is not
// held, an error matching ErrErased too if it was erased.
func getBlock(txn *badger.Txn, c cid.Cid) ([]byte, error) {
	data, err := getValue(txn, blockKey(c))
	if !errors.Is(err, ErrNotFound) {
		return data, err
	}
	if erased, eerr := exists(txn, erasedKey(c)); eerr != nil {
		return nil, eerr
	} else if erased {
		return nil, erasedError{c}
	}
	return nil, err
}
