package publiccode

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/github/go-spdx/v2/spdxexp"
	"golang.org/x/text/language"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// Codes of the problems this package reports, in entry.Problem.Code,
// errors and warnings alike, so that the web pages word them in
// French (see French). They are stable.
const (
	CodeSyntax           = "publiccode-syntax"            // Value: YAML's own message
	CodeRequired         = "publiccode-required"          // a required key is missing or empty
	CodeType             = "publiccode-type"              // Suggest: the type wanted (text, list, mapping, true/false)
	CodeEnum             = "publiccode-enum"              // Value: the value; Suggest: the values allowed
	CodeTooLong          = "publiccode-too-long"          // Value: characters or items; Suggest: the most allowed
	CodeTooShort         = "publiccode-too-short"         // Value: characters or items; Suggest: the least allowed
	CodeDate             = "publiccode-date"              // Value: the value
	CodeURL              = "publiccode-url"               // Value: the value
	CodeEmail            = "publiccode-email"             // Value: the value
	CodeLicense          = "publiccode-license"           // Value: the value
	CodeLanguage         = "publiccode-language"          // Value: the value
	CodeCountry          = "publiccode-country"           // Value: the value
	CodeContacts         = "publiccode-contacts"          // Value: the maintenance type; Suggest: the list it needs
	CodeEntry            = "publiccode-entry"             // Value: what mutu's entry rules say
	CodeURLForURI        = "publiccode-url-for-uri"       // warning: fundedBy[].url read as uri
	CodeYAML11Bool       = "publiccode-yaml11-bool"       // warning: Value: yes, no…; Suggest: true or false
	CodeCountryCase      = "publiccode-country-lowercase" // warning: Value: the code; Suggest: in capitals
	CodeVersionSoftware  = "publiccode-version-software"  // warning: Value: the software version written as the spec's
	CodeVersionMissing   = "publiccode-version-missing"   // warning
	CodeDeprecated       = "publiccode-deprecated"        // warning
	CodeUnknownKey       = "publiccode-unknown-key"       // warning: Suggest: the known key it looks like
	CodeCountrySection   = "publiccode-country-section"   // warning: Value: the section's key
	CodeLicenseSpelling  = "publiccode-license-spelling"  // warning: Value: the license; Suggest: spelt the SPDX way
	CodeLicenseOutOfDate = "publiccode-license-deprecated"
)

// checker gathers the problems of one file and fixes, in the tree, the
// mistakes it accepts.
type checker struct {
	file  string
	minor int // the minor version the file declares (0.N); CurrentVersion's when it has none
	errs  entry.Errors
	warns []entry.Problem
	lines map[string]int // line of each key path seen
}

func (c *checker) fail(line int, path, code, value, suggest, what, fix string) {
	c.errs = append(c.errs, &entry.Error{Problem: entry.Problem{File: c.file, Line: line, Key: path, What: what, Fix: fix,
		Code: code, Value: value, Suggest: suggest}, Err: entry.ErrInvalid})
}

func (c *checker) warn(line int, path, code, value, suggest, what, fix string) {
	c.warns = append(c.warns, entry.Problem{File: c.file, Line: line, Key: path, What: what, Fix: fix,
		Code: code, Value: value, Suggest: suggest})
}

// versionPattern is a version of the standard: 0.N or 0.N.M.
var versionPattern = regexp.MustCompile(`^0\.(\d+)(\.\d+)?$`)

// currentMinor is CurrentVersion's minor number.
const currentMinor = 5

