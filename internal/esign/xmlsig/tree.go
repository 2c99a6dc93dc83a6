package xmlsig

import (
	"errors"
	"fmt"
	"strings"
)

// Reserved namespace names from Namespaces in XML 1.0.
const (
	xmlNamespace   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNamespace = "http://www.w3.org/2000/xmlns/"
)

// Document is a parsed XML document: only its element tree is kept, with every name resolved
// to its namespace. The tree is read-only; signing never rewrites the caller's bytes.
type Document struct {
	root *Element
	// ids indexes elements by their Id attribute; nil marks an Id carried by several.
	ids map[string]*Element
}

// Element is one element of a Document.
type Element struct {
	name     qname
	attrs    []attribute
	nsDecls  []nsDecl // declarations made on this element, in document order
	children []node
	parent   *Element
}

// qname is a name as written (prefix, local part) and as resolved (namespace URI).
type qname struct {
	prefix, local, space string
}

type attribute struct {
	name  qname
	value string
}

// nsDecl is a namespace declaration; prefix "" is the default namespace.
type nsDecl struct {
	prefix, uri string
}

// node is a child of an element: *Element, text or procInst. Comments are not kept: every
// algorithm here works on the tree without comments.
type node any

type text string

type procInst struct {
	target, data string
}

// Root returns the document element.
func (d *Document) Root() *Element { return d.root }

// Local returns the element's local name.
func (e *Element) Local() string { return e.name.local }

// Namespace returns the element's namespace URI ("" when it has none).
func (e *Element) Namespace() string { return e.name.space }

// Attr returns the value of the attribute with the given namespace URI ("" for an unqualified
// attribute) and local name.
func (e *Element) Attr(space, local string) (string, bool) {
	for _, a := range e.attrs {
		if a.name.space == space && a.name.local == local {
			return a.value, true
		}
	}
	return "", false
}

// Elements returns the element's child elements in document order.
func (e *Element) Elements() []*Element {
	var out []*Element
	for _, c := range e.children {
		if el, ok := c.(*Element); ok {
			out = append(out, el)
		}
	}
	return out
}

// Text returns the concatenated text of the element's own text children.
func (e *Element) Text() string {
	var b strings.Builder
	for _, c := range e.children {
		if t, ok := c.(text); ok {
			b.WriteString(string(t))
		}
	}
	return b.String()
}

// namespaceScope maps each prefix to the namespaces bound to it while a tree is walked,
// innermost last, so a lookup costs the same however many declarations enclose it.
type namespaceScope map[string][]string

func (s namespaceScope) push(decls []nsDecl) {
	for _, d := range decls {
		s[d.prefix] = append(s[d.prefix], d.uri)
	}
}

func (s namespaceScope) pop(decls []nsDecl) {
	for _, d := range decls {
		bound := s[d.prefix]
		s[d.prefix] = bound[:len(bound)-1]
	}
}

// lookup resolves a prefix; "" with nothing bound is the empty default namespace.
func (s namespaceScope) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return xmlNamespace, true
	case "xmlns":
		return xmlnsNamespace, true
	}
	if bound := s[prefix]; len(bound) > 0 {
		return bound[len(bound)-1], true
	}
	return "", prefix == ""
}

// scopeOf returns the declarations in scope at e, those of its ancestors included.
func scopeOf(e *Element) namespaceScope {
	var chain []*Element
	for el := e; el != nil; el = el.parent {
		chain = append(chain, el)
	}
	s := namespaceScope{}
	for i := len(chain) - 1; i >= 0; i-- {
		s.push(chain[i].nsDecls)
	}
	return s
}

// ErrIDNotFound reports that no element carries the requested Id.
var ErrIDNotFound = errors.New("no element with the requested Id")

// ErrDuplicateID reports an Id carried by several elements: a reference to it would be
// ambiguous, the opening for signature-wrapping attacks.
var ErrDuplicateID = errors.New("several elements carry the requested Id")

// ElementByID returns the element whose unqualified Id attribute (also spelled ID or id, as
// XMLDSig deployments do) equals id.
func (d *Document) ElementByID(id string) (*Element, error) {
	el, ok := d.ids[id]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %q", ErrIDNotFound, id)
	case el == nil:
		return nil, fmt.Errorf("%w: %q", ErrDuplicateID, id)
	}
	return el, nil
}
