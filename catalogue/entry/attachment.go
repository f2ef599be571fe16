package entry

import (
	"mime"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Fields of an item of the attachments list.
const (
	attName = "name"
	attType = "type"
	attSize = "size"
	attCID  = "cid"
)

var attFields = []string{attName, attType, attSize, attCID}

const reservedFix = "remove the line: mutu fills it in"

// id decodes the reserved id key: the CID of the document's first
// revision.
func (c *checker) id(v any) cid.Cid {
	if v == nil {
		return cid.Undef
	}
	s, ok := v.(string)
	if !ok {
		c.errorAt(c.pos.value(keyID), keyID, ErrInvalid, reservedFix, "%s is not a document ID", describe(v))
		return cid.Undef
	}
	id, err := protocol.ParseCID(strings.TrimSpace(s))
	if err != nil || id.Prefix().Codec != protocol.CodecDagCBOR {
		c.errorAt(c.pos.value(keyID), keyID, ErrInvalid, reservedFix, "%s is not a document ID", quoteValue(s))
		return cid.Undef
	}
	return id
}

// attachments decodes the reserved attachments key.
func (c *checker) attachments(v any) []Attachment {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		c.errorAt(c.pos.value(keyAttachments), keyAttachments, ErrInvalid, reservedFix, "must be a list, not %s", describe(v))
		return nil
	}
	if len(items) > protocol.MaxAttachments {
		c.errorAt(c.pos.value(keyAttachments), keyAttachments, ErrTooLarge, "attach fewer files",
			"%d attachments, more than the %d an entry may have", len(items), protocol.MaxAttachments)
		return nil
	}
	var out []Attachment
	names := make(map[string]bool, len(items))
	for i, it := range items {
		line := c.pos.item(keyAttachments, i)
		bad := func(format string, args ...any) {
			c.errorAt(line, keyAttachments, ErrInvalid, reservedFix, "attachment %d: "+format, append([]any{i + 1}, args...)...)
		}
		m, ok := it.(map[string]any)
		if !ok {
			bad("is %s, not a mapping of %s", describe(it), list(attFields))
			continue
		}
		a, problem := decodeAttachment(m)
		switch {
		case problem != "":
			bad("%s", problem)
		case names[a.Name]:
			bad("%s is listed twice", quoteValue(a.Name))
		default:
			names[a.Name] = true
			out = append(out, a)
		}
	}
	return out
}

// decodeAttachment decodes one item of the attachments list, or says
// what is wrong with it.
func decodeAttachment(m map[string]any) (Attachment, string) {
	var a Attachment
	for k := range m {
		if !slices.Contains(attFields, k) {
			return a, "unknown field " + quoteValue(k) + "; the fields are " + list(attFields)
		}
	}
	if m[attName] == nil {
		return a, "it has no name"
	}
	name, _ := m[attName].(string)
	if !isPlainFileName(name) {
		return a, "name " + describe(m[attName]) + " is not a plain file name"
	}
	a.Name = name
	if t, ok := m[attType]; ok && t != nil {
		s, isText := t.(string)
		if !isText || (s != "" && !isMediaType(s)) {
			return a, "type " + describe(t) + " is not a media type"
		}
		a.Type = s
	}
	if m[attSize] == nil {
		return a, "it has no size"
	}
	size, ok := m[attSize].(int64)
	if !ok || size < 0 || size > protocol.MaxAttachmentSize {
		return a, "size " + describe(m[attSize]) + " is not a size in bytes"
	}
	a.Size = uint64(size)
	if v, ok := m[attCID]; ok && v != nil {
		s, _ := v.(string)
		c, err := protocol.ParseCID(s)
		if err != nil {
			return a, "cid " + describe(v) + " is not a CID"
		}
		a.CID = c
	}
	return a, ""
}

// isMediaType reports whether s is a media type, with or without
// parameters, on one line: "text/plain; charset=utf-8", the type mutu
// gives a .txt file, is one.
func isMediaType(s string) bool {
	mt, _, err := mime.ParseMediaType(s)
	return err == nil && strings.Contains(mt, "/") && !strings.ContainsAny(s, "\r\n")
}

// isPlainFileName applies the rule of protocol.Attachment.Check: a
// name without directories, at most 255 bytes.
func isPlainFileName(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 255 && utf8.ValidString(s) &&
		!strings.ContainsAny(s, "/\\\x00")
}

// meta returns the attachment as the attachments list holds it.
func (a Attachment) meta() map[string]any {
	m := map[string]any{attName: a.Name, attSize: int64(a.Size)}
	if a.Type != "" {
		m[attType] = a.Type
	}
	if a.CID.Defined() {
		m[attCID] = a.CID.String()
	}
	return m
}
