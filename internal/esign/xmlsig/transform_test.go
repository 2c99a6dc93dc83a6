package xmlsig

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSMEVTransformRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "declaration, processing instructions and comments are dropped",
			in:   `<?xml version="1.0" encoding="UTF-8"?><!--c--><a:r xmlns:a="urn:a"><?pi x?><!--c--><a:x>t<!--c-->u</a:x></a:r><!--c-->`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns1:x>tu</ns1:x></ns1:r>`,
		},
		{
			name: "whitespace-only text is dropped, other text kept verbatim",
			in:   "<r xmlns=\"urn:a\">\n  <x> a  b </x>\n\t<y>\r\n</y> <z>\u00a0</z></r>",
			want: "<ns1:r xmlns:ns1=\"urn:a\"><ns1:x> a  b </ns1:x><ns1:y></ns1:y><ns1:z>\u00a0</ns1:z></ns1:r>",
		},
		{
			name: "empty elements are written with an end tag",
			in:   `<a:r xmlns:a="urn:a"><a:e/><a:f></a:f></a:r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns1:e></ns1:e><ns1:f></ns1:f></ns1:r>`,
		},
		{
			name: "unused namespace declarations are dropped",
			in:   `<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:c"><a:x xmlns:d="urn:d"/></a:r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns1:x></ns1:x></ns1:r>`,
		},
		{
			name: "a namespace is declared on the first element using it; siblings get new prefixes",
			in:   `<a:r xmlns:a="urn:a" xmlns:b="urn:b"><b:x/><b:y/></a:r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns2:x xmlns:ns2="urn:b"></ns2:x><ns3:y xmlns:ns3="urn:b"></ns3:y></ns1:r>`,
		},
		{
			name: "a mapping is visible in the whole subtree",
			in:   `<a:r xmlns:a="urn:a" xmlns:b="urn:b"><b:x><b:y><a:z/></b:y></b:x></a:r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns2:x xmlns:ns2="urn:b"><ns2:y><ns1:z></ns1:z></ns2:y></ns2:x></ns1:r>`,
		},
		{
			name: "the counter is never reused after a mapping goes out of scope",
			in:   `<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c"><b:x/><a:y><c:z/><b:w/></a:y></a:r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns2:x xmlns:ns2="urn:b"></ns2:x><ns1:y><ns3:z xmlns:ns3="urn:c"></ns3:z><ns4:w xmlns:ns4="urn:b"></ns4:w></ns1:y></ns1:r>`,
		},
		{
			name: "default namespaces become prefixed",
			in:   `<r xmlns="urn:a"><x xmlns="urn:b"><y/></x><z/></r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns2:x xmlns:ns2="urn:b"><ns2:y></ns2:y></ns2:x><ns1:z></ns1:z></ns1:r>`,
		},
		{
			name: "two source prefixes for one namespace share one new prefix",
			in:   `<a:r xmlns:a="urn:a" xmlns:b="urn:a"><b:x/></a:r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns1:x></ns1:x></ns1:r>`,
		},
		{
			name: "source prefixes that look like generated ones are renamed too",
			in:   `<ns2:r xmlns:ns2="urn:a" xmlns:ns1="urn:b"><ns1:x/></ns2:r>`,
			want: `<ns1:r xmlns:ns1="urn:a"><ns2:x xmlns:ns2="urn:b"></ns2:x></ns1:r>`,
		},
		{
			name: "attributes: qualified by namespace then name, then unqualified by name",
			in:   `<r xmlns="urn:e" xmlns:z="urn:z" xmlns:b="urn:b" b="2" a="1" z:k="3" b:m="4" b:a="5"/>`,
			want: `<ns1:r xmlns:ns1="urn:e" xmlns:ns2="urn:b" xmlns:ns3="urn:z" ns2:a="5" ns2:m="4" ns3:k="3" a="1" b="2"></ns1:r>`,
		},
		{
			name: "an attribute in the element's namespace reuses its prefix",
			in:   `<a:r xmlns:a="urn:a" a:x="1" y="2"/>`,
			want: `<ns1:r xmlns:ns1="urn:a" ns1:x="1" y="2"></ns1:r>`,
		},
		{
			name: "attribute namespaces mapped above are not redeclared",
			in:   `<a:r xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><a:c b:y="2"><a:d xmlns:c="urn:c" c:z="3" b:z="4"/></a:c></a:r>`,
			want: `<ns1:r xmlns:ns1="urn:a" xmlns:ns2="urn:b" ns2:x="1"><ns1:c ns2:y="2"><ns1:d xmlns:ns3="urn:c" ns2:z="4" ns3:z="3"></ns1:d></ns1:c></ns1:r>`,
		},
		{
			name: "declarations follow the sorted attribute order",
			in:   `<r xmlns="urn:e" xmlns:p="urn:p2" xmlns:q="urn:p1" p:a="1" q:a="2"/>`,
			want: `<ns1:r xmlns:ns1="urn:e" xmlns:ns2="urn:p1" xmlns:ns3="urn:p2" ns2:a="2" ns3:a="1"></ns1:r>`,
		},
		{
			name: "text and attribute escaping",
			in:   `<r xmlns="urn:a" v="&lt;&amp;&gt;&quot;'">a &lt; b &amp;&amp; c &gt; d "q" 's'</r>`,
			want: `<ns1:r xmlns:ns1="urn:a" v="&lt;&amp;&gt;&quot;'">a &lt; b &amp;&amp; c &gt; d "q" 's'</ns1:r>`,
		},
		{
			name: "CDATA becomes escaped text",
			in:   `<r xmlns="urn:a"><![CDATA[<x>&]]>y</r>`,
			want: `<ns1:r xmlns:ns1="urn:a">&lt;x&gt;&amp;y</ns1:r>`,
		},
		{
			name: "attribute values are normalized, character references kept",
			in:   "<r xmlns=\"urn:a\" v=\"a\tb\r\nc&#9;d&#10;\"/>",
			want: "<ns1:r xmlns:ns1=\"urn:a\" v=\"a b c\td\n\"></ns1:r>",
		},
		{
			name: "Cyrillic names and text pass through as UTF-8",
			in:   `<ф:Заявление xmlns:ф="urn://форма" Номер="№ 1">Иванов И.И.</ф:Заявление>`,
			want: `<ns1:Заявление xmlns:ns1="urn://форма" Номер="№ 1">Иванов И.И.</ns1:Заявление>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := SMEVTransform(strings.NewReader(tt.in), &out); err != nil {
				t.Fatalf("SMEVTransform: %v", err)
			}
			if out.String() != tt.want {
				t.Errorf("SMEVTransform\n got: %s\nwant: %s", out.String(), tt.want)
			}
		})
	}
}

func TestSMEVTransformRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"element without namespace", `<r/>`, ErrNoNamespace},
		{"nested element without namespace", `<a:r xmlns:a="urn:a"><x/></a:r>`, ErrNoNamespace},
		{"default namespace undeclared below", `<r xmlns="urn:a"><x xmlns=""/></r>`, ErrNoNamespace},
		{"document type declaration", `<!DOCTYPE r><r xmlns="urn:a"/>`, ErrForbidden},
		{"malformed", `<r xmlns="urn:a">`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := SMEVTransform(strings.NewReader(tt.in), &out)
			if !errors.Is(err, tt.want) {
				t.Fatalf("SMEVTransform error = %v, want %v", err, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("SMEVTransform wrote %q on error", out.String())
			}
		})
	}
}

// The signer applies the transform to the element tree directly; a verifier following the
// Reference literally canonicalizes first and transforms the octets. Both must agree.
func TestTransformElementMatchesTransformOfCanonicalForm(t *testing.T) {
	docs := []string{
		sampleRequest,
		`<a:r xmlns:a="urn:a" xmlns:b="urn:b"><b:x b:k="1" k="&#9;"><?pi x?>t<![CDATA[&]]></b:x><!--c--><b:y/></a:r>`,
		"<r xmlns=\"urn:a\" xmlns:q=\"urn:q\">\n <q:x q:a=\"1\" xml:lang=\"ru\">\r\n</q:x></r>",
	}
	for _, src := range docs {
		doc := mustParse(t, src)
		for _, el := range allElements(doc.Root()) {
			direct, err := TransformElement(el)
			if err != nil {
				t.Fatalf("TransformElement(<%s>): %v", el.Local(), err)
			}
			var viaC14N bytes.Buffer
			if err := SMEVTransform(bytes.NewReader(Canonicalize(el, nil)), &viaC14N); err != nil {
				t.Fatalf("SMEVTransform(c14n(<%s>)): %v", el.Local(), err)
			}
			if !bytes.Equal(direct, viaC14N.Bytes()) {
				t.Errorf("<%s>: direct transform\n%s\ndiffers from transform of canonical form\n%s", el.Local(), direct, viaC14N.Bytes())
			}
		}
	}
}

func TestCompareUTF16(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"a", "b", -1},
		{"ab", "a", 1},
		{"", "", 0},
		{"urn:a", "urn:a", 0},
		// U+1F600 is encoded as surrogates D83D DE00, which sort before U+FF21.
		{"\U0001F600", "\uFF21", -1},
		{"\uFF21", "\U0001F600", 1},
		{"\U0001F600", "\U0001F601", -1},
	}
	for _, tt := range tests {
		if got := compareUTF16(tt.a, tt.b); got != tt.want {
			t.Errorf("compareUTF16(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func allElements(e *Element) []*Element {
	out := []*Element{e}
	for _, c := range e.Elements() {
		out = append(out, allElements(c)...)
	}
	return out
}

func mustParse(t testing.TB, src string) *Document {
	t.Helper()
	doc, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return doc
}

// sampleRequest is a SendRequest body shaped like the ones Okno sends: the signed element
// lives in a document that declares more namespaces than it uses.
const sampleRequest = `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3" xmlns:basic="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3">
  <soap:Body>
    <ns:SendRequestRequest>
      <ns:SenderProvidedRequestData Id="SIGNED_BY_CALLER">
        <ns:MessageID>db0486d0-3c08-11ee-8c43-0242ac120002</ns:MessageID>
        <basic:MessagePrimaryContent>
          <req:FNSVipULRequest xmlns:req="urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6" ИдДок="6f1a">
            <req:ЗапросЮЛ>
              <req:ОГРН>1027700132195</req:ОГРН>
            </req:ЗапросЮЛ>
          </req:FNSVipULRequest>
        </basic:MessagePrimaryContent>
        <ns:TestMessage/>
      </ns:SenderProvidedRequestData>
      <ns:CallerInformationSystemSignature/>
    </ns:SendRequestRequest>
  </soap:Body>
</soap:Envelope>
`
