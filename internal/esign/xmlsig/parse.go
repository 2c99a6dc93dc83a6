package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits bound what Parse accepts, so a hostile document cannot exhaust memory or the stack.
type Limits struct {
	MaxBytes int // largest document accepted, in bytes
	MaxDepth int // deepest element nesting accepted; the document element is depth 1
}

// Default limits: SMEV 3 keeps message bodies well under a few megabytes (larger files travel
// as attachments), and no SMEV schema nests anywhere near 256 levels.
const (
	DefaultMaxBytes = 16 << 20
	DefaultMaxDepth = 256
)

// DefaultLimits returns the limits Parse uses.
func DefaultLimits() Limits {
	return Limits{MaxBytes: DefaultMaxBytes, MaxDepth: DefaultMaxDepth}
}

// Errors a caller may want to tell apart; parse errors wrap one of them.
var (
	ErrMalformed  = errors.New("malformed XML")
	ErrForbidden  = errors.New("forbidden XML construct")
	ErrTooLarge   = errors.New("XML document exceeds the size limit")
	ErrTooDeep    = errors.New("XML document exceeds the nesting depth limit")
	ErrNamespaces = errors.New("XML namespace error")
)

// firstDuplicate returns a key that occurs twice. Short lists are scanned and long ones
// hashed, so an element with thousands of attributes costs linear time, not quadratic.
func firstDuplicate[K comparable](keys []K) (K, bool) {
	if len(keys) <= 16 {
		for i, k := range keys {
			for _, prev := range keys[:i] {
				if prev == k {
					return k, true
				}
			}
		}
		var zero K
		return zero, false
	}
	seen := make(map[K]struct{}, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; ok {
			return k, true
		}
		seen[k] = struct{}{}
	}
	var zero K
	return zero, false
}

// Parse parses a UTF-8 XML document with the default limits. It rejects document type
// declarations (and so any entity declaration), undeclared prefixes, duplicate attributes and
// text outside the document element.
func Parse(data []byte) (*Document, error) {
	return ParseWithLimits(data, DefaultLimits())
}

// ParseReader reads at most limits.MaxBytes from r and parses them.
func ParseReader(r io.Reader, limits Limits) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limits.MaxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("read XML: %w", err)
	}
	return ParseWithLimits(data, limits)
}

// ParseWithLimits parses a UTF-8 XML document within the given limits.
func ParseWithLimits(data []byte, limits Limits) (*Document, error) {
	if len(data) > limits.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limits.MaxBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: input is not valid UTF-8", ErrMalformed)
	}
	p := parser{data: data, limits: limits, dec: xml.NewDecoder(bytes.NewReader(data)),
		scope: namespaceScope{}, ids: map[string]*Element{}}
	p.dec.Strict = true
	if err := p.run(); err != nil {
		return nil, err
	}
	return &Document{root: p.root, ids: p.ids}, nil
}

type parser struct {
	data   []byte
	limits Limits
	dec    *xml.Decoder
	root   *Element
	cur    *Element
	depth  int
	scope  namespaceScope
	text   []byte // text of the current element not yet added as a node
	ids    map[string]*Element
}

func (p *parser) run() error {
	for {
		start := p.dec.InputOffset()
		tok, err := p.dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		end := p.dec.InputOffset()
		switch tok.(type) {
		case xml.CharData, xml.Comment:
			// Adjacent text (split by CDATA sections or dropped comments) is one text node:
			// gathered in p.text, added when the next markup arrives.
		default:
			if p.cur != nil {
				p.flushText()
			}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.startElement(t, p.data[start:end]); err != nil {
				return p.errorAt(err)
			}
		case xml.EndElement:
			if err := p.endElement(t); err != nil {
				return p.errorAt(err)
			}
		case xml.CharData:
			if p.cur == nil {
				if len(bytes.Trim(t, " \t\r\n")) != 0 {
					return p.errorAt(fmt.Errorf("%w: text outside the document element", ErrMalformed))
				}
				continue
			}
			p.text = append(p.text, t...)
		case xml.Comment:
			// Dropped: signatures here are computed without comments.
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") {
				if start != 0 || t.Target != "xml" {
					return p.errorAt(fmt.Errorf("%w: XML declaration not at the start of the document", ErrMalformed))
				}
				continue
			}
			if p.cur != nil {
				data := strings.ReplaceAll(string(t.Inst), "\r\n", "\n")
				data = strings.ReplaceAll(data, "\r", "\n")
				p.cur.children = append(p.cur.children, procInst{target: t.Target, data: data})
			}
		case xml.Directive:
			return p.errorAt(fmt.Errorf("%w: document type and entity declarations are not accepted", ErrForbidden))
		}
	}
	if p.cur != nil {
		return fmt.Errorf("%w: element <%s> is not closed", ErrMalformed, p.cur.name.display())
	}
	if p.root == nil {
		return fmt.Errorf("%w: no document element", ErrMalformed)
	}
	return nil
}

