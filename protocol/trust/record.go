package trust

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Key is a node key or an author key: the 32 public bytes of an
// ed25519 key, written "ed25519:…" in text (protocol.AuthorKey).
type Key = protocol.AuthorKey

// Kind is the kind of a trust record, the value of entry.meta.record.
type Kind string

// The kinds of trust record of a network's membership
// (docs/protocol.md, §4.2); KindDecision and KindReport are the two of
// moderation (§4.12, §4.13).
const (
	KindCharter        Kind = "charter"
	KindAdmission      Kind = "admission"
	KindRevocation     Kind = "revocation"
	KindCertificate    Kind = "certificate"
	KindCertificateEnd Kind = "certificate-end"
	KindAddresses      Kind = "addresses"
	KindJoinRequest    Kind = "join-request"
)

var kinds = []Kind{KindCharter, KindAdmission, KindRevocation, KindCertificate, KindCertificateEnd, KindAddresses, KindJoinRequest, KindDecision, KindReport}

// Policy says who may take part in a network: its admitted nodes and
// the authors they vouch for (closed), or anyone (open).
type Policy string

const (
	PolicyClosed Policy = "closed"
	PolicyOpen   Policy = "open"
)

// Role is what an admitted node may do: a coordinator admits and
// revokes nodes besides what a member does.
type Role string

const (
	RoleMember      Role = "member"
	RoleCoordinator Role = "coordinator"
)

// Forever is the end of what has not ended: a certificate in force, an
// author vouched for with no end in sight.
const Forever protocol.Clock = math.MaxUint64

// Limits of trust records (docs/protocol.md, §4.2, §4.10, §4.12 and
// §4.13). Text limits count characters, not bytes.
const (
	MaxRecordSize   = 16 << 10 // one encoded trust record, signature included
	MaxCoordinators = 16       // coordinators named in a charter
	MaxAddrs        = 16       // addresses in an addresses record
	MaxAddrLen      = 256      // bytes of one address
	MaxName         = 200      // charter name, label, contact, person's name, établissement
	MaxAcademie     = 100
	MaxFunction     = 100
	MaxInvitation   = 64
	MaxReason       = 500 // a revocation's reason, a decision's
	MaxErased       = 128 // revisions named by one erasure decision
)

// Body is what a trust record says; one of the seven types below, or
// Decision or Report (moderation.go), as a pointer in what Decode
// returns.
type Body interface{ Kind() Kind }

// Charter founds a network: its CID is the network's identifier.
type Charter struct {
	Name         string // for people: « Gestionnaires de l'académie de Lyon »
	Policy       Policy
	Coordinators []Key // 1 to 16 node keys, the signer's among them
	Closes       string
	Text         string // the charter's text, the record's body
}

// Admission makes Node an active node of the network.
type Admission struct {
	Node       Key
	Role       Role
	Label      string // « Agence comptable du lycée Jean Moulin — bassin Lyon Est »
	Academie   string
	Contact    string
	Invitation string // the invitation it answers
	Request    string // the CID of the join request it approves
}

// Revocation ends Node's membership and the certificates it issued.
type Revocation struct {
	Node   Key
	Reason string
}

// Certificate is a member node vouching for an author: the person
// behind Author may publish.
type Certificate struct {
	Author        Key
	Name          string // « Mme Durand »
	Function      string // gestionnaire, agent comptable, référent numérique…
	Etablissement string
	UAI           string // 7 digits and an uppercase letter: 0691234A
}

// CertificateEnd ends Author's current certificate.
type CertificateEnd struct {
	Author Key
}

// Addresses are the listen addresses of the node that signs it.
type Addresses struct {
	Addrs []string // multiaddrs in text, without /p2p/
}

// JoinRequest asks, through a member, that a coordinator admit Node.
type JoinRequest struct {
	Node       Key
	Label      string
	Academie   string
	Contact    string
	Invitation string
}

