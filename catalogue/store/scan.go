package store

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// scanPage is how many entries a scan reads per transaction.
const scanPage = 256

// scan is one paged iteration over the keys that start with prefix.
type scan struct {
	prefix  []byte
	from    []byte // first key to visit (last, if reverse); nil: the first (last) key of prefix
	after   bool   // skip from itself: it is an exclusive cursor
	reverse bool
	values  bool // read values too
}

// scanKeys calls fn for each key, and its value if asked, in key order (or
// reverse key order). Each page is read in its own read transaction
// and fn runs with none open, so fn may call the store or block; keys
// committed meanwhile may or may not be visited. fn's error stops the
// scan and is returned as is.
func (s *Store) scanKeys(sc scan, fn func(k, v []byte) error) error {
	type entry struct{ k, v []byte }
	cursor, skip := sc.from, sc.after
	if cursor == nil {
		cursor, skip = sc.prefix, false
		if sc.reverse {
			cursor = lastKey(sc.prefix)
		}
	}
	for {
		page := make([]entry, 0, scanPage)
		full := false
		err := s.view(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{
				Prefix:         sc.prefix,
				Reverse:        sc.reverse,
				PrefetchValues: sc.values,
				PrefetchSize:   scanPage,
			})
			defer it.Close()
			for it.Seek(cursor); it.ValidForPrefix(sc.prefix); it.Next() {
				item := it.Item()
				if skip && bytes.Equal(item.Key(), cursor) {
					continue
				}
				if len(page) == scanPage {
					full = true
					return nil
				}
				e := entry{k: item.KeyCopy(nil)}
				if sc.values {
					v, err := item.ValueCopy(nil)
					if err != nil {
						return storageError("read "+string(sc.prefix)+" entry", err)
					}
					e.v = v
				}
				page = append(page, e)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e.k, e.v); err != nil {
				return err
			}
		}
		if !full {
			return nil
		}
		cursor, skip = page[len(page)-1].k, true
	}
}

// callbackError carries the error of a caller's callback through
// scanKeys, so that it is returned as is while the store's own errors
// get context.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// callback marks the error of a caller's callback.
func callback(err error) error {
	if err == nil {
		return nil
	}
	return callbackError{err}
}

// iterationError returns the callback's error as is, or the store's
// error with op as context.
func iterationError(err error, op string) error {
	var cb callbackError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cb):
		return cb.err
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}
