package smevclient_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign/streebog"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

const (
	elkNS      = "http://epgu.gosuslugi.ru/elk/status/1.0.2"
	elkRequest = `<ElkOrderRequest xmlns="` + elkNS + `" env="SVCDEV"><CreateOrdersRequest><orders><order><orderNumber>OKNO-42</orderNumber></order></orders></CreateOrdersRequest></ElkOrderRequest>`
	formNS     = "http://epgu.gosuslugi.ru/concentrator/kindergarten/3.2.0"
	formData   = `<FormData xmlns="` + formNS + `"><Applicant><Name>Иванова</Name></Applicant></FormData>`
	smevMsgID  = "9a8e7d66-5d2a-11ef-9c11-0242ac120003"
)

func accepted(c call) any {
	return &message.SendRequestResponse{MessageMetadata: message.MessageMetadata{
		MessageID: "", MessageType: message.MessageTypeRequest, SendingTimestamp: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC),
	}}
}

func acceptedResponse(c call) any {
	return &message.SendResponseResponse{MessageMetadata: message.MessageMetadata{MessageType: message.MessageTypeResponse, SendingTimestamp: time.Now().UTC()}}
}

func bytesAttachment(name, mimeType string, data []byte) smevclient.Attachment {
	return smevclient.Attachment{FileName: name, MimeType: mimeType, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func TestSendRequestSendsValidSignedMTOM(t *testing.T) {
	pdf := []byte("%PDF-1.7 decision")
	signedReply := func(c call) any {
		meta := message.MessageMetadata{ID: "SIGNED_BY_SMEV", MessageID: sentMessageID(t, c), MessageType: message.MessageTypeRequest, SendingTimestamp: time.Now().UTC()}
		return &message.SendRequestResponse{MessageMetadata: meta, SMEVSignature: smevSign(t, smevKeys, &meta, "SIGNED_BY_SMEV")}
	}
	f := newFakeSMEV(t, replyFunc(signedReply))
	c := newClient(t, f, nil)
	sent, err := c.SendRequest(context.Background(), smevclient.Request{
		Content:     []byte(elkRequest),
		Attachments: []smevclient.Attachment{bytesAttachment("decision.pdf", "application/pdf", pdf)},
	})
	if err != nil {
		t.Fatalf("SendRequest: %v", err)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].op != message.OpSendRequest {
		t.Fatalf("calls = %d, want one SendRequest", len(calls))
	}
	id := sentMessageID(t, calls[0])
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 1 || strings.ToLower(id) != id {
		t.Errorf("MessageID %q is not a lowercase UUID v1", id)
	}
	if sent.MessageID != id || sent.AlreadySent || sent.Metadata == nil || sent.Metadata.MessageID != id {
		t.Errorf("sent = %+v, want MessageID %s with metadata", sent, id)
	}
	if len(calls[0].parts) != 1 {
		t.Fatalf("MTOM parts = %d, want 1", len(calls[0].parts))
	}
	for cid, data := range calls[0].parts {
		if !bytes.Equal(data, pdf) {
			t.Errorf("part %s = %q, want the attachment", cid, data)
		}
		if !bytes.Contains(calls[0].envelope, []byte(`href="cid:`+cid+`"`)) {
			t.Errorf("envelope has no xop:Include for part %s", cid)
		}
	}
	if !bytes.Contains(calls[0].envelope, []byte("<MimeType")) || !bytes.Contains(calls[0].envelope, []byte(elkRequest)) {
		t.Errorf("envelope lacks the attachment header or the content: %s", calls[0].envelope)
	}
	if !bytes.Equal(sent.Envelope, calls[0].envelope) {
		t.Error("Sent.Envelope differs from what SMEV received")
	}
}

func TestSendRequestRetryRules(t *testing.T) {
	ok := replyFunc(accepted)
	tests := []struct {
		name        string
		script      []responder
		wantErr     error // nil: success
		wantCalls   int
		sameID      bool // all attempts carry one MessageID
		alreadySent bool
	}{
		{"5xx then accepted", []responder{replyStatus(http.StatusServiceUnavailable), ok}, nil, 2, true, false},
		{"dropped connection then accepted", []responder{dropConnection, ok}, nil, 2, true, false},
		{"SMEVFailure twice then accepted", []responder{replyFault(message.Fault{Kind: message.FaultSMEVFailure}), replyFault(message.Fault{Kind: message.FaultSMEVFailure}), ok}, nil, 3, true, false},
		{"dropped then MessageIsAlreadySent", []responder{dropConnection, replyFault(message.Fault{Kind: message.FaultMessageIsAlreadySent})}, nil, 2, true, true},
		{"StaleMessageId makes a fresh id", []responder{replyFault(message.Fault{Kind: message.FaultStaleMessageID}), ok}, nil, 2, false, false},
		{"MessageIsAlreadySent for a fresh id is an error", []responder{replyFault(message.Fault{Kind: message.FaultStaleMessageID}), replyFault(message.Fault{Kind: message.FaultMessageIsAlreadySent})},
			&smevclient.Fault{Kind: message.FaultMessageIsAlreadySent}, 2, false, false},
		{"MessageIsAlreadySent on the first try is an error", []responder{replyFault(message.Fault{Kind: message.FaultMessageIsAlreadySent})},
			&smevclient.Fault{Kind: message.FaultMessageIsAlreadySent}, 1, true, false},
		{"AccessDenied is final", []responder{replyFault(message.Fault{Kind: message.FaultAccessDenied})}, &smevclient.Fault{Kind: message.FaultAccessDenied}, 1, true, false},
		{"signature fault keeps its sub-code", []responder{replyFault(message.Fault{Kind: message.FaultSignatureVerification, SignatureCode: message.SigCertificateIsExpired})},
			&smevclient.Fault{Kind: message.FaultSignatureVerification, SignatureCode: message.SigCertificateIsExpired}, 1, true, false},
		{"5xx forever gives up", []responder{replyStatus(http.StatusBadGateway)}, &smevclient.TransportError{}, 4, true, false},
		{"SMEVFailure forever gives up", []responder{replyFault(message.Fault{Kind: message.FaultSMEVFailure})}, &smevclient.Fault{Kind: message.FaultSMEVFailure}, 4, true, false},
		{"4xx without fault is final", []responder{replyStatus(http.StatusForbidden)}, &smevclient.TransportError{}, 1, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSMEV(t, tc.script...)
			c := newClient(t, f, func(cfg *smevclient.Config) { cfg.Verifier, cfg.SMEVCertificates = nil, nil })
			sent, err := c.SendRequest(context.Background(), smevclient.Request{Content: []byte(elkRequest)})
			switch want := tc.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatalf("SendRequest: %v", err)
				}
			case *smevclient.TransportError:
				var te *smevclient.TransportError
				if !errors.As(err, &te) {
					t.Fatalf("err = %v, want *TransportError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
			calls := f.Calls()
			if len(calls) != tc.wantCalls {
				t.Fatalf("calls = %d, want %d", len(calls), tc.wantCalls)
			}
			ids := map[string]bool{}
			for _, cl := range calls {
				ids[sentMessageID(t, cl)] = true
			}
			if tc.sameID != (len(ids) == 1) {
				t.Errorf("distinct MessageIDs = %d, sameID = %v", len(ids), tc.sameID)
			}
			if tc.wantErr == nil {
				if last := sentMessageID(t, calls[len(calls)-1]); sent.MessageID != last {
					t.Errorf("Sent.MessageID = %s, last sent %s", sent.MessageID, last)
				}
				if sent.AlreadySent != tc.alreadySent {
					t.Errorf("AlreadySent = %v, want %v", sent.AlreadySent, tc.alreadySent)
				}
			}
		})
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := newFakeSMEV(t, func(t testing.TB, w http.ResponseWriter, c call) {
		cancel()
		replyStatus(http.StatusServiceUnavailable)(t, w, c)
	})
	c := newClient(t, f, func(cfg *smevclient.Config) {
		cfg.Retry = smevclient.Retry{Attempts: 10, BaseDelay: time.Hour, MaxDelay: time.Hour}
	})
	_, err := c.SendRequest(ctx, smevclient.Request{Content: []byte(elkRequest)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(f.Calls()); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
}

func TestSendRequestRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		req  smevclient.Request
	}{
		{"no content", smevclient.Request{}},
		{"content without namespace", smevclient.Request{Content: []byte(`<order/>`)}},
		{"content not xml", smevclient.Request{Content: []byte(`<order xmlns="urn:x">`)}},
		{"content with doctype", smevclient.Request{Content: []byte(`<!DOCTYPE x [<!ENTITY e "e">]><x xmlns="urn:x">&e;</x>`)}},
		{"message id not v1", smevclient.Request{Content: []byte(elkRequest), MessageID: uuid.NewString()}},
		{"message id upper case", smevclient.Request{Content: []byte(elkRequest), MessageID: strings.ToUpper(uuid.Must(uuid.NewUUID()).String())}},
		{"bad mime type", smevclient.Request{Content: []byte(elkRequest), Attachments: []smevclient.Attachment{bytesAttachment("a", "pdf", []byte("x"))}}},
		{"large without storage", smevclient.Request{Content: []byte(elkRequest), Attachments: []smevclient.Attachment{bytesAttachment("a", "application/pdf", make([]byte, 2048))}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSMEV(t, replyFunc(accepted))
			c := newClient(t, f, func(cfg *smevclient.Config) { cfg.FileStorageThreshold = 1024 })
			_, err := c.SendRequest(context.Background(), tc.req)
			var ie *smevclient.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InputError", err)
			}
			if n := len(f.Calls()); n != 0 {
				t.Fatalf("calls = %d, want none", n)
			}
		})
	}
}

// memStorage is file storage in memory; the stand has the real one.
type memStorage struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (m *memStorage) Upload(_ context.Context, r io.Reader, size int64) (string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id := uuid.NewString()
	m.files[id] = data
	return id, nil
}

func (m *memStorage) Open(_ context.Context, a message.FSAttachment) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[a.UUID]
	if !ok {
		return nil, errors.New("no such file")
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func TestLargeAttachmentsGoThroughFileStorage(t *testing.T) {
	data := make([]byte, 64<<10)
	rand.Read(data)
	store := &memStorage{files: map[string][]byte{}}
	f := newFakeSMEV(t, replyFunc(acceptedResponse))
	c := newClient(t, f, func(cfg *smevclient.Config) {
		cfg.Storage, cfg.FileStorageThreshold, cfg.Verifier, cfg.SMEVCertificates = store, 32<<10, nil, nil
	})
	if _, err := c.SendResponse(context.Background(), smevclient.Response{
		To: "reply-to", Content: []byte(elkRequest),
		Attachments: []smevclient.Attachment{bytesAttachment("scan.pdf", "application/pdf", data), bytesAttachment("small.txt", "text/plain", []byte("x"))},
	}); err != nil {
		t.Fatalf("SendResponse: %v", err)
	}
	calls := f.Calls()
	if len(calls) != 1 || len(calls[0].parts) != 0 {
		t.Fatalf("want one call without MTOM parts, got %d calls", len(calls))
	}
	if len(store.files) != 2 {
		t.Fatalf("stored files = %d, want 2", len(store.files))
	}
	sum := streebog.Sum256(data)
	env := string(calls[0].envelope)
	for id, stored := range store.files {
		if !strings.Contains(env, ">"+id+"</uuid>") {
			t.Errorf("envelope does not reference stored file %s", id)
		}
		if bytes.Equal(stored, data) && !strings.Contains(env, ">"+base64.StdEncoding.EncodeToString(sum[:])+"</Hash>") {
			t.Errorf("envelope lacks the Streebog-256 hash of the large file")
		}
	}
	if !strings.Contains(env, ">scan.pdf</FileName>") {
		t.Error("envelope lacks the file name")
	}
}

func TestJournalKeepsExactEnvelopes(t *testing.T) {
	dir := t.TempDir()
	f := newFakeSMEV(t, replyFunc(accepted))
	c := newClient(t, f, func(cfg *smevclient.Config) { cfg.JournalDir, cfg.Verifier, cfg.SMEVCertificates = dir, nil, nil })
	sent, err := c.SendRequest(context.Background(), smevclient.Request{Content: []byte(elkRequest)})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("journal has %d files, want 2", len(entries))
	}
	name := regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z_(in|out)_SendRequest_` + sent.MessageID + `\.xml$`)
	for _, e := range entries {
		if !name.MatchString(e.Name()) {
			t.Errorf("journal file name %q does not match %s", e.Name(), name)
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(e.Name(), "_out_") && !bytes.Equal(data, f.Calls()[0].envelope) {
			t.Errorf("outgoing journal entry differs from the bytes SMEV received")
		}
		if strings.Contains(e.Name(), "_in_") && !bytes.Contains(data, []byte("SendRequestResponse")) {
			t.Errorf("incoming journal entry is not the reply: %s", data)
		}
	}
}

func TestSendRequestRefusesAcknowledgementOfAnotherMessage(t *testing.T) {
	f := newFakeSMEV(t, replyBody(&message.SendRequestResponse{MessageMetadata: message.MessageMetadata{
		MessageID: smevMsgID, MessageType: message.MessageTypeRequest, SendingTimestamp: time.Now().UTC()}}))
	c := newClient(t, f, func(cfg *smevclient.Config) { cfg.Verifier, cfg.SMEVCertificates = nil, nil })
	if _, err := c.SendRequest(context.Background(), smevclient.Request{Content: []byte(elkRequest)}); !errors.Is(err, smevclient.ErrWrongMessageID) {
		t.Fatalf("err = %v, want ErrWrongMessageID", err)
	}
	if n := len(f.Calls()); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
}

type failingReader struct{ after int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after == 0 {
		return 0, errors.New("disk read error")
	}
	n := min(len(p), f.after)
	f.after -= n
	return n, nil
}

func TestUnreadableAttachmentIsNotRetried(t *testing.T) {
	tests := []struct {
		name string
		att  smevclient.Attachment
	}{
		{"open fails", smevclient.Attachment{MimeType: "application/pdf", Size: 10, Open: func() (io.ReadCloser, error) { return nil, errors.New("no such file") }}},
		{"read fails midway", smevclient.Attachment{MimeType: "application/pdf", Size: 10, Open: func() (io.ReadCloser, error) { return io.NopCloser(&failingReader{after: 4}), nil }}},
		{"shorter than declared", bytesAttachment("a.pdf", "application/pdf", []byte("12345"))},
	}
	tests[2].att.Size = 10
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			requests := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				io.Copy(io.Discard, r.Body)
				http.Error(w, "unreachable", http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			c, err := smevclient.New(smevclient.Config{Endpoint: srv.URL, Signer: oknoKeys, Retry: smevclient.Retry{Attempts: 3, BaseDelay: 1, MaxDelay: 1}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SendRequest(context.Background(), smevclient.Request{Content: []byte(elkRequest), Attachments: []smevclient.Attachment{tc.att}})
			var ae *smevclient.AttachmentError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *AttachmentError", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if requests > 1 {
				t.Fatalf("requests = %d; an unreadable attachment must not be retried", requests)
			}
		})
	}
}
