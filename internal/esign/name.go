package esign

import (
	"encoding/asn1"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Attribute types of distinguished names. The 1.2.643 ones are the Russian
// identifiers a qualified certificate carries (Приказ ФСБ России № 795).
var (
	OIDCommonName         = asn1.ObjectIdentifier{2, 5, 4, 3}
	OIDSurname            = asn1.ObjectIdentifier{2, 5, 4, 4}
	OIDCountry            = asn1.ObjectIdentifier{2, 5, 4, 6}
	OIDLocality           = asn1.ObjectIdentifier{2, 5, 4, 7}
	OIDProvince           = asn1.ObjectIdentifier{2, 5, 4, 8}
	OIDStreet             = asn1.ObjectIdentifier{2, 5, 4, 9}
	OIDOrganization       = asn1.ObjectIdentifier{2, 5, 4, 10}
	OIDOrganizationalUnit = asn1.ObjectIdentifier{2, 5, 4, 11}
	OIDTitle              = asn1.ObjectIdentifier{2, 5, 4, 12}
	OIDGivenName          = asn1.ObjectIdentifier{2, 5, 4, 42}
	OIDEmail              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	OIDOGRN               = asn1.ObjectIdentifier{1, 2, 643, 100, 1}
	OIDSNILS              = asn1.ObjectIdentifier{1, 2, 643, 100, 3}
	OIDINNLE              = asn1.ObjectIdentifier{1, 2, 643, 100, 4}
	OIDOGRNIP             = asn1.ObjectIdentifier{1, 2, 643, 100, 5}
	OIDINN                = asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
)

// attributeKind describes one attribute type: its short name in DN strings,
// its Russian label for people, how it is encoded, and which rule its value obeys.
type attributeKind struct {
	oid     asn1.ObjectIdentifier
	short   string
	label   string
	tag     cbasn1.Tag
	checker func(string) error
}

// attributeKinds is in the order Name.Fields shows them.
var attributeKinds = []attributeKind{
	{OIDSurname, "SN", "Фамилия", cbasn1.UTF8String, nil},
	{OIDGivenName, "GN", "Имя и отчество", cbasn1.UTF8String, nil},
	{OIDCommonName, "CN", "Владелец", cbasn1.UTF8String, nil},
	{OIDSNILS, "SNILS", "СНИЛС", cbasn1.Tag(18), CheckSNILS},
	{OIDINN, "INN", "ИНН", cbasn1.Tag(18), CheckINN},
	{OIDINNLE, "INNLE", "ИНН ЮЛ", cbasn1.Tag(18), CheckINNLE},
	{OIDOGRN, "OGRN", "ОГРН", cbasn1.Tag(18), CheckOGRN},
	{OIDOGRNIP, "OGRNIP", "ОГРНИП", cbasn1.Tag(18), CheckOGRNIP},
	{OIDTitle, "T", "Должность", cbasn1.UTF8String, nil},
	{OIDOrganization, "O", "Организация", cbasn1.UTF8String, nil},
	{OIDOrganizationalUnit, "OU", "Подразделение", cbasn1.UTF8String, nil},
	{OIDCountry, "C", "Страна", cbasn1.PrintableString, checkCountry},
	{OIDProvince, "ST", "Регион", cbasn1.UTF8String, nil},
	{OIDLocality, "L", "Населённый пункт", cbasn1.UTF8String, nil},
	{OIDStreet, "STREET", "Адрес", cbasn1.UTF8String, nil},
	{OIDEmail, "E", "Электронная почта", cbasn1.IA5String, checkASCII},
}

func kindByOID(oid asn1.ObjectIdentifier) (attributeKind, bool) {
	for _, k := range attributeKinds {
		if k.oid.Equal(oid) {
			return k, true
		}
	}
	return attributeKind{}, false
}

// Attribute is one type-value pair of a distinguished name.
type Attribute struct {
	Type  asn1.ObjectIdentifier
	Value string
}

// Name is a distinguished name flattened to its attributes in order.
type Name struct {
	Attributes []Attribute
}

// Field is one subject field in readable form, e.g. {"СНИЛС", "11223344595"}.
type Field struct {
	Label string
	Value string
}

// Get returns the first value of an attribute type, or "".
func (n Name) Get(oid asn1.ObjectIdentifier) string {
	for _, a := range n.Attributes {
		if a.Type.Equal(oid) {
			return a.Value
		}
	}
	return ""
}

// FullName is the person's ФИО: surname and given names when the certificate
// has them (qualified certificates do), otherwise the common name.
func (n Name) FullName() string {
	sn, gn := n.Get(OIDSurname), n.Get(OIDGivenName)
	if sn != "" || gn != "" {
		return strings.TrimSpace(sn + " " + gn)
	}
	return n.Get(OIDCommonName)
}

// Fields lists the subject in readable Russian: ФИО first, then the
// identifiers, position and organisation, then anything else by OID.
func (n Name) Fields() []Field {
	var out []Field
	if fio := n.FullName(); fio != "" {
		out = append(out, Field{"ФИО", fio})
	}
	for _, k := range attributeKinds {
		if k.oid.Equal(OIDSurname) || k.oid.Equal(OIDGivenName) {
			continue
		}
		if k.oid.Equal(OIDCommonName) && n.Get(OIDCommonName) == n.FullName() {
			continue
		}
		for _, a := range n.Attributes {
			if a.Type.Equal(k.oid) {
				out = append(out, Field{k.label, a.Value})
			}
		}
	}
	for _, a := range n.Attributes {
		if _, known := kindByOID(a.Type); !known {
			out = append(out, Field{a.Type.String(), a.Value})
		}
	}
	return out
}

// String writes the name as "CN=...,O=...", the form ParseName reads.
func (n Name) String() string {
	parts := make([]string, 0, len(n.Attributes))
	for _, a := range n.Attributes {
		key := a.Type.String()
		if k, ok := kindByOID(a.Type); ok {
			key = k.short
		}
		parts = append(parts, key+"="+escapeDNValue(a.Value))
	}
	return strings.Join(parts, ",")
}

func escapeDNValue(v string) string {
	var b strings.Builder
	for _, r := range v {
		if strings.ContainsRune(`,+"\<>;=`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParseName reads "CN=Иванов Иван,O=Ведомство,SNILS=11223344595". Keys are
// the short names (CN SN GN T O OU C ST L STREET E SNILS INN INNLE OGRN
// OGRNIP), case-insensitive, or dotted OIDs. A backslash escapes the next
// character. Values of the Russian identifiers are checked (digits, length,
// check digits).
func ParseName(s string) (Name, error) {
	var n Name
	for _, part := range splitDN(s) {
		key, value, ok := strings.Cut(part, "=")
		key = strings.TrimSpace(key)
		value = unescapeDNValue(strings.TrimSpace(value))
		if !ok || key == "" {
			return Name{}, fmt.Errorf("esign: %w: distinguished name part %q is not KEY=VALUE", ErrMalformed, part)
		}
		oid, err := attributeOID(key)
		if err != nil {
			return Name{}, err
		}
		if err := n.Add(oid, value); err != nil {
			return Name{}, err
		}
	}
	if len(n.Attributes) == 0 {
		return Name{}, fmt.Errorf("esign: %w: empty distinguished name", ErrMalformed)
	}
	return n, nil
}

// Add appends an attribute after checking its value.
func (n *Name) Add(oid asn1.ObjectIdentifier, value string) error {
	if value == "" {
		return fmt.Errorf("esign: %w: empty value for %s", ErrMalformed, oid)
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("esign: %w: value for %s is not UTF-8", ErrMalformed, oid)
	}
	if k, ok := kindByOID(oid); ok && k.checker != nil {
		if err := k.checker(value); err != nil {
			return fmt.Errorf("esign: %s: %w", k.short, err)
		}
	}
	n.Attributes = append(n.Attributes, Attribute{Type: oid, Value: value})
	return nil
}

func attributeOID(key string) (asn1.ObjectIdentifier, error) {
	switch strings.ToUpper(key) {
	case "G", "GIVENNAME":
		return OIDGivenName, nil
	case "TITLE":
		return OIDTitle, nil
	case "EMAILADDRESS", "EMAIL":
		return OIDEmail, nil
	}
	for _, k := range attributeKinds {
		if strings.EqualFold(k.short, key) {
			return k.oid, nil
		}
	}
	var oid asn1.ObjectIdentifier
	for _, arc := range strings.Split(key, ".") {
		var v int
		if _, err := fmt.Sscanf(arc, "%d", &v); err != nil || fmt.Sprint(v) != arc || v < 0 {
			return nil, fmt.Errorf("esign: %w: unknown attribute %q in distinguished name", ErrMalformed, key)
		}
		oid = append(oid, v)
	}
	if len(oid) < 2 {
		return nil, fmt.Errorf("esign: %w: unknown attribute %q in distinguished name", ErrMalformed, key)
	}
	return oid, nil
}

// splitDN splits at commas that are not escaped with a backslash.
func splitDN(s string) []string {
	var parts []string
	var cur strings.Builder
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
			continue
		case r == '\\':
			escaped = true
		case r == ',':
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	if strings.TrimSpace(cur.String()) != "" || len(parts) > 0 {
		parts = append(parts, cur.String())
	}
	return parts
}

func unescapeDNValue(v string) string {
	var b strings.Builder
	escaped := false
	for _, r := range v {
		if r == '\\' && !escaped {
			escaped = true
			continue
		}
		escaped = false
		b.WriteRune(r)
	}
	return b.String()
}

// addName writes a Name as an RDNSequence with one attribute per RDN.
func addName(b *cryptobyte.Builder, n Name) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, a := range n.Attributes {
			tag := cbasn1.UTF8String
			if k, ok := kindByOID(a.Type); ok {
				tag = k.tag
			}
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(a.Type)
					b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(a.Value)) })
				})
			})
		}
	})
}

