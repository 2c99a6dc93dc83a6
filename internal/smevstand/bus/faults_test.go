package bus_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/filestore"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// Every bad call gets the faults schema's answer and leaves the queues as
// they were.
func TestBadCallsGetSchemaFaults(t *testing.T) {
	t.Parallel()
	limits := message.Limits{MaxBytes: 16 << 10, MaxDepth: 32}
	s := newStand(t, limits)

	signedEnvelope := func(who *signing.Identity, req *message.SendRequestRequest) []byte {
		sign(t, who, req, req.SenderProvidedRequestData.ID, func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
		env, err := message.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	v4, err := uuid.NewRandom()
	if err != nil {
		t.Fatal(err)
	}
	stale := uuidV1At(time.Now().Add(-72 * time.Hour))
	stored, err := filestore.Put(context.Background(), s.store, "MINSTROY", "plan.pdf", "application/pdf", []byte("%PDF-1.4 план"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dupID := newMessageID(t)
	if _, err := s.sendRequest(s.minstroy, fnsRequest(t, dupID)); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		envelope func() []byte
		op       message.Operation
		kind     message.FaultKind
		sub      message.SignatureFaultCode
	}{
		{"not xml", func() []byte { return []byte("this is not xml at all") }, message.OpSendRequest,
			message.FaultSignatureVerification, message.SigPoorSOAPEnvelopeFormat},
		{"truncated xml", func() []byte { return signedEnvelope(s.minstroy, fnsRequest(t, newMessageID(t)))[:300] }, message.OpSendRequest,
			message.FaultSignatureVerification, message.SigPoorSOAPEnvelopeFormat},
		{"doctype with entity", func() []byte {
			env := signedEnvelope(s.minstroy, fnsRequest(t, newMessageID(t)))
			return bytes.Replace(env, []byte("?>"), []byte(`?><!DOCTYPE x [<!ENTITY e "boom">]>`), 1)
		}, message.OpSendRequest, message.FaultSignatureVerification, message.SigPoorSOAPEnvelopeFormat},
		{"over the size limit", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			req.SenderProvidedRequestData.MessagePrimaryContent.XML = []byte(`<FNSVipULRequest xmlns="` + fnsNS + `">` + strings.Repeat("Я", 10<<10) + `</FNSVipULRequest>`)
			return signedEnvelope(s.minstroy, req)
		}, message.OpSendRequest, message.FaultAttachmentSizeLimitExceeded, ""},
		{"no soap:Header", func() []byte {
			return bytes.Replace(signedEnvelope(s.minstroy, fnsRequest(t, newMessageID(t))), []byte("<soap:Header></soap:Header>"), nil, 1)
		}, message.OpSendRequest, message.FaultSignatureVerification, message.SigPoorSOAPEnvelopeFormat},
		{"no signature", func() []byte { return signedEnvelope(nil, fnsRequest(t, newMessageID(t))) }, message.OpSendRequest,
			message.FaultSignatureVerification, message.SigNoSignatureFound},
		{"unregistered certificate", func() []byte { return signedEnvelope(s.intruder, fnsRequest(t, newMessageID(t))) }, message.OpSendRequest,
			message.FaultSignatureVerification, message.SigCertificateIsNotFound},
		{"content changed after signing", func() []byte {
			return bytes.Replace(signedEnvelope(s.minstroy, fnsRequest(t, newMessageID(t))), []byte("1027700132195"), []byte("1027700132196"), 1)
		}, message.OpSendRequest, message.FaultSignatureVerification, message.SigSignatureIsInvalid},
		{"signature over another element", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			env := signedEnvelope(s.minstroy, req)
			return bytes.Replace(env, []byte(`Id="SIGNED_BY_CALLER"`), []byte(`Id="SOMETHING_ELSE"`), 1)
		}, message.OpSendRequest, message.FaultSignatureVerification, message.SigIncorrectSignatureTarget},
		{"message id not a uuid", func() []byte { return signedEnvelope(s.minstroy, fnsRequest(t, "12345")) }, message.OpSendRequest,
			message.FaultInvalidMessageIDFormat, ""},
		{"message id uuid v4", func() []byte { return signedEnvelope(s.minstroy, fnsRequest(t, v4.String())) }, message.OpSendRequest,
			message.FaultInvalidMessageIDFormat, ""},
		{"message id upper case", func() []byte { return signedEnvelope(s.minstroy, fnsRequest(t, strings.ToUpper(newMessageID(t)))) }, message.OpSendRequest,
			message.FaultInvalidMessageIDFormat, ""},
		{"message id already sent", func() []byte { return signedEnvelope(s.minstroy, fnsRequest(t, dupID)) }, message.OpSendRequest,
			message.FaultMessageIsAlreadySent, ""},
		{"stale message id", func() []byte {
			return signedEnvelope(s.minstroy, fnsRequest(t, stale))
		}, message.OpSendRequest, message.FaultStaleMessageID, ""},
		{"sender not in the access matrix", func() []byte { return signedEnvelope(s.fns, fnsRequest(t, newMessageID(t))) }, message.OpSendRequest,
			message.FaultAccessDenied, ""},
		{"unregistered message type", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			req.SenderProvidedRequestData.MessagePrimaryContent.XML = []byte(`<Other xmlns="urn:unknown"></Other>`)
			return signedEnvelope(s.minstroy, req)
		}, message.OpSendRequest, message.FaultBusinessDataTypeIsNotSupported, ""},
		{"attachment header without content", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			req.SenderProvidedRequestData.AttachmentHeaderList = &message.AttachmentHeaderList{AttachmentHeader: []message.AttachmentHeader{{ContentID: "scan", MimeType: "application/pdf"}}}
			return signedEnvelope(s.minstroy, req)
		}, message.OpSendRequest, message.FaultAttachmentContentMiscoordination, ""},
		{"attachment content under another id", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			req.SenderProvidedRequestData.AttachmentHeaderList = &message.AttachmentHeaderList{AttachmentHeader: []message.AttachmentHeader{{ContentID: "scan", MimeType: "application/pdf"}}}
			req.AttachmentContentList = &message.AttachmentContentList{AttachmentContent: []message.AttachmentContent{{ID: "other", Content: message.AttachmentData{Inline: []byte("%PDF")}}}}
			return signedEnvelope(s.minstroy, req)
		}, message.OpSendRequest, message.FaultAttachmentContentMiscoordination, ""},
		{"attachments over the limit", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			req.SenderProvidedRequestData.AttachmentHeaderList = &message.AttachmentHeaderList{AttachmentHeader: []message.AttachmentHeader{{ContentID: "scan", MimeType: "application/pdf"}}}
			req.AttachmentContentList = &message.AttachmentContentList{AttachmentContent: []message.AttachmentContent{{ID: "scan", Content: message.AttachmentData{Inline: bytes.Repeat([]byte("x"), 2<<10)}}}}
			return signedEnvelope(s.minstroy, req)
		}, message.OpSendRequest, message.FaultAttachmentSizeLimitExceeded, ""},
		{"file storage reference to a missing file", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			req.SenderProvidedRequestData.RefAttachmentHeaderList = &message.RefAttachmentHeaderList{RefAttachmentHeader: []message.RefAttachmentHeader{
				{UUID: uuid.NewString(), Hash: "AAAA", MimeType: "application/pdf"}}}
			return signedEnvelope(s.minstroy, req)
		}, message.OpSendRequest, message.FaultAttachmentContentMiscoordination, ""},
		{"file storage reference with a wrong hash", func() []byte {
			req := fnsRequest(t, newMessageID(t))
			req.SenderProvidedRequestData.RefAttachmentHeaderList = &message.RefAttachmentHeaderList{RefAttachmentHeader: []message.RefAttachmentHeader{
				{UUID: stored.UUID.String(), Hash: filestore.Hash([]byte("другой файл")), MimeType: "application/pdf"}}}
			return signedEnvelope(s.minstroy, req)
		}, message.OpSendRequest, message.FaultAttachmentContentMiscoordination, ""},
		{"ack of an unknown message", func() []byte {
			req := &message.AckRequest{AckTargetMessage: message.AckTargetMessage{ID: "SIGNED_BY_CALLER", MessageID: newMessageID(t)}}
			sign(t, s.fns, req, "SIGNED_BY_CALLER", func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
			env, _ := message.Marshal(req)
			return env
		}, message.OpAck, message.FaultTargetMessageIsNotFound, ""},
		{"get request of a type the caller does not provide", func() []byte {
			req := &message.GetRequestRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", NamespaceURI: fnsNS, RootElementLocalName: fnsRoot, Timestamp: time.Now()}}
			sign(t, s.minstroy, req, "SIGNED_BY_CALLER", func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
			env, _ := message.Marshal(req)
			return env
		}, message.OpGetRequest, message.FaultUnknownMessageType, ""},
		{"response to an address the stand never issued", func() []byte {
			req := &message.SendResponseRequest{SenderProvidedResponseData: message.SenderProvidedResponseData{
				ID: "SIGNED_BY_CALLER", MessageID: newMessageID(t), To: "nowhere",
				RequestRejected: []message.RequestRejected{{RejectionReasonCode: message.RejectNoData, RejectionReasonDescription: "нет данных"}},
			}}
			sign(t, s.fns, req, "SIGNED_BY_CALLER", func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
			env, _ := message.Marshal(req)
			return env
		}, message.OpSendResponse, message.FaultRecipientIsNotFound, ""},
	}
	before := s.queued("FNS", store.KindRequest)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var reply message.SendRequestResponse
			err := s.post(c.op, c.envelope(), &reply)
			var f *message.Fault
			if !errors.As(err, &f) {
				t.Fatalf("reply %+v, err %v; want fault %s", reply, err, c.kind)
			}
			if f.Kind != c.kind || f.SignatureCode != c.sub {
				t.Fatalf("fault %s/%s (%s), want %s/%s", f.Kind, f.SignatureCode, f.FaultString, c.kind, c.sub)
			}
			if n := s.queued("FNS", store.KindRequest); n != before {
				t.Fatalf("FNS queue holds %d after a refused call, had %d", n, before)
			}
		})
	}
}

// uuidV1At builds a version 1 UUID whose timestamp is at (RFC 4122: 100 ns
// intervals since 1582-10-15).
func uuidV1At(at time.Time) string {
	const gregorianOffset = 122192928000000000
	ts := uint64(at.UnixNano()/100) + gregorianOffset
	var u uuid.UUID
	u[0], u[1], u[2], u[3] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	u[4], u[5] = byte(ts>>40), byte(ts>>32)
	u[6], u[7] = byte(ts>>56)&0x0f|0x10, byte(ts>>48)
	u[8], u[9] = 0x80, 0x01
	copy(u[10:], []byte{1, 2, 3, 4, 5, 6})
	return u.String()
}
