package moderation

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// JournalFile is the name of the journal in the home.
const JournalFile = "moderation.jsonl"

// maxLine bounds a line of the journal: an act with a reason of
// MaxReason characters takes a few KiB at most.
const maxLine = 64 << 10

// Journal is the append-only record of a node's moderation acts: one
// JSON act per line, each synced to disk before Append returns. Lines
// are never rewritten. A last line cut short (a crash in the middle
// of a write) is dropped when the journal is opened, with a warning;
// a damaged line before the last stops Open, naming it. The home's
// lock (the catalogue's) keeps a second process from writing it. It
// is safe for concurrent use.
type Journal struct {
	path string
	mu   sync.Mutex // guards f and acts
	f    *os.File
	acts []Act
}

// OpenJournal opens the journal at path, creating it if needed, and
// reads its acts.
func OpenJournal(path string, log *slog.Logger) (*Journal, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("moderation: read journal %s: %w", path, err)
	}
	created := errors.Is(err, os.ErrNotExist)
	acts, whole, err := readActs(path, data)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("moderation: open journal %s: %w", path, err)
	}
	if whole < len(data) {
		log.Warn("moderation journal: last line cut short (a crash while writing it), dropped",
			"file", path, "line", bytes.Count(data[:whole], []byte("\n"))+1, "bytes", len(data)-whole)
		if err := f.Truncate(int64(whole)); err != nil {
			f.Close()
			return nil, fmt.Errorf("moderation: drop the cut-short last line of %s: %w", path, err)
		}
	}
	if _, err := f.Seek(int64(whole), io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("moderation: open journal %s: %w", path, err)
	}
	if created {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &Journal{path: path, f: f, acts: acts}, nil
}

// readActs decodes the lines of data. It returns the acts and the
// length of data up to the end of the last whole line. A last line
// without its newline is cut short; any other line that does not
// decode is an error naming it.
func readActs(path string, data []byte) (acts []Act, whole int, err error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		end := whole + len(b) + 1
		if end > len(data) { // no newline: the write was cut short
			return acts, whole, nil
		}
		if len(bytes.TrimSpace(b)) > 0 {
			var a Act
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&a); err != nil {
				return nil, 0, fmt.Errorf("moderation: journal %s, line %d: %v; the journal is append-only: restore the line from a backup, or remove it if the act is to be forgotten", path, line, err)
			}
			if err := a.Check(); err != nil {
				return nil, 0, fmt.Errorf("journal %s, line %d: %w", path, line, err)
			}
			acts = append(acts, a)
		}
		whole = end
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("moderation: journal %s, line %d: %w (a line is at most %d bytes)", path, line+1, err, maxLine)
	}
	return acts, whole, nil
}

// Append checks a, writes it as the journal's last line and syncs it
// to disk.
func (j *Journal) Append(a Act) error {
	if err := a.Check(); err != nil {
		return err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("moderation: encode act: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("moderation: journal %s is closed", j.path)
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("moderation: write journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("moderation: sync journal %s: %w", j.path, err)
	}
	j.acts = append(j.acts, a)
	return nil
}

// Acts returns every act of the journal, oldest first.
func (j *Journal) Acts() []Act {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.acts)
}

// Path returns the journal's file.
func (j *Journal) Path() string { return j.path }

// Close closes the journal's file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// syncDir syncs a directory, so that a file created in it survives a
// power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("moderation: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("moderation: sync %s: %w", dir, err)
	}
	return nil
}
