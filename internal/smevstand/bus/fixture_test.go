package bus_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

const (
	fnsNS   = "urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6"
	fnsRoot = "FNSVipULRequest"
)

// clock is a test clock the bus reads instead of time.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// stand is a bus over HTTP with two registered systems (MINSTROY asks FNS)
// and an identity nobody registered.
type stand struct {
	t        testing.TB
	url      string
	bus      *bus.Bus
	store    *store.Store
	clock    *clock
	smev     *signing.Identity
	minstroy *signing.Identity
	fns      *signing.Identity
	intruder *signing.Identity
}

func newStand(t testing.TB, limits message.Limits, tune ...func(*bus.Config)) *stand {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	now := time.Now()
	gen := func(m string) *signing.Identity {
		id, err := signing.Generate(m, "Тестовая система "+m, now)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	s := &stand{t: t, store: st, clock: &clock{t: now}, smev: gen("SMEV"), minstroy: gen("MINSTROY"), fns: gen("FNS"), intruder: gen("INTRUDER")}
	reg, err := bus.NewRegistry(
		bus.System{Mnemonic: "MINSTROY", Name: "Минстрой", Certificate: s.minstroy.CertificateDER()},
		bus.System{Mnemonic: "FNS", Name: "ФНС России", Certificate: s.fns.CertificateDER()},
	)
	if err != nil {
		t.Fatal(err)
	}
	matrix, err := bus.NewAccessMatrix(bus.Route{Type: bus.MessageType{Namespace: fnsNS, RootElement: fnsRoot}, Provider: "FNS", Consumers: []string{"MINSTROY"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := bus.Config{
		Store: st, Systems: reg, Matrix: matrix, Verifier: signing.Verifier{}, Signer: s.smev,
		ParseCertificate: signing.Validity, Redelivery: time.Minute, Now: s.clock.Now,
		MaxAttachmentBytes: 1 << 10,
	}
	for _, f := range tune {
		f(&cfg)
	}
	s.bus, err = bus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(bus.NewEndpoint(s.bus, limits, slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// newMessageID makes a UUID v1 as SMEV wants.
func newMessageID(t testing.TB) string {
	id, err := uuid.NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func fnsRequest(t testing.TB, id string) *message.SendRequestRequest {
	return &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
		ID: "SIGNED_BY_CALLER", MessageID: id,
		MessagePrimaryContent: message.MessagePrimaryContent{
			XML: []byte(`<FNSVipULRequest xmlns="` + fnsNS + `" ИдДок="` + id + `"><ЗапросЮЛ><ОГРН>1027700132195</ОГРН></ЗапросЮЛ></FNSVipULRequest>`),
		},
	}}
}

// sign serializes body, signs its element with Id id as who and hands the
// signature to set; who == nil leaves the call unsigned.
func sign(t testing.TB, who *signing.Identity, body any, id string, set func(*message.Signature)) {
	t.Helper()
	if who == nil {
		return
	}
	doc, err := xml.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := who.Sign(doc, id)
	if err != nil {
		t.Fatal(err)
	}
	set(&message.Signature{XML: sig})
}

// post sends a raw envelope and returns the decoded reply or fault.
func (s *stand) post(op message.Operation, envelope []byte, reply any) error {
	s.t.Helper()
	_, err := s.postRaw(op, envelope, reply)
	return err
}

// postRaw is post that also returns the reply envelope as received.
func (s *stand) postRaw(op message.Operation, envelope []byte, reply any) ([]byte, error) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(envelope))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", message.ContentType)
	req.Header.Set("SOAPAction", op.SOAPAction())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	err = message.Unmarshal(data, message.DefaultLimits(), reply)
	if err == nil && resp.StatusCode != http.StatusOK {
		s.t.Fatalf("%s: HTTP %d without a fault: %s", op, resp.StatusCode, data)
	}
	return data, err
}

func (s *stand) call(op message.Operation, body, reply any) error {
	s.t.Helper()
	env, err := message.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.post(op, env, reply)
}

func (s *stand) sendRequest(who *signing.Identity, req *message.SendRequestRequest) (*message.SendRequestResponse, error) {
	sign(s.t, who, req, req.SenderProvidedRequestData.ID, func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
	var reply message.SendRequestResponse
	return &reply, s.call(message.OpSendRequest, req, &reply)
}

func (s *stand) getRequest(who *signing.Identity, ns, root string) (*message.GetRequestResponse, error) {
	req := &message.GetRequestRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", NamespaceURI: ns, RootElementLocalName: root, Timestamp: s.clock.Now()}}
	sign(s.t, who, req, "SIGNED_BY_CALLER", func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
	var reply message.GetRequestResponse
	return &reply, s.call(message.OpGetRequest, req, &reply)
}

func (s *stand) getResponse(who *signing.Identity) (*message.GetResponseResponse, error) {
	req := &message.GetResponseRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", Timestamp: s.clock.Now()}}
	sign(s.t, who, req, "SIGNED_BY_CALLER", func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
	var reply message.GetResponseResponse
	return &reply, s.call(message.OpGetResponse, req, &reply)
}

func (s *stand) ack(who *signing.Identity, id string) error {
	req := &message.AckRequest{AckTargetMessage: message.AckTargetMessage{ID: "SIGNED_BY_CALLER", MessageID: id}}
	sign(s.t, who, req, "SIGNED_BY_CALLER", func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
	var reply message.AckResponse
	return s.call(message.OpAck, req, &reply)
}

func (s *stand) sendResponse(who *signing.Identity, req *message.SendResponseRequest) (*message.SendResponseResponse, error) {
	sign(s.t, who, req, req.SenderProvidedResponseData.ID, func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
	var reply message.SendResponseResponse
	return &reply, s.call(message.OpSendResponse, req, &reply)
}

func (s *stand) getStatus(who *signing.Identity) (*message.GetStatusResponse, error) {
	req := &message.GetStatusRequest{Timestamp: message.Timestamp{ID: "SIGNED_BY_CALLER", Value: s.clock.Now()}}
	sign(s.t, who, req, "SIGNED_BY_CALLER", func(sig *message.Signature) { req.CallerInformationSystemSignature = *sig })
	var reply message.GetStatusResponse
	return &reply, s.call(message.OpGetStatus, req, &reply)
}

func (s *stand) queued(recipient, kind string) int {
	n, err := s.store.QueueLength(context.Background(), recipient, kind)
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}
