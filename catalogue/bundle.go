package catalogue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Bundles are CAR v1 files: the header's roots are the document IDs,
// the blocks are every revision of those documents in clock order
// (parents before children) and the attachment blocks held for them.
// They carry entries between nodes without a network (a USB key) and
// serve as backups.

// BundleResult says what a bundle export or import held.
type BundleResult struct {
	Docs      int `json:"docs"`            // entries
	Trust     int `json:"trust,omitempty"` // trust records of the network (docs/protocol.md, Part 4)
	Revisions int `json:"revisions"`       // of both
	Blocks    int `json:"blocks"`          // raw attachment blocks (stored, on import)
	Added     int `json:"added"`           // revisions new to this catalogue (import)
	// Ignored counts, on import, the raw blocks that no revision of
	// the bundle's entries lists, in the bundle or held here: they are
	// not stored.
	Ignored int `json:"ignored,omitempty"`
	// Erased counts, on export, the revisions left out because their
	// content was erased (docs/protocol.md §4.14).
	Erased int `json:"erased,omitempty"`
}

// BundleOptions configure ImportBundle.
type BundleOptions struct {
	// Name is the bundle's name in messages; the path when empty (a
	// running node names the file its client sent, not its copy).
	Name string
	// Progress, when set, is told the bytes of the file read so far,
	// of twice its size: it is read twice, to verify, then to store
	// the attachments.
	Progress func(done, total int)
}

// ExportBundle writes the given entries as a CAR v1 stream to w; when
// ids is empty, the whole catalogue: the network's trust records
// first, then every entry, retracted ones included. An ID of a trust
// record is no entry's (ErrNotFound).
func (c *Catalogue) ExportBundle(ctx context.Context, w io.Writer, ids []cid.Cid) (*BundleResult, error) {
	res := &BundleResult{}
	if len(ids) == 0 {
		for _, rec := range c.TrustRecords() {
			ids = append(ids, rec.CID)
		}
		res.Trust = len(ids)
		list, err := c.List(ListOptions{Retracted: true})
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			ids = append(ids, s.ID)
		}
	} else {
		for _, id := range ids {
			if c.trust.isDoc(id) {
				return nil, errorf(ErrNotFound, "%s is a trust record of the network, not an entry; a bundle of the whole catalogue carries the trust records", id)
			}
		}
	}
	if len(ids) == 0 {
		return nil, errorf(ErrNotFound, "the catalogue is empty: there is nothing to export")
	}
	res.Docs = len(ids) - res.Trust
	car, err := storage.NewWritable(w, ids, carv2.WriteAsCarV1(true))
	if err != nil {
		return nil, fmt.Errorf("bundle: start CAR: %w", err)
	}
	for _, id := range ids {
		history, err := c.store.History(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
		}
		if err != nil {
			return nil, fmt.Errorf("bundle: history of %s: %w", id, err)
		}
		// History is newest first; parents must come first.
		for i := len(history) - 1; i >= 0; i-- {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rc := history[i]
			r, data, err := c.store.Revision(rc)
			if errors.Is(err, store.ErrErased) {
				// Its content is gone (§4.14): a node that holds its
				// stub takes the bundle; another lacks it as a parent.
				res.Erased++
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("bundle: read revision %s: %w", rc, err)
			}
			if err := car.Put(ctx, rc.KeyString(), data); err != nil {
				return nil, fmt.Errorf("bundle: write revision %s: %w", rc, err)
			}
			res.Revisions++
			for _, a := range r.Attachments {
				for _, b := range a.Blocks {
					if ok, _ := car.Has(ctx, b.KeyString()); ok {
						continue
					}
					data, err := c.store.Block(b)
					if errors.Is(err, store.ErrNotFound) {
						continue // not fetched here; the receiver fetches it from peers
					}
					if err != nil {
						return nil, fmt.Errorf("bundle: read block %s: %w", b, err)
					}
					if err := car.Put(ctx, b.KeyString(), data); err != nil {
						return nil, fmt.Errorf("bundle: write block %s: %w", b, err)
					}
					res.Blocks++
				}
			}
		}
	}
	return res, nil
}

