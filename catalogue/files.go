package catalogue

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// ExportResult says what Export wrote.
type ExportResult struct {
	Files       []string // Markdown files written, relative to the directory
	Attachments int      // attachment files written
}

// Export writes one Markdown file per current entry into dir, with its
// complete front matter (the ID and every unknown key included), and
// its attachments in a directory of the same name beside it. Files are
// named after the title; an existing file of the same name is replaced.
func (c *Catalogue) Export(ctx context.Context, dir string, ids []cid.Cid) (*ExportResult, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: create %s: %w", dir, err)
	}
	if len(ids) == 0 {
		list, err := c.List(ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			ids = append(ids, s.ID)
		}
	}
	res := &ExportResult{}
	used := make(map[string]bool)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		d, err := c.Get(id)
		if err != nil {
			return res, err
		}
		if d.Retracted || d.Entry == nil {
			continue
		}
		base := exportName(d.Entry.Title(), id, used)
		f := entry.File{Entry: *d.Entry, ID: id}
		for _, a := range d.Attachments {
			var buf bytes.Buffer
			if _, err := c.WriteAttachment(id, a.Name, &buf); err != nil {
				if errors.Is(err, ErrNotFound) {
					c.log.Warn("attachment not exported: not fetched yet", "entry", id, "attachment", a.Name)
					continue
				}
				return res, err
			}
			path := filepath.Join(dir, base, a.Name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return res, fmt.Errorf("export: %w", err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				return res, fmt.Errorf("export: %w", err)
			}
			f.Attachments = append(f.Attachments, entry.Attachment{Name: a.Name, Type: a.Type, Size: a.Size, CID: protocol.BlockCID(buf.Bytes())})
			res.Attachments++
		}
		data, err := f.Marshal()
		if err != nil {
			return res, fmt.Errorf("export entry %s: %w", id, err)
		}
		if err := os.WriteFile(filepath.Join(dir, base+".md"), data, 0o644); err != nil {
			return res, fmt.Errorf("export: %w", err)
		}
		res.Files = append(res.Files, base+".md")
	}
	return res, nil
}

// exportName returns a file name for an entry: its title folded to
// lowercase ASCII words joined by dashes, made unique with the end of
// its ID.
func exportName(title string, id cid.Cid, used map[string]bool) string {
	var b strings.Builder
	dash := false
	for _, r := range foldASCII(strings.ToLower(title)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		name = "entree"
	}
	if used[name] {
		s := id.String()
		name += "-" + s[len(s)-8:]
	}
	used[name] = true
	return name
}

var asciiFold = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ô", "o", "ö", "o", "ó", "o", "ù", "u", "û", "u", "ü", "u", "ú", "u",
	"ÿ", "y", "ñ", "n", "œ", "oe", "æ", "ae",
)

func foldASCII(s string) string { return asciiFold.Replace(s) }

// ImportOptions configure Import.
type ImportOptions struct {
	// Kind is the kind of files whose front matter has none.
	Kind entry.Kind
	// Progress, when set, is called after each file with the files
	// done and the total.
	Progress func(done, total int)
}

// ImportResult says what Import did with each file.
type ImportResult struct {
	Published []ImportedFile
	Edited    []ImportedFile
	Unchanged []ImportedFile
	Failed    []FailedFile
	Warnings  []entry.Warning
}

// ImportedFile is a file and the entry it went to.
type ImportedFile struct {
	Path string
	ID   cid.Cid
}

// FailedFile is a file that was refused, and why. A refused file
// changes nothing.
type FailedFile struct {
	Path string
	Err  error
}

// Import publishes every .md file under dir. A file whose content was
// already imported by the same author, or that matches the entry its
// id names, creates nothing: importing the same folder twice creates
// nothing new. A file whose id names an entry of this author with
// other content becomes an edit of it. Files are read in path order;
// new entries are committed in batches.
func (c *Catalogue) Import(ctx context.Context, author ed25519.PrivateKey, dir string, opts ImportOptions) (*ImportResult, error) {
	if opts.Kind == "" {
		opts.Kind = entry.KindNote
	}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".md") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import: read %s: %w", dir, err)
	}
	sort.Strings(paths)
	res := &ImportResult{}
	b := &importBatch{c: c, author: author, res: res}
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := c.importFile(ctx, b, p, opts.Kind); err != nil {
			res.Failed = append(res.Failed, FailedFile{Path: p, Err: err})
		}
		if b.full() {
			if err := b.flush(); err != nil {
				return res, err
			}
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(paths))
		}
	}
	return res, b.flush()
}

