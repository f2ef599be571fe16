// Package render turns entry Markdown into what people and the search
// index read: sanitized HTML for the web interface and plain text for
// indexing and snippets.
//
// Markdown is CommonMark with the GitHub extensions (tables,
// strikethrough, autolinks, task lists). Entries come from any peer of
// the network, so rendering never trusts them: raw HTML in the
// Markdown is dropped by goldmark, and what goldmark produces is
// sanitized again with an allow-list of exactly the elements and
// attributes it emits. The page that shows an entry is served by the
// reader's own node, so what an entry may point at is narrowed too
// (links.go): images only from the entry's own attachments, links on
// the node only to the pages that show things.
package render
