package store

import (
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// RevisionsByClock calls fn for every revision held, in the order that
// set reconciliation and bulk sync use: by clock, then by CID bytes.
// It starts after the exclusive cursor (after, afterCID); afterCID
// cid.Undef means every revision with a clock of at least after, so
// (0, cid.Undef) visits everything. To resume, pass the last pair seen.
// An error from fn stops the iteration and is returned as is; fn runs
// with no transaction open.
func (s *Store) RevisionsByClock(after protocol.Clock, afterCID cid.Cid, fn func(clock protocol.Clock, c cid.Cid) error) error {
	prefix := []byte(prefixClock)
	from := key(prefix, be64(uint64(after)), afterCID.Bytes())
	err := s.scanKeys(scan{prefix: prefix, from: from, after: true}, func(k, _ []byte) error {
		r, err := parseRefKey(k[len(prefix):])
		if err != nil {
			return err
		}
		return callback(fn(r.clock, r.cid))
	})
	return iterationError(err, fmt.Sprintf("list revisions after clock %d", after))
}
