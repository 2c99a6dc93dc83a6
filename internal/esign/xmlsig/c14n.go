package xmlsig

import (
	"slices"
	"strings"
)

// Algorithm identifiers of the transforms implemented here.
const (
	AlgExcC14N       = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgSMEVTransform = "urn://smev-gov-ru/xmldsig/transform"
)

// Canonicalize returns the Exclusive XML Canonicalization (without comments) of the subtree
// rooted at e, as produced for a same-document reference to e. Prefixes listed in
// inclusivePrefixes (the InclusiveNamespaces PrefixList; "#default" names the default
// namespace) are rendered whenever they are in scope, as inclusive canonicalization would.
func Canonicalize(e *Element, inclusivePrefixes []string) []byte {
	c := canonicalizer{inclusive: inclusivePrefixes, rendered: namespaceScope{}}
	if len(inclusivePrefixes) > 0 {
		c.scope = scopeOf(e.parent)
	}
	c.element(e)
	return c.out
}

type canonicalizer struct {
	out       []byte
	inclusive []string
	// rendered holds the declarations written by output ancestors.
	rendered namespaceScope
	// scope holds the declarations in scope, kept only for InclusiveNamespaces.
	scope namespaceScope
}

func (c *canonicalizer) element(e *Element) {
	// Visibly utilized prefixes: the element's own and those of its qualified attributes,
	// with the namespaces they resolved to; then the inclusive ones in scope.
	decls := []nsDecl{{prefix: e.name.prefix, uri: e.name.space}}
	for _, a := range e.attrs {
		if a.name.prefix != "" {
			decls = append(decls, nsDecl{prefix: a.name.prefix, uri: a.name.space})
		}
	}
	if c.scope != nil {
		c.scope.push(e.nsDecls)
		defer c.scope.pop(e.nsDecls)
		for _, p := range c.inclusive {
			if p == "#default" {
				p = ""
			}
			if uri, ok := c.scope.lookup(p); ok {
				decls = append(decls, nsDecl{prefix: p, uri: uri})
			}
		}
	}
	slices.SortFunc(decls, func(a, b nsDecl) int { return strings.Compare(a.prefix, b.prefix) })
	decls = slices.CompactFunc(decls, func(a, b nsDecl) bool { return a.prefix == b.prefix })
	decls = slices.DeleteFunc(decls, func(d nsDecl) bool {
		rendered, _ := c.rendered.lookup(d.prefix)
		return d.prefix == "xml" || rendered == d.uri
	})

	attrs := slices.Clone(e.attrs)
	slices.SortFunc(attrs, func(a, b attribute) int {
		if n := strings.Compare(a.name.space, b.name.space); n != 0 {
			return n
		}
		return strings.Compare(a.name.local, b.name.local)
	})

	c.out = append(c.out, '<')
	c.out = appendQName(c.out, e.name)
	for _, d := range decls {
		c.out = append(c.out, " xmlns"...)
		if d.prefix != "" {
			c.out = append(c.out, ':')
			c.out = append(c.out, d.prefix...)
		}
		c.out = append(c.out, `="`...)
		c.out = appendC14NAttrValue(c.out, d.uri)
		c.out = append(c.out, '"')
	}
	for _, a := range attrs {
		c.out = append(c.out, ' ')
		c.out = appendQName(c.out, a.name)
		c.out = append(c.out, `="`...)
		c.out = appendC14NAttrValue(c.out, a.value)
		c.out = append(c.out, '"')
	}
	c.out = append(c.out, '>')

	c.rendered.push(decls)
	for _, child := range e.children {
		switch n := child.(type) {
		case *Element:
			c.element(n)
		case text:
			c.out = appendC14NText(c.out, string(n))
		case procInst:
			c.out = append(c.out, "<?"...)
			c.out = append(c.out, n.target...)
			if n.data != "" {
				c.out = append(c.out, ' ')
				c.out = append(c.out, n.data...)
			}
			c.out = append(c.out, "?>"...)
		}
	}
	c.rendered.pop(decls)

	c.out = append(c.out, "</"...)
	c.out = appendQName(c.out, e.name)
	c.out = append(c.out, '>')
}

func appendQName(out []byte, n qname) []byte {
	if n.prefix != "" {
		out = append(out, n.prefix...)
		out = append(out, ':')
	}
	return append(out, n.local...)
}

// appendC14NText escapes text as Canonical XML 1.0 section 2.3 requires.
func appendC14NText(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			out = append(out, "&amp;"...)
		case '<':
			out = append(out, "&lt;"...)
		case '>':
			out = append(out, "&gt;"...)
		case '\r':
			out = append(out, "&#xD;"...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// appendC14NAttrValue escapes an attribute value as Canonical XML 1.0 section 2.3 requires.
func appendC14NAttrValue(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			out = append(out, "&amp;"...)
		case '<':
			out = append(out, "&lt;"...)
		case '"':
			out = append(out, "&quot;"...)
		case '\t':
			out = append(out, "&#x9;"...)
		case '\n':
			out = append(out, "&#xA;"...)
		case '\r':
			out = append(out, "&#xD;"...)
		default:
			out = append(out, c)
		}
	}
	return out
}
