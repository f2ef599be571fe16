package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
)

func publishCommand() *cli.Command {
	return &cli.Command{
		Name:      "publish",
		Usage:     "sign and publish new entries from Markdown files",
		ArgsUsage: "FILE...",
		Description: "Every file is checked first; if one is invalid, nothing is published.\n" +
			"Files without a kind in their front matter are notes unless --kind says otherwise.\n" +
			"Warnings (a tag in capitals, a key that looks misspelt) are printed on stderr; the files are published all the same.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "attach", Usage: "attach `FILE` to the entry (repeatable; one entry only)"},
			&cli.StringFlag{Name: "kind", Usage: "kind of files without one: note, tool or software"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1, "FILE... [--attach FILE]"); err != nil {
				return err
			}
			s, err := openSession(c)
			if err != nil {
				return err
			}
			defer s.Close()
			req, closeAtts, err := publishRequest(c.Args().Slice(), c.StringSlice("attach"), c.String("kind"))
			if err != nil {
				return err
			}
			defer closeAtts()
			out, err := s.svc.Publish(c.Context, req)
			if err != nil {
				return err
			}
			printWarnings(c.App.ErrWriter, publishedWarnings(out...))
			if c.Bool("json") {
				return printJSON(c.App.Writer, out)
			}
			return printPublished(c.App.Writer, "Published", out...)
		},
	}
}

// entryFileOver says what to do with an entry file over
// protocol.MaxEntryFileSize.
const entryFileOver = "an entry file holds at most 64 KiB of front matter and 512 KiB of text; put large content in an attachment (--attach, up to 1 GiB)"

// publishRequest reads the entry files and opens the attachments;
// the caller closes them with the function returned.
func publishRequest(files, attach []string, kind string) (api.PublishRequest, func(), error) {
	req := api.PublishRequest{Kind: kind}
	for _, f := range files {
		data, err := readInput(f, protocol.MaxEntryFileSize, entryFileOver)
		if err != nil {
			return req, func() {}, err
		}
		req.Files = append(req.Files, api.Upload{Name: f, Data: data})
	}
	uploads, closeAtts, err := attachments(attach)
	req.Attachments = uploads
	return req, closeAtts, err
}

// attachments opens the files to attach. The service streams them, on
// the home and through a running node alike (as multipart, see
// node/api/upload.go), so an attachment may be as large as the
// catalogue takes: protocol.MaxAttachmentSize. The caller closes them
// with the function returned.
func attachments(paths []string) ([]api.Upload, func(), error) {
	var out []api.Upload
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, p := range paths {
		f, err := openAttachment(p)
		if err != nil {
			closeAll()
			return nil, func() {}, err
		}
		files = append(files, f)
		out = append(out, api.Upload{Name: filepath.Base(p), Body: f})
	}
	return out, closeAll, nil
}

// openAttachment opens a file to attach, refusing at once one that
// cannot be: missing, a directory, or over the size of an attachment.
func openAttachment(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputError{fmt.Errorf("%s: no such file", path)}
		}
		return nil, inputError{err}
	}
	st, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, inputError{fmt.Errorf("read %s: %w", path, err)}
	case st.IsDir():
		f.Close()
		return nil, inputError{fmt.Errorf("%s is a directory; give a file", path)}
	case st.Size() > protocol.MaxAttachmentSize:
		f.Close()
		return nil, inputError{fmt.Errorf("%s is %d bytes, over the limit of an attachment (1 GiB, %d bytes); compress it or split it into several files",
			path, st.Size(), protocol.MaxAttachmentSize)}
	}
	return f, nil
}

// printPublished prints one line per write; --json prints the list
// (publish) or the one object (edit, retract) instead.
func printPublished(w io.Writer, verb string, ps ...api.Published) error {
	for _, p := range ps {
		if p.File != "" {
			fmt.Fprintf(w, "%s %s as %s\n", verb, term(p.File), p.ID)
		} else {
			fmt.Fprintf(w, "%s %s\n", verb, p.ID)
		}
	}
	return nil
}

// printWarnings prints on w, one line each, what is worth fixing in
// files that were accepted all the same. It does not change the exit
// code.
func printWarnings(w io.Writer, ws []entry.Problem) {
	for _, x := range ws {
		fmt.Fprintf(w, "warning: %s\n", termText(x.String()))
	}
}

// publishedWarnings returns the warnings of writes, as a Local service
// and a running node's API both report them.
func publishedWarnings(ps ...api.Published) []entry.Problem {
	var out []entry.Problem
	for _, p := range ps {
		out = append(out, p.Warnings...)
	}
	return out
}