// parseName reads the contents of an RDNSequence.
func parseName(rdns cryptobyte.String) (Name, error) {
	var n Name
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) {
			return Name{}, fmt.Errorf("esign: %w: relative distinguished name", ErrMalformed)
		}
		for !set.Empty() {
			var atv cryptobyte.String
			var oid asn1.ObjectIdentifier
			var raw cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&oid) ||
				!atv.ReadAnyASN1(&raw, &tag) || !atv.Empty() {
				return Name{}, fmt.Errorf("esign: %w: attribute of a distinguished name", ErrMalformed)
			}
			v, err := decodeDirectoryString(raw, tag)
			if err != nil {
				return Name{}, fmt.Errorf("esign: attribute %s: %w", oid, err)
			}
			n.Attributes = append(n.Attributes, Attribute{Type: oid, Value: v})
		}
	}
	return n, nil
}

// decodeDirectoryString turns the string types used in names into UTF-8.
func decodeDirectoryString(raw []byte, tag cbasn1.Tag) (string, error) {
	switch tag {
	case cbasn1.UTF8String, cbasn1.PrintableString, cbasn1.IA5String, cbasn1.Tag(18):
		if !utf8.Valid(raw) {
			return "", fmt.Errorf("%w: string is not UTF-8", ErrMalformed)
		}
		return string(raw), nil
	case cbasn1.T61String:
		// Treated as Latin-1, as other X.509 readers do.
		r := make([]rune, len(raw))
		for i, c := range raw {
			r[i] = rune(c)
		}
		return string(r), nil
	case cbasn1.Tag(30): // BMPString, UTF-16BE
		if len(raw)%2 != 0 {
			return "", fmt.Errorf("%w: BMPString of odd length", ErrMalformed)
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
		}
		return string(utf16.Decode(u)), nil
	}
	return "", fmt.Errorf("%w: string type with tag %d", ErrMalformed, tag)
}