func (p *parser) errorAt(err error) error {
	line, col := p.dec.InputPos()
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// flushText adds the text gathered since the last markup to the current element.
func (p *parser) flushText() {
	if len(p.text) > 0 {
		p.cur.children = append(p.cur.children, text(p.text))
		p.text = p.text[:0]
	}
}

func (p *parser) startElement(t xml.StartElement, raw []byte) error {
	if p.cur == nil && p.root != nil {
		return fmt.Errorf("%w: more than one document element", ErrMalformed)
	}
	p.depth++
	if p.depth > p.limits.MaxDepth {
		return fmt.Errorf("%w: deeper than %d elements", ErrTooDeep, p.limits.MaxDepth)
	}
	values, err := rawAttributeValues(raw, len(t.Attr))
	if err != nil {
		return err
	}
	el := &Element{parent: p.cur}
	for i, a := range t.Attr {
		if err := checkName(a.Name); err != nil {
			return err
		}
		switch {
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if err := el.declare("", values[i]); err != nil {
				return err
			}
		case a.Name.Space == "xmlns":
			if err := el.declare(a.Name.Local, values[i]); err != nil {
				return err
			}
		default:
			el.attrs = append(el.attrs, attribute{name: qname{prefix: a.Name.Space, local: a.Name.Local}, value: values[i]})
		}
	}
	if dup, ok := firstDuplicate(declaredPrefixes(el.nsDecls)); ok {
		return fmt.Errorf("%w: prefix %q declared twice on one element", ErrNamespaces, dup)
	}
	p.scope.push(el.nsDecls)
	if err := checkName(t.Name); err != nil {
		return err
	}
	el.name = qname{prefix: t.Name.Space, local: t.Name.Local}
	if el.name.prefix == "xmlns" {
		return fmt.Errorf("%w: element <%s> uses the reserved prefix xmlns", ErrNamespaces, el.name.display())
	}
	uri, ok := p.scope.lookup(el.name.prefix)
	if !ok {
		return fmt.Errorf("%w: element <%s> uses undeclared prefix %q", ErrNamespaces, el.name.display(), el.name.prefix)
	}
	el.name.space = uri
	keys := make([][2]string, len(el.attrs))
	for i := range el.attrs {
		a := &el.attrs[i]
		if a.name.prefix != "" { // unprefixed attributes are in no namespace
			uri, ok := p.scope.lookup(a.name.prefix)
			if !ok {
				return fmt.Errorf("%w: attribute %s of <%s> uses undeclared prefix %q", ErrNamespaces, a.name.display(), el.name.display(), a.name.prefix)
			}
			a.name.space = uri
		}
		keys[i] = [2]string{a.name.space, a.name.local}
	}
	if dup, ok := firstDuplicate(keys); ok {
		return fmt.Errorf("%w: element <%s> repeats attribute {%s}%s", ErrMalformed, el.name.display(), dup[0], dup[1])
	}
	for _, a := range el.attrs {
		if a.name.space == "" && a.value != "" && (a.name.local == "Id" || a.name.local == "ID" || a.name.local == "id") {
			if prev, seen := p.ids[a.value]; seen && prev != el {
				p.ids[a.value] = nil
			} else {
				p.ids[a.value] = el
			}
		}
	}
	if p.cur == nil {
		p.root = el
	} else {
		p.cur.children = append(p.cur.children, el)
	}
	p.cur = el
	return nil
}

func declaredPrefixes(decls []nsDecl) []string {
	out := make([]string, len(decls))
	for i, d := range decls {
		out[i] = d.prefix
	}
	return out
}

// declare records a namespace declaration on e, enforcing the reserved-name rules.
func (e *Element) declare(prefix, uri string) error {
	switch {
	case prefix == "xmlns":
		return fmt.Errorf("%w: the prefix xmlns must not be declared", ErrNamespaces)
	case prefix == "xml" && uri != xmlNamespace:
		return fmt.Errorf("%w: the prefix xml must not be bound to %q", ErrNamespaces, uri)
	case prefix != "xml" && (uri == xmlNamespace || uri == xmlnsNamespace):
		return fmt.Errorf("%w: namespace %q is reserved", ErrNamespaces, uri)
	case prefix != "" && uri == "":
		return fmt.Errorf("%w: prefix %q is bound to an empty namespace name", ErrNamespaces, prefix)
	}
	if prefix == "xml" {
		return nil // a permitted but redundant declaration; the binding is fixed anyway
	}
	e.nsDecls = append(e.nsDecls, nsDecl{prefix: prefix, uri: uri})
	return nil
}

func (p *parser) endElement(t xml.EndElement) error {
	if p.cur == nil {
		return fmt.Errorf("%w: unexpected end tag </%s>", ErrMalformed, qname{prefix: t.Name.Space, local: t.Name.Local}.display())
	}
	if t.Name.Space != p.cur.name.prefix || t.Name.Local != p.cur.name.local {
		return fmt.Errorf("%w: end tag </%s> does not match <%s>", ErrMalformed,
			qname{prefix: t.Name.Space, local: t.Name.Local}.display(), p.cur.name.display())
	}
	p.scope.pop(p.cur.nsDecls)
	p.cur = p.cur.parent
	p.depth--
	return nil
}

func checkName(n xml.Name) error {
	if n.Local == "" || strings.Contains(n.Local, ":") {
		return fmt.Errorf("%w: %q is not a qualified name", ErrNamespaces, n.Space+":"+n.Local)
	}
	return nil
}

func (n qname) display() string {
	if n.prefix == "" {
		return n.local
	}
	return n.prefix + ":" + n.local
}

// rawAttributeValues decodes the attribute values of a start tag from its source bytes.
// encoding/xml does not apply attribute-value normalization (a literal tab or newline must
// become a space, while &#9; stays a tab), and canonical forms depend on the difference.
// The tag has already been checked by encoding/xml, so the scan can be simple.
func rawAttributeValues(tag []byte, want int) ([]string, error) {
	isSpace := func(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }
	i := 1 // skip '<'
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	var values []string
	for {
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			break
		}
		for i < len(tag) && tag[i] != '=' {
			i++
		}
		i++ // '='
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) {
			break
		}
		quote := tag[i]
		end := bytes.IndexByte(tag[i+1:], quote)
		if end < 0 {
			break
		}
		v, err := normalizeAttributeValue(tag[i+1 : i+1+end])
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		i += end + 2
	}
	if len(values) != want {
		return nil, fmt.Errorf("%w: cannot read the attributes of start tag %.64q", ErrMalformed, tag)
	}
	return values, nil
}