// ImportBundle reads a CAR file written by ExportBundle (or any CAR of
// mutu blocks). Every block is verified (CID, and for revisions the
// encoding, record rules and signature) before anything is stored; a
// bad block refuses the whole bundle with its CID named, and the
// revisions are stored in one atomic batch, so nothing of a bad bundle
// is half-applied.
//
// The header's roots must all be revisions held in the file, and every
// revision's parents must be in the file or held here; otherwise the
// bundle is refused, naming the root or the revision and its missing
// parent, with an error matching protocol.ErrInvalid. A raw block is
// stored only if a revision of the bundle's entries lists it among its
// attachments' blocks, whether that revision is in the bundle or held
// here; the others are counted in BundleResult.Ignored and dropped, so
// that a bundle cannot fill the store with data nothing refers to.
func (c *Catalogue) ImportBundle(ctx context.Context, path string, opts BundleOptions) (*BundleResult, error) {
	name := cmp.Or(opts.Name, path)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	progress := newBundleProgress(path, opts.Progress)
	scan, err := scanBundle(ctx, progress.reader(f), func(k cid.Cid, data []byte) (protocol.Verified, error) {
		return c.verifyReceived(protocol.Block{CID: k, Data: data})
	})
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("bundle %s refused, nothing stored: %w", name, err)
	}
	roots, revs := scan.roots, scan.revs
	res := &BundleResult{Docs: scan.docs, Trust: scan.trust}
	res.Revisions = len(revs)
	referenced, err := c.referencedBlocks(roots, revs)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", name, err)
	}
	ch, err := c.storeBundle(ctx, revs)
	if err != nil {
		return nil, errorf(err, "bundle %s refused, nothing stored: %s", name, protocol.Sentence(err))
	}
	res.Added = len(ch.Added)
	c.attach.touch(revs)
	// Second pass: the attachment blocks.
	var batch []protocol.Block
	var size int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.store.PutBlocks(batch)
		batch, size = batch[:0], 0
		return err
	}
	_, err = readBundle(path, progress, func(k cid.Cid, data []byte) error {
		if k.Prefix().Codec != protocol.CodecRaw {
			return nil
		}
		if !referenced[k.KeyString()] {
			res.Ignored++
			return nil
		}
		res.Blocks++
		batch = append(batch, protocol.Block{CID: k, Data: data})
		if size += len(data); size >= 8<<20 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return res, fmt.Errorf("bundle %s: entries stored, attachments incomplete (import it again to finish): %w", name, err)
	}
	if res.Ignored > 0 {
		c.log.Warn("bundle blocks not stored: no entry lists them", "bundle", name, "blocks", res.Ignored)
	}
	for _, v := range revs {
		c.clock.Observe(v.Rev.Clock)
	}
	if err := c.catchUpIndex(ctx); err != nil {
		c.log.Warn("search index not updated", "err", err)
		c.wakeIndexer()
	}
	return res, nil
}

// storeBundle stores the revisions of a bundle in one atomic batch, by
// the one write path: its trust records are folded into the roster
// before its entries are judged, so that a bundle that carries the
// certificates of its entries' authors is taken whole. A revision
// refused refuses the bundle, with the first one named.
func (c *Catalogue) storeBundle(ctx context.Context, revs []protocol.Verified) (store.Changes, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	rejected := make(map[cid.Cid]error)
	j := c.judge(c.Network(), revs, rejected)
	for _, v := range revs {
		if err, ok := rejected[v.CID]; ok {
			more := ""
			if n := len(rejected) - 1; n > 0 {
				more = fmt.Sprintf(" (and %d more revisions refused)", n)
			}
			if errors.Is(err, protocol.ErrWrongNetwork) {
				more += "; to carry entries to another network, export them alone (mutu bundle export FILE ID...)"
			}
			return store.Changes{}, errorf(err, "revision %s: %s%s", v.CID, protocol.Sentence(err), more)
		}
	}
	ch, _, err := c.storeJudged(ctx, j, func(ok []protocol.Verified) (store.Changes, []error, error) {
		ch, err := c.store.Put(ok)
		return ch, nil, err
	})
	if err != nil {
		return store.Changes{}, bundleRule(err)
	}
	return ch, nil
}

