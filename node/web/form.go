package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// entryForm is the publish and edit form: the front matter as form
// fields, named after their keys, and the Markdown body. Lists are
// typed as text: tags and platforms separated by commas, maintainers
// one per line.
type entryForm struct {
	Kind     string
	Title    string
	Summary  string
	Tags     string
	Category string
	Academie string
	Audience []string
	License  string
	ReviewBy string
	Body     string

	URL, ToolType, Provider, Access, Cost string // tool

	Repository, Status, SoftwareType, Platforms, Maintainers string // software
	ContributorsWanted                                       bool

	// Editors are the author keys of the co-editors, one per line.
	// EditorsSent says that the form had the field: only the author
	// of an entry may change its editors, so an editor's form shows
	// them without the field, and the edit keeps them.
	Editors     string
	EditorsSent bool
}

// editorsText is how the form shows a list of editors: one key per
// line.
func editorsText(keys []protocol.AuthorKey) string {
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k.String()
	}
	return strings.Join(lines, "\n")
}

// editorKeys returns the editors the form gives: nil when it had no
// field for them (keep the list), else the keys, an empty list when
// the field is blank.
func (f *entryForm) editorKeys() ([]protocol.AuthorKey, *fieldError) {
	if !f.EditorsSent {
		return nil, nil
	}
	var items []string
	for _, line := range strings.Split(f.Editors, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			items = append(items, line)
		}
	}
	keys, err := entry.ParseEditors(items)
	if err != nil {
		var e *entry.Error
		errors.As(err, &e)
		return nil, &fieldError{Field: "editors", Message: fieldMessages["editors"], Detail: e.What + "; " + e.Fix}
	}
	return keys, nil
}

// formOf fills the form from an entry.
func formOf(e *entry.Entry) entryForm {
	m := e.Meta
	return entryForm{
		Kind: string(e.Kind()), Title: textOf(m["title"]), Summary: textOf(m["summary"]),
		Tags: strings.Join(e.Tags(), ", "), Category: textOf(m["category"]), Academie: textOf(m["academie"]),
		Audience: e.Audience(), License: textOf(m["license"]), ReviewBy: textOf(m["review_by"]),
		Body: e.Body,
		URL:  textOf(m["url"]), ToolType: textOf(m["tool_type"]), Provider: textOf(m["provider"]),
		Access: textOf(m["access"]), Cost: textOf(m["cost"]),
		Repository: textOf(m["repository"]), Status: textOf(m["status"]), SoftwareType: textOf(m["software_type"]),
		Platforms: listText(m["platforms"], ", "), Maintainers: strings.Join(e.Maintainers(), "\n"),
		ContributorsWanted: e.ContributorsWanted(),
	}
}

// parseEntryForm reads the form from a parsed POST.
func parseEntryForm(r *http.Request) entryForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := entryForm{
		Kind: v("kind"), Title: v("title"), Summary: v("summary"), Tags: formTags(v("tags")),
		Category: v("category"), Academie: strings.ToLower(v("academie")), License: v("license"),
		ReviewBy: frenchDateInput(v("review_by")),
		// Browsers send text areas with CRLF line ends.
		Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		URL:  v("url"), ToolType: v("tool_type"), Provider: v("provider"), Access: v("access"), Cost: v("cost"),
		Repository: v("repository"), Status: v("status"), SoftwareType: v("software_type"),
		Platforms: v("platforms"), Maintainers: strings.ReplaceAll(v("maintainers"), "\r\n", "\n"),
		ContributorsWanted: r.PostFormValue("contributors_wanted") != "",
		Editors:            strings.ReplaceAll(v("editors"), "\r\n", "\n"),
	}
	_, f.EditorsSent = r.PostForm["editors"]
	for _, a := range r.PostForm["audience"] {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(f.Audience, a) {
			f.Audience = append(f.Audience, a)
		}
	}
	if _, err := entry.ParseKind(f.Kind); err != nil || f.Kind == "" {
		f.Kind = string(entry.KindNote)
	}
	return f
}

