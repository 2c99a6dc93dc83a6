package forms

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on a portal form. Forms carry data, not files (scans travel as
// attachments), so a few megabytes and a few dozen levels are generous.
const (
	maxFormBytes    = 4 << 20
	maxFormDepth    = 64
	maxFormElements = 50000
)

// Errors of reading a form; each wraps ErrUnreadableForm.
var (
	ErrUnreadableForm = errors.New("unreadable form")
	ErrFormForbidden  = fmt.Errorf("%w: DOCTYPE and entity declarations are not accepted", ErrUnreadableForm)
	ErrFormTooLarge   = fmt.Errorf("%w: form exceeds %d bytes", ErrUnreadableForm, maxFormBytes)
	ErrFormTooDeep    = fmt.Errorf("%w: form nests deeper than %d elements", ErrUnreadableForm, maxFormDepth)
	ErrFormTooBig     = fmt.Errorf("%w: form has more than %d elements", ErrUnreadableForm, maxFormElements)
)

// node is an element of a parsed form: its name, attributes, own text and
// child elements. Mapping reads only these, so nothing else is kept.
type node struct {
	space, local string
	attrs        []xml.Attr
	text         strings.Builder
	children     []*node
}

// parseForm reads a form into a tree, refusing DOCTYPE (and with it every
// entity declaration), undefined entities, and forms over the limits.
func parseForm(data []byte) (*node, error) {
	if len(data) > maxFormBytes {
		return nil, ErrFormTooLarge
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true // undefined entities are errors, not text
	var root *node
	var stack []*node
	elements := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnreadableForm, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, ErrFormForbidden
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, fmt.Errorf("%w: more than one root element", ErrUnreadableForm)
			}
			if len(stack) == maxFormDepth {
				return nil, ErrFormTooDeep
			}
			if elements++; elements > maxFormElements {
				return nil, ErrFormTooBig
			}
			n := &node{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside the root element", ErrUnreadableForm)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrUnreadableForm)
	}
	return root, nil
}

// find returns the elements at path below n, in document order.
func (n *node) find(p path) []*node {
	current := []*node{n}
	for _, step := range p.elements {
		var next []*node
		for _, c := range current {
			for _, child := range c.children {
				if child.local == step {
					next = append(next, child)
				}
			}
		}
		current = next
	}
	return current
}

// value returns the first non-empty value at p below n, trimmed.
func (n *node) value(p path) string {
	for _, e := range n.find(p) {
		var v string
		if p.attr != "" {
			for _, a := range e.attrs {
				if a.Name.Local == p.attr {
					v = a.Value
					break
				}
			}
		} else {
			v = e.text.String()
		}
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
