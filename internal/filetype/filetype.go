// Package filetype decides what a stored file is from its content, never
// from the type a browser or a sender declared, and which of those types
// Okno keeps and serves: an allow-list of document types (PDF, raster
// images, XML, detached signatures, office documents). A file that is none
// of these — a script, a page, an SVG — is refused at the office and kept
// as an opaque download when it arrives over the bus.
//
// It also turns a file name from outside (a browser, a bus message) into a
// plain name without directories.
package filetype

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// headSize is how much of a file is read to tell its type: enough for the
// local headers of the first entries of an office document's ZIP.
const headSize = 8 << 10

// Opaque is the type of a file Okno keeps but does not recognise.
const Opaque = "application/octet-stream"

// Document types on the allow-list, and whether a browser may show them
// inline as a preview. Everything else is refused or opaque.
var documentTypes = map[string]bool{
	"application/pdf":             true,
	"image/png":                   true,
	"image/jpeg":                  true,
	"image/gif":                   true,
	"image/bmp":                   true,
	"image/webp":                  true,
	"image/tiff":                  false,
	"application/xml":             false,
	"application/pkcs7-signature": false,
	"application/msword":          false,
	"application/vnd.ms-excel":    false,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": false,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       false,
	"application/vnd.oasis.opendocument.text":                                 false,
	"application/vnd.oasis.opendocument.spreadsheet":                          false,
}

// Type is what a file's content turned out to be.
type Type struct {
	// MIME is the detected media type without parameters.
	MIME string
	// Allowed means MIME is on the allow-list of document types.
	Allowed bool
	// Empty means the file has no bytes at all.
	Empty bool
}

// Stored is the media type to keep for the file: its own when allowed,
// Opaque otherwise.
func (t Type) Stored() string {
	if t.Allowed {
		return t.MIME
	}
	return Opaque
}

// Inline reports whether a stored media type may be shown in the browser
// rather than downloaded: only PDF and plain raster images, never SVG,
// HTML, XML or anything that can carry script.
func Inline(mime string) bool { return documentTypes[mime] }

// Allowed reports whether a stored media type is on the allow-list; rows
// stored before the content was sniffed may carry a declared type that is
// not.
func Allowed(mime string) bool {
	_, ok := documentTypes[mime]
	return ok
}

// Detect reads the head of r, tells the type from it (the name only
// chooses between types the content cannot tell apart), and returns a
// reader that yields the whole of r again.
func Detect(r io.Reader, name string) (Type, io.Reader, error) {
	br := bufio.NewReaderSize(r, headSize)
	head, err := br.Peek(headSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return Type{}, nil, fmt.Errorf("filetype: read the head of %q: %w", name, err)
	}
	return Of(head, name), br, nil
}

// RefusedError is a file the office does not take: empty, or not a
// document type.
type RefusedError struct {
	Name string
	Type Type
}

func (e *RefusedError) Error() string {
	if e.Type.Empty {
		return fmt.Sprintf("filetype: %q is empty", e.Name)
	}
	return fmt.Sprintf("filetype: %q is %s, not a document type", e.Name, e.Type.MIME)
}

// Message says in Russian why the file was not taken.
func (e *RefusedError) Message() string {
	if e.Type.Empty {
		return fmt.Sprintf("Файл «%s» пуст. Прикрепите отсканированный документ.", e.Name)
	}
	return fmt.Sprintf("Файл «%s» не принят: допускаются PDF, изображения (PNG, JPEG, GIF, TIFF, BMP, WebP), XML, "+
		"файлы подписи (.sig, .p7s) и документы Word, Excel, OpenDocument.", e.Name)
}

// Check is Detect for a file a person uploads: an empty file or one that is
// not a document type is a *RefusedError.
func Check(r io.Reader, name string) (Type, io.Reader, error) {
	t, body, err := Detect(r, name)
	if err != nil {
		return Type{}, nil, err
	}
	if t.Empty || !t.Allowed {
		return t, nil, &RefusedError{Name: name, Type: t}
	}
	return t, body, nil
}

// Of tells the type of a file from its first bytes.
func Of(head []byte, name string) Type {
	if len(head) == 0 {
		return Type{MIME: Opaque, Empty: true}
	}
	mime := sniff(head, strings.ToLower(path.Ext(SafeName(name))))
	_, ok := documentTypes[mime]
	return Type{MIME: mime, Allowed: ok}
}

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	// signedDataOID is 1.2.840.113549.1.7.2 in DER, the content type of a CMS signature.
	signedDataOID = []byte{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02}
)