func (Charter) Kind() Kind        { return KindCharter }
func (Admission) Kind() Kind      { return KindAdmission }
func (Revocation) Kind() Kind     { return KindRevocation }
func (Certificate) Kind() Kind    { return KindCertificate }
func (CertificateEnd) Kind() Kind { return KindCertificateEnd }
func (Addresses) Kind() Kind      { return KindAddresses }
func (JoinRequest) Kind() Kind    { return KindJoinRequest }

// Record is a trust record read from a verified revision.
type Record struct {
	CID     cid.Cid
	Signer  Key // the revision's author
	Clock   protocol.Clock
	Network string // the charter's CID in text; "" in a charter
	Body    Body
}

// The keys of entry.meta.
const (
	metaRecord  = "record"
	metaNetwork = "network"
)

// IsTrust reports whether r is a trust record rather than an entry:
// its entry's meta has the key "record". A retraction, which has no
// entry, is never one.
func IsTrust(r *protocol.Revision) bool {
	if r == nil || r.Entry == nil {
		return false
	}
	_, ok := r.Entry.Meta[metaRecord]
	return ok
}

// NewRevision returns the unsigned revision of a trust record of
// network (the charter's CID in text; "" for a charter): op put, entry
// meta and body set. The caller sets Author, Seq and Clock and signs
// it. It refuses a body that Decode would refuse, and one that would
// exceed MaxRecordSize once signed, whatever its seq and clock.
func NewRevision(network string, b Body) (*protocol.Revision, error) {
	b = pointer(b)
	if b == nil {
		return nil, protocol.Errorf(protocol.CodeInvalid, "trust record: no body")
	}
	meta := encode(b)
	meta[metaRecord] = string(b.Kind())
	if network != "" {
		meta[metaNetwork] = network
	}
	e := &protocol.Entry{Meta: meta}
	if ch, ok := b.(*Charter); ok {
		e.Body = ch.Text
	}
	if _, _, err := decodeEntry(e); err != nil {
		return nil, err
	}
	r := &protocol.Revision{Op: protocol.OpPut, Entry: e, Seq: math.MaxUint64, Clock: math.MaxUint64}
	unsigned, err := r.SigningBytes()
	if err != nil {
		return nil, err
	}
	// The signature adds its key and 64 bytes: "sig" (4 bytes), a byte
	// string header (2) and the signature.
	if n := len(unsigned) + 4 + 2 + 64; n > MaxRecordSize {
		return nil, protocol.Errorf(protocol.CodeInvalid, "%s record would be %d bytes, limit %d: shorten its text", b.Kind(), n, MaxRecordSize)
	}
	if err := r.Check(); err != nil { // valid UTF-8, in particular
		return nil, fmt.Errorf("%s record: %w", b.Kind(), err)
	}
	r.Seq, r.Clock = 0, 0
	return r, nil
}

// Decode reads a trust record from a verified revision and checks the
// rules of docs/protocol.md, §4.2. Every refusal is a *protocol.Error
// with CodeInvalid that names the record and the field at fault.
func Decode(v protocol.Verified) (Record, error) {
	r := v.Rev
	fail := func(format string, args ...any) (Record, error) {
		return Record{}, protocol.Errorf(protocol.CodeInvalid, "trust record %s: %s", v.CID, fmt.Sprintf(format, args...))
	}
	switch {
	case r == nil || !IsTrust(r):
		return fail("not a trust record: its meta has no %q", metaRecord)
	case len(v.Data) > MaxRecordSize:
		return fail("%d bytes, limit %d", len(v.Data), MaxRecordSize)
	case r.Op != protocol.OpPut || r.Doc.Defined() || len(r.Parents) > 0:
		return fail("a trust record is the first and only revision of its document (op put, no doc, no parents)")
	case len(r.Attachments) > 0:
		return fail("attachments: a trust record has none")
	case len(r.Editors) > 0:
		return fail("editors: a trust record has none")
	}
	b, network, err := decodeEntry(r.Entry)
	if err != nil {
		return fail("%s", protocol.Sentence(err))
	}
	if ch, ok := b.(*Charter); ok && !slices.Contains(ch.Coordinators, r.Author) {
		return fail("charter record: field \"coordinators\": must include the signer, %s", r.Author)
	}
	return Record{CID: v.CID, Signer: r.Author, Clock: r.Clock, Network: network, Body: b}, nil
}

