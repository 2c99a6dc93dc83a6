package filetype_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/filetype"
)

// zipEntry is the local header of a stored ZIP entry followed by its data.
func zipEntry(name, data string) string {
	h := []byte("PK\x03\x04")
	h = append(h, make([]byte, 22)...)
	h = append(h, byte(len(name)), 0, 0, 0)
	return string(h) + name + data
}

var cms = []byte{0x30, 0x82, 0x05, 0x10, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0, 0x82, 0x05, 0x01}

func TestOf(t *testing.T) {
	const (
		docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	)
	ole := "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 40)
	tests := []struct {
		name, file, content string
		mime                string
		allowed, inline     bool
	}{
		{"pdf", "скан.pdf", "%PDF-1.7\n1 0 obj", "application/pdf", true, true},
		{"png", "a.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", true, true},
		{"jpeg", "a.jpg", "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", "image/jpeg", true, true},
		{"gif", "a.gif", "GIF89a\x01\x00\x01\x00", "image/gif", true, true},
		{"bmp", "a.bmp", "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "image/bmp", true, true},
		{"webp", "a.webp", "RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", true, true},
		{"tiff little-endian", "a.tif", "II*\x00\x08\x00\x00\x00", "image/tiff", true, false},
		{"tiff big-endian", "a.tiff", "MM\x00*\x00\x00\x00\x08", "image/tiff", true, false},
		{"xml with declaration", "a.xml", `<?xml version="1.0"?><application xmlns="urn:x"/>`, "application/xml", true, false},
		{"xml without declaration", "a.xml", "\n  <r:doc xmlns:r=\"urn:x\"><a/></r:doc>", "application/xml", true, false},
		{"der signature", "a.pdf.sig", string(cms), "application/pkcs7-signature", true, false},
		{"der signature with any name", "подпись", string(cms), "application/pkcs7-signature", true, false},
		{"base64 signature", "a.sig", base64.StdEncoding.EncodeToString(append(cms, make([]byte, 30)...)), "application/pkcs7-signature", true, false},
		{"pem signature", "a.p7s", "-----BEGIN PKCS7-----\n" + base64.StdEncoding.EncodeToString(append(cms, make([]byte, 30)...)), "application/pkcs7-signature", true, false},
		{"docx", "a.docx", zipEntry("[Content_Types].xml", "<Types/>") + zipEntry("word/document.xml", "<w:document/>"), docx, true, false},
		{"docx parts beyond the head", "Заявление.DOCX", zipEntry("[Content_Types].xml", "<Types/>"), docx, true, false},
		{"xlsx", "a.xlsx", zipEntry("[Content_Types].xml", "<Types/>") + zipEntry("xl/workbook.xml", "<workbook/>"), xlsx, true, false},
		{"odt", "a.odt", zipEntry("mimetype", "application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text", true, false},
		{"ods", "a.ods", zipEntry("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet", true, false},
		{"doc", "a.doc", ole, "application/msword", true, false},
		{"xls", "a.XLS", ole, "application/vnd.ms-excel", true, false},

		{"javascript", "helper.js", "fetch('/account/filters', {method: 'POST'})", "text/plain", false, false},
		{"javascript named as pdf", "scan.pdf", "document.title = 1;", "text/plain", false, false},
		{"svg", "a.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script href="x.js"/></svg>`, "image/svg+xml", false, false},
		{"svg with declaration and doctype", "a.png", `<?xml version="1.0"?><!DOCTYPE svg><svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>`, "image/svg+xml", false, false},
		{"svg after a comment", "a.xml", "<!-- x --><svg/>", "text/html", false, false},
		{"xhtml", "a.xml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>1</script></html>`, "application/xhtml+xml", false, false},
		{"html", "a.pdf", "<!DOCTYPE html><script>alert(1)</script>", "text/html", false, false},
		{"plain zip", "a.zip", zipEntry("readme.txt", "hi"), "application/zip", false, false},
		{"zip named docx without content types", "a.docx", zipEntry("readme.txt", "hi"), "application/zip", false, false},
		{"base64 text that is no signature", "a.sig", "aGVsbG8gd29ybGQgdGhpcyBpcyBub3Q=", "text/plain", false, false},
		{"ole named xls-like but exe", "a.exe", "MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := filetype.Of([]byte(tt.content), tt.file)
			if got.MIME != tt.mime || got.Allowed != tt.allowed || got.Empty {
				t.Fatalf("Of(%q) = %+v, want %s allowed=%v", tt.file, got, tt.mime, tt.allowed)
			}
			if inline := filetype.Inline(got.Stored()); inline != tt.inline {
				t.Fatalf("Inline(%s) = %v, want %v", got.Stored(), inline, tt.inline)
			}
			if !tt.allowed && got.Stored() != filetype.Opaque {
				t.Fatalf("a refused type is stored as %s", got.Stored())
			}
		})
	}
}

func TestCheckRefusesEmptyAndForeignFilesInRussian(t *testing.T) {
	for _, tt := range []struct {
		content, message string
	}{
		{"", "пуст"},
		{"alert(1)", "не принят: допускаются PDF"},
	} {
		_, _, err := filetype.Check(strings.NewReader(tt.content), "x.pdf")
		var refused *filetype.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Message(), tt.message) {
			t.Fatalf("Check(%q) = %v", tt.content, err)
		}
	}
}

func TestDetectGivesBackTheWholeFile(t *testing.T) {
	content := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("скан "), 10000)...)
	ft, body, err := filetype.Check(bytes.NewReader(content), "a.pdf")
	if err != nil || ft.MIME != "application/pdf" {
		t.Fatalf("Check: %+v %v", ft, err)
	}
	got, err := io.ReadAll(body)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back %d of %d bytes: %v", len(got), len(content), err)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"скан заявления.pdf":              "скан заявления.pdf",
		"../../etc/passwd":                "passwd",
		`..\..\Windows\win.ini`:           "win.ini",
		"/abs/path/a.pdf":                 "a.pdf",
		"..":                              "file",
		"../":                             "file",
		"":                                "file",
		".hidden":                         "hidden",
		"a\x00b\r\n.pdf":                  "ab.pdf",
		"bad\xffutf8.pdf":                 "bad_utf8.pdf",
		"  spaced.pdf  ":                  "spaced.pdf",
		strings.Repeat("я", 150) + ".pdf": strings.Repeat("я", 98) + ".pdf",
	} {
		if got := filetype.SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
