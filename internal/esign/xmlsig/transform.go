package xmlsig

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// ErrNoNamespace reports an element outside any namespace, which the SMEV transform cannot
// express (it renames every element's prefix).
var ErrNoNamespace = fmt.Errorf("%w: element without a namespace", ErrNamespaces)

// SMEVTransform applies the SMEV 3 transform (urn://smev-gov-ru/xmldsig/transform) to the
// document element of the XML read from r and writes the result to w. The input is parsed
// with the default limits.
func SMEVTransform(r io.Reader, w io.Writer) error {
	doc, err := ParseReader(r, DefaultLimits())
	if err != nil {
		return fmt.Errorf("smev transform: %w", err)
	}
	out, err := TransformElement(doc.Root())
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("smev transform: write output: %w", err)
	}
	return nil
}

// TransformElement applies the SMEV transform to the subtree rooted at e.
//
// The transform follows the ministry's reference implementation, a StAX event rewriter:
// comments, processing instructions and whitespace-only text are dropped; every namespace
// gets a fresh prefix ns1, ns2, ... (one counter per call) declared on the first element
// that needs it and visible only inside that element's subtree; attributes are sorted
// (qualified ones first by namespace URI then local name, unqualified ones by local name);
// the element's own declaration precedes those its attributes need; empty elements are
// written as <a></a>. Escaping follows the JDK's StAX writer: &, < and > in text, and also
// " in attribute values and namespace names; other characters, TAB, LF and CR included, are
// written as they are. Like the reference, an xml:lang-style attribute gets an nsN prefix
// bound to the XML namespace, which a namespace-aware parser would refuse: the output is
// digested, never parsed.
//
// Whitespace-only is judged per text node. The reference reads its input with a StAX parser;
// the JDK's splits text at every entity or character reference and would also drop a
// whitespace-only run between references (the space in "&lt; &gt;") and a CR (&#xD;), while
// Woodstox reports the text whole. Such text is fragile between SMEV participants whatever
// this package does.
//
// Applying it to e gives the same bytes as applying it to Canonicalize(e, nil), which is
// how a Reference with the exc-c14n + SMEV transform chain is digested.
func TransformElement(e *Element) ([]byte, error) {
	t := smevTransformer{prefixes: map[string]string{}}
	if err := t.element(e); err != nil {
		return nil, fmt.Errorf("smev transform: %w", err)
	}
	return t.out, nil
}

type smevTransformer struct {
	out     []byte
	counter int
	// prefixes maps the namespaces mapped at the current element to their new prefixes. A
	// namespace is mapped once per path, so leaving an element just forgets its own mappings.
	prefixes map[string]string
}

func (t *smevTransformer) prefixFor(uri string, own *[]nsDecl) string {
	if p, ok := t.prefixes[uri]; ok {
		return p
	}
	t.counter++
	d := nsDecl{prefix: "ns" + strconv.Itoa(t.counter), uri: uri}
	t.prefixes[uri] = d.prefix
	*own = append(*own, d)
	return d.prefix
}

func (t *smevTransformer) element(e *Element) error {
	if e.name.space == "" {
		return fmt.Errorf("%w: <%s>", ErrNoNamespace, e.name.local)
	}
	var own []nsDecl
	prefix := t.prefixFor(e.name.space, &own)

	attrs := slices.Clone(e.attrs)
	slices.SortFunc(attrs, compareSMEVAttributes)
	prefixes := make([]string, len(attrs))
	for i, a := range attrs {
		if a.name.space != "" {
			prefixes[i] = t.prefixFor(a.name.space, &own)
		}
	}

	t.out = append(t.out, '<')
	t.out = append(t.out, prefix...)
	t.out = append(t.out, ':')
	t.out = append(t.out, e.name.local...)
	for _, d := range own {
		t.out = append(t.out, " xmlns:"...)
		t.out = append(t.out, d.prefix...)
		t.out = append(t.out, `="`...)
		t.out = appendSMEVEscaped(t.out, d.uri, true)
		t.out = append(t.out, '"')
	}
	for i, a := range attrs {
		t.out = append(t.out, ' ')
		if prefixes[i] != "" {
			t.out = append(t.out, prefixes[i]...)
			t.out = append(t.out, ':')
		}
		t.out = append(t.out, a.name.local...)
		t.out = append(t.out, `="`...)
		t.out = appendSMEVEscaped(t.out, a.value, true)
		t.out = append(t.out, '"')
	}
	t.out = append(t.out, '>')

	for _, child := range e.children {
		switch n := child.(type) {
		case *Element:
			if err := t.element(n); err != nil {
				return err
			}
		case text:
			if !isWhitespaceOnly(string(n)) {
				t.out = appendSMEVEscaped(t.out, string(n), false)
			}
		}
	}

	t.out = append(t.out, "</"...)
	t.out = append(t.out, prefix...)
	t.out = append(t.out, ':')
	t.out = append(t.out, e.name.local...)
	t.out = append(t.out, '>')
	for _, d := range own {
		delete(t.prefixes, d.uri)
	}
	return nil
}

// compareSMEVAttributes orders qualified attributes first, by namespace URI and then local
// name, followed by unqualified ones by local name.
func compareSMEVAttributes(a, b attribute) int {
	switch {
	case a.name.space == "" && b.name.space != "":
		return 1
	case a.name.space != "" && b.name.space == "":
		return -1
	}
	if n := compareUTF16(a.name.space, b.name.space); n != 0 {
		return n
	}
	return compareUTF16(a.name.local, b.name.local)
}

// compareUTF16 orders strings by UTF-16 code units, as Java's String.compareTo in the
// reference implementation does; it differs from byte order only when a character above
// U+FFFF meets one in U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(utf16Key(ra), utf16Key(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Key maps a rune to its UTF-16 code units packed high-first into one number.
func utf16Key(r rune) uint32 {
	if r < 0x10000 {
		return uint32(r) << 16
	}
	r -= 0x10000
	return (0xD800+uint32(r>>10))<<16 | (0xDC00 + uint32(r&0x3FF))
}

func isWhitespaceOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

func appendSMEVEscaped(out []byte, s string, attr bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&':
			out = append(out, "&amp;"...)
		case c == '<':
			out = append(out, "&lt;"...)
		case c == '>':
			out = append(out, "&gt;"...)
		case c == '"' && attr:
			out = append(out, "&quot;"...)
		default:
			out = append(out, c)
		}
	}
	return out
}
