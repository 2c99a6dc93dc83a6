package message

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits bound what a decoder accepts from the other side of the bus.
type Limits struct {
	// MaxBytes caps the size of one envelope (the XML root part only; MTOM
	// parts are bounded separately by whoever streams them).
	MaxBytes int64
	// MaxDepth caps element nesting, business content included.
	MaxDepth int
}

// DefaultLimits suit SMEV: the XML part of a message is small because
// attachments over 5 MiB travel through file storage.
func DefaultLimits() Limits { return Limits{MaxBytes: 8 << 20, MaxDepth: 64} }

// Errors of hardened decoding; decoding wraps them with context.
var (
	ErrDirective = errors.New("xml: DOCTYPE or other directive is not allowed")
	ErrTooLarge  = errors.New("xml: document exceeds the size limit")
	ErrTooDeep   = errors.New("xml: document exceeds the nesting limit")
	ErrNotXML    = errors.New("xml: document is not well-formed")
)

// ReadLimited reads at most l.MaxBytes from r and fails with ErrTooLarge
// beyond that, so an oversize reply never lands in memory whole.
func (l Limits) ReadLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, l.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	if int64(len(data)) > l.MaxBytes {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, l.MaxBytes)
	}
	return data, nil
}

// Check scans data once and rejects what encoding/xml would otherwise let
// through: directives (DOCTYPE, ENTITY), undeclared entities, excessive size
// and depth, a second root element, trailing garbage.
func (l Limits) Check(data []byte) error {
	if int64(len(data)) > l.MaxBytes {
		return fmt.Errorf("%w (%d > %d bytes)", ErrTooLarge, len(data), l.MaxBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	depth, roots := 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotXML, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return ErrDirective
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return fmt.Errorf("%w: more than one root element", ErrNotXML)
				}
			}
			depth++
			if depth > l.MaxDepth {
				return fmt.Errorf("%w (%d)", ErrTooDeep, l.MaxDepth)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && !isSpace(t) {
				return fmt.Errorf("%w: text outside the root element", ErrNotXML)
			}
		}
	}
	if roots == 0 {
		return fmt.Errorf("%w: no root element", ErrNotXML)
	}
	if depth != 0 {
		return fmt.Errorf("%w: unclosed elements", ErrNotXML)
	}
	return nil
}

func isSpace(b []byte) bool {
	return len(bytes.TrimSpace(b)) == 0
}

// ReadElement consumes the element opened by start from d and returns it
// serialised self-contained: each element whose namespace differs from its
// parent's declares it as the default namespace, attributes in a namespace
// get a prefix declared on their own element. Comments and processing
// instructions are dropped (the SMEV transform drops them before signing, so
// signatures over the content stay valid).
func ReadElement(d *xml.Decoder, start xml.StartElement) ([]byte, error) {
	var buf bytes.Buffer
	parents := []string{"\x00"} // a namespace no element has, so the root always declares its own
	writeStart(&buf, start, parents[len(parents)-1])
	parents = append(parents, start.Name.Space)
	for len(parents) > 1 {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("read element %s: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			writeStart(&buf, t, parents[len(parents)-1])
			parents = append(parents, t.Name.Space)
		case xml.EndElement:
			buf.WriteString("</")
			buf.WriteString(t.Name.Local)
			buf.WriteByte('>')
			parents = parents[:len(parents)-1]
		case xml.CharData:
			escapeText(&buf, t)
		case xml.Directive:
			return nil, ErrDirective
		}
	}
	return buf.Bytes(), nil
}

const nsXML = "http://www.w3.org/XML/1998/namespace"

func writeStart(buf *bytes.Buffer, t xml.StartElement, parentSpace string) {
	buf.WriteByte('<')
	buf.WriteString(t.Name.Local)
	if t.Name.Space != parentSpace {
		buf.WriteString(` xmlns="`)
		escapeAttr(buf, t.Name.Space)
		buf.WriteByte('"')
	}
	prefixes := map[string]string{}
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue // original declarations; ours replace them
		}
		buf.WriteByte(' ')
		switch a.Name.Space {
		case "":
		case nsXML, "xml":
			buf.WriteString("xml:")
		default:
			p, ok := prefixes[a.Name.Space]
			if !ok {
				p = fmt.Sprintf("a%d", len(prefixes)+1)
				prefixes[a.Name.Space] = p
				buf.WriteString("xmlns:" + p + `="`)
				escapeAttr(buf, a.Name.Space)
				buf.WriteString(`" `)
			}
			buf.WriteString(p + ":")
		}
		buf.WriteString(a.Name.Local)
		buf.WriteString(`="`)
		escapeAttr(buf, a.Value)
		buf.WriteByte('"')
	}
	buf.WriteByte('>')
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;")
)

func escapeText(buf *bytes.Buffer, b []byte) {
	_, _ = textEscaper.WriteString(buf, string(b))
}

func escapeAttr(buf *bytes.Buffer, s string) {
	_, _ = attrEscaper.WriteString(buf, s)
}
