package catalogue

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/filename"
	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// ImportOptions configure Import.
type ImportOptions struct {
	// Kind is the kind of files whose front matter has none.
	Kind entry.Kind
	// Progress, when set, is called after each file with the files
	// done and the total.
	Progress func(done, total int)
	// Name is the folder's name in results and messages; dir when
	// empty (a running node names the folder its client sent, not its
	// copy).
	Name string
}

// ImportResult says what Import did with each file.
type ImportResult struct {
	Published []ImportedFile
	Edited    []ImportedFile
	Unchanged []ImportedFile
	Failed    []FailedFile
	Warnings  []entry.Problem
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
//
// Import reads only regular files inside dir. Before it reads any, it
// looks at everything under dir: a symbolic link (to anything), a
// device, a named pipe or a socket refuses the whole import with a
// *RefusedFilesError naming each, and nothing is imported. Folders are
// handed around (someone else's export, unpacked from an archive): a
// link in one could otherwise publish, for good, a file from outside
// it, such as the home's author key. A file of dir replaced by a link
// or another file while the import runs stops it at that file, with
// the same error; the entries committed before it stay. An entry file
// whose content is invalid is only listed in ImportResult.Failed, and
// the other files are imported.
func (c *Catalogue) Import(ctx context.Context, author ed25519.PrivateKey, dir string, opts ImportOptions) (*ImportResult, error) {
	if opts.Kind == "" {
		opts.Kind = entry.KindNote
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("import: read %s: %w", dir, err)
	}
	defer root.Close()
	dir = cmp.Or(opts.Name, dir)
	paths, err := importPaths(root, dir)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{}
	b := &importBatch{c: c, author: author, res: res}
	for i, rel := range paths {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		err := c.importFile(ctx, b, importedPath{root: root, dir: dir, rel: rel}, opts.Kind)
		var refused *RefusedFilesError
		if errors.As(err, &refused) {
			// The entries of the batch are not committed.
			refused.Committed = len(res.Published) + len(res.Edited)
			return res, refused
		}
		if err != nil {
			res.Failed = append(res.Failed, FailedFile{Path: filepath.Join(dir, rel), Err: err})
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

// RefusedFilesError is the error of an import whose folder holds
// files other than regular files and directories. errors.Is matches it
// to protocol.ErrInvalid: the input is wrong.
type RefusedFilesError struct {
	Dir   string
	Files []RefusedFile
	// Committed counts the entries imported before a file was found
	// replaced during the import; they stay. It is 0 when the files
	// were refused before any was read.
	Committed int
}

// RefusedFile is a file that Import does not read, and what it is.
type RefusedFile struct {
	Path string // dir joined with the file's path inside it
	What string // "a symbolic link", "a named pipe", …
}

func (e *RefusedFilesError) Error() string {
	var b strings.Builder
	if e.Committed > 0 {
		fmt.Fprintf(&b, "import of %s stopped (the %d entries imported before stay): ", e.Dir, e.Committed)
	} else {
		fmt.Fprintf(&b, "import of %s refused, nothing imported: ", e.Dir)
	}
	for i, f := range e.Files {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 10 {
			fmt.Fprintf(&b, "and %d more", len(e.Files)-i)
			break
		}
		fmt.Fprintf(&b, "%s is %s", f.Path, f.What)
	}
	b.WriteString("; import reads only regular files inside the folder: replace each link with a copy of the file it points to, or remove it")
	return b.String()
}

// Is makes errors.Is(err, protocol.ErrInvalid) match.
func (e *RefusedFilesError) Is(target error) bool { return target == protocol.ErrInvalid }

// importPaths returns the .md files under root, sorted, or a
// *RefusedFilesError naming every file of root that is neither a
// regular file nor a directory. Links are not followed.
func importPaths(root *os.Root, dir string) ([]string, error) {
	var paths []string
	refused := &RefusedFilesError{Dir: dir}
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
		case !d.Type().IsRegular():
			refused.Files = append(refused.Files, RefusedFile{Path: filepath.Join(dir, filepath.FromSlash(p)), What: describeMode(d.Type())})
		case strings.EqualFold(path.Ext(p), ".md"):
			paths = append(paths, filepath.FromSlash(p))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import: read %s: %w", dir, err)
	}
	if len(refused.Files) > 0 {
		return nil, refused
	}
	sort.Strings(paths)
	return paths, nil
}

// describeMode names the type of a file that is not a regular one.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "not a regular file"
}

// importedPath is a file under the folder being imported.
type importedPath struct {
	root *os.Root
	dir  string // the folder, as given
	rel  string // the file, inside it
}

// String is the path shown in messages: the folder joined with rel.
func (p importedPath) String() string { return filepath.Join(p.dir, p.rel) }

// beforeOpen is called by openRegular between its look at a file and
// its opening. Tests replace it to swap the file in between.
var beforeOpen = func(root *os.Root, name string) {}

// openRegular opens the regular file name inside root, the folder dir
// (named so in messages), for reading. It
// never follows a link out of root (os.Root), and refuses a file that
// is not the regular file it looked at first: a link or a named pipe
// swapped in meanwhile, even one pointing inside root. A named pipe is
// opened without blocking, so that it is refused rather than waited on.
func openRegular(root *os.Root, dir, name string) (*os.File, error) {
	shown := filepath.Join(dir, name)
	refuse := func(what string) error {
		return &RefusedFilesError{Dir: dir, Files: []RefusedFile{{Path: shown, What: what}}}
	}
	before, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, refuse(describeMode(before.Mode()))
	}
	beforeOpen(root, name)
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		// A link swapped in that leads out of root, or a link loop.
		if st, lerr := root.Lstat(name); lerr == nil && !st.Mode().IsRegular() {
			return nil, refuse(describeMode(st.Mode()))
		}
		return nil, err
	}
	after, err := f.Stat()
	if err == nil && (!after.Mode().IsRegular() || !os.SameFile(before, after)) {
		err = refuse("a file replaced while the import read it")
		if st, lerr := root.Lstat(name); lerr == nil && !st.Mode().IsRegular() {
			err = refuse(describeMode(st.Mode()))
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (c *Catalogue) importFile(ctx context.Context, b *importBatch, p importedPath, kind entry.Kind) error {
	path := p.String()
	data, err := readEntryFile(p)
	if err != nil {
		return err
	}
	f, warnings, err := entry.ParseImported(path, data, kind)
	if err != nil {
		return err
	}
	b.res.Warnings = append(b.res.Warnings, warnings...)
	files, err := attachmentFiles(p, f.Attachments)
	if err != nil {
		return err
	}
	key, err := contentKey(protocol.PublicKey(b.author), f)
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
		case err == nil && unchangedImport(d, f, files):
			// Whoever its author: an export of entries of others, imported
			// again untouched, is no attempt to edit them.
			b.res.Unchanged = append(b.res.Unchanged, ImportedFile{Path: path, ID: f.ID})
			return nil
		case err == nil:
			if err := b.flush(); err != nil { // keep the order of writes
				return err
			}
			pub, err := c.Edit(ctx, b.author, f.ID, &f.Entry, EditOptions{Files: files, Editors: f.Editors})
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if pub.Unchanged { // the attachments beside the file are those of the entry
				b.res.Unchanged = append(b.res.Unchanged, ImportedFile{Path: path, ID: pub.Doc})
			} else {
				b.res.Edited = append(b.res.Edited, ImportedFile{Path: path, ID: pub.Doc})
			}
			return c.store.SetMeta(key, pub.Doc.Bytes())
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
		Editors:     nonEmpty(f.Editors),
	})
	return nil
}

// readEntryFile reads an entry file, refusing one over the size limit
// before reading it whole.
func readEntryFile(p importedPath) ([]byte, error) {
	fh, err := openRegular(p.root, p.dir, p.rel)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, protocol.MaxEntryFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(data) > protocol.MaxEntryFileSize {
		return nil, &entry.Error{Problem: entry.Problem{File: p.String(), What: fmt.Sprintf("the file is over %d bytes", protocol.MaxEntryFileSize), Fix: "split it, or attach large content as files"}, Err: entry.ErrTooLarge}
	}
	return data, nil
}

// attachmentFiles opens the attachments a file lists, from the
// directory beside it named like it without ".md": each under the file
// name export gives it (package filename), else under its own name, as
// a folder made by hand or by an older export has it. The attachment
// keeps the name the list gives. Listed attachments that are absent
// are skipped: an edit keeps the stored ones.
func attachmentFiles(p importedPath, atts []entry.Attachment) ([]File, error) {
	path := p.String()
	dir := strings.TrimSuffix(p.rel, filepath.Ext(p.rel))
	var names filename.Folder
	var files []File
	for _, a := range atts {
		name := names.Name(a.Name)
		data, err := readAttachment(p.root, p.dir, filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) && name != a.Name {
			data, err = readAttachment(p.root, p.dir, filepath.Join(dir, a.Name))
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			var refused *RefusedFilesError
			if errors.As(err, &refused) {
				return nil, err
			}
			return nil, fmt.Errorf("%s: attachment %q: %w", path, a.Name, err)
		}
		if a.CID.Defined() && !protocol.BlockCID(data).Equals(a.CID) {
			return nil, fmt.Errorf("%s: attachment %q does not match the CID its entry records (%s): the file was changed or damaged: %w", path, a.Name, a.CID, protocol.ErrBadCID)
		}
		files = append(files, File{Name: a.Name, Type: a.Type, Data: bytes.NewReader(data)})
	}
	return files, nil
}

// readAttachment reads the attachment file name of root, the folder
// dir, refusing one over protocol.MaxAttachmentSize before reading it.
func readAttachment(root *os.Root, dir, name string) ([]byte, error) {
	f, err := openRegular(root, dir, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, protocol.MaxAttachmentSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > protocol.MaxAttachmentSize {
		return nil, fmt.Errorf("the file is over %d bytes: %w", protocol.MaxAttachmentSize, protocol.ErrTooLarge)
	}
	return data, nil
}

// contentKey identifies what a file would publish, for one author.
func contentKey(author protocol.AuthorKey, f *entry.File) (string, error) {
	enc, err := protocol.Marshal(map[string]any{"meta": f.Meta, "body": f.Body})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(author[:])
	h.Write(enc)
	for _, a := range f.Attachments {
		fmt.Fprintf(h, "\x00%s\x00%s", a.Name, a.CID)
	}
	if f.Editors != nil { // a file without editors has the key it had before they existed
		h.Write([]byte("\x00editors"))
		for _, k := range f.Editors {
			h.Write(k[:])
		}
	}
	return "import/" + hex.EncodeToString(h.Sum(nil)), nil
}

// unchangedImport reports whether the file f, with the attachment
// files beside it, holds what document d shows: the same entry, the
// same editors when it lists them, and attachment files with the bytes
// of the attachments of the same name.
// The attachments a file lists but that are not beside it do not
// count: an edit would keep them.
func unchangedImport(d *store.Doc, f *entry.File, files []File) bool {
	if d.Retracted || d.Rev == nil || !sameEntry(d.Rev.Entry, &f.Entry) ||
		(f.Editors != nil && !sameEditors(d.Rev.Editors, f.Editors)) {
		return false
	}
	for _, file := range files {
		i := slices.IndexFunc(d.Rev.Attachments, func(a protocol.Attachment) bool { return a.Name == file.Name })
		if i < 0 || !sameBytes(d.Rev.Attachments[i], file) {
			return false
		}
	}
	return true
}

// sameBytes reports whether file holds the bytes of attachment a, and
// gives the same type when it gives one. It reads the file's data,
// which attachmentFiles holds in memory, and leaves it to read again.
func sameBytes(a protocol.Attachment, file File) bool {
	r, ok := file.Data.(*bytes.Reader)
	if !ok || uint64(r.Size()) != a.Size || (file.Type != "" && file.Type != a.Type) {
		return false
	}
	defer r.Seek(0, io.SeekStart)
	buf := make([]byte, protocol.MaxBlockSize)
	for _, want := range a.Blocks {
		n, err := io.ReadFull(r, buf)
		if n == 0 || (err != nil && err != io.ErrUnexpectedEOF) || !protocol.BlockCID(buf[:n]).Equals(want) {
			return false
		}
	}
	return true
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
