package smevclient_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/streebog"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

var pdf = []byte("%PDF-1.7 application scan")

// delivery builds a GetRequestResponse as SMEV sends it: a request from the
// portal with one MTOM attachment, signed by keys. mutate runs before
// signing, tamper after.
func delivery(t *testing.T, keys testKeys, mutate, tamper func(*message.RequestMessage)) []byte {
	t.Helper()
	rm := &message.RequestMessage{
		Request: message.Request{
			ID: "SIGNED_BY_SMEV",
			SenderProvidedRequestData: message.SenderProvidedRequestData{
				ID: "SIGNED_BY_CALLER", MessageID: uuid.Must(uuid.NewUUID()).String(),
				MessagePrimaryContent: message.MessagePrimaryContent{XML: []byte(formData)},
				AttachmentHeaderList:  &message.AttachmentHeaderList{AttachmentHeader: []message.AttachmentHeader{{ContentID: "a1", MimeType: "application/pdf"}}},
			},
			MessageMetadata: message.MessageMetadata{MessageID: smevMsgID, MessageType: message.MessageTypeRequest,
				Sender: &message.Party{Mnemonic: "EPGU", HumanReadableName: "ЕПГУ"}, SendingTimestamp: time.Now().UTC()},
			ReplyTo: "reply-to-epgu-1",
		},
		AttachmentContentList: &message.AttachmentContentList{AttachmentContent: []message.AttachmentContent{{ID: "a1", Content: message.AttachmentData{Include: "cid:a1@smev"}}}},
	}
	if mutate != nil {
		mutate(rm)
	}
	rm.SMEVSignature = smevSign(t, keys, &rm.Request, rm.Request.ID)
	if tamper != nil {
		tamper(rm)
	}
	env, err := message.Marshal(&message.GetRequestResponse{RequestMessage: rm})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestGetRequestThenAck(t *testing.T) {
	f := newFakeSMEV(t,
		replyMTOM(delivery(t, smevKeys, nil, nil), map[string][]byte{"a1@smev": pdf}),
		replyBody(&message.AckResponse{}),
		replyBody(&message.GetRequestResponse{}),
	)
	c := newClient(t, f, nil)
	ctx := context.Background()
	d, err := c.GetRequest(ctx, smevclient.Selector{})
	if err != nil {
		t.Fatalf("GetRequest: %v", err)
	}
	if d == nil {
		t.Fatal("GetRequest returned no delivery")
	}
	if d.MessageID != smevMsgID || d.ReplyTo != "reply-to-epgu-1" || string(d.Content) != formData || d.Metadata.Sender.Mnemonic != "EPGU" {
		t.Errorf("delivery = %+v", d)
	}
	if len(d.Attachments) != 1 || d.Attachments[0].MimeType != "application/pdf" {
		t.Fatalf("attachments = %+v", d.Attachments)
	}
	rc, err := c.OpenAttachment(ctx, d.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, pdf) {
		t.Errorf("attachment = %q, want %q", got, pdf)
	}
	if err := c.Ack(ctx, d.MessageID, true); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if d, err := c.GetRequest(ctx, smevclient.Selector{}); err != nil || d != nil {
		t.Fatalf("empty queue: GetRequest = %v, %v; want nil, nil", d, err)
	}
	calls := f.Calls()
	if len(calls) != 3 || calls[1].op != message.OpAck {
		t.Fatalf("calls = %d, second %v; want GetRequest, Ack, GetRequest", len(calls), calls[1].op)
	}
	if !bytes.Contains(calls[1].envelope, []byte(`accepted="true">`+smevMsgID+`</AckTargetMessage>`)) {
		t.Errorf("Ack does not target %s: %s", smevMsgID, calls[1].envelope)
	}
}

func TestGetRequestRefusesUntrustworthyReplies(t *testing.T) {
	rogue := testKeys{cert: []byte("rogue-cert"), key: []byte("rogue-key")}
	mtom := func(env []byte) responder { return replyMTOM(env, map[string][]byte{"a1@smev": pdf}) }
	tests := []struct {
		name  string
		reply responder
		cfg   func(*smevclient.Config)
		want  error
	}{
		{"not xml", replyXML(http.StatusOK, []byte("<html><body>proxy error")), nil, smevclient.ErrBadReply},
		{"doctype", replyXML(http.StatusOK, []byte(`<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><soap:Envelope xmlns:soap="`+message.NSSOAP+`"><soap:Body>&a;</soap:Body></soap:Envelope>`)), nil, message.ErrDirective},
		{"oversize", mtom(delivery(t, smevKeys, nil, nil)), limits(message.Limits{MaxBytes: 1024, MaxDepth: 64}), message.ErrTooLarge},
		{"too deep", mtom(delivery(t, smevKeys, nil, nil)), limits(message.Limits{MaxBytes: 1 << 20, MaxDepth: 4}), message.ErrTooDeep},
		{"missing signature", mtom(delivery(t, smevKeys, nil, func(rm *message.RequestMessage) { rm.SMEVSignature = nil })), nil, smevclient.ErrSignatureMissing},
		{"unknown signer", mtom(delivery(t, rogue, nil, nil)), nil, smevclient.ErrUnknownSigner},
		{"tampered content", mtom(delivery(t, smevKeys, nil, func(rm *message.RequestMessage) { rm.Request.ReplyTo = "evil" })), nil, smevclient.ErrSignatureInvalid},
		{"signature over the wrong element", mtom(delivery(t, smevKeys, nil, func(rm *message.RequestMessage) {
			rm.SMEVSignature = smevSign(t, smevKeys, &rm.Request.SenderProvidedRequestData, "SIGNED_BY_CALLER")
		})), nil, smevclient.ErrSignatureTarget},
		{"malformed message id", mtom(delivery(t, smevKeys, func(rm *message.RequestMessage) { rm.Request.MessageMetadata.MessageID = "42" }, nil)), nil, smevclient.ErrWrongMessageID},
		{"attachments over the limit", mtom(delivery(t, smevKeys, nil, nil)), func(cfg *smevclient.Config) { cfg.MaxAttachmentBytes = int64(len(pdf) - 1) }, message.ErrTooLarge},
		{"another operation's body", replyBody(&message.AckResponse{}), nil, smevclient.ErrBadReply},
		{"missing MTOM part", replyMTOM(delivery(t, smevKeys, nil, nil), nil), nil, smevclient.ErrAttachmentMissing},
		{"missing content for a header", replyXML(http.StatusOK, delivery(t, smevKeys, nil, func(rm *message.RequestMessage) { rm.AttachmentContentList = nil })), nil, smevclient.ErrAttachmentMissing},
		{"file in storage without access data", mtom(delivery(t, smevKeys, func(rm *message.RequestMessage) {
			rm.Request.SenderProvidedRequestData.RefAttachmentHeaderList = &message.RefAttachmentHeaderList{RefAttachmentHeader: []message.RefAttachmentHeader{{UUID: "f1", Hash: "AA==", MimeType: "application/pdf"}}}
		}, nil)), nil, smevclient.ErrAttachmentMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSMEV(t, tc.reply)
			c := newClient(t, f, tc.cfg)
			d, err := c.GetRequest(context.Background(), smevclient.Selector{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d != nil {
				t.Errorf("a delivery came back with the error: %+v", d)
			}
			calls := f.Calls()
			if len(calls) != 1 || calls[0].op != message.OpGetRequest {
				t.Fatalf("calls = %d; an untrustworthy reply must be neither retried nor acknowledged", len(calls))
			}
		})
	}
}

func limits(l message.Limits) func(*smevclient.Config) {
	return func(cfg *smevclient.Config) { cfg.Limits = l }
}

func TestSelectorOnTheWire(t *testing.T) {
	f := newFakeSMEV(t, replyBody(&message.GetRequestResponse{}))
	c := newClient(t, f, nil)
	if _, err := c.GetRequest(context.Background(), smevclient.Selector{NamespaceURI: formNS, RootElement: "FormData"}); err != nil {
		t.Fatal(err)
	}
	env := string(f.Calls()[0].envelope)
	if !strings.Contains(env, ">"+formNS+"</NamespaceURI>") || !strings.Contains(env, ">FormData</RootElementLocalName>") {
		t.Errorf("selector not on the wire: %s", env)
	}
	var ie *smevclient.InputError
	if _, err := c.GetResponse(context.Background(), smevclient.Selector{RootElement: "FormData"}); !errors.As(err, &ie) {
		t.Errorf("half a selector: err = %v, want *InputError", err)
	}
	if n := len(f.Calls()); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestAckRetryAfterLostReply(t *testing.T) {
	f := newFakeSMEV(t, dropConnection, replyFault(message.Fault{Kind: message.FaultTargetMessageIsNotFound}))
	c := newClient(t, f, nil)
	if err := c.Ack(context.Background(), smevMsgID, true); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if n := len(f.Calls()); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
	f2 := newFakeSMEV(t, replyFault(message.Fault{Kind: message.FaultTargetMessageIsNotFound}))
	c2 := newClient(t, f2, nil)
	if err := c2.Ack(context.Background(), smevMsgID, true); !errors.Is(err, &smevclient.Fault{Kind: message.FaultTargetMessageIsNotFound}) {
		t.Fatalf("first-try TargetMessageIsNotFound: err = %v", err)
	}
}

func TestFileStorageAttachmentHashIsChecked(t *testing.T) {
	data := make([]byte, 100<<10)
	rand.Read(data)
	sum := streebog.Sum256(data)
	tests := []struct {
		name    string
		hash    string
		wantErr error
	}{
		{"matching hash", base64.StdEncoding.EncodeToString(sum[:]), nil},
		{"other file's hash", base64.StdEncoding.EncodeToString(make([]byte, 32)), smevclient.ErrAttachmentHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStorage{files: map[string][]byte{"f1": data}}
			env := delivery(t, smevKeys, func(rm *message.RequestMessage) {
				rm.Request.SenderProvidedRequestData.AttachmentHeaderList = nil
				rm.AttachmentContentList = nil
				rm.Request.SenderProvidedRequestData.RefAttachmentHeaderList = &message.RefAttachmentHeaderList{RefAttachmentHeader: []message.RefAttachmentHeader{{UUID: "f1", FileName: "scan.pdf", Hash: tc.hash, MimeType: "application/pdf"}}}
				rm.Request.FSAttachmentsList = &message.FSAttachmentsList{FSAttachment: []message.FSAttachment{{UUID: "f1", UserName: "u", Password: "p", FileName: "scan.pdf"}}}
			}, nil)
			f := newFakeSMEV(t, replyXML(http.StatusOK, env))
			c := newClient(t, f, func(cfg *smevclient.Config) { cfg.Storage = store })
			d, err := c.GetRequest(context.Background(), smevclient.Selector{})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Attachments) != 1 || d.Attachments[0].UUID != "f1" || d.Attachments[0].FileName != "scan.pdf" {
				t.Fatalf("attachments = %+v", d.Attachments)
			}
			rc, err := c.OpenAttachment(context.Background(), d.Attachments[0])
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("read err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && !bytes.Equal(got, data) {
				t.Fatal("attachment content differs")
			}
		})
	}
}

func TestSendResponseShapes(t *testing.T) {
	tests := []struct {
		name string
		resp smevclient.Response
		want string // a fragment of the sent envelope; "" means InputError
	}{
		{"status", smevclient.Response{To: "r1", Status: &message.RequestStatus{StatusCode: 3, StatusDescription: "Исполнено"}}, "<StatusCode xmlns=\"" + message.NSTypes + "\">3</StatusCode>"},
		{"rejection", smevclient.Response{To: "r1", Rejected: []message.RequestRejected{{RejectionReasonCode: message.RejectNoData, RejectionReasonDescription: "Нет данных"}}}, ">NO_DATA<"},
		{"content", smevclient.Response{To: "r1", Content: []byte(elkRequest)}, elkRequest},
		{"nothing", smevclient.Response{To: "r1"}, ""},
		{"two answers", smevclient.Response{To: "r1", Content: []byte(elkRequest), Status: &message.RequestStatus{StatusCode: 3}}, ""},
		{"no address", smevclient.Response{Status: &message.RequestStatus{StatusCode: 3}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSMEV(t, replyFunc(acceptedResponse))
			c := newClient(t, f, func(cfg *smevclient.Config) { cfg.Verifier, cfg.SMEVCertificates = nil, nil })
			_, err := c.SendResponse(context.Background(), tc.resp)
			if tc.want == "" {
				var ie *smevclient.InputError
				if !errors.As(err, &ie) || len(f.Calls()) != 0 {
					t.Fatalf("err = %v, calls = %d; want *InputError and no call", err, len(f.Calls()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			env := string(f.Calls()[0].envelope)
			if !strings.Contains(env, tc.want) || !strings.Contains(env, ">r1</To>") {
				t.Errorf("envelope lacks %q: %s", tc.want, env)
			}
		})
	}
}

func TestGetStatus(t *testing.T) {
	data := message.AsyncProcessingStatusData{ID: "SIGNED_BY_SMEV", AsyncProcessingStatus: message.AsyncProcessingStatus{
		OriginalMessageID: smevMsgID, StatusCategory: message.StatusRequestIsRejectedBySmev, SmevFault: &message.SmevFault{Code: "X", Description: "отклонено"}}}
	sig := smevSign(t, smevKeys, &struct {
		XMLName struct{} `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3 AsyncProcessingStatusData"`
		*message.AsyncProcessingStatusData
	}{AsyncProcessingStatusData: &data}, "SIGNED_BY_SMEV")
	f := newFakeSMEV(t, replyBody(&message.GetStatusResponse{SmevAsyncProcessingMessage: &message.SmevAsyncProcessingMessage{AsyncProcessingStatusData: data, SMEVSignature: sig}}))
	c := newClient(t, f, nil)
	st, err := c.GetStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st == nil || st.StatusCategory != message.StatusRequestIsRejectedBySmev || st.SmevFault.Description != "отклонено" {
		t.Fatalf("status = %+v", st)
	}
}

// gostIdentity makes a GOST key and a self-signed certificate with esign.
func gostIdentity(t *testing.T, name string) *esign.Signer {
	t.Helper()
	key, err := esign.GenerateKey(rand.Reader, "A")
	if err != nil {
		t.Fatal(err)
	}
	var n esign.Name
	if err := n.Add(esign.OIDCommonName, name); err != nil {
		t.Fatal(err)
	}
	cert, err := esign.CreateCertificate(rand.Reader, &esign.Template{Subject: n, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, key.Public(), nil, key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := esign.NewSigner(key, cert)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRealGOSTSignaturesBothWays(t *testing.T) {
	okno, smev, rogue := gostIdentity(t, "Okno"), gostIdentity(t, "SMEV"), gostIdentity(t, "Rogue")
	signWith := func(s *esign.Signer, rm *message.RequestMessage) {
		raw, err := message.Marshal(&rm.Request) // any serialisation: the transform normalises it
		if err != nil {
			t.Fatal(err)
		}
		sig, err := smevclient.XMLDSigSigner{Key: s, Certificate: s.Cert.Raw}.SignElement(context.Background(), raw, rm.Request.ID)
		if err != nil {
			t.Fatal(err)
		}
		rm.SMEVSignature = &message.Signature{XML: sig}
	}
	tests := []struct {
		name   string
		signer *esign.Signer
		tamper bool
		want   error
	}{
		{"signed by SMEV", smev, false, nil},
		{"signed by a stranger", rogue, false, smevclient.ErrUnknownSigner},
		{"tampered after signing", smev, true, smevclient.ErrSignatureInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := delivery(t, smevKeys, nil, func(rm *message.RequestMessage) {
				signWith(tc.signer, rm)
				if tc.tamper {
					rm.Request.ReplyTo = "evil"
				}
			})
			f := newFakeSMEV(t, replyMTOM(env, map[string][]byte{"a1@smev": pdf}), replyBody(&message.AckResponse{}))
			f.callerVerifier = smevclient.XMLDSigVerifier{}
			c, err := smevclient.New(smevclient.Config{
				Endpoint: f.srv.URL, Signer: smevclient.XMLDSigSigner{Key: okno, Certificate: okno.Cert.Raw},
				Verifier: smevclient.XMLDSigVerifier{}, SMEVCertificates: [][]byte{smev.Cert.Raw},
				Retry: smevclient.Retry{Attempts: 2, BaseDelay: 1, MaxDelay: 1},
			})
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.GetRequest(context.Background(), smevclient.Selector{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				if err := c.Ack(context.Background(), d.MessageID, true); err != nil {
					t.Fatalf("Ack: %v", err)
				}
			}
		})
	}
}

func TestGetResponseDeliversRejection(t *testing.T) {
	original := uuid.Must(uuid.NewUUID()).String()
	resp := message.Response{
		ID: "SIGNED_BY_SMEV", OriginalMessageID: original,
		SenderProvidedResponseData: message.SenderProvidedResponseData{
			ID: "SIGNED_BY_CALLER", MessageID: uuid.Must(uuid.NewUUID()).String(), To: "okno",
			RequestRejected: []message.RequestRejected{{RejectionReasonCode: message.RejectNoData, RejectionReasonDescription: "Сведения не найдены"}},
		},
		MessageMetadata: message.MessageMetadata{MessageID: smevMsgID, MessageType: message.MessageTypeResponse, SendingTimestamp: time.Now().UTC()},
	}
	sig := smevSign(t, smevKeys, &resp, resp.ID)
	f := newFakeSMEV(t, replyBody(&message.GetResponseResponse{ResponseMessage: &message.ResponseMessage{Response: resp, SMEVSignature: sig}}))
	c := newClient(t, f, nil)
	d, err := c.GetResponse(context.Background(), smevclient.Selector{NamespaceURI: formNS, RootElement: "FormData"})
	if err != nil {
		t.Fatal(err)
	}
	if d == nil || d.Response == nil || d.MessageID != smevMsgID || d.Content != nil {
		t.Fatalf("delivery = %+v", d)
	}
	if got := d.Response.SenderProvidedResponseData.RequestRejected; len(got) != 1 || got[0].RejectionReasonCode != message.RejectNoData || d.Response.OriginalMessageID != original {
		t.Fatalf("response = %+v", d.Response)
	}
	if calls := f.Calls(); len(calls) != 1 || calls[0].op != message.OpGetResponse {
		t.Fatalf("calls = %+v", calls)
	}
}

// RFC 2392: the href of xop:Include is a percent-encoded cid URL.
func TestPercentEncodedCIDFindsItsPart(t *testing.T) {
	env := delivery(t, smevKeys, func(rm *message.RequestMessage) {
		rm.AttachmentContentList.AttachmentContent[0].Content.Include = "cid:a1%40smev"
	}, nil)
	f := newFakeSMEV(t, replyMTOM(env, map[string][]byte{"a1@smev": pdf}))
	d, err := newClient(t, f, nil).GetRequest(context.Background(), smevclient.Selector{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := newClient(t, f, nil).OpenAttachment(context.Background(), d.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(rc); !bytes.Equal(got, pdf) {
		t.Fatalf("attachment = %q", got)
	}
}

// A delivery whose SMEV signature fails (or whose attachments do not match)
// names the message it claims to be, so that intake can count it and in the
// end acknowledge it accepted=false; it is not retried and not
// acknowledged by the client.
func TestUntrustedDeliveryNamesItsMessage(t *testing.T) {
	tests := []struct {
		name  string
		reply responder
		want  error
	}{
		{"tampered after SMEV signed", replyMTOM(delivery(t, smevKeys, nil, func(rm *message.RequestMessage) {
			rm.Request.MessageMetadata.Sender.HumanReadableName = "подделано"
		}), map[string][]byte{"a1@smev": pdf}), smevclient.ErrSignatureInvalid},
		{"no SMEV signature", replyMTOM(delivery(t, smevKeys, nil, func(rm *message.RequestMessage) { rm.SMEVSignature = nil }),
			map[string][]byte{"a1@smev": pdf}), smevclient.ErrSignatureMissing},
		{"missing MTOM part", replyMTOM(delivery(t, smevKeys, nil, nil), nil), smevclient.ErrAttachmentMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSMEV(t, tc.reply)
			_, err := newClient(t, f, nil).GetRequest(context.Background(), smevclient.Selector{})
			var untrusted *smevclient.UnverifiedDeliveryError
			if !errors.As(err, &untrusted) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want an UnverifiedDeliveryError wrapping %v", err, tc.want)
			}
			if untrusted.MessageID != smevMsgID || untrusted.ReplyTo != "reply-to-epgu-1" || !bytes.Contains(untrusted.Envelope, []byte(formData)) {
				t.Errorf("the error names %q, reply to %q, envelope %d bytes", untrusted.MessageID, untrusted.ReplyTo, len(untrusted.Envelope))
			}
			if calls := f.Calls(); len(calls) != 1 || calls[0].op != message.OpGetRequest {
				t.Fatalf("calls = %d; an untrusted delivery must be neither retried nor acknowledged", len(calls))
			}
		})
	}

	t.Run("response", func(t *testing.T) {
		resp := message.Response{
			ID: "SIGNED_BY_SMEV", OriginalMessageID: uuid.Must(uuid.NewUUID()).String(),
			SenderProvidedResponseData: message.SenderProvidedResponseData{
				ID: "SIGNED_BY_CALLER", MessageID: uuid.Must(uuid.NewUUID()).String(), To: "okno",
				RequestRejected: []message.RequestRejected{{RejectionReasonCode: message.RejectNoData, RejectionReasonDescription: "Сведения не найдены"}},
			},
			MessageMetadata: message.MessageMetadata{MessageID: smevMsgID, MessageType: message.MessageTypeResponse, SendingTimestamp: time.Now().UTC()},
		}
		sig := smevSign(t, smevKeys, &resp, resp.ID)
		resp.SenderProvidedResponseData.RequestRejected[0].RejectionReasonDescription = "Отказано"
		f := newFakeSMEV(t, replyBody(&message.GetResponseResponse{ResponseMessage: &message.ResponseMessage{Response: resp, SMEVSignature: sig}}))
		_, err := newClient(t, f, nil).GetResponse(context.Background(), smevclient.Selector{})
		var untrusted *smevclient.UnverifiedDeliveryError
		if !errors.As(err, &untrusted) || !errors.Is(err, smevclient.ErrSignatureInvalid) || untrusted.MessageID != smevMsgID {
			t.Fatalf("err = %v, want an UnverifiedDeliveryError of %s wrapping ErrSignatureInvalid", err, smevMsgID)
		}
		if calls := f.Calls(); len(calls) != 1 {
			t.Fatalf("calls = %d; an untrusted delivery must not be retried", len(calls))
		}
	})

	t.Run("malformed id", func(t *testing.T) {
		f := newFakeSMEV(t, replyMTOM(delivery(t, smevKeys, func(rm *message.RequestMessage) { rm.Request.MessageMetadata.MessageID = "42" },
			func(rm *message.RequestMessage) { rm.SMEVSignature = nil }), map[string][]byte{"a1@smev": pdf}))
		_, err := newClient(t, f, nil).GetRequest(context.Background(), smevclient.Selector{})
		if !errors.Is(err, smevclient.ErrSignatureMissing) || errors.As(err, new(*smevclient.UnverifiedDeliveryError)) {
			t.Fatalf("err = %v; a message that cannot be acknowledged is not counted by its id", err)
		}
	})
}