// version reads publiccodeYmlVersion and sets it to the version the
// entry keeps: the current one, or a later one the file declares.
func (c *checker) version(root *node) {
	v := root.get("publiccodeYmlVersion")
	c.minor = currentMinor
	switch {
	case v.isNull():
		line := 1
		if len(root.keys) > 0 {
			line = root.keys[0].line
		}
		c.warn(line, "publiccodeYmlVersion", CodeVersionMissing, "", CurrentVersion,
			"missing; the file is read as version "+CurrentVersion,
			`add publiccodeYmlVersion: "`+CurrentVersion+`" as its first line`)
		root.set("publiccodeYmlVersion", textNode(CurrentVersion, line))
	case v.kind != scalarNode:
		// the schema reports the type
	case v.text == "0":
		// "0": the latest 0.x, as the reference tools read it
		root.set("publiccodeYmlVersion", textNode(CurrentVersion, v.line))
	case versionPattern.MatchString(v.text):
		c.minor, _ = strconv.Atoi(versionPattern.FindStringSubmatch(v.text)[1])
		if c.minor <= currentMinor {
			root.set("publiccodeYmlVersion", textNode(CurrentVersion, v.line))
		} else {
			root.set("publiccodeYmlVersion", textNode(v.text, v.line))
		}
	default:
		fix := `write publiccodeYmlVersion: "` + CurrentVersion + `", the version of the standard`
		what := fmt.Sprintf("%q is not a version of the publiccode.yml standard (0.2 to 0.%d…) but looks like the software's own version; the file is read as version %s", v.text, currentMinor, CurrentVersion)
		if root.get("softwareVersion").isNull() {
			root.set("softwareVersion", textNode(v.text, v.line))
			what += ", and the value is kept as softwareVersion"
			fix += fmt.Sprintf(`, and softwareVersion: "%s"`, v.text)
		}
		c.warn(v.line, "publiccodeYmlVersion", CodeVersionSoftware, v.text, CurrentVersion, what, fix)
		root.set("publiccodeYmlVersion", textNode(CurrentVersion, v.line))
	}
}

// check checks n, the value of path, against f.
func (c *checker) check(n *node, f *field, path string) {
	c.lines[path] = n.line
	if f.deprecated != "" {
		c.warn(n.line, path, CodeDeprecated, "", "", "deprecated by the standard", f.deprecated)
	}
	switch f.typ {
	case tMap:
		c.mapping(n, f, path)
	case tList:
		c.list(n, f, path)
	case tLangMap:
		c.langMap(n, f, path)
	case tURLs:
		if n.kind == seqNode {
			c.list(n, list(of(tURL)), path)
			return
		}
		c.scalar(n, of(tURL), path)
	default:
		c.scalar(n, f, path)
	}
}

func (c *checker) wrongType(n *node, path, want string) {
	got := map[nodeKind]string{scalarNode: "a single value", seqNode: "a list", mapNode: "a mapping of keys"}[n.kind]
	if n.kind == scalarNode && strings.HasPrefix(n.text, "-") && want == "a list" {
		got += fmt.Sprintf(" (%q: a dash needs a space after it to start a list item)", shorten(n.text))
	}
	c.fail(n.line, path, CodeType, got, want, fmt.Sprintf("is %s, not %s", got, want), "write it as "+want+" (see the publiccode.yml standard)")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c *checker) mapping(n *node, f *field, path string) {
	if n.kind != mapNode {
		c.wrongType(n, path, "a mapping of keys")
		return
	}
	for i, k := range n.keys {
		key, val := k.text, n.vals[i]
		p := join(path, key)
		c.lines[p] = k.line
		if strings.HasPrefix(path, "fundedBy[") && key == "url" && n.get("uri") == nil {
			c.warn(k.line, p, CodeURLForURI, "", "uri", "the key is uri, not url; read as uri", "rename url to uri")
			k.text, key, p = "uri", "uri", join(path, "uri")
		}
		sub, known := f.keys[key]
		if !known && path == "" && isCountrySection(key) {
			// a country's section in capitals (IT), as later files write it
			sub, known = f.keys[strings.ToLower(key)]
		}
		switch {
		case known && val.isNull():
			// absent; a required key is reported below
		case known:
			c.check(val, sub, p)
		case path == "" && isCountrySection(key):
			c.warn(k.line, p, CodeCountrySection, key, "",
				fmt.Sprintf("a section for the country %q, which the standard does not define; kept as is", strings.ToUpper(key)),
				"remove it if it was not meant for a national catalogue")
		default:
			suggest := suggestKey(key, f)
			fix := "remove it or rename it to a key of the standard"
			if suggest != "" {
				fix = fmt.Sprintf("did you mean %s? rename it", suggest)
			}
			c.warn(k.line, p, CodeUnknownKey, key, suggest, "unknown key, kept as is", fix)
		}
	}
	for _, key := range f.order {
		sub := f.keys[key]
		if sub.required && n.get(key).isNull() {
			c.fail(n.line, join(path, key), CodeRequired, "", "", "missing, and the standard requires it", "add it")
		}
	}
	if path == "maintenance" {
		c.maintenance(n)
	}
}

