package xmlsig

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/okno-oiv/okno/internal/testenv"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		id        string // element to canonicalize; "" for the document element
		inclusive []string
		want      string
	}{
		{
			name: "only visibly utilized namespaces are rendered, ancestors' included",
			doc:  `<a:root xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c" xmlns="urn:d"><a:el Id="x" b:at="1"><child/></a:el></a:root>`,
			id:   "x",
			want: `<a:el xmlns:a="urn:a" xmlns:b="urn:b" Id="x" b:at="1"><child xmlns="urn:d"></child></a:el>`,
		},
		{
			name: "an empty default namespace is rendered only to undo a rendered one",
			doc:  `<r xmlns="urn:d"><x xmlns=""><y/></x></r>`,
			want: `<r xmlns="urn:d"><x xmlns=""><y></y></x></r>`,
		},
		{
			name: "an apex without default namespace renders no xmlns",
			doc:  `<r xmlns="urn:d"><x xmlns="" Id="x"><y/></x></r>`,
			id:   "x",
			want: `<x Id="x"><y></y></x>`,
		},
		{
			name: "a redundant redeclaration is dropped",
			doc:  `<a:r xmlns:a="urn:a"><a:x xmlns:a="urn:a"/></a:r>`,
			want: `<a:r xmlns:a="urn:a"><a:x></a:x></a:r>`,
		},
		{
			name: "a prefix rebound to another namespace is redeclared",
			doc:  `<a:r xmlns:a="urn:a"><a:x xmlns:a="urn:b"/></a:r>`,
			want: `<a:r xmlns:a="urn:a"><a:x xmlns:a="urn:b"></a:x></a:r>`,
		},
		{
			name: "a prefix used only below is declared below",
			doc:  `<a:r xmlns:a="urn:a" xmlns:b="urn:b"><b:x/><b:y/></a:r>`,
			want: `<a:r xmlns:a="urn:a"><b:x xmlns:b="urn:b"></b:x><b:y xmlns:b="urn:b"></b:y></a:r>`,
		},
		{
			name: "declarations by prefix, attributes by namespace URI then local name",
			doc:  `<r xmlns:b="urn:b" xmlns:a="urn:z" z="1" a:y="2" b:x="3" a="4"/>`,
			want: `<r xmlns:a="urn:z" xmlns:b="urn:b" a="4" z="1" b:x="3" a:y="2"></r>`,
		},
		{
			name: "escaping of text and attribute values",
			doc:  `<r a="&lt;&amp;&gt;&quot;&#9;&#10;&#13;'">&lt;&amp;&gt;"'&#13;</r>`,
			want: `<r a="&lt;&amp;>&quot;&#x9;&#xA;&#xD;'">&lt;&amp;&gt;"'&#xD;</r>`,
		},
		{
			name: "comments removed, processing instructions kept, CDATA as text",
			doc:  `<r><!--c--><?pi  d ?><![CDATA[x<]]><?empty?></r>`,
			want: `<r><?pi d ?>x&lt;<?empty?></r>`,
		},
		{
			name: "whitespace is preserved and line ends normalized",
			doc:  "<r>\r\n <x>\t</x>\r</r>",
			want: "<r>\n <x>\t</x>\n</r>",
		},
		{
			name: "xml: attributes are rendered without a declaration",
			doc:  `<r xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="ru"/>`,
			want: `<r xml:lang="ru"></r>`,
		},
		{
			name:      "InclusiveNamespaces renders listed prefixes in scope",
			doc:       `<root xmlns:p="urn:p" xmlns:q="urn:q" xmlns="urn:d"><el xmlns="" Id="x"><p:i/></el></root>`,
			id:        "x",
			inclusive: []string{"p", "missing"},
			want:      `<el xmlns:p="urn:p" Id="x"><p:i></p:i></el>`,
		},
		{
			name:      "InclusiveNamespaces #default",
			doc:       `<root xmlns="urn:d"><x:el xmlns:x="urn:x" Id="x"/></root>`,
			id:        "x",
			inclusive: []string{"#default"},
			want:      `<x:el xmlns="urn:d" xmlns:x="urn:x" Id="x"></x:el>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, tt.doc)
			el := doc.Root()
			if tt.id != "" {
				var err error
				if el, err = doc.ElementByID(tt.id); err != nil {
					t.Fatal(err)
				}
			}
			if got := string(Canonicalize(el, tt.inclusive)); got != tt.want {
				t.Errorf("Canonicalize\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// xmllint (libxml2) is an independent implementation of Exclusive XML Canonicalization; for a
// document without comments (xmllint keeps them) or content outside the document element, its
// output equals the canonical form of the document element.
func TestCanonicalizeAgreesWithXmllint(t *testing.T) {
	xmllint := testenv.NeedXmllint(t)
	docs := map[string]string{
		"request.xml": sampleRequest,
		"escapes.xml": "<r xmlns=\"urn:d\" xmlns:b=\"urn:b\">\r\n<x b:a=\"&lt;&amp;&quot;\" a=\"&#9;\t&#10;\">&lt;&gt;&#13;<![CDATA[&]]></x></r>",
		"rebind.xml":  `<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:c"><a:x xmlns:a="urn:b"><y xmlns=""><a:z b:q="1"/></y></a:x></a:r>`,
		"pi.xml":      `<r xmlns:p="urn:p"><?pi  data ?><p:x/></r>`,
	}
	dir := t.TempDir()
	for name, src := range docs {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			want, err := exec.Command(xmllint, "--nonet", "--exc-c14n", path).Output()
			if err != nil {
				t.Fatalf("xmllint: %v", err)
			}
			got := Canonicalize(mustParse(t, src).Root(), nil)
			if !bytes.Equal(got, want) {
				t.Errorf("Canonicalize\n got: %s\nxmllint: %s", got, want)
			}
		})
	}
}