func (c *Catalogue) importFile(ctx context.Context, b *importBatch, path string, kind entry.Kind) error {
	data, err := readEntryFile(path)
	if err != nil {
		return err
	}
	f, warnings, err := entry.Parse(path, data, kind)
	if err != nil {
		return err
	}
	b.res.Warnings = append(b.res.Warnings, warnings...)
	files, err := attachmentFiles(path, f.Attachments)
	if err != nil {
		return err
	}
	key, err := contentKey(protocol.PublicKey(b.author), &f.Entry, f.Attachments)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if id, ok := b.seen[key]; ok {
		b.res.Unchanged = append(b.res.Unchanged, ImportedFile{Path: path, ID: id})
		return nil
	}
	if raw, err := c.store.GetMeta(key); err == nil {
		if id, err := cid.Cast(raw); err == nil {
			if _, err := c.store.Doc(id); err == nil {
				b.res.Unchanged = append(b.res.Unchanged, ImportedFile{Path: path, ID: id})
				return nil
			}
		}
	}
	if f.ID.Defined() {
		d, err := c.store.Doc(f.ID)
		switch {
		case err == nil && !d.Retracted && d.Rev != nil && sameEntry(d.Rev.Entry, &f.Entry) && len(files) == 0:
			b.res.Unchanged = append(b.res.Unchanged, ImportedFile{Path: path, ID: f.ID})
			return nil
		case err == nil:
			if err := b.flush(); err != nil { // keep the order of writes
				return err
			}
			p, err := c.Edit(ctx, b.author, f.ID, &f.Entry, EditOptions{Files: files})
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			b.res.Edited = append(b.res.Edited, ImportedFile{Path: path, ID: p.Doc})
			return c.store.SetMeta(key, p.Doc.Bytes())
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("%s: read entry %s: %w", path, f.ID, err)
		}
		// The entry comes from another node's export: publish it here.
	}
	atts, err := c.putFiles(ctx, files)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b.add(path, key, &protocol.Revision{
		Op:          protocol.OpPut,
		Entry:       &protocol.Entry{Meta: f.Meta, Body: f.Body},
		Attachments: atts,
	})
	return nil
}

// readEntryFile reads an entry file, refusing one over the size limit
// before reading it whole.
func readEntryFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, protocol.MaxEntryFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > protocol.MaxEntryFileSize {
		return nil, &entry.Error{File: path, Problem: fmt.Sprintf("the file is over %d bytes", protocol.MaxEntryFileSize), Fix: "split it, or attach large content as files", Err: entry.ErrTooLarge}
	}
	return data, nil
}

// attachmentFiles opens the attachments a file lists, from the
// directory beside it named like it without ".md". Listed attachments
// that are absent are skipped: an edit keeps the stored ones.
func attachmentFiles(path string, atts []entry.Attachment) ([]File, error) {
	dir := strings.TrimSuffix(path, filepath.Ext(path))
	var files []File
	for _, a := range atts {
		data, err := os.ReadFile(filepath.Join(dir, a.Name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: attachment %q: %w", path, a.Name, err)
		}
		if a.CID.Defined() && !protocol.BlockCID(data).Equals(a.CID) {
			return nil, fmt.Errorf("%s: attachment %q does not match the CID its entry records (%s): the file was changed or damaged: %w", path, a.Name, a.CID, protocol.ErrBadCID)
		}
		files = append(files, File{Name: a.Name, Type: a.Type, Data: bytes.NewReader(data)})
	}
	return files, nil
}

// contentKey identifies what a file would publish, for one author.
func contentKey(author protocol.AuthorKey, e *entry.Entry, atts []entry.Attachment) (string, error) {
	enc, err := protocol.Marshal(map[string]any{"meta": e.Meta, "body": e.Body})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(author[:])
	h.Write(enc)
	for _, a := range atts {
		fmt.Fprintf(h, "\x00%s\x00%s", a.Name, a.CID)
	}
	return "import/" + hex.EncodeToString(h.Sum(nil)), nil
}

func sameEntry(a *protocol.Entry, b *entry.Entry) bool {
	if a == nil {
		return false
	}
	x, err1 := protocol.Marshal(map[string]any{"meta": a.Meta, "body": a.Body})
	y, err2 := protocol.Marshal(map[string]any{"meta": b.Meta, "body": b.Body})
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// importBatch collects new entries and commits them together.
type importBatch struct {
	c      *Catalogue
	author ed25519.PrivateKey
	res    *ImportResult
	revs   []*protocol.Revision
	paths  []string
	keys   []string
	seen   map[string]cid.Cid
}

const importBatchSize = 256

func (b *importBatch) add(path, key string, r *protocol.Revision) {
	b.revs = append(b.revs, r)
	b.paths = append(b.paths, path)
	b.keys = append(b.keys, key)
	if b.seen == nil {
		b.seen = make(map[string]cid.Cid)
	}
	b.seen[key] = cid.Undef
}

func (b *importBatch) full() bool { return len(b.revs) >= importBatchSize }

// flush signs the batch, records its import keys, then stores it. The
// keys go first, in one transaction: the IDs are known once signed, and
// a key whose entry is not held counts as not imported, so a crash in
// between only makes the next import publish the file again.
func (b *importBatch) flush() error {
	if len(b.revs) == 0 {
		return nil
	}
	pubs, err := b.c.commitMany(b.author, b.revs, func(pubs []*Published) error {
		kv := make(map[string][]byte, len(pubs))
		for i, p := range pubs {
			kv[b.keys[i]] = p.Doc.Bytes()
		}
		return b.c.store.SetMetas(kv)
	})
	if err != nil {
		return err
	}
	for i, p := range pubs {
		b.res.Published = append(b.res.Published, ImportedFile{Path: b.paths[i], ID: p.Doc})
		b.seen[b.keys[i]] = p.Doc
	}
	b.revs, b.paths, b.keys = b.revs[:0], b.paths[:0], b.keys[:0]
	return nil
}
