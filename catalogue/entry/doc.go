// Package entry holds mutu's entry model: the three kinds of entry
// (practice note, tool, software), the Markdown files with YAML front
// matter they are written in, and the rules an entry must keep.
//
// An entry file starts with a line "---", then YAML, then another
// "---" line, then the Markdown body:
//
//	---
//	kind: note
//	title: Régie d'avances : ouvrir une sous-régie
//	tags: [regies, controle-interne]
//	review_by: 2026-06-30
//	---
//	Le régisseur est nommé par…
//
// Parse reads such a file into a File, checking it against the schema
// of DESIGN.md §2.1; Marshal writes it back. The round trip keeps every
// front-matter key, known or not, with the same value and the same Go
// type, and the body byte for byte.
//
// Decoded front matter belongs to the data model of
// protocol.CheckValue (string, int64, float64, bool, nil, []any,
// map[string]any), so an Entry converts directly into the
// protocol.Entry a revision carries.
//
// Problems are reported as *Error values that name the file, the line,
// the key, what is wrong and how to fix it; Parse and Validate gather
// all of them in an Errors list so that a form can show each beside its
// field.
package entry
