// Package schematest validates SMEV documents against the official 1.3 XSD
// with xmllint, for the tests of the SMEV client and its message model.
//
// The schemas live beside the repository (../shared/smev3/xsd/1.3 from the
// module root). A test skips when xmllint or the schemas are missing and the
// CI variable is empty; under CI it fails instead.
package schematest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// Schema files of SMEV 1.3 by what they define.
const (
	TypesXSD  = "smev-message-exchange-types-1.3.xsd"
	FaultsXSD = "smev-message-exchange-faults-1.3.xsd"
)

// Dir returns the directory of the 1.3 schemas, or skips (fails under CI)
// when it or xmllint is absent.
func Dir(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		unavailable(t, "xmllint not found (apt-get install libxml2-utils)")
	}
	root, err := moduleRoot()
	if err != nil {
		unavailable(t, err.Error())
	}
	dir := filepath.Join(root, "..", "shared", "smev3", "xsd", "1.3")
	if _, err := os.Stat(filepath.Join(dir, TypesXSD)); err != nil {
		unavailable(t, "SMEV 1.3 schemas not found: "+err.Error())
	}
	return dir
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set, so this may not skip: %s", why)
	}
	t.Skip(why)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locate module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("locate module root: no go.mod above the test")
		}
		dir = parent
	}
}

// Validate runs xmllint on doc against schema (a file name in Dir) and
// returns xmllint's complaint when the document is invalid.
func Validate(t testing.TB, doc []byte, schema string) error {
	t.Helper()
	dir := Dir(t)
	file := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatalf("write document for xmllint: %v", err)
	}
	cmd := exec.Command("xmllint", "--noout", "--nonet", "--schema", filepath.Join(dir, schema), file)
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