// CheckNetwork returns nil when rec belongs to one of networks, and an
// error with CodeWrongNetwork otherwise (docs/protocol.md, §4.2: a
// record for another network is refused). A charter belongs to the
// network its CID identifies and to the open network it closes (its
// Closes, §4.9); any other record to its Network. A node passes its
// own network, and, in an open network, the CIDs of the charters it
// holds that close it, whose records it needs to learn whether it is
// admitted.
func (rec Record) CheckNetwork(networks ...string) error {
	if ch, ok := pointer(rec.Body).(*Charter); ok {
		if slices.Contains(networks, rec.CID.String()) || ch.Closes != "" && slices.Contains(networks, ch.Closes) {
			return nil
		}
		return protocol.Errorf(protocol.CodeWrongNetwork, "trust record %s: the charter of another network, this node's is %s", rec.CID, strings.Join(networks, " or "))
	}
	if slices.Contains(networks, rec.Network) {
		return nil
	}
	return protocol.Errorf(protocol.CodeWrongNetwork, "trust record %s: of network %s, this node's is %s", rec.CID, rec.Network, strings.Join(networks, " or "))
}

// pointer returns b as a pointer to its type, whether it was given as
// a value or a pointer; nil for nil or a nil pointer.
func pointer(b Body) Body {
	switch x := b.(type) {
	case Charter:
		return &x
	case Admission:
		return &x
	case Revocation:
		return &x
	case Certificate:
		return &x
	case CertificateEnd:
		return &x
	case Addresses:
		return &x
	case JoinRequest:
		return &x
	case Decision:
		return &x
	case Report:
		return &x
	case *Charter:
		if x != nil {
			return x
		}
	case *Admission:
		if x != nil {
			return x
		}
	case *Revocation:
		if x != nil {
			return x
		}
	case *Certificate:
		if x != nil {
			return x
		}
	case *CertificateEnd:
		if x != nil {
			return x
		}
	case *Addresses:
		if x != nil {
			return x
		}
	case *JoinRequest:
		if x != nil {
			return x
		}
	case *Decision:
		if x != nil {
			return x
		}
	case *Report:
		if x != nil {
			return x
		}
	}
	return nil
}

// encode returns the meta fields of b but "record" and "network".
// Optional text left empty is left out.
func encode(b Body) map[string]any {
	m := make(map[string]any)
	put := func(key, value string) {
		if value != "" {
			m[key] = value
		}
	}
	switch x := b.(type) {
	case *Charter:
		put("name", x.Name)
		put("policy", string(x.Policy))
		m["coordinators"] = keyList(x.Coordinators)
		put("closes", x.Closes)
	case *Admission:
		put("node", x.Node.String())
		put("role", string(x.Role))
		put("label", x.Label)
		put("academie", x.Academie)
		put("contact", x.Contact)
		put("invitation", x.Invitation)
		put("request", x.Request)
	case *Revocation:
		put("node", x.Node.String())
		put("reason", x.Reason)
	case *Certificate:
		put("author", x.Author.String())
		put("name", x.Name)
		put("function", x.Function)
		put("etablissement", x.Etablissement)
		put("uai", x.UAI)
	case *CertificateEnd:
		put("author", x.Author.String())
	case *Addresses:
		l := make([]any, len(x.Addrs))
		for i, a := range x.Addrs {
			l[i] = a
		}
		m["addrs"] = l
	case *JoinRequest:
		put("node", x.Node.String())
		put("label", x.Label)
		put("academie", x.Academie)
		put("contact", x.Contact)
		put("invitation", x.Invitation)
	case *Decision:
		put("action", string(x.Action))
		put("entry", x.Entry)
		if len(x.Revisions) > 0 {
			l := make([]any, len(x.Revisions))
			for i, r := range x.Revisions {
				l[i] = r
			}
			m["revisions"] = l
		}
		if x.Author != (Key{}) {
			m["author"] = x.Author.String()
		}
		put("category", string(x.Category))
		put("reason", x.Reason)
	case *Report:
		put("entry", x.Entry)
		put("revision", x.Revision)
		if x.Node != (Key{}) {
			m["node"] = x.Node.String()
		}
		put("category", string(x.Category))
		put("comment", x.Comment)
		put("reporter", x.Reporter)
	}
	return m
}