// normalizeAttributeValue applies XML 1.0 section 3.3.3 to a CDATA attribute value as written.
func normalizeAttributeValue(raw []byte) (string, error) {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			b.WriteByte(' ')
		case '\n', '\t':
			b.WriteByte(' ')
		case '&':
			end := bytes.IndexByte(raw[i:], ';')
			if end < 0 {
				return "", fmt.Errorf("%w: unterminated reference in attribute value", ErrMalformed)
			}
			r, err := decodeReference(string(raw[i+1 : i+end]))
			if err != nil {
				return "", err
			}
			b.WriteString(r)
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// decodeReference resolves the body of &...; : the five predefined entities or a character
// reference. Other entities cannot exist because document type declarations are rejected.
func decodeReference(ref string) (string, error) {
	switch ref {
	case "lt":
		return "<", nil
	case "gt":
		return ">", nil
	case "amp":
		return "&", nil
	case "apos":
		return "'", nil
	case "quot":
		return `"`, nil
	}
	var n uint64
	var err error
	switch {
	case strings.HasPrefix(ref, "#x"):
		n, err = strconv.ParseUint(ref[2:], 16, 32)
	case strings.HasPrefix(ref, "#"):
		n, err = strconv.ParseUint(ref[1:], 10, 32)
	default:
		return "", fmt.Errorf("%w: undefined entity &%s;", ErrForbidden, ref)
	}
	if err != nil || !isXMLChar(rune(n)) {
		return "", fmt.Errorf("%w: invalid character reference &%s;", ErrMalformed, ref)
	}
	return string(rune(n)), nil
}

// isXMLChar reports whether r is allowed in an XML 1.0 document (production Char).
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}
