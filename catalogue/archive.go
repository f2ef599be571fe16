package catalogue

import (
	"archive/tar"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mutu-network/mutu/protocol"
)

// A command run on a home whose node runs goes through the node's
// API, and the node may not be able to read the user's folders (it
// may run as another user, in a service's sandbox). So what the node
// must read is sent to it: a folder to import as a tar stream
// (PackFolder, ImportArchive), a bundle as its bytes
// (ImportBundleFrom). The node writes them into a temporary folder
// beside its store, on the disk whose free space it watches, and
// removes them once imported.

// Limits of what a node unpacks for an import.
const (
	// MaxArchiveFiles caps the files of one folder import.
	MaxArchiveFiles = 100_000
	// tempSubdir is the folder, beside the store, that holds what a
	// node unpacks for an import.
	tempSubdir = "tmp"
)

// PackFolder writes to w, as a tar stream, what Import reads of dir:
// its .md files and the files of the folders named like them (their
// attachments). Like Import, it refuses a folder holding anything but
// regular files and folders (a *RefusedFilesError naming each), before
// writing anything; files are opened so that none can be swapped for a
// link meanwhile.
func PackFolder(w io.Writer, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("import: read %s: %w", dir, err)
	}
	defer root.Close()
	mds, err := importPaths(root, dir)
	if err != nil {
		return err
	}
	files := append([]string(nil), mds...)
	for _, md := range mds {
		atts := strings.TrimSuffix(md, filepath.Ext(md))
		des, err := fs.ReadDir(root.FS(), filepath.ToSlash(atts))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("import: read %s: %w", filepath.Join(dir, atts), err)
		}
		for _, de := range des {
			if de.Type().IsRegular() {
				files = append(files, filepath.Join(atts, de.Name()))
			}
		}
	}
	if len(files) > MaxArchiveFiles {
		return fmt.Errorf("import of %s refused: %d files, more than the %d one import takes: %w", dir, len(files), MaxArchiveFiles, protocol.ErrTooLarge)
	}
	tw := tar.NewWriter(w)
	for _, name := range files {
		if err := packFile(tw, root, dir, name); err != nil {
			return err
		}
	}
	return tw.Close()
}

// packFile adds the regular file name of root to tw.
func packFile(tw *tar.Writer, root *os.Root, dir, name string) error {
	f, err := openRegular(root, dir, name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: filepath.ToSlash(name), Size: st.Size(), Mode: 0o644, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.Copy(tw, io.LimitReader(f, st.Size())); err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

// ImportArchive imports a folder packed by PackFolder, read from r: as
// a node imports a folder of its client. It unpacks the archive into a
// temporary folder beside the store, refusing anything but regular
// files, names that would leave the folder, more than MaxArchiveFiles
// files and files over their size limit, then imports it as Import
// does, naming it opts.Name in results and messages.
func (c *Catalogue) ImportArchive(ctx context.Context, author ed25519.PrivateKey, r io.Reader, opts ImportOptions) (*ImportResult, error) {
	tmp, err := c.tempDir("import-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := c.unpack(ctx, r, tmp); err != nil {
		return nil, fmt.Errorf("import of %s refused, nothing imported: %w", opts.Name, err)
	}
	return c.Import(ctx, author, tmp, opts)
}

// unpack writes the regular files of the tar stream r under dir.
func (c *Catalogue) unpack(ctx context.Context, r io.Reader, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return protocol.Errorf(protocol.CodeMalformed, "the folder sent is not a tar stream: %v", err)
		}
		if n >= MaxArchiveFiles {
			return protocol.Errorf(protocol.CodeTooLarge, "more than %d files", MaxArchiveFiles)
		}
		name := hdr.Name
		if hdr.Typeflag != tar.TypeReg || !fs.ValidPath(name) || name != path.Clean(name) || name == "." {
			return protocol.Errorf(protocol.CodeInvalid, "%q is not a regular file inside the folder", name)
		}
		limit := int64(protocol.MaxAttachmentSize)
		if strings.EqualFold(path.Ext(name), ".md") && !strings.Contains(name, "/") {
			limit = protocol.MaxEntryFileSize
		}
		if hdr.Size < 0 || hdr.Size > limit {
			return protocol.Errorf(protocol.CodeTooLarge, "%s is %d bytes, more than the %d a file takes", name, hdr.Size, limit)
		}
		if err := c.store.RoomFor("receive "+name, int(hdr.Size)); err != nil {
			return err
		}
		if dir := path.Dir(name); dir != "." {
			if err := root.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		}
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		_, err = io.Copy(f, io.LimitReader(tr, hdr.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
}

// ImportBundleFrom imports a bundle read from r, as ImportBundle does:
// a file is read in place, anything else (what a node's client sends)
// is first written to a temporary file beside the store.
func (c *Catalogue) ImportBundleFrom(ctx context.Context, r io.Reader, opts BundleOptions) (*BundleResult, error) {
	if f, ok := r.(*os.File); ok {
		return c.ImportBundle(ctx, f.Name(), opts)
	}
	tmp, err := c.tempDir("bundle-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "bundle.car")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	err = c.spool(ctx, f, r, "receive bundle "+opts.Name)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("bundle %s refused, nothing stored: %w", opts.Name, err)
	}
	return c.ImportBundle(ctx, path, opts)
}

// spool copies r to w a megabyte at a time, as long as the disk has
// room for it.
func (c *Catalogue) spool(ctx context.Context, w io.Writer, r io.Reader, op string) error {
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if err := c.store.RoomFor(op, n); err != nil {
				return err
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// tempDir makes a temporary folder beside the store (in the system's
// temporary folder for a catalogue in memory).
func (c *Catalogue) tempDir(pattern string) (string, error) {
	parent := os.TempDir()
	if c.dir != "" {
		parent = filepath.Join(c.dir, tempSubdir)
		if err := os.MkdirAll(parent, 0o700); err != nil {
			return "", fmt.Errorf("catalogue: %w", err)
		}
	}
	dir, err := os.MkdirTemp(parent, pattern)
	if err != nil {
		return "", fmt.Errorf("catalogue: %w", err)
	}
	return dir, nil
}
