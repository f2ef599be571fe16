package entry

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/github/go-spdx/v2/spdxexp"

	"github.com/mutu-network/mutu/protocol"
)

// maxTagLen is the most characters a tag may have: tags are short
// words, not sentences.
const maxTagLen = 40

// Validate checks an entry built in code, from a web form for
// instance, with the rules Parse applies to a file, so that an entry
// Validate accepts is accepted again once written with Marshal. The
// entry's kind is its kind key, KindNote when absent. file names the
// entry in messages. The error, when not nil, is an Errors value.
//
// Every problem with a value is reported under its key, so that a
// form can show it beside its field; a front matter too large is
// reported under the key that takes the most room in it.
func (e *Entry) Validate(file string) ([]Problem, error) {
	c := &checker{file: file}
	if c.dataModel(e.Meta) {
		c.schema(e.Meta)
		c.frontMatterSize(e)
	}
	c.body(e.Body)
	return c.result()
}

// checker gathers the problems of one entry.
type checker struct {
	file  string
	pos   positions // nil for an entry built in code
	errs  Errors
	warns []Problem
	skip  map[string]bool // keys already reported; not checked again
	// adopted are the foreign keys an import dealt with (see
	// adoptForeignKeys): no rename is suggested for them.
	adopted map[string]bool
}

// errorAt records a problem at line, unless key was already reported.
func (c *checker) errorAt(line int, key string, class error, fix, format string, args ...any) {
	if c.skip[key] {
		return
	}
	c.errs = append(c.errs, &Error{Problem: Problem{File: c.file, Line: line, Key: key, What: fmt.Sprintf(format, args...), Fix: fix}, Err: class})
}

// invalid reports a value under key that breaks the schema.
func (c *checker) invalid(key, fix, format string, args ...any) {
	c.errorAt(c.pos.value(key), key, ErrInvalid, fix, format, args...)
}

// warn records a warning at line: code names its rule, value the value
// at fault and suggest what to write instead (see Problem).
func (c *checker) warn(line int, key, code, value, suggest, fix, format string, args ...any) {
	c.warns = append(c.warns, Problem{File: c.file, Line: line, Key: key, What: fmt.Sprintf(format, args...), Fix: fix,
		Code: code, Value: value, Suggest: suggest})
}