func sniff(head []byte, ext string) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "image/tiff"
	case bytes.HasPrefix(head, oleMagic):
		if ext == ".xls" {
			return "application/vnd.ms-excel"
		}
		return "application/msword"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return zipDocument(head, ext)
	case isCMS(head):
		return "application/pkcs7-signature"
	case (ext == ".sig" || ext == ".p7s") && isBase64CMS(head):
		return "application/pkcs7-signature"
	}
	detected, _, _ := strings.Cut(http.DetectContentType(head), ";")
	switch detected {
	case "text/html", "image/svg+xml":
		return detected
	case "text/xml", "text/plain":
		if root, ok := xmlRoot(head); ok {
			return xmlType(root)
		}
	}
	return detected
}

// zipDocument tells an office document by its first entries: ODF stores
// its media type uncompressed as the first entry, OOXML lists
// [Content_Types].xml and keeps its parts under word/ or xl/.
func zipDocument(head []byte, ext string) string {
	const odf = "mimetypeapplication/vnd.oasis.opendocument."
	if len(head) > 30 && bytes.HasPrefix(head[30:], []byte(odf)) {
		switch {
		case bytes.HasPrefix(head[30+len(odf):], []byte("text")):
			return "application/vnd.oasis.opendocument.text"
		case bytes.HasPrefix(head[30+len(odf):], []byte("spreadsheet")):
			return "application/vnd.oasis.opendocument.spreadsheet"
		}
		return "application/zip"
	}
	if !bytes.Contains(head, []byte("[Content_Types].xml")) {
		return "application/zip"
	}
	word := "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	sheet := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	switch {
	case bytes.Contains(head, []byte("word/")):
		return word
	case bytes.Contains(head, []byte("xl/")):
		return sheet
	case ext == ".docx":
		return word // parts listed beyond the head
	case ext == ".xlsx":
		return sheet
	}
	return "application/zip"
}

// isCMS reports a DER SEQUENCE whose first element is the signedData OID.
func isCMS(head []byte) bool {
	if len(head) < 2 || head[0] != 0x30 {
		return false
	}
	i := 2
	if head[1]&0x80 != 0 {
		i += int(head[1] & 0x7F) // long or indefinite length
	}
	return len(head) >= i+len(signedDataOID) && bytes.Equal(head[i:i+len(signedDataOID)], signedDataOID)
}

// isBase64CMS accepts the Base64 form many signing tools write to .sig
// files, with or without PEM armour.
func isBase64CMS(head []byte) bool {
	text := bytes.TrimSpace(head)
	for _, armour := range []string{"-----BEGIN PKCS7-----", "-----BEGIN CMS-----", "-----BEGIN SIGNED MESSAGE-----"} {
		text = bytes.TrimSpace(bytes.TrimPrefix(text, []byte(armour)))
	}
	var compact []byte
	for _, c := range text {
		if c != '\r' && c != '\n' {
			compact = append(compact, c)
		}
		if len(compact) == 24 {
			break
		}
	}
	der := make([]byte, 18)
	n, err := base64.StdEncoding.Decode(der, compact)
	return err == nil && isCMS(der[:n])
}

// xmlRoot is the first element of an XML document, if head starts one.
func xmlRoot(head []byte) (xml.Name, bool) {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if t := bytes.TrimLeftFunc(head, unicode.IsSpace); len(t) == 0 || t[0] != '<' {
		return xml.Name{}, false
	}
	dec := xml.NewDecoder(bytes.NewReader(head))
	dec.Strict = false
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return xml.Name{}, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name, true
		}
	}
}

// xmlType keeps XML documents but not the XML that browsers run as a page:
// SVG and XHTML carry script.
func xmlType(root xml.Name) string {
	switch {
	case strings.EqualFold(root.Local, "svg"):
		return "image/svg+xml"
	case strings.EqualFold(root.Local, "html"):
		return "application/xhtml+xml"
	}
	return "application/xml"
}

// SafeName is the plain name of a file from outside: the last element of
// any path (with either slash), without control characters, leading dots
// or surrounding spaces, at most 200 bytes, "file" when nothing is left.
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := utf8.DecodeRuneInString(name)
		name = name[size:] // keep the end, where the extension is
	}
	if name == "" || name == "/" {
		return "file"
	}
	return name
}
