package smevclient_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/okno-oiv/okno/internal/esign/xmlsig"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/internal/schematest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// testKeys is a keyed-digest stand-in for GOST signatures: it digests the
// SMEV-transformed element exactly as XMLDSig does (with the real transform
// from esign/xmlsig), so a signature breaks when the signed element changes
// between signing and sending, and names its "certificate" in KeyInfo.
type testKeys struct {
	cert []byte
	key  []byte
}

func (k testKeys) SignElement(_ context.Context, element []byte, id string) ([]byte, error) {
	digest, err := elementDigest(element, id)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, k.key)
	mac.Write(digest)
	return fmt.Appendf(nil, `<ds:Signature xmlns:ds="%s"><ds:SignedInfo><ds:Reference URI="#%s"><ds:DigestValue>%s</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>%s</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>`,
		message.NSDSig, id, b64(digest), b64(mac.Sum(nil)), b64(k.cert)), nil
}

// testVerifier knows the keys of several test certificates.
type testVerifier map[string][]byte // cert -> key

func (v testVerifier) VerifyElement(_ context.Context, doc []byte, id string) ([]byte, error) {
	digest, err := elementDigest(doc, id)
	if err != nil {
		return nil, err
	}
	parsed, err := xmlsig.Parse(doc)
	if err != nil {
		return nil, err
	}
	sig := findSignature(parsed.Root(), id)
	if sig == nil {
		return nil, errors.New("no signature references #" + id)
	}
	if child(sig, "SignedInfo", "Reference", "DigestValue") != b64(digest) {
		return nil, errors.New("digest mismatch")
	}
	cert, err := base64.StdEncoding.DecodeString(child(sig, "KeyInfo", "X509Data", "X509Certificate"))
	if err != nil {
		return nil, err
	}
	key, ok := v[string(cert)]
	if !ok {
		// A valid signature by a certificate nobody pinned: the client must refuse it.
		return cert, nil
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(digest)
	if child(sig, "SignatureValue") != b64(mac.Sum(nil)) {
		return nil, errors.New("signature value mismatch")
	}
	return cert, nil
}

func elementDigest(doc []byte, id string) ([]byte, error) {
	parsed, err := xmlsig.Parse(doc)
	if err != nil {
		return nil, err
	}
	el, err := parsed.ElementByID(id)
	if err != nil {
		return nil, err
	}
	canon, err := xmlsig.TransformElement(el)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canon)
	return sum[:], nil
}

func findSignature(e *xmlsig.Element, id string) *xmlsig.Element {
	if e.Local() == "Signature" && e.Namespace() == message.NSDSig {
		for _, si := range e.Elements() {
			for _, ref := range si.Elements() {
				if uri, _ := ref.Attr("", "URI"); ref.Local() == "Reference" && uri == "#"+id {
					return e
				}
			}
		}
	}
	for _, c := range e.Elements() {
		if s := findSignature(c, id); s != nil {
			return s
		}
	}
	return nil
}