func keyList(keys []Key) []any {
	l := make([]any, len(keys))
	for i, k := range keys {
		l[i] = k.String()
	}
	return l
}

// decodeEntry reads and checks the entry of a trust record: its kind,
// its network, its fields and its body.
func decodeEntry(e *protocol.Entry) (Body, string, error) {
	kindText, ok := e.Meta[metaRecord].(string)
	if !ok || !slices.Contains(kinds, Kind(kindText)) {
		return nil, "", protocol.Errorf(protocol.CodeInvalid, "field %q: want one of %v, have %s", metaRecord, kinds, show(e.Meta[metaRecord]))
	}
	kind := Kind(kindText)
	f := fields{kind: kind, meta: e.Meta, read: map[string]bool{metaRecord: true}}
	var network string
	if kind != KindCharter {
		network = f.network()
	}
	var b Body
	switch kind {
	case KindCharter:
		ch := &Charter{
			Name:   f.text("name", true, MaxName),
			Policy: Policy(f.oneOf("policy", string(PolicyClosed), string(PolicyOpen))),
			Text:   e.Body,
		}
		ch.Coordinators = f.keys("coordinators", MaxCoordinators)
		ch.Closes = f.closes("closes")
		b = ch
	case KindAdmission:
		b = &Admission{
			Node:       f.key("node"),
			Role:       Role(f.oneOf("role", string(RoleMember), string(RoleCoordinator))),
			Label:      f.text("label", true, MaxName),
			Academie:   f.text("academie", false, MaxAcademie),
			Contact:    f.text("contact", false, MaxName),
			Invitation: f.text("invitation", false, MaxInvitation),
			Request:    f.cid("request", false),
		}
	case KindRevocation:
		b = &Revocation{Node: f.key("node"), Reason: f.text("reason", false, MaxReason)}
	case KindCertificate:
		b = &Certificate{
			Author:        f.key("author"),
			Name:          f.text("name", true, MaxName),
			Function:      f.text("function", true, MaxFunction),
			Etablissement: f.text("etablissement", false, MaxName),
			UAI:           f.uai("uai"),
		}
	case KindCertificateEnd:
		b = &CertificateEnd{Author: f.key("author")}
	case KindAddresses:
		b = &Addresses{Addrs: f.addrs("addrs")}
	case KindJoinRequest:
		b = &JoinRequest{
			Node:       f.key("node"),
			Label:      f.text("label", true, MaxName),
			Academie:   f.text("academie", false, MaxAcademie),
			Contact:    f.text("contact", false, MaxName),
			Invitation: f.text("invitation", true, MaxInvitation),
		}
	case KindDecision:
		b = f.decision()
	case KindReport:
		b = f.report()
	}
	if _, ok := e.Meta[metaNetwork]; ok && kind == KindCharter {
		f.fail(metaNetwork, "a charter has none: its CID is the network's identifier")
	}
	f.unknown()
	if f.err == nil && kind != KindCharter && e.Body != "" {
		f.fail("body", "must be empty (only a charter has a text)")
	}
	if f.err != nil {
		return nil, "", f.err
	}
	return b, network, nil
}

