package xmlsig

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"doctype", `<!DOCTYPE r [<!ELEMENT r ANY>]><r/>`, ErrForbidden},
		{"entity declaration", `<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>`, ErrForbidden},
		{"billion laughs", `<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>`, ErrForbidden},
		{"undefined entity", `<r>&nbsp;</r>`, ErrMalformed},
		{"undefined entity in attribute", `<r a="&nbsp;"/>`, ErrMalformed},
		{"invalid UTF-8", "<r>\xff</r>", ErrMalformed},
		{"non-UTF-8 encoding declared", `<?xml version="1.0" encoding="windows-1251"?><r/>`, ErrMalformed},
		{"declaration not at start", ` <?xml version="1.0"?><r/>`, ErrMalformed},
		{"no document element", `<!--only a comment-->`, ErrMalformed},
		{"two document elements", `<r/><s/>`, ErrMalformed},
		{"text outside the document element", `<r/>text`, ErrMalformed},
		{"unclosed element", `<r><s></s>`, ErrMalformed},
		{"mismatched end tag", `<r><s></r></s>`, ErrMalformed},
		{"undeclared element prefix", `<p:r/>`, ErrNamespaces},
		{"undeclared attribute prefix", `<r p:a="1"/>`, ErrNamespaces},
		{"prefix undeclared by empty namespace", `<r xmlns:p=""/>`, ErrNamespaces},
		{"prefix bound to the xmlns namespace", `<r xmlns:p="http://www.w3.org/2000/xmlns/"/>`, ErrNamespaces},
		{"xml prefix rebound", `<r xmlns:xml="urn:x"/>`, ErrNamespaces},
		{"name with two colons", `<a:b:c/>`, ErrMalformed},
		{"duplicate attribute", `<r a="1" a="2"/>`, ErrMalformed},
		{"duplicate attribute via two prefixes", `<r xmlns:p="urn:p" xmlns:q="urn:p" p:a="1" q:a="2"/>`, ErrMalformed},
		{"duplicate namespace declaration", `<r xmlns:p="urn:p" xmlns:p="urn:q"/>`, ErrNamespaces},
		{"invalid character reference", `<r>&#0;</r>`, ErrMalformed},
		{"invalid character reference in attribute", `<r a="&#xFFFE;"/>`, ErrMalformed},
		{"too deep", strings.Repeat("<a>", DefaultMaxDepth+1) + strings.Repeat("</a>", DefaultMaxDepth+1), ErrTooDeep},
		{"too large", "<r>" + strings.Repeat("x", DefaultMaxBytes) + "</r>", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
			if doc != nil {
				t.Errorf("Parse returned a document along with error %v", err)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	deepest := strings.Repeat("<a>", DefaultMaxDepth) + strings.Repeat("</a>", DefaultMaxDepth)
	tests := []struct {
		name string
		in   string
	}{
		{"maximum depth", deepest},
		{"byte order mark", "\xef\xbb\xbf<r/>"},
		{"declaration, comments and PIs around the root", `<?xml version="1.0" encoding="utf-8"?><!--c--><?pi?><r/><!--c-->`},
		{"redundant xml prefix declaration", `<r xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="ru"/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.in)); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestParseLimitsReader(t *testing.T) {
	limits := Limits{MaxBytes: 16, MaxDepth: 4}
	if _, err := ParseReader(strings.NewReader("<r>0123456789</r>"), limits); !errors.Is(err, ErrTooLarge) {
		t.Errorf("17 bytes with a 16-byte limit: error = %v, want %v", err, ErrTooLarge)
	}
	if _, err := ParseReader(strings.NewReader("<r>012345678</r>"), limits); err != nil {
		t.Errorf("16 bytes with a 16-byte limit: %v", err)
	}
	deep := Limits{MaxBytes: 1024, MaxDepth: 4}
	if _, err := ParseReader(strings.NewReader("<a><a><a><a><a/></a></a></a></a>"), deep); !errors.Is(err, ErrTooDeep) {
		t.Errorf("depth 5 with limit 4: error = %v, want %v", err, ErrTooDeep)
	}
}

func TestParseResolvesNames(t *testing.T) {
	doc := mustParse(t, `<a:r xmlns:a="urn:a" xmlns="urn:d" a:k="1" k="2"><c Id="x">t<![CDATA[u]]><!--c-->v</c></a:r>`)
	root := doc.Root()
	if root.Local() != "r" || root.Namespace() != "urn:a" {
		t.Errorf("root = {%s}%s, want {urn:a}r", root.Namespace(), root.Local())
	}
	if v, ok := root.Attr("urn:a", "k"); !ok || v != "1" {
		t.Errorf("a:k = %q, %v; want 1", v, ok)
	}
	if v, ok := root.Attr("", "k"); !ok || v != "2" {
		t.Errorf("k = %q, %v; want 2", v, ok)
	}
	c, err := doc.ElementByID("x")
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace() != "urn:d" || c.Text() != "tuv" {
		t.Errorf("child = {%s}%s %q, want {urn:d}c \"tuv\"", c.Namespace(), c.Local(), c.Text())
	}
}

func TestElementByID(t *testing.T) {
	doc := mustParse(t, `<r><z Id=""/><a Id="one"/><b ID="two"/><c id="three"/><d Id="dup"/><e><f Id="dup"/></e><g xmlns:p="urn:p" p:Id="ns"/></r>`)
	for _, id := range []string{"one", "two", "three"} {
		if _, err := doc.ElementByID(id); err != nil {
			t.Errorf("ElementByID(%q): %v", id, err)
		}
	}
	if _, err := doc.ElementByID("dup"); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("ElementByID(dup) error = %v, want %v", err, ErrDuplicateID)
	}
	for _, id := range []string{"ns", "none", ""} {
		if _, err := doc.ElementByID(id); !errors.Is(err, ErrIDNotFound) {
			t.Errorf("ElementByID(%q) error = %v, want %v", id, err, ErrIDNotFound)
		}
	}
}
