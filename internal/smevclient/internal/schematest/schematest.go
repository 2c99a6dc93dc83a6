// Package schematest validates SMEV documents against the official 1.3 XSD
// with xmllint, for the tests of the SMEV client and its message model.
//
// The schemas are found by testenv.NeedSchemas ($OKNO_SMEV_XSD_DIR, or
// ../shared/smev3/xsd beside the repository). A test skips when xmllint or
// the schemas are missing outside CI; under CI it fails instead.
package schematest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/okno-oiv/okno/internal/testenv"
)

// Schema files of SMEV 1.3 by what they define.
const (
	TypesXSD  = "smev-message-exchange-types-1.3.xsd"
	FaultsXSD = "smev-message-exchange-faults-1.3.xsd"
)

// Dir returns the directory of the 1.3 schemas, or skips (fails under CI)
// when it or xmllint is absent. Call it from the test's goroutine, never
// from a handler: a skip anywhere else stops only that goroutine.
func Dir(t testing.TB) string {
	t.Helper()
	return filepath.Join(testenv.NeedSchemas(t), "1.3")
}

// Validate runs xmllint on doc against schema (a file name in Dir) and
// returns xmllint's complaint when the document is invalid.
func Validate(t testing.TB, doc []byte, schema string) error {
	t.Helper()
	return ValidateIn(Dir(t), doc, schema)
}

// ValidateIn is Validate against the schemas in dir (from Dir); it never
// ends the test, so an HTTP handler may call it.
func ValidateIn(dir string, doc []byte, schema string) error {
	cmd := exec.Command("xmllint", "--noout", "--nonet", "--schema", filepath.Join(dir, schema), "-")
	cmd.Stdin = bytes.NewReader(doc)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("xmllint: %w: %s", err, out.String())
	}
	return nil
}

// BodyOf returns the bytes inside <soap:Body> of an envelope written with
// the "soap" prefix (as Okno writes them), untouched, so they can be
// validated on their own: the SOAP envelope is not part of the SMEV schemas.
func BodyOf(t testing.TB, envelope []byte) []byte {
	t.Helper()
	const open, end = "<soap:Body>", "</soap:Body>"
	i, j := bytes.Index(envelope, []byte(open)), bytes.LastIndex(envelope, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("no <soap:Body> in envelope: %.200s", envelope)
	}
	return envelope[i+len(open) : j]
}

var xopInclude = regexp.MustCompile(`<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:([^"]+)"></xop:Include>`)

// InlineXOP replaces each xop:Include written by Okno with the base64 of the
// MIME part it points to: the XOP-decoded infoset is what the schema
// describes. A reference to a part not in parts fails the test.
func InlineXOP(t testing.TB, doc []byte, parts map[string][]byte) []byte {
	t.Helper()
	return xopInclude.ReplaceAllFunc(doc, func(m []byte) []byte {
		id := string(xopInclude.FindSubmatch(m)[1])
		part, ok := parts[id]
		if !ok {
			t.Fatalf("xop:Include points at unknown part %q", id)
		}
		return []byte(base64.StdEncoding.EncodeToString(part))
	})
}