// result returns the warnings and the problems, in line order.
func (c *checker) result() ([]Problem, error) {
	slices.SortStableFunc(c.warns, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	if len(c.errs) == 0 {
		return c.warns, nil
	}
	slices.SortStableFunc(c.errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	return c.warns, c.errs
}

// dataModel checks what Parse guarantees by construction and an entry
// built in code may break: the data model of the front matter and the
// reserved keys. It reports whether the schema can be checked.
func (c *checker) dataModel(meta map[string]any) bool {
	if err := protocol.CheckValue(meta); err != nil {
		c.errorAt(0, "", ErrInvalid, "keep to text, numbers, true/false, lists and mappings",
			"the front matter holds a value the network cannot carry: %v", err)
		return false
	}
	ok := true
	for _, k := range []string{keyID, keyAttachments} {
		if _, present := meta[k]; present {
			c.errorAt(0, k, ErrInvalid, "remove it: mutu fills it in", "the key is reserved")
			ok = false
		}
	}
	return ok
}

// body checks the body of an entry built in code: its size, and that
// it is text.
func (c *checker) body(body string) {
	switch {
	case len(body) > protocol.MaxBodySize:
		c.errorAt(0, "", ErrTooLarge, "split the entry, or move content into an attachment",
			"the body is %d bytes, more than the %d an entry may have", len(body), protocol.MaxBodySize)
	case !utf8.ValidString(body):
		c.errorAt(0, "", ErrNotText, "send the text as UTF-8", "the body is not valid UTF-8")
	case strings.IndexByte(body, 0) >= 0:
		c.errorAt(0, "", ErrNotText, "remove the NUL bytes", "the body contains NUL bytes")
	}
}

// frontMatterSize checks the size the front matter of an entry built
// in code will have once written. Too large, it is reported under the
// key that takes the most room, unless that key has a problem of its
// own already: a title too long says more than a front matter too
// large.
func (c *checker) frontMatterSize(e *Entry) {
	fm, err := marshalFrontMatter(&File{Entry: *e})
	if err != nil {
		c.errorAt(0, "", ErrInvalid, "", "the front matter cannot be written: %v", err)
		return
	}
	if len(fm) <= protocol.MaxFrontMatterSize {
		return
	}
	key, size := largestKey(e.Meta)
	if slices.ContainsFunc(c.errs, func(e *Error) bool { return e.Key == key }) {
		return
	}
	c.errorAt(0, key, ErrTooLarge, "shorten it; long text belongs in the body",
		"the front matter would be %d bytes, more than the %d an entry may have, %d of them for this key",
		len(fm), protocol.MaxFrontMatterSize, size)
}

// largestKey returns the key of meta that takes the most room once
// written, and that room in bytes.
func largestKey(meta map[string]any) (key string, size int) {
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		fm, err := marshalFrontMatter(&File{Entry: Entry{Meta: map[string]any{k: meta[k]}}})
		if err == nil && len(fm) > size {
			key, size = k, len(fm)
		}
	}
	return key, size
}

// schema applies the rules of DESIGN.md §2.1 to a front matter whose
// reserved keys are already removed.
func (c *checker) schema(meta map[string]any) {
	c.record(meta)
	kind, kindOK := c.kind(meta)
	c.title(meta)
	c.summary(meta)
	c.tags(meta)
	c.category(meta)
	c.audience(meta)
	c.academie(meta)
	c.license(meta, kind == KindSoftware)
	c.reviewBy(meta)
	c.derivedFrom(meta)
	switch kind {
	case KindTool:
		c.tool(meta)
	case KindSoftware:
		c.software(meta)
	}
	if kindOK {
		c.unknownKeys(meta, kind)
	}
}

// record refuses the key that marks a trust record: a revision whose
// meta has it is read as a record of the network, not as an entry.
func (c *checker) record(meta map[string]any) {
	if _, ok := meta[keyRecord]; ok {
		c.errorAt(c.pos.key(keyRecord), keyRecord, ErrInvalid, "rename the key (record_type, for instance)",
			"the key is reserved: it marks the network's trust records (charter, admissions, certificates), which mutu writes itself")
	}
}

// kind checks the kind key and returns the kind whose rules apply;
// ok is false when the key is faulty, and then only the common rules
// are checked.
func (c *checker) kind(meta map[string]any) (k Kind, ok bool) {
	if meta[keyKind] == nil {
		return KindNote, true
	}
	s, ok := c.text(meta, keyKind)
	if !ok {
		return "", false
	}
	k, err := ParseKind(strings.TrimSpace(s))
	if err != nil {
		c.invalid(keyKind, "use one of "+list(kindNames()), "%s is not a kind of entry", quoteValue(s))
		return "", false
	}
	return k, true
}

func (c *checker) title(meta map[string]any) {
	if v, present := meta[keyTitle]; !present || v == nil {
		c.errorAt(c.pos.key(keyTitle), keyTitle, ErrInvalid,
			"add a line such as title: Régie d'avances : ouvrir une sous-régie", "the entry has no title")
		return
	}
	s, ok := c.text(meta, keyTitle)
	switch {
	case !ok:
	case strings.TrimSpace(s) == "":
		c.invalid(keyTitle, "write the title after title:", "the title is empty")
	case strings.ContainsAny(s, "\n\r"):
		c.invalid(keyTitle, "write the title on one line; put details in the summary or the body", "the title has more than one line")
	case strings.ContainsFunc(s, unicode.IsControl):
		c.invalid(keyTitle, "remove them", "the title contains control characters")
	case !strings.ContainsFunc(s, isVisibleWord):
		c.invalid(keyTitle, "write the title in words after title:, e.g. title: Régie d'avances : ouvrir une sous-régie",
			"the title has no letter or digit: it would show as blank or as signs only")
	default:
		if n := utf8.RuneCountInString(strings.TrimSpace(s)); n > MaxTitleLen {
			c.invalid(keyTitle, fmt.Sprintf("shorten it to %d characters at most; put the details in the summary or the body", MaxTitleLen),
				"the title has %d characters", n)
		}
	}
}

func (c *checker) summary(meta map[string]any) {
	s, ok := c.text(meta, keySummary)
	if n := utf8.RuneCountInString(strings.TrimSpace(s)); ok && n > MaxSummaryLen {
		c.invalid(keySummary, fmt.Sprintf("shorten it to %d characters at most; the rest belongs in the body", MaxSummaryLen),
			"the summary has %d characters", n)
	}
}

func (c *checker) tags(meta map[string]any) {
	items, ok := c.textList(meta, keyTags, "tags: [budget, regies]")
	if !ok {
		return
	}
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		t := strings.TrimSpace(it.s)
		line := c.pos.item(keyTags, it.i)
		switch {
		case t == "":
			c.errorAt(line, keyTags, ErrInvalid, "remove it", "tag %d is empty", it.i+1)
		case strings.ContainsAny(t, "\n\r"):
			c.errorAt(line, keyTags, ErrInvalid, "write each tag on one line", "tag %s has more than one line", quoteValue(t))
		case utf8.RuneCountInString(t) > maxTagLen:
			c.errorAt(line, keyTags, ErrInvalid, fmt.Sprintf("use a short word or two, at most %d characters", maxTagLen),
				"tag %s is too long", quoteValue(t))
		case seen[strings.ToLower(t)]:
			c.warn(line, keyTags, WarnTagDuplicate, t, "", "remove it", "tag %s is listed twice", quoteValue(t))
		case t != strings.ToLower(t):
			c.warn(line, keyTags, WarnTagCapitals, t, strings.ToLower(t), "write it as "+strings.ToLower(t), "tag %s has capitals; tags are lowercase", quoteValue(t))
		}
		seen[strings.ToLower(t)] = true
	}
}

