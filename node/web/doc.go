// Package web is the web interface of a mutu node: the pages that most
// gestionnaires use instead of the command line. `mutu run` mounts its
// handler at "/" beside the JSON API under /api/.
//
// Pages are rendered on the server with html/template and work without
// JavaScript; the page itself carries none, and its Content-Security-
// Policy forbids any. Wording is French. Reading needs no account;
// publishing, editing and retracting need one, created by the operator
// with `mutu user add NAME` (see AddAccount): each account has its own
// author key, held by the node, which signs what the account publishes.
//
// Everything shown comes from the network and is treated as hostile:
// Markdown goes through catalogue/render (goldmark without raw HTML,
// then an allow-list sanitizer), search snippets keep only their
// <mark> elements, and attachments are always served as downloads
// with X-Content-Type-Options: nosniff and a sandboxing policy.
//
// See docs/web.md for the pages and the security choices.
package web