// formTags returns the tags typed in the form as the entry stores
// them: lowercase, each once, separated by commas. Pages and search
// show tags lowercased (entry.Entry.Tags); the form stores them so, so
// that what is stored, shown and checked agree and an entry published
// from the web is never warned about its tags.
func formTags(s string) string {
	e := entry.Entry{Meta: map[string]any{"tags": listOf(strings.Split(s, ","))}}
	return strings.Join(e.Tags(), ", ")
}

func listOf(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// frenchDateInput accepts a date typed the French way, 30/06/2027,
// where the browser shows a text box instead of a date picker, and
// returns it as YYYY-MM-DD; anything else is returned as typed.
func frenchDateInput(s string) string {
	if t, err := time.Parse("02/01/2006", s); err == nil {
		return t.Format("2006-01-02")
	}
	return s
}

// meta returns the front matter the form makes, starting from orig
// (the entry edited; nil for a new one) so that keys the form does not
// show are kept. A field left as the form showed it keeps its value as
// it was, type and spelling included.
func (f *entryForm) meta(orig map[string]any) map[string]any {
	m := maps.Clone(orig)
	if m == nil {
		m = make(map[string]any)
	}
	set := func(key, shown string, val any) {
		if old, ok := orig[key]; ok && formText(key, old) == shown {
			return
		}
		if shown == "" {
			delete(m, key)
			return
		}
		m[key] = val
	}
	text := func(key, s string) { set(key, s, s) }
	list := func(key, shown string, items []string) {
		out := make([]any, 0, len(items))
		for _, it := range items {
			if it = strings.TrimSpace(it); it != "" {
				out = append(out, it)
			}
		}
		if len(out) == 0 {
			shown = ""
		}
		set(key, shown, out)
	}
	m["kind"] = f.Kind
	text("title", f.Title)
	text("summary", f.Summary)
	list("tags", f.Tags, strings.Split(f.Tags, ","))
	text("category", f.Category)
	text("academie", f.Academie)
	list("audience", strings.Join(f.Audience, ", "), f.Audience)
	text("license", f.License)
	text("review_by", f.ReviewBy)
	switch entry.Kind(f.Kind) {
	case entry.KindTool:
		text("url", f.URL)
		text("tool_type", f.ToolType)
		text("provider", f.Provider)
		text("access", f.Access)
		text("cost", f.Cost)
	case entry.KindSoftware:
		text("repository", f.Repository)
		text("status", f.Status)
		text("software_type", f.SoftwareType)
		list("platforms", f.Platforms, strings.Split(f.Platforms, ","))
		list("maintainers", f.Maintainers, strings.Split(f.Maintainers, "\n"))
		if f.ContributorsWanted {
			set("contributors_wanted", "true", true)
		} else if _, ok := orig["contributors_wanted"]; ok {
			set("contributors_wanted", "false", false)
		}
	}
	return m
}

// formText is how the form shows a front-matter value.
func formText(key string, v any) string {
	switch key {
	case "maintainers":
		e := entry.Entry{Meta: map[string]any{key: v}}
		return strings.Join(e.Maintainers(), "\n")
	case "contributors_wanted":
		b, _ := v.(bool)
		return fmt.Sprint(b)
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		return listText(x, ", ")
	}
	return fmt.Sprint(v)
}

func textOf(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

func listText(v any, sep string) string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok && strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return strings.Join(out, sep)
}

// fieldError is a problem with a field: in French, and the checker's
// own words beside it.
type fieldError struct {
	Field   string // form field; "" for the whole entry
	Message string // French
	Detail  string // the entry package's message, in English
}

// fieldMessages says in French what each field expects.
var fieldMessages = map[string]string{
	"title":               fmt.Sprintf("Donnez un titre sur une seule ligne, de %d caractères au plus.", entry.MaxTitleLen),
	"summary":             fmt.Sprintf("Le résumé doit tenir en %d caractères au plus ; la suite a sa place dans le texte.", entry.MaxSummaryLen),
	"tags":                "Étiquettes : des mots courts (40 caractères au plus), séparés par des virgules.",
	"category":            "Choisissez une catégorie dans la liste.",
	"audience":            "Choisissez le public parmi les cases proposées.",
	"academie":            "Académie : son nom en minuscules, par exemple aix-marseille.",
	"license":             "Licence : le nom court d'une licence de la liste SPDX, par exemple CC-BY-SA-4.0 ou EUPL-1.2.",
	"review_by":           "Date de révision : une date valide, par exemple 30/06/2027.",
	"url":                 "Adresse : une adresse web complète, commençant par https://.",
	"tool_type":           "Choisissez un type d'outil dans la liste.",
	"provider":            "Fournisseur : une seule ligne.",
	"access":              "Choisissez un mode d'accès dans la liste.",
	"cost":                "Choisissez gratuit ou payant.",
	"repository":          "Dépôt : l'adresse web du code source (https://…), obligatoire pour un logiciel.",
	"status":              "Choisissez un état dans la liste.",
	"software_type":       "Choisissez un type de logiciel dans la liste.",
	"platforms":           "Plateformes : des mots séparés par des virgules.",
	"maintainers":         "Mainteneurs : un nom ou une adresse par ligne.",
	"contributors_wanted": "Cochez la case ou laissez-la vide.",
	"editors":             "Co-éditeurs : une clé d'auteur par ligne, de la forme ed25519:… ; les noms viendront plus tard.",
	"kind":                "Choisissez le type d'entrée.",
	"body":                "Le texte n'est pas accepté.",
	"pieces":              "Pièces jointes refusées.",
}

// fieldLabels name the fields of the form, for messages away from them.
var fieldLabels = map[string]string{
	"kind": "Type d'entrée", "title": "Titre", "summary": "Résumé", "tags": "Étiquettes", "category": "Catégorie",
	"audience": "Public", "academie": "Académie", "license": "Licence", "review_by": "À revoir avant le",
	"url": "Adresse de l'outil", "tool_type": "Type d'outil", "provider": "Fournisseur", "access": "Accès", "cost": "Coût",
	"repository": "Dépôt du code source", "status": "État", "software_type": "Type de logiciel", "platforms": "Plateformes",
	"maintainers": "Mainteneurs", "contributors_wanted": "Contributions bienvenues", "body": "Texte", "pieces": "Pièces jointes",
	"editors": "Co-éditeurs",
}

// fieldErrors turns the errors of entry.Validate into errors by field:
// each problem goes to the field of its key, and only the problems of
// the body itself, which have no key, to the body.
func fieldErrors(err error) []fieldError {
	var list entry.Errors
	if !errors.As(err, &list) {
		var one *entry.Error
		if !errors.As(err, &one) {
			return []fieldError{{Message: "L'entrée n'est pas valide.", Detail: err.Error()}}
		}
		list = entry.Errors{one}
	}
	out := make([]fieldError, 0, len(list))
	for _, e := range list {
		fe := fieldError{Field: e.Key, Detail: e.What}
		if e.Fix != "" {
			fe.Detail += "; " + e.Fix
		}
		msg, known := fieldMessages[e.Key]
		switch {
		case e.Key == "" && errors.Is(e, entry.ErrTooLarge):
			fe.Field, msg = "body", "Le texte est trop long : scindez l'entrée, ou mettez le contenu volumineux en pièce jointe."
		case e.Key == "" && errors.Is(e, entry.ErrNotText):
			fe.Field, msg = "body", "Le texte contient des caractères invalides."
		case known && errors.Is(e, entry.ErrTooLarge):
			// The field makes the entry too large: what it expects
			// does not say so.
			msg = fieldLabels[e.Key] + " : ce champ est trop long pour une entrée ; raccourcissez-le, un texte long a sa place dans le texte de l'entrée."
		case !known:
			fe.Field, msg = "", "L'entrée n'est pas valide."
		}
		fe.Message = msg
		out = append(out, fe)
	}
	return out
}

// remark is a warning about an entry: worth fixing, and no reason to
// refuse it.
type remark struct {
	Field   string // form field it is about; "" when the form has none
	Label   string // French name of the field, or the key as written
	Message string // what to fix, in French
	Detail  string // the entry package's message, in English, for a warning the pages cannot word
}

// remarkTexts word each warning of package entry in French, from its
// value and suggestion.
var remarkTexts = map[string]func(p entry.Problem) string{
	entry.WarnTagCapitals: func(p entry.Problem) string {
		return fmt.Sprintf("l'étiquette « %s » a des majuscules ; les étiquettes s'écrivent en minuscules : %s.", p.Value, p.Suggest)
	},
	entry.WarnTagDuplicate: func(p entry.Problem) string {
		return fmt.Sprintf("l'étiquette « %s » figure deux fois ; retirez l'une des deux.", p.Value)
	},
	entry.WarnCategoryFree: func(p entry.Problem) string {
		return fmt.Sprintf("« %s » n'est pas une catégorie de la liste ; elle est gardée telle quelle, mais choisissez-en une de la liste si l'une convient.", p.Value)
	},
	entry.WarnLicenseSpelling: func(p entry.Problem) string {
		return fmt.Sprintf("« %s » ne s'écrit pas ainsi dans la liste des licences SPDX ; écrivez %s.", p.Value, p.Suggest)
	},
	entry.WarnLicenseDeprecated: func(p entry.Problem) string {
		return fmt.Sprintf("« %s » est un ancien identifiant de licence ; prenez son identifiant actuel sur https://spdx.org/licenses/.", p.Value)
	},
	entry.WarnKeyCopied: func(p entry.Problem) string {
		return fmt.Sprintf("copiée dans « %s », la clé que mutu lit ; elle reste aussi telle quelle.", p.Suggest)
	},
	entry.WarnKeyNotCopied: func(p entry.Problem) string {
		return fmt.Sprintf("pas copiée dans « %s » : « %s » n'est pas une adresse web.", p.Suggest, p.Value)
	},
	entry.WarnTitleFromHeading: func(p entry.Problem) string {
		return fmt.Sprintf("le fichier n'a pas d'en-tête : son titre est son premier intertitre, « %s », retiré du texte.", p.Value)
	},
	entry.WarnTitleFromName: func(p entry.Problem) string {
		return fmt.Sprintf("le fichier n'a pas d'en-tête ni d'intertitre au début : son titre vient de son nom, « %s ».", p.Value)
	},
	entry.WarnUnknownKey: func(p entry.Problem) string {
		if l := fieldLabels[p.Suggest]; l != "" {
			return fmt.Sprintf("clé inconnue, gardée telle quelle ; vouliez-vous dire « %s » (%s) ?", p.Suggest, l)
		}
		return fmt.Sprintf("clé inconnue, gardée telle quelle ; vouliez-vous dire « %s » ?", p.Suggest)
	},
}

// remarks turns the warnings of entry.Validate into remarks by field,
// in French.
func remarks(ws []entry.Problem) []remark {
	out := make([]remark, 0, len(ws))
	for _, w := range ws {
		r := remark{Label: fieldLabels[w.Key]}
		if r.Label != "" {
			r.Field = w.Key
		} else {
			r.Label = "« " + w.Key + " »"
		}
		if text, ok := remarkTexts[w.Code]; ok {
			r.Message = text(w)
		} else {
			// A warning newer than these pages: said in French, with
			// the checker's own words beside it.
			r.Message = "ce point mérite d'être revu."
			r.Detail = w.What
			if w.Fix != "" {
				r.Detail += "; " + w.Fix
			}
		}
		r.Label, r.Message = typo(r.Label), typo(r.Message)
		out = append(out, r)
	}
	return out
}

// formChoices are the values the form's lists offer.
type formChoices struct {
	Kinds, Categories, Audiences, Academies             []string
	ToolTypes, Accesses, Costs, Statuses, SoftwareTypes []string
}

// choicesFor returns the lists, with f's current free-text category
// added so that editing an entry does not lose it.
func choicesFor(f entryForm) formChoices {
	c := formChoices{
		Categories: entry.Categories(), Audiences: entry.Audiences(), Academies: academies,
		ToolTypes: entry.ToolTypes(), Accesses: entry.Accesses(), Costs: entry.Costs(),
		Statuses: entry.Statuses(), SoftwareTypes: entry.SoftwareTypes(),
	}
	for _, k := range entry.Kinds() {
		c.Kinds = append(c.Kinds, string(k))
	}
	if f.Category != "" && !slices.Contains(c.Categories, f.Category) {
		c.Categories = append(c.Categories, f.Category)
	}
	return c
}

// fieldView is what the form templates need to draw one field.
type fieldView struct {
	Key, Label, Value, Hint string
	Type                    string // of the input: text, date, url
	Required                bool
	Err                     *fieldError
}

// choiceView is a drop-down list of the form.
type choiceView struct {
	Key, Label, Value string
	Options           []string
	Labels            string // name of the label table of the options
	Err               *fieldError
}

// labelTables are the label tables choiceView.Labels names.
var labelTables = map[string]map[string]string{
	"toolType": toolTypeLabels, "access": accessLabels, "cost": costLabels, "status": statusLabels,
}

// formFuncs are the helpers of the form template.
var formFuncs = map[string]any{
	"field": func(key, label, value, hint string, errs map[string]*fieldError, required bool) *fieldView {
		return &fieldView{Key: key, Label: typo(label), Value: value, Hint: typo(hint), Type: "text", Required: required, Err: errs[key]}
	},
	"choice": func(key, label, value string, options []string, labels string, errs map[string]*fieldError) *choiceView {
		return &choiceView{Key: key, Label: typo(label), Value: value, Options: options, Labels: labels, Err: errs[key]}
	},
	"date_input": func(f *fieldView) *fieldView { f.Type = "date"; return f },
	"url_input":  func(f *fieldView) *fieldView { f.Type = "url"; return f },
	"labelOf":    func(table, v string) string { return label(labelTables[table], v) },
	"has":        func(list []string, v string) bool { return slices.Contains(list, v) },
	"u64":        func(n int) uint64 { return uint64(n) },
}

// editorsView is the form's part about co-editors.
type editorsView struct {
	Field bool     // the visitor may change them: the form has the field
	Names []string // the editors, for a visitor who may not change them
	MyKey string   // the visitor's author key, to give to an author
}

// editorsOf returns the editors part of the form of visitor vis for
// document d (nil for a new entry): the field for its author, the
// list for an editor.
func (s *Server) editorsOf(vis *visitor, d *catalogue.Doc) editorsView {
	var v editorsView
	if vis.account != nil {
		v.MyKey = protocol.PublicKey(vis.account.key).String()
	}
	if d == nil || v.MyKey == d.Author.String() {
		v.Field = true
		return v
	}
	if d.HeadRev != nil {
		for _, k := range d.HeadRev.Editors {
			v.Names = append(v.Names, s.authorName(k))
		}
	}
	return v
}

// editorKeys returns the editors the form sets, nil to keep them, and
// adds a problem with the field to the form's errors.
func (v *formView) editorKeys() []protocol.AuthorKey {
	if !v.Editors.Field {
		return nil
	}
	keys, problem := v.F.editorKeys()
	if problem != nil {
		v.addErrors([]fieldError{*problem})
	}
	return keys
}