func (c *checker) category(meta map[string]any) {
	s, ok := c.text(meta, keyCategory)
	if ok && !slices.Contains(categories, strings.TrimSpace(s)) {
		c.warn(c.pos.value(keyCategory), keyCategory, WarnCategoryFree, strings.TrimSpace(s), "", "if one fits, use one of "+list(categories),
			"%s is not one of the categories; it is kept as free text", quoteValue(s))
	}
}

func (c *checker) audience(meta map[string]any) {
	items, ok := c.textList(meta, keyAudience, "audience: [gestionnaire, agent-comptable]")
	if !ok {
		return
	}
	for _, it := range items {
		if !slices.Contains(audiences, strings.TrimSpace(it.s)) {
			c.errorAt(c.pos.item(keyAudience, it.i), keyAudience, ErrInvalid, "use one of "+list(audiences),
				"%s is not an audience", quoteValue(it.s))
		}
	}
}

func (c *checker) academie(meta map[string]any) {
	s, ok := c.text(meta, keyAcademie)
	s = strings.TrimSpace(s)
	switch {
	case !ok:
	case s == "":
		c.invalid(keyAcademie, "write the académie's name, e.g. academie: aix-marseille, or remove the line", "the académie is empty")
	case strings.ContainsAny(s, "\n\r"):
		c.invalid(keyAcademie, "write the académie's name on one line", "the académie has more than one line")
	case s != strings.ToLower(s):
		c.invalid(keyAcademie, "write it in lowercase: "+strings.ToLower(s), "%s has capitals", quoteValue(s))
	}
}

func (c *checker) license(meta map[string]any, required bool) {
	const fix = "use an SPDX identifier or expression from https://spdx.org/licenses/, e.g. EUPL-1.2 or CC-BY-SA-4.0"
	s, ok := c.text(meta, keyLicense)
	if !ok {
		if required && !c.present(meta, keyLicense) {
			c.errorAt(c.pos.key(keyLicense), keyLicense, ErrInvalid,
				"add a line such as license: EUPL-1.2, with an SPDX identifier from https://spdx.org/licenses/",
				"a software entry must name its license")
		}
		return
	}
	s = strings.TrimSpace(s)
	normal, bad := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{s}, spdxexp.ValidateLicensesOptions{})
	switch {
	case s == "" || len(bad) > 0 || len(normal) != 1:
		c.invalid(keyLicense, fix, "%s is not a valid SPDX license expression", quoteValue(s))
	case normal[0] != s:
		c.warn(c.pos.value(keyLicense), keyLicense, WarnLicenseSpelling, s, normal[0], "write it as "+normal[0], "%s is not written the SPDX way", quoteValue(s))
	default:
		if ok, _ := spdxexp.ValidateLicensesWithOptions([]string{s}, spdxexp.ValidateLicensesOptions{FailDeprecatedLicenses: true}); !ok {
			c.warn(c.pos.value(keyLicense), keyLicense, WarnLicenseDeprecated, s, "", "use its current identifier from https://spdx.org/licenses/",
				"%s is a deprecated SPDX identifier", quoteValue(s))
		}
	}
}

