package entry

// Kind selects the schema an entry follows.
type Kind string

// The kinds of entry. An entry whose front matter has no kind is a note.
const (
	KindNote     Kind = "note"     // fiche pratique
	KindTool     Kind = "tool"     // outil
	KindSoftware Kind = "software" // logiciel
)

// Kinds returns the kinds of entry, in the order forms list them.
func Kinds() []Kind { return []Kind{KindNote, KindTool, KindSoftware} }

// ParseKind returns the Kind named s. The empty string is a note, as
// in a file without a kind key.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindNote, KindTool, KindSoftware:
		return k, nil
	case "":
		return KindNote, nil
	}
	return "", &Error{Problem: Problem{What: quoteValue(s) + " is not a kind of entry", Fix: "use one of " + list(kindNames())}, Err: ErrInvalid}
}

func kindNames() []string {
	ks := Kinds()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = string(k)
	}
	return names
}