// bundleScan is what the first pass over a bundle found.
type bundleScan struct {
	roots []cid.Cid
	revs  []protocol.Verified // every revision, verified
	docs  int                 // first revisions of entries among them
	trust int                 // trust records among them
}

// scanBundle reads a bundle from r and verifies every block: the
// revisions with verify, the raw blocks against their CID and size.
// It refuses a block of another codec, and a root that is not a
// revision of the file. It keeps the revisions, and no raw block.
func scanBundle(ctx context.Context, r io.Reader, verify func(cid.Cid, []byte) (protocol.Verified, error)) (*bundleScan, error) {
	scan := &bundleScan{}
	inFile := make(map[string]bool) // revisions of the file, by key
	held := 0                       // bytes of the revisions kept
	roots, err := readCAR(r, func(k cid.Cid, data []byte) error {
		switch k.Prefix().Codec {
		case protocol.CodecDagCBOR:
			if held += len(data); held > maxBundleRevisions {
				return protocol.Errorf(protocol.CodeTooLarge,
					"the bundle's revisions exceed %d MiB, which an import holds in memory to check them all before storing any: export the entries in several bundles (mutu bundle export FILE ID...)",
					maxBundleRevisions>>20)
			}
			v, err := verify(k, data)
			if err != nil {
				return err
			}
			scan.revs = append(scan.revs, v)
			inFile[k.KeyString()] = true
			switch {
			case trust.IsTrust(v.Rev):
				scan.trust++
			case !v.Rev.Doc.Defined():
				scan.docs++
			}
		case protocol.CodecRaw:
			if len(data) > protocol.MaxBlockSize {
				return protocol.Errorf(protocol.CodeTooLarge, "block %s is %d bytes, limit %d", k, len(data), protocol.MaxBlockSize)
			}
		default:
			return protocol.Errorf(protocol.CodeBadCID, "block %s: codec %#x is not used by mutu", k, k.Prefix().Codec)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, root := range roots {
		if !inFile[root.KeyString()] {
			return nil, protocol.Errorf(protocol.CodeInvalid,
				"its header names entry %s, which is not in the file: the file is incomplete or was not written by `mutu bundle export`; export it again", root)
		}
	}
	scan.roots = roots
	return scan, nil
}

// referencedBlocks returns the attachment blocks that the revisions of
// the documents of a bundle list, by key: those of the revisions revs
// of the bundle, and those of the revisions held of the documents
// they belong to or the roots name.
func (c *Catalogue) referencedBlocks(roots []cid.Cid, revs []protocol.Verified) (map[string]bool, error) {
	refs := make(map[string]bool)
	add := func(r *protocol.Revision) {
		for _, a := range r.Attachments {
			for _, b := range a.Blocks {
				refs[b.KeyString()] = true
			}
		}
	}
	docs := make(map[string]cid.Cid)
	for _, r := range roots {
		docs[r.KeyString()] = r
	}
	inBundle := make(map[string]bool, len(revs))
	for _, v := range revs {
		add(v.Rev)
		inBundle[v.CID.KeyString()] = true
		doc := v.Rev.Doc
		if !doc.Defined() {
			doc = v.CID
		}
		docs[doc.KeyString()] = doc
	}
	for _, doc := range docs {
		history, err := c.store.History(doc)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", doc, err)
		}
		for _, rc := range history {
			if inBundle[rc.KeyString()] {
				continue
			}
			r, _, err := c.store.Revision(rc)
			if errors.Is(err, store.ErrErased) {
				continue // it names no block any more
			}
			if err != nil {
				return nil, fmt.Errorf("read revision %s: %w", rc, err)
			}
			add(r)
		}
	}
	return refs, nil
}

// bundleRule says which revision of a bundle breaks a rule of the
// store. A parent neither in the bundle nor held is the bundle's fault,
// not a revision to fetch later as in sync: the error names the
// revision and what it lacks, and matches protocol.ErrInvalid.
func bundleRule(err error) error {
	var re *store.RevisionError
	var mp *store.MissingParentError
	if errors.As(err, &re) && errors.As(err, &mp) {
		missing := make([]string, len(mp.Missing))
		for i, m := range mp.Missing {
			missing[i] = m.String()
		}
		return protocol.Errorf(protocol.CodeInvalid,
			"revision %s needs %s, which is neither in the bundle nor held here: the bundle lacks the start of the entry's history; "+
				"export it again with `mutu bundle export` from a node that holds the whole entry, or first import the bundle that holds %s",
			re.CID, strings.Join(missing, ", "), strings.Join(missing, ", "))
	}
	return translateRule(err)
}

// readBundle calls fn for every block of the CAR file at path, after
// checking that the block's bytes match its CID, and returns the roots
// its header names. A file that is not a CAR, or is cut short or
// altered, is refused with an error matching protocol.ErrMalformed
// that says where: which block, after which CID.
func readBundle(path string, progress *bundleProgress, fn func(cid.Cid, []byte) error) ([]cid.Cid, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCAR(progress.reader(f), fn)
}

// bundleProgress tells progress, if not nil, the bytes of a bundle
// read over its two passes (verifying, then storing the attachments):
// done of twice the file's size.
type bundleProgress struct {
	done, total int
	progress    func(done, total int)
}

func newBundleProgress(path string, progress func(done, total int)) *bundleProgress {
	p := &bundleProgress{progress: progress}
	if st, err := os.Stat(path); err == nil {
		p.total = 2 * int(st.Size())
	}
	return p
}

// reader returns r counting what is read from it.
func (p *bundleProgress) reader(r io.Reader) io.Reader {
	if p == nil || p.progress == nil {
		return r
	}
	return &countingReader{r: r, p: p}
}

type countingReader struct {
	r io.Reader
	p *bundleProgress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.p.done += n
		c.p.progress(c.p.done, max(c.p.total, c.p.done))
	}
	return n, err
}

// readCAR is readBundle on a stream. Memory is bounded by the largest
// block it accepts (a revision, plus room for its section header),
// whatever the stream holds.
func readCAR(r io.Reader, fn func(cid.Cid, []byte) error) ([]cid.Cid, error) {
	br, err := carv2.NewBlockReader(r, carv2.MaxAllowedSectionSize(protocol.MaxRevisionSize+1024),
		carv2.MaxAllowedHeaderSize(maxBundleHeader),
		// Blocks are checked below, so that a bad one is named with its CID.
		carv2.WithTrustedCAR(true))
	if err == io.EOF {
		return nil, errorf(protocol.ErrMalformed, "not a CAR file: the file is empty")
	}
	if err != nil {
		return nil, errorf(protocol.ErrMalformed, "not a CAR file: its header cannot be read (%v)", err)
	}
	var n int        // blocks read
	var last cid.Cid // the last block read
	for {
		blk, err := br.Next()
		if err == io.EOF {
			return br.Roots, nil
		}
		if err != nil {
			return nil, damagedBundle(n+1, last, err)
		}
		n, last = n+1, blk.Cid()
		if err := protocol.CheckCID(blk.Cid(), blk.RawData()); err != nil {
			return nil, errorf(err, "block %d: %s", n, protocol.Sentence(err))
		}
		if err := fn(blk.Cid(), blk.RawData()); err != nil {
			return nil, errorf(err, "block %d (%s): %s", n, blk.Cid(), protocol.Sentence(err))
		}
	}
}

// maxBundleRevisions bounds the bytes of the revisions of a bundle,
// which an import holds until it has checked them all: some 150,000
// notes of common size.
var maxBundleRevisions = 512 << 20 // a variable for the tests

// maxBundleHeader bounds the CAR header, which lists the roots: the
// IDs of the bundle's entries, some 40 bytes each.
const maxBundleHeader = 32 << 20

// damagedBundle says that block n of a CAR file, which follows the
// block prev (undefined for the first), cannot be read.
func damagedBundle(n int, prev cid.Cid, err error) error {
	where := fmt.Sprintf("block %d, the first", n)
	if prev.Defined() {
		where = fmt.Sprintf("block %d, after %s", n, prev)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(protocol.ErrMalformed, "the CAR file is damaged: it ends in the middle of %s (it was cut short; copy or export it again)", where)
	}
	return errorf(protocol.ErrMalformed, "the CAR file is damaged at %s (%v)", where, err)
}