// maintenance checks that a maintenance section names who maintains.
func (c *checker) maintenance(n *node) {
	t := n.get("type")
	if t == nil || t.kind != scalarNode {
		return
	}
	need := map[string]string{"internal": "contacts", "community": "contacts", "contract": "contractors"}[t.text]
	if need == "" {
		return
	}
	if l := n.get(need); l.isNull() || (l.kind == seqNode && len(l.items) == 0) {
		c.fail(n.line, "maintenance."+need, CodeContacts, t.text, need,
			fmt.Sprintf("missing: a maintenance of type %s must list its %s", t.text, need),
			"add maintenance."+need+" with at least one name")
	}
}

func (c *checker) list(n *node, f *field, path string) {
	if n.kind != seqNode {
		c.wrongType(n, path, "a list")
		return
	}
	if f.min > 0 && len(n.items) < f.min {
		c.fail(n.line, path, CodeTooShort, "0", strconv.Itoa(f.min), "is an empty list", "give at least one item")
	}
	for i, it := range n.items {
		c.check(it, f.elem, fmt.Sprintf("%s[%d]", path, i))
	}
}

func (c *checker) langMap(n *node, f *field, path string) {
	if n.kind != mapNode {
		c.wrongType(n, path, "a mapping of languages")
		return
	}
	if len(n.keys) < f.min {
		c.fail(n.line, path, CodeRequired, "", "", "has no language", "add a language, e.g. description.fr")
	}
	for i, k := range n.keys {
		p := join(path, k.text)
		c.lines[p] = k.line
		if _, err := language.Parse(k.text); err != nil {
			c.fail(k.line, p, CodeLanguage, k.text, "", fmt.Sprintf("%q is not a language tag", k.text), "use a BCP 47 tag such as fr, en or it-IT")
			continue
		}
		if n.vals[i].isNull() {
			c.fail(k.line, p, CodeRequired, "", "", "is empty", "give the description in that language")
			continue
		}
		c.check(n.vals[i], f.elem, p)
	}
}

// yaml11Bools are the booleans of YAML 1.1 that YAML 1.2 reads as text.
var yaml11Bools = map[string]bool{"yes": true, "y": true, "on": true, "no": false, "n": false, "off": false}

func (c *checker) scalar(n *node, f *field, path string) {
	if n.kind != scalarNode {
		want := map[typ]string{tBool: "true or false"}[f.typ]
		if want == "" {
			want = "a single value"
		}
		c.wrongType(n, path, want)
		return
	}
	s := n.text
	if f.required && strings.TrimSpace(s) == "" {
		c.fail(n.line, path, CodeRequired, "", "", "is empty, and the standard requires it", "fill it in")
		return
	}
	switch f.typ {
	case tString:
		c.text(n, f, path)
	case tURL:
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.fail(n.line, path, CodeURL, s, "", fmt.Sprintf("%s is not a web address", quote(s)), "write it whole, starting with https://")
		}
	case tDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			c.fail(n.line, path, CodeDate, s, "", fmt.Sprintf("%s is not a date", quote(s)), "write it as YYYY-MM-DD, e.g. 2026-06-30")
		}
	case tBool:
		c.boolean(n, path)
	case tEmail:
		if a, err := mail.ParseAddress(s); err != nil || a.Name != "" {
			c.fail(n.line, path, CodeEmail, s, "", fmt.Sprintf("%s is not an e-mail address", quote(s)), "write an address such as nom@example.fr, or remove the key")
		}
	case tLicense:
		if ok, _ := spdxexp.ValidateLicenses([]string{strings.TrimSpace(s)}); !ok {
			c.fail(n.line, path, CodeLicense, s, "", fmt.Sprintf("%s is not a valid SPDX license expression", quote(s)),
				"use an identifier or expression from https://spdx.org/licenses/, e.g. EUPL-1.2 or AGPL-3.0-or-later")
		}
	case tLang:
		if _, err := language.Parse(s); err != nil {
			c.fail(n.line, path, CodeLanguage, s, "", fmt.Sprintf("%s is not a language tag", quote(s)), "use a BCP 47 tag such as fr, en or it-IT")
		}
	case tCountry:
		c.country(n, path)
	}
}

