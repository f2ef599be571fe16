package api

import (
	"context"
	"fmt"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// Diff compares two revisions of entry ref, from and to, named by CID
// or unique prefix: the unified diff of their Markdown files as Show
// writes them. With neither named, it compares the two heads of the
// entry's conflict, the shown one first. An entry without conflict,
// or with more than two heads, needs the two named.
func (l *Local) Diff(ctx context.Context, ref, from, to string) (*Diff, error) {
	if (from == "") != (to == "") {
		return nil, inputErrorf("name two revisions to compare, or none to compare the two heads of a conflict")
	}
	id, err := l.Cat.Resolve(ref)
	if err != nil {
		return nil, err
	}
	if from == "" {
		e, err := l.Show(ctx, id.String(), ShowOptions{})
		if err != nil {
			return nil, err
		}
		switch {
		case len(e.Heads) < 2:
			return nil, inputErrorf("entry %s has no conflict: name two of its revisions to compare (`mutu history %s` lists them)", id, id)
		case len(e.Heads) > 2:
			return nil, inputErrorf("entry %s has %d concurrent revisions: name two of them to compare: %s", id, len(e.Heads), strings.Join(e.Heads, ", "))
		}
		from, to = e.Heads[0], e.Heads[1]
	}
	a, err := l.Show(ctx, id.String(), ShowOptions{Markdown: true, Revision: from})
	if err != nil {
		return nil, err
	}
	b, err := l.Show(ctx, id.String(), ShowOptions{Markdown: true, Revision: to})
	if err != nil {
		return nil, err
	}
	unified, err := udiff.ToUnified(a.Revision, b.Revision, a.Markdown, udiff.Lines(a.Markdown, b.Markdown), udiff.DefaultContextLines)
	if err != nil {
		return nil, fmt.Errorf("diff revisions %s and %s of %s: %w", a.Revision, b.Revision, id, err)
	}
	return &Diff{ID: id.String(), From: a.Revision, To: b.Revision, Unified: unified}, nil
}