func (c *checker) reviewBy(meta map[string]any) {
	const fix = "write it as YYYY-MM-DD, e.g. 2026-06-30"
	v, present := meta[keyReviewBy]
	if !present || v == nil {
		return
	}
	s, ok := v.(string)
	if !ok {
		c.invalid(keyReviewBy, fix, "%s is not a date", describe(v))
		return
	}
	if _, err := time.Parse(dateLayout, strings.TrimSpace(s)); err != nil {
		c.invalid(keyReviewBy, fix, "%s is not a date", quoteValue(s))
	}
}

// isVisibleWord reports whether r is a letter or a digit: a title
// needs one, so that no title is made only of spaces, punctuation or
// invisible and bidirectional characters.
func isVisibleWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// derivedFrom checks derived_from: the ID of the entry this one builds
// on (a document ID, the CID of its first revision, bafyrei…), or a
// list of such IDs for an entry built on several.
func (c *checker) derivedFrom(meta map[string]any) {
	const fix = "write the ID of the entry this one builds on, as `mutu show` or its page gives it, e.g. derived_from: bafyrei…; put a web address in the body instead"
	v, present := meta[keyDerivedFrom]
	if !present || v == nil {
		return
	}
	isID := func(s string) bool {
		id, err := protocol.ParseCID(strings.TrimSpace(s))
		return err == nil && id.Prefix().Codec == protocol.CodecDagCBOR
	}
	switch x := v.(type) {
	case string:
		if !isID(x) {
			c.invalid(keyDerivedFrom, fix, "%s is not an entry ID", quoteValue(x))
		}
	case []any:
		if len(x) == 0 {
			c.invalid(keyDerivedFrom, fix+", or remove the line", "the list is empty")
		}
		for i, it := range x {
			if s, ok := it.(string); !ok || !isID(s) {
				c.errorAt(c.pos.item(keyDerivedFrom, i), keyDerivedFrom, ErrInvalid, fix, "item %d, %s, is not an entry ID", i+1, describe(it))
			}
		}
	default:
		c.invalid(keyDerivedFrom, fix, "%s is not an entry ID", describe(v))
	}
}

func (c *checker) tool(meta map[string]any) {
	c.url(meta, keyURL, false, "the address of the tool")
	c.oneOf(meta, keyToolType, toolTypes)
	c.oneLine(meta, keyProvider)
	c.oneOf(meta, keyAccess, accesses)
	c.oneOf(meta, keyCost, costs)
}

func (c *checker) software(meta map[string]any) {
	c.url(meta, keyRepository, true, "the address of the source repository")
	c.oneOf(meta, keyStatus, statuses)
	c.oneOf(meta, keySoftwareType, softwareTypes)
	c.textList(meta, keyPlatforms, "platforms: [web, linux, windows]")
	c.maintainers(meta)
	if v, ok := meta[keyContributorsWanted]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			c.invalid(keyContributorsWanted, "write true or false", "%s is not true or false", describe(v))
		}
	}
}

// url checks that the value under key is an absolute http or https
// URL; what says what the URL is for, in the fix.
func (c *checker) url(meta map[string]any, key string, required bool, what string) {
	fix := fmt.Sprintf("write %s, starting with https://", what)
	s, ok := c.text(meta, key)
	if !ok {
		if required && !c.present(meta, key) {
			c.errorAt(c.pos.key(key), key, ErrInvalid, "add a line such as "+key+": https://forge.example/projet",
				"the entry must give %s", what)
		}
		return
	}
	s = strings.TrimSpace(s)
	if !isWebAddress(s) {
		c.invalid(key, fix, "%s is not a web address", quoteValue(s))
	}
}

// isWebAddress reports whether s is an absolute http or https URL.
func isWebAddress(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\n\r")
}

// oneOf checks that the value under key is one of allowed.
func (c *checker) oneOf(meta map[string]any, key string, allowed []string) {
	if s, ok := c.text(meta, key); ok && !slices.Contains(allowed, strings.TrimSpace(s)) {
		c.invalid(key, "use one of "+list(allowed), "%s is not allowed", quoteValue(s))
	}
}

// oneLine checks that the value under key is one line of text.
func (c *checker) oneLine(meta map[string]any, key string) {
	if s, ok := c.text(meta, key); ok && strings.ContainsAny(s, "\n\r") {
		c.invalid(key, "write it on one line", "the value has more than one line")
	}
}

