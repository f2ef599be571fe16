package trust

// Category is why an entry is reported or moderated.
type Category string

// The six categories of a report or a moderation act, with their
// French labels (Label).
const (
	CategoryPersonalData Category = "donnees-personnelles"
	CategoryWrong        Category = "erronee-obsolete"
	CategoryIllegal      Category = "illicite"
	CategoryOffTopic     Category = "hors-sujet"
	CategorySpam         Category = "spam"
	CategoryOther        Category = "autre"
)

// Categories lists every category, in the order forms show them.
var Categories = []Category{CategoryPersonalData, CategoryWrong, CategoryIllegal, CategoryOffTopic, CategorySpam, CategoryOther}

var categoryLabels = map[Category]string{
	CategoryPersonalData: "données personnelles",
	CategoryWrong:        "information erronée ou obsolète",
	CategoryIllegal:      "contenu illicite",
	CategoryOffTopic:     "hors sujet",
	CategorySpam:         "publicité ou spam",
	CategoryOther:        "autre",
}

// Label is the category as French readers see it; "" if c is unknown.
func (c Category) Label() string { return categoryLabels[c] }

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool { _, ok := categoryLabels[c]; return ok }

// Action is what a moderation act does.
type Action string

// The actions of a moderation act. A node's own acts may use all of
// them; a shared decision (Decision) uses hide, unhide, block-author,
// unblock-author and erase.
const (
	ActionHide          Action = "hide"           // an entry, or one revision of it
	ActionUnhide        Action = "unhide"         // undoes hide
	ActionBlockAuthor   Action = "block-author"   // the author's entries hidden, new revisions refused
	ActionUnblockAuthor Action = "unblock-author" // undoes block-author
	ActionBlockNode     Action = "block-node"     // a node's authors' entries hidden (local acts only)
	ActionUnblockNode   Action = "unblock-node"   // undoes block-node
	ActionErase         Action = "erase"          // the content of revisions removed everywhere
)

// Kinds of the moderation records (docs/protocol.md, Part 4).
const (
	KindDecision Kind = "decision"
	KindReport   Kind = "report"
)

// Decision is a moderation act shared with the network: signed by a
// coordinator's node key, or, for an erasure of personal data, by the
// author of the revisions it names.
type Decision struct {
	Action    Action
	Entry     string   // the entry's document CID (hide, unhide, erase)
	Revisions []string // hide: one revision of Entry, or none for all of it; erase: the revisions whose content goes
	Author    Key      // block-author, unblock-author
	Category  Category
	Reason    string // public, at most MaxReason characters
}

// Report tells moderators that an entry may break the network's rules,
// or asks the coordinators to revoke a node (Node). It is signed by the
// node of the person who reports, on their behalf.
type Report struct {
	Entry    string // the entry's document CID; "" in a report about a node
	Revision string // the revision the reporter read; "" in a report about a node
	Node     Key    // the node whose revocation the report asks for; zero in a report about an entry
	Category Category
	Comment  string // at most MaxComment characters
	Reporter string // the reporter's name, only if they agreed to show it; else ""
}

// MaxComment is the longest comment of a report, in characters.
const MaxComment = 1000

func (Decision) Kind() Kind { return KindDecision }
func (Report) Kind() Kind   { return KindReport }

// decisionActions are the actions a Decision may take: the node-level
// ones stay local.
var decisionActions = []string{string(ActionHide), string(ActionUnhide), string(ActionBlockAuthor), string(ActionUnblockAuthor), string(ActionErase)}

// decision reads the fields of a decision record (docs/protocol.md,
// §4.12): which of entry, revisions and author it has depends on its
// action.
func (f *fields) decision() *Decision {
	d := &Decision{Action: Action(f.oneOf("action", decisionActions...))}
	switch d.Action {
	case ActionHide, ActionUnhide:
		d.Entry = f.cid("entry", true)
		d.Revisions = f.cids("revisions", false, 1)
		f.absent("author", d.Action)
	case ActionErase:
		d.Entry = f.cid("entry", true)
		d.Revisions = f.cids("revisions", true, MaxErased)
		f.absent("author", d.Action)
	case ActionBlockAuthor, ActionUnblockAuthor:
		d.Author = f.key("author")
		f.absent("entry", d.Action)
		f.absent("revisions", d.Action)
	}
	d.Category = f.category("category")
	d.Reason = f.text("reason", true, MaxReason)
	return d
}

// absent fails if field, which a decision of action does not use, is
// present.
func (f *fields) absent(field string, action Action) {
	f.read[field] = true
	if _, ok := f.meta[field]; ok {
		f.fail(field, "a %s decision has none", action)
	}
}

// category reads a required category.
func (f *fields) category(field string) Category {
	names := make([]string, len(Categories))
	for i, c := range Categories {
		names[i] = string(c)
	}
	return Category(f.oneOf(field, names...))
}

// report reads the fields of a report record (docs/protocol.md,
// §4.13): about an entry (entry and revision), or about a node (node).
func (f *fields) report() *Report {
	r := &Report{}
	if _, ok := f.meta["node"]; ok {
		r.Node = f.key("node")
		for _, field := range []string{"entry", "revision"} {
			f.read[field] = true
			if _, ok := f.meta[field]; ok {
				f.fail(field, "a report about a node names no entry")
			}
		}
	} else {
		r.Entry = f.cid("entry", true)
		r.Revision = f.cid("revision", true)
	}
	r.Category = f.category("category")
	r.Comment = f.textLines("comment", false, MaxComment)
	r.Reporter = f.text("reporter", false, MaxName)
	return r
}
