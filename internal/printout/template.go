package printout

import (
	"slices"
	"strings"
	"unicode"
)

// Template is a result document as a service type keeps it.
type Template struct {
	Title string
	Body  string
}

// fieldPrefix introduces a placeholder that names a form field by its code.
const fieldPrefix = "поле:"

// TemplateError lists every placeholder that cannot be filled.
type TemplateError struct {
	// Unknown are placeholders with no value, as written: "{{номер}}".
	Unknown []string
	// Malformed are braces that do not form a placeholder, as written.
	Malformed []string
}

func (e *TemplateError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown placeholders "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Malformed) > 0 {
		parts = append(parts, "malformed placeholders "+strings.Join(e.Malformed, ", "))
	}
	return "printout: template: " + strings.Join(parts, "; ")
}

// Message says the same in Russian, for whoever edits the template.
func (e *TemplateError) Message() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, "неизвестные подстановки: "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Malformed) > 0 {
		parts = append(parts, "неправильно записанные подстановки: "+strings.Join(e.Malformed, ", ")+
			" (пишите {{имя}} или {{поле:код}})")
	}
	return "В шаблоне " + strings.Join(parts, "; ")
}

// Placeholders returns the names the template uses (without braces, in
// order of first use), or a *TemplateError listing malformed ones.
func (t Template) Placeholders() ([]string, error) {
	var names []string
	problems := &TemplateError{}
	for _, text := range []string{t.Title, t.Body} {
		scan(text, func(name string) string {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
			return ""
		}, problems)
	}
	if len(problems.Malformed) > 0 {
		return nil, problems
	}
	return names, nil
}

// fill returns the title and body with values put in.
func (t Template) fill(values map[string]string) (title, body string, err error) {
	problems := &TemplateError{}
	lookup := func(name string) string {
		v, ok := values[name]
		if !ok && !slices.Contains(problems.Unknown, "{{"+name+"}}") {
			problems.Unknown = append(problems.Unknown, "{{"+name+"}}")
		}
		return v
	}
	title = scan(t.Title, lookup, problems)
	body = scan(t.Body, lookup, problems)
	if len(problems.Unknown) > 0 || len(problems.Malformed) > 0 {
		return "", "", problems
	}
	return title, body, nil
}

// scan copies text, replacing each placeholder by value(name) and noting
// malformed ones in problems.
func scan(text string, value func(name string) string, problems *TemplateError) string {
	var b strings.Builder
	for text != "" {
		open := strings.Index(text, "{{")
		literal := text
		if open >= 0 {
			literal = text[:open]
		}
		if i := strings.Index(literal, "}}"); i >= 0 {
			problems.Malformed = appendOnce(problems.Malformed, tail(literal[:i+2]))
		}
		b.WriteString(literal)
		if open < 0 {
			break
		}
		rest := text[open+2:]
		end, next := strings.Index(rest, "}}"), strings.Index(rest, "{{")
		if end < 0 || next >= 0 && next < end {
			problems.Malformed = appendOnce(problems.Malformed, head(text[open:]))
			text = rest
			continue
		}
		name := strings.TrimSpace(rest[:end])
		if validName(name) {
			b.WriteString(value(name))
		} else {
			problems.Malformed = appendOnce(problems.Malformed, text[open:open+2+end+2])
		}
		text = rest[end+2:]
	}
	return b.String()
}

// validName: letters, digits and '_'; or "поле:" and a field code.
func validName(name string) bool {
	if code, ok := strings.CutPrefix(name, fieldPrefix); ok {
		return code != "" && strings.IndexFunc(code, func(r rune) bool {
			return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_' || r == '-' || r == '.')
		}) < 0
	}
	return name != "" && strings.IndexFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	}) < 0
}

// excerptRunes is how much of the text around a malformed placeholder an
// error message quotes.
const excerptRunes = 30

// head and tail quote the start and the end of s for an error message.
func head(s string) string {
	if r := []rune(s); len(r) > excerptRunes {
		return string(r[:excerptRunes]) + "…"
	}
	return s
}

func tail(s string) string {
	if r := []rune(s); len(r) > excerptRunes {
		return "…" + string(r[len(r)-excerptRunes:])
	}
	return s
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
