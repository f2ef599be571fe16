// Package render turns entry Markdown into what people and the search
// index read: sanitized HTML for the web interface and plain text for
// indexing and snippets.
//
// Markdown is CommonMark with the GitHub extensions (tables,
// strikethrough, autolinks, task lists). Entries come from any peer of
// the network, so rendering never trusts them: raw HTML in the
// Markdown is dropped by goldmark, and what goldmark produces is
// sanitized again with an allow-list of exactly the elements and
// attributes it emits.
package render
