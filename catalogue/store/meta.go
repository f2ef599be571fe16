package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// maxMetaKey caps the length of a metadata key.
const maxMetaKey = 256

// GetMeta returns the value stored under key by SetMeta; ErrNotFound
// if there is none. The metadata area holds other packages' small
// records: the search index's applied mark, node settings, known peers.
func (s *Store) GetMeta(key string) ([]byte, error) {
	if err := checkMetaKey(key); err != nil {
		return nil, err
	}
	var v []byte
	err := s.view(func(txn *badger.Txn) error {
		var err error
		v, err = getValue(txn, metaKey(key))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read metadata %q: %w", key, err)
	}
	return v, nil
}

// SetMeta stores val under key, replacing any earlier value, durably
// unless Options.NoSync is set.
func (s *Store) SetMeta(key string, val []byte) error {
	if err := checkMetaKey(key); err != nil {
		return err
	}
	op := fmt.Sprintf("write metadata %q", key)
	if err := s.RoomFor(op, len(val)); err != nil {
		return err
	}
	return s.update(op, func(txn *badger.Txn) error {
		return storageError(op, txn.Set(metaKey(key), append([]byte(nil), val...)))
	})
}

// SetMetas stores several keys in one transaction: all or none, with
// one sync to disk. It is for batches of small records (the import
// keys of a folder); a batch must fit one transaction.
func (s *Store) SetMetas(kv map[string][]byte) error {
	for k := range kv {
		if err := checkMetaKey(k); err != nil {
			return err
		}
	}
	op := fmt.Sprintf("write %d metadata keys", len(kv))
	size := 0
	for k, v := range kv {
		size += len(k) + len(v)
	}
	if err := s.RoomFor(op, size); err != nil {
		return err
	}
	return s.update(op, func(txn *badger.Txn) error {
		for k, v := range kv {
			if err := txn.Set(metaKey(k), append([]byte(nil), v...)); err != nil {
				return storageError(op, err)
			}
		}
		return nil
	})
}

// DeleteMeta removes key; removing a key that is not there is not an
// error.
func (s *Store) DeleteMeta(key string) error {
	if err := checkMetaKey(key); err != nil {
		return err
	}
	op := fmt.Sprintf("delete metadata %q", key)
	return s.update(op, func(txn *badger.Txn) error {
		return storageError(op, txn.Delete(metaKey(key)))
	})
}

func checkMetaKey(key string) error {
	if key == "" || len(key) > maxMetaKey {
		return fmt.Errorf("metadata key %q: %w", key, errors.New("must be 1 to 256 bytes"))
	}
	return nil
}
