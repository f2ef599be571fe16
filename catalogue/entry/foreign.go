package entry

import "strings"

// foreignKeys are keys other catalogues use for a key of mutu's
// schema, and that key: beta.gouv.fr's startup files give a service's
// address as link, which a tool keeps in url.
var foreignKeys = []struct{ from, to string }{
	{"link", keyURL},
}

// adoptForeignKeys copies, in the front matter of an imported file,
// the value of each foreign key to the key of mutu's schema it stands
// for, when the entry's kind has that key, the file does not set it,
// and the value suits it (a web address for url; its surrounding
// white space left out). The foreign key stays as it is, like any
// unknown key, so that nothing of the file is lost and an export gives
// it back to the other catalogue; a warning says what was done. A
// foreign key left empty is not worth a warning, and one whose value
// does not suit gets a warning that says so rather than a suggestion
// to rename it.
func (c *checker) adoptForeignKeys(meta map[string]any) {
	kindName, _ := meta[keyKind].(string)
	kind, err := ParseKind(strings.TrimSpace(kindName))
	if err != nil {
		return
	}
	for _, fk := range foreignKeys {
		v, present := meta[fk.from]
		s, isText := v.(string)
		s = strings.TrimSpace(s)
		if !present || !keyApplies(fk.to, kind) || meta[fk.to] != nil || !(isText || v == nil) {
			continue
		}
		if c.adopted == nil {
			c.adopted = make(map[string]bool)
		}
		c.adopted[fk.from] = true
		line := c.pos.key(fk.from)
		switch {
		case s == "":
		case !isWebAddress(s):
			c.warn(line, fk.from, WarnKeyNotCopied, s, fk.to, "", "not copied to %q: %s is not a web address", fk.to, quoteValue(s))
		default:
			meta[fk.to] = s
			if c.pos != nil {
				c.pos[fk.to] = c.pos[fk.from]
			}
			c.warn(line, fk.from, WarnKeyCopied, "", fk.to, "", "copied to %q, the key mutu reads; %q is kept as it is", fk.to, fk.from)
		}
	}
}