func child(e *xmlsig.Element, path ...string) string {
	for _, name := range path {
		var next *xmlsig.Element
		for _, c := range e.Elements() {
			if c.Local() == name {
				next = c
			}
		}
		if next == nil {
			return ""
		}
		e = next
	}
	return e.Text()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

var (
	oknoKeys = testKeys{cert: []byte("okno-cert"), key: []byte("okno-key")}
	smevKeys = testKeys{cert: []byte("smev-cert"), key: []byte("smev-key")}
)

// call is one envelope as the fake SMEV received it.
type call struct {
	op       message.Operation
	envelope []byte
	parts    map[string][]byte
}

// responder answers the nth call (0-based).
type responder func(t testing.TB, w http.ResponseWriter, c call)

// fakeSMEV is an SMEV endpoint scripted per test. It checks every envelope
// the client sends: SOAPAction against the body, schema validity, and the
// caller's signature.
type fakeSMEV struct {
	t testing.TB
	// callerVerifier checks the caller's signature; the keyed-digest test
	// keys unless a test sets real GOST ones.
	callerVerifier smevclient.Verifier
	// check inspects each call; benchmarks go without.
	check func(call)
	// schemas is the SMEV 1.3 schema directory that validate checks against.
	schemas string
	srv     *httptest.Server
	mu      sync.Mutex
	calls   []call
	script  []responder
}

// newFakeSMEV starts an endpoint that validates every envelope. The schemas
// are found here, in the test's goroutine, so that their absence skips (or,
// under CI, fails) the test before any request.
func newFakeSMEV(t testing.TB, script ...responder) *fakeSMEV {
	t.Helper()
	schemas := schematest.Dir(t)
	f := newUncheckedSMEV(t, script...)
	f.schemas, f.check = schemas, f.validate
	return f
}

// newUncheckedSMEV starts an endpoint that only answers, for benchmarks that
// measure the client rather than xmllint.
func newUncheckedSMEV(t testing.TB, script ...responder) *fakeSMEV {
	f := &fakeSMEV{t: t, script: script, callerVerifier: testVerifier{string(oknoKeys.cert): oknoKeys.key}, check: func(call) {}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSMEV) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	op, err := message.OperationFromSOAPAction(r.Header.Get("SOAPAction"))
	if err != nil {
		t.Errorf("SOAPAction: %v", err)
		http.Error(w, "bad action", http.StatusBadRequest)
		return
	}
	c := call{op: op, parts: map[string][]byte{}}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		t.Errorf("Content-Type: %v", err)
	}
	if mt == "multipart/related" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("read multipart request: %v", err)
				return
			}
			data, _ := io.ReadAll(p)
			id := strings.Trim(p.Header.Get("Content-Id"), "<>")
			if "<"+id+">" == params["start"] {
				c.envelope = data
			} else {
				c.parts[id] = data
			}
		}
	} else {
		c.envelope, _ = io.ReadAll(r.Body)
	}
	if !f.checkGuarded(c) {
		// 400 is final for the client: it must not go on retrying a fake
		// that can no longer answer (with a test's hour-long back-off it
		// would hang until the test binary's timeout).
		http.Error(w, "fake SMEV: the checks of this call stopped the handler", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if n >= len(f.script) {
		f.script[len(f.script)-1](t, w, c)
		return
	}
	f.script[n](t, w, c)
}

// checkGuarded runs f.check in a goroutine of its own and reports whether it
// ran to the end. The checks call t.Fatal (through schematest), which in a
// handler would end the handler's goroutine without an answer; here it ends
// only the checking goroutine, and the handler still answers.
func (f *fakeSMEV) checkGuarded(c call) bool {
	done := make(chan bool)
	go func() {
		completed := false
		defer func() {
			if r := recover(); r != nil {
				f.t.Errorf("fake SMEV: checking %s panicked: %v", c.op, r)
			}
			done <- completed
		}()
		f.check(c)
		completed = true
	}()
	return <-done
}

func (f *fakeSMEV) validate(c call) {
	t := f.t
	body := schematest.InlineXOP(t, schematest.BodyOf(t, c.envelope), c.parts)
	if err := schematest.ValidateIn(f.schemas, body, schematest.TypesXSD); err != nil {
		t.Errorf("%s envelope does not validate: %v", c.op, err)
	}
	if !bytes.Contains(body[:min(len(body), 200)], []byte("<"+string(c.op)+"Request ")) {
		t.Errorf("SOAPAction %s does not match body %.80s", c.op, body)
	}
	if _, err := f.callerVerifier.VerifyElement(context.Background(), c.envelope, "SIGNED_BY_CALLER"); err != nil {
		t.Errorf("%s: caller signature does not verify: %v", c.op, err)
	}
}

func (f *fakeSMEV) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// Responders.

func replyXML(status int, data []byte) responder {
	return func(t testing.TB, w http.ResponseWriter, _ call) {
		w.Header().Set("Content-Type", message.ContentType)
		w.WriteHeader(status)
		w.Write(data)
	}
}

func replyBody(v any) responder {
	return func(t testing.TB, w http.ResponseWriter, c call) {
		env, err := message.Marshal(v)
		if err != nil {
			t.Fatalf("marshal reply: %v", err)
		}
		replyXML(http.StatusOK, env)(t, w, c)
	}
}

// replyFunc builds the reply from the call (to echo the MessageID).
func replyFunc(build func(c call) any) responder {
	return func(t testing.TB, w http.ResponseWriter, c call) { replyBody(build(c))(t, w, c) }
}

func replyFault(f message.Fault) responder {
	return func(t testing.TB, w http.ResponseWriter, c call) {
		env, err := message.MarshalFault(&f)
		if err != nil {
			t.Fatalf("marshal fault: %v", err)
		}
		replyXML(http.StatusInternalServerError, env)(t, w, c)
	}
}

func replyStatus(status int) responder {
	return func(t testing.TB, w http.ResponseWriter, _ call) {
		http.Error(w, http.StatusText(status), status)
	}
}

// dropConnection closes the TCP connection without an answer, as a broken
// network between the agency and SMEV would.
func dropConnection(t testing.TB, w http.ResponseWriter, _ call) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Fatalf("hijack: %v", err)
	}
	conn.Close()
}

// replyMTOM answers with an XOP package: the envelope and the given parts.
func replyMTOM(env []byte, parts map[string][]byte) responder {
	return func(t testing.TB, w http.ResponseWriter, _ call) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		root, _ := mw.CreatePart(map[string][]string{"Content-Type": {`application/xop+xml; charset=UTF-8; type="text/xml"`}, "Content-Id": {"<root@smev>"}})
		root.Write(env)
		for id, data := range parts {
			p, _ := mw.CreatePart(map[string][]string{"Content-Type": {"application/octet-stream"}, "Content-Id": {"<" + id + ">"}})
			p.Write(data)
		}
		mw.Close()
		w.Header().Set("Content-Type", mime.FormatMediaType("multipart/related", map[string]string{
			"type": "application/xop+xml", "start": "<root@smev>", "start-info": "text/xml", "boundary": mw.Boundary()}))
		w.Write(buf.Bytes())
	}
}

// sentMessageID reads the MessageID out of a SendRequest/SendResponse call.
func sentMessageID(t testing.TB, c call) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(c.envelope))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no MessageID in %s", c.envelope)
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "MessageID" {
			var id string
			if err := d.DecodeElement(&id, &s); err != nil {
				t.Fatal(err)
			}
			return id
		}
	}
}

// signedBySMEV marshals v (whose element with Id=id SMEV signs) with the
// signature made by keys inserted where sigField points.
func smevSign(t testing.TB, keys testKeys, element any, id string) *message.Signature {
	t.Helper()
	raw, err := xml.Marshal(element)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keys.SignElement(context.Background(), raw, id)
	if err != nil {
		t.Fatal(err)
	}
	return &message.Signature{XML: sig}
}

func newClient(t testing.TB, f *fakeSMEV, mod func(*smevclient.Config)) *smevclient.Client {
	t.Helper()
	cfg := smevclient.Config{
		Endpoint:         f.srv.URL,
		Signer:           oknoKeys,
		Verifier:         testVerifier{string(smevKeys.cert): smevKeys.key, "rogue-cert": []byte("rogue-key")},
		SMEVCertificates: [][]byte{smevKeys.cert},
		Retry:            smevclient.Retry{Attempts: 4, BaseDelay: 1, MaxDelay: 2},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := smevclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