// fields reads the meta of one record of kind, field by field, and
// keeps the first problem it finds.
type fields struct {
	kind Kind
	meta map[string]any
	read map[string]bool // the keys read so far
	err  error
}

func (f *fields) fail(field, format string, args ...any) {
	if f.err == nil {
		f.err = protocol.Errorf(protocol.CodeInvalid, "%s record: field %q: %s", f.kind, field, fmt.Sprintf(format, args...))
	}
}

// get returns the value of field and whether it is present.
func (f *fields) get(field string, required bool) (any, bool) {
	f.read[field] = true
	v, ok := f.meta[field]
	if !ok && required {
		f.fail(field, "missing")
	}
	return v, ok
}

// text reads a text field of at most max characters, without control
// characters. An optional field is absent rather than empty.
func (f *fields) text(field string, required bool, max int) string {
	return f.readText(field, required, max, forbidden)
}

// textLines reads a text field like text, which may hold line feeds
// (a report's comment).
func (f *fields) textLines(field string, required bool, max int) string {
	return f.readText(field, required, max, func(r rune) bool { return r != '\n' && forbidden(r) })
}

func (f *fields) readText(field string, required bool, max int, forbidden func(rune) bool) string {
	v, ok := f.get(field, required)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	switch {
	case !ok:
		f.fail(field, "want text, have %s", show(v))
	case s == "" && required:
		f.fail(field, "empty")
	case s == "":
		f.fail(field, "empty: leave an optional field out instead")
	case !utf8.ValidString(s):
		f.fail(field, "not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		f.fail(field, "%d characters, limit %d", utf8.RuneCountInString(s), max)
	case strings.ContainsFunc(s, forbidden):
		if forbidden('\n') {
			f.fail(field, "holds a control character (line break, tab…): write it on one line")
		} else {
			f.fail(field, "holds a control character (tab, carriage return…): only line feeds may break it")
		}
	}
	return s
}

// forbidden reports the characters that text fields may not hold:
// control characters (Unicode Cc: tab, line feed, NEL…) and the line
// and paragraph separators, so that a label or a name is one line
// wherever it is shown.
func forbidden(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// oneOf reads a required text field that takes one of values.
func (f *fields) oneOf(field string, values ...string) string {
	v, ok := f.get(field, true)
	if !ok {
		return ""
	}
	s, _ := v.(string)
	if !slices.Contains(values, s) {
		f.fail(field, "want one of %v, have %s", values, show(v))
	}
	return s
}

// key reads a required key in its text form, written exactly as
// Key.String writes it.
func (f *fields) key(field string) Key {
	v, ok := f.get(field, true)
	if !ok {
		return Key{}
	}
	return f.parseKey(field, v)
}

func (f *fields) parseKey(field string, v any) Key {
	s, ok := v.(string)
	if !ok {
		f.fail(field, "want a key in text (ed25519:…), have %s", show(v))
		return Key{}
	}
	k, err := protocol.ParseAuthorKey(s)
	if err != nil || k.String() != s {
		f.fail(field, "%q is not a key written as ed25519: and 52 lowercase base32 characters", s)
	}
	return k
}

// keys reads a required list of 1 to max distinct keys.
func (f *fields) keys(field string, max int) []Key {
	l := f.list(field, max)
	out := make([]Key, 0, len(l))
	for _, v := range l {
		k := f.parseKey(field, v)
		if slices.Contains(out, k) {
			f.fail(field, "%s listed twice", k)
		}
		out = append(out, k)
	}
	return out
}

// list reads a required list of 1 to max values.
func (f *fields) list(field string, max int) []any {
	v, ok := f.get(field, true)
	if !ok {
		return nil
	}
	l, ok := v.([]any)
	switch {
	case !ok:
		f.fail(field, "want a list, have %s", show(v))
		return nil
	case len(l) == 0 || len(l) > max:
		f.fail(field, "%d values, want 1 to %d", len(l), max)
		return nil
	}
	return l
}

// addrs reads a required list of 1 to MaxAddrs addresses: text that
// starts with "/", of at most MaxAddrLen bytes, without /p2p/ (nor
// /ipfs/, its former name, which multiaddr parsers still read). Whether
// it is a valid multiaddr is for the node to find out: this package
// does not import libp2p.
func (f *fields) addrs(field string) []string {
	l := f.list(field, MaxAddrs)
	out := make([]string, 0, len(l))
	for _, v := range l {
		s, ok := v.(string)
		switch {
		case !ok:
			f.fail(field, "want addresses in text, have %s", show(v))
		case !strings.HasPrefix(s, "/") || len(s) < 2:
			f.fail(field, "%q is not a multiaddr (/ip4/…/tcp/…)", s)
		case len(s) > MaxAddrLen:
			f.fail(field, "an address of %d bytes, limit %d", len(s), MaxAddrLen)
		case strings.Contains(s+"/", "/p2p/") || strings.Contains(s+"/", "/ipfs/"):
			f.fail(field, "%q: leave out /p2p/ (the signer is the node)", s)
		case strings.ContainsFunc(s, forbidden) || !utf8.ValidString(s):
			f.fail(field, "%q holds a control character or is not valid UTF-8", s)
		}
		out = append(out, s)
	}
	return out
}

// network reads the required network of a record: a charter's CID.
func (f *fields) network() string {
	return f.cid(metaNetwork, true)
}

// cid reads a revision CID in its text form.
func (f *fields) cid(field string, required bool) string {
	v, ok := f.get(field, required)
	if !ok {
		return ""
	}
	return f.parseCID(field, v)
}

func (f *fields) parseCID(field string, v any) string {
	s, _ := v.(string)
	c, err := protocol.ParseCID(s)
	if err != nil || c.Prefix().Codec != protocol.CodecDagCBOR || c.String() != s {
		f.fail(field, "want the CID of a record in text (bafyrei…), have %s", show(v))
	}
	return s
}

// cids reads a list of 1 to max distinct revision CIDs in text.
func (f *fields) cids(field string, required bool, max int) []string {
	if _, ok := f.meta[field]; !ok && !required {
		f.read[field] = true
		return nil
	}
	l := f.list(field, max)
	out := make([]string, 0, len(l))
	for _, v := range l {
		s := f.parseCID(field, v)
		if slices.Contains(out, s) {
			f.fail(field, "%s listed twice", s)
		}
		out = append(out, s)
	}
	return out
}

// uai reads an optional UAI, the French school identifier: 7 digits
// and an uppercase letter.
func (f *fields) uai(field string) string {
	v, ok := f.get(field, false)
	if !ok {
		return ""
	}
	s, _ := v.(string)
	ok = len(s) == 8 && s[7] >= 'A' && s[7] <= 'Z'
	for i := 0; ok && i < 7; i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		f.fail(field, "want 7 digits and an uppercase letter (0691234A), have %s", show(v))
	}
	return s
}

// closes reads the optional name of the open network a charter
// closes: what named a network before charters (1 to 32 lowercase
// letters, digits or '-').
func (f *fields) closes(field string) string {
	v, ok := f.get(field, false)
	if !ok {
		return ""
	}
	s, _ := v.(string)
	ok = len(s) >= 1 && len(s) <= 32
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		f.fail(field, "want a network name (1 to 32 lowercase letters, digits or '-'), have %s", show(v))
	}
	return s
}

// unknown fails on the first key, in sorted order, that no field of
// the record's kind read.
func (f *fields) unknown() {
	var extra []string
	for k := range f.meta {
		if !f.read[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		f.fail(extra[0], "unknown in a %s record", f.kind)
	}
}

// show describes a value for an error message, briefly.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		if len(x) > 80 {
			return fmt.Sprintf("%q…", x[:80])
		}
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprintf("a value of type %T", v)
	}
}