func (c *checker) maintainers(meta map[string]any) {
	const fix = `write each maintainer as a name or an address, e.g. maintainers: ["Service numérique, académie de Lyon"]`
	v, present := meta[keyMaintainers]
	if !present || v == nil {
		return
	}
	items, ok := v.([]any)
	if !ok {
		c.invalid(keyMaintainers, fix, "must be a list, not %s", describe(v))
		return
	}
	for i, it := range items {
		var name string
		switch x := it.(type) {
		case string:
			name = x
		case map[string]any:
			name, _ = x["name"].(string)
		}
		if strings.TrimSpace(name) == "" {
			c.errorAt(c.pos.item(keyMaintainers, i), keyMaintainers, ErrInvalid, fix, "maintainer %d has no name", i+1)
		}
	}
}

// unknownKeys warns about keys that look like a misspelt known key.
// The keys stay in the entry as they are: they may be another tool's.
func (c *checker) unknownKeys(meta map[string]any, kind Kind) {
	for k := range meta {
		if isKnownKey(k) || c.adopted[k] {
			continue
		}
		s := suggestKey(k, func(s string) bool { return !c.present(meta, s) && keyApplies(s, kind) && couldHold(s, meta[k]) })
		if s == "" {
			continue
		}
		c.warn(c.pos.key(k), k, WarnUnknownKey, "", s, "rename it to "+s+" if that is what you meant", "unknown key, kept as is; did you mean %q?", s)
	}
}

// keyApplies reports whether the known key k belongs to kind's schema.
func keyApplies(k string, kind Kind) bool {
	switch k {
	case keyURL, keyToolType, keyProvider, keyAccess, keyCost:
		return kind == KindTool
	case keyRepository, keyStatus, keySoftwareType, keyPlatforms, keyMaintainers, keyContributorsWanted:
		return kind == KindSoftware
	}
	return true
}

// couldHold reports whether the known key k could be meant to hold v:
// a key misspelt keeps the kind of value it was meant for, while a key
// of another tool that happens to look like k often holds another kind
// (stats: true is not a misspelt status). A number is text that YAML
// read as a number; text may be the one item of a list, or true or false
// in words.
func couldHold(k string, v any) bool {
	switch v.(type) {
	case nil, string:
		return true
	case []any:
		return slices.Contains(listKeys, k)
	case bool:
		return k == keyContributorsWanted
	case int64, float64:
		return !slices.Contains(listKeys, k) && k != keyContributorsWanted
	}
	return false // a mapping: no known key holds one
}

// present reports whether key has a non-null value.
func (c *checker) present(meta map[string]any, key string) bool { return meta[key] != nil }

// text returns the text under key. It reports a value of another
// type, and returns ok false for it and for an absent or null value.
func (c *checker) text(meta map[string]any, key string) (s string, ok bool) {
	v := meta[key]
	if v == nil {
		return "", false
	}
	if s, ok = v.(string); !ok {
		fix := fmt.Sprintf("put it in quotes: %s: \"%s\"", key, scalarText(v))
		if _, isList := v.([]any); isList {
			fix = "write a single value"
		} else if _, isMap := v.(map[string]any); isMap {
			fix = "write a single value"
		}
		c.invalid(key, fix, "must be text, not %s", describe(v))
	}
	return s, ok
}

// listItem is a text item of a list and its index.
type listItem struct {
	i int
	s string
}

// textList returns the text items of the list under key. It reports a
// value that is not a list and items that are not text; example shows
// the right form in the fix.
func (c *checker) textList(meta map[string]any, key, example string) ([]listItem, bool) {
	v := meta[key]
	if v == nil {
		return nil, false
	}
	items, ok := v.([]any)
	if !ok {
		c.invalid(key, "write a list, e.g. "+example, "must be a list, not %s", describe(v))
		return nil, false
	}
	out := make([]listItem, 0, len(items))
	for i, it := range items {
		s, isText := it.(string)
		if !isText {
			c.errorAt(c.pos.item(key, i), key, ErrInvalid, "write each item as a word, in quotes if it looks like a number",
				"item %d is %s, not text", i+1, describe(it))
			continue
		}
		out = append(out, listItem{i, s})
	}
	return out, true
}

// describe names the type of a front-matter value for messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return quoteValue(x)
	case int64, float64:
		return "the number " + scalarText(x)
	case bool:
		return scalarText(x)
	case nil:
		return "empty"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("a %T", v)
}

// scalarText writes a number or a boolean as the file has it: a plain
// number is read as one only when spelt as Marshal spells it, so this
// is the text that was written (1.0 stays 1.0, not 1).
func scalarText(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