func (c *checker) text(n *node, f *field, path string) {
	s := n.text
	if f.enum != nil && !slices.Contains(f.enum, s) {
		c.fail(n.line, path, CodeEnum, s, strings.Join(f.enum, ", "), fmt.Sprintf("%s is not one of the values the standard allows", quote(s)),
			"use one of "+shortList(f.enum))
		return
	}
	count := utf8.RuneCountInString(s)
	if f.max > 0 && count > f.max {
		c.fail(n.line, path, CodeTooLong, strconv.Itoa(count), strconv.Itoa(f.max),
			fmt.Sprintf("longer than %d characters (%d)", f.max, count), fmt.Sprintf("shorten it to %d characters at most", f.max))
	}
	if f.min > 0 && count < f.min {
		c.fail(n.line, path, CodeTooShort, strconv.Itoa(count), strconv.Itoa(f.min),
			fmt.Sprintf("shorter than %d characters (%d)", f.min, count), fmt.Sprintf("write at least %d characters", f.min))
	}
	n.tag = "!!str" // a number or true/false written here is text
}

// boolean checks a true/false value, and reads YAML 1.1's yes and no
// as true and false, with a warning.
func (c *checker) boolean(n *node, path string) {
	lower := strings.ToLower(n.text)
	if n.tag == "!!bool" && (lower == "true" || lower == "false") {
		n.text = lower
		return
	}
	if b, ok := yaml11Bools[lower]; ok && n.tag == "!!str" {
		want := strconv.FormatBool(b)
		c.warn(n.line, path, CodeYAML11Bool, n.text, want,
			fmt.Sprintf("%q is a boolean of YAML 1.1 only, text for YAML 1.2; read as %s", n.text, want), "write "+want)
		n.tag, n.text = "!!bool", want
		return
	}
	c.fail(n.line, path, CodeType, n.text, "true or false", fmt.Sprintf("%s is not true or false", quote(n.text)), "write true or false")
}

// country checks a country code, and writes it in capitals, as the
// standard has since 0.4; in capitals, a code written in small letters
// in a file of a later version is warned of.
func (c *checker) country(n *node, path string) {
	s := n.text
	if len(s) != 2 || !isLetter(s[0]) || !isLetter(s[1]) {
		c.fail(n.line, path, CodeCountry, s, "", fmt.Sprintf("%s is not a country code", quote(s)), "use the two letters of ISO 3166-1, e.g. FR or IT")
		return
	}
	up := strings.ToUpper(s)
	if up != s && c.minor >= 4 {
		c.warn(n.line, path, CodeCountryCase, s, up, fmt.Sprintf("%q in small letters; read as %s", s, up), "write "+up)
	}
	n.text = up
}

func isLetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// suggestKey returns the key of f that k was probably meant to be:
// the same in other case, or with dashes or underscores for capitals
// (main-copyright-owner for mainCopyrightOwner); "" if none.
func suggestKey(k string, f *field) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(s))
	}
	for _, known := range f.order {
		if norm(known) == norm(k) {
			return known
		}
	}
	return ""
}

func quote(s string) string { return strconv.Quote(shorten(s)) }

func shorten(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func shortList(values []string) string {
	if len(values) > 12 {
		return strings.Join(values[:12], ", ") + "… (the list of the standard)"
	}
	return strings.Join(values, ", ")
}
