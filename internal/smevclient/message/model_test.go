package message_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/internal/schematest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

const (
	formNS      = "http://epgu.gosuslugi.ru/concentrator/kindergarten/3.2.0"
	formContent = `<FormData xmlns="` + formNS + `" oid="1"><Applicant><Name>Иванова &amp; дочь</Name><Snils>123-456-789 00</Snils></Applicant></FormData>`
	dsSignature = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference URI="#SIGNED_BY_CALLER"></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAEC</ds:SignatureValue></ds:Signature>`
	msgID       = "7c1f0b2e-5d2a-11ef-8a3b-0242ac120002"
	smevID      = "9a8e7d66-5d2a-11ef-9c11-0242ac120003"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func metadata() message.MessageMetadata {
	return message.MessageMetadata{
		ID:                "META",
		MessageID:         smevID,
		MessageType:       message.MessageTypeRequest,
		Sender:            &message.Party{Mnemonic: "EPGU", HumanReadableName: "ЕПГУ"},
		SendingTimestamp:  at("2026-11-23T05:56:33.123+03:00"),
		Recipient:         &message.Party{Mnemonic: "OKNO", HumanReadableName: "Министерство образования"},
		DeliveryTimestamp: ptr(at("2026-11-23T05:57:00Z")),
		Status:            message.StatusRequestIsQueued,
	}
}

func requestData() message.SenderProvidedRequestData {
	return message.SenderProvidedRequestData{
		ID:                    "SIGNED_BY_CALLER",
		MessageID:             msgID,
		ReferenceMessageID:    msgID,
		TransactionCode:       "tx-1",
		NodeID:                "node1",
		EOL:                   ptr(at("2026-12-01T00:00:00Z")),
		MessagePrimaryContent: message.MessagePrimaryContent{XML: []byte(formContent)},
		PersonalSignature:     &message.Signature{XML: []byte(dsSignature)},
		AttachmentHeaderList: &message.AttachmentHeaderList{AttachmentHeader: []message.AttachmentHeader{
			{ContentID: "att1", MimeType: "application/pdf", SignaturePKCS7: message.Base64("pkcs7")},
			{ContentID: "att2", NamespaceURI: "urn:x", MimeType: "image/jpeg", Archive: &message.Archive{File: []message.ArchivedFile{{Name: "a.jpg", NamespaceURI: "urn:y"}}}},
		}},
		RefAttachmentHeaderList: &message.RefAttachmentHeaderList{RefAttachmentHeader: []message.RefAttachmentHeader{
			{UUID: "5b1c2d4e-0000-1000-8000-000000000001", FileName: "scan.pdf", Hash: "q83vEjRWeJA=", MimeType: "application/pdf", SignaturePKCS7: message.Base64{1, 2, 3}},
		}},
		BusinessProcessMetadata: &message.RawElement{XML: []byte(`<bp:Step xmlns:bp="urn:bp">1</bp:Step>`)},
		TestMessage:             &message.Void{},
	}
}

func responseData() message.SenderProvidedResponseData {
	return message.SenderProvidedResponseData{
		ID:        "SIGNED_BY_CALLER",
		MessageID: msgID,
		To:        "eyJzbWV2IjoicmVwbHktdG8ifQ==",
		RequestStatus: &message.RequestStatus{
			StatusCode:        3,
			StatusParameter:   []message.StatusParameter{{Key: "orderNumber", Value: "42"}, {Key: "comment", Value: "готово"}},
			StatusDescription: "Исполнено",
		},
	}
}

// bodies holds one fully populated value of every body type, in the shape
// the schema allows.
func bodies() []struct {
	name string
	body any
	fill func() any
} {
	content := responseData()
	content.RequestStatus = nil
	content.MessagePrimaryContent = &message.MessagePrimaryContent{XML: []byte(formContent)}
	content.AttachmentHeaderList = &message.AttachmentHeaderList{AttachmentHeader: []message.AttachmentHeader{{ContentID: "r1", MimeType: "application/pdf"}}}
	rejected := responseData()
	rejected.RequestStatus = nil
	rejected.RequestRejected = []message.RequestRejected{{RejectionReasonCode: message.RejectNoData, RejectionReasonDescription: "Нет сведений"}, {RejectionReasonCode: message.RejectFailure, RejectionReasonDescription: "Сбой"}}
	async := responseData()
	async.RequestStatus = nil
	async.AsyncProcessingStatus = &message.AsyncProcessingStatus{OriginalMessageID: msgID, StatusCategory: message.StatusUnderProcessing, StatusDetails: "в работе"}
	respMeta := metadata()
	respMeta.MessageType = message.MessageTypeResponse
	return []struct {
		name string
		body any
		fill func() any
	}{
		{"SendRequestRequest", &message.SendRequestRequest{
			SenderProvidedRequestData: requestData(),
			AttachmentContentList: &message.AttachmentContentList{AttachmentContent: []message.AttachmentContent{
				{ID: "att1", Content: message.AttachmentData{Inline: []byte("%PDF-1.7 ...")}},
				{ID: "att2", Content: message.AttachmentData{Include: "cid:att2@okno"}},
			}},
			CallerInformationSystemSignature: &message.Signature{XML: []byte(dsSignature)},
		}, func() any { return &message.SendRequestRequest{} }},
		{"SendRequestResponse", &message.SendRequestResponse{MessageMetadata: metadata(), SMEVSignature: &message.Signature{XML: []byte(dsSignature)}},
			func() any { return &message.SendRequestResponse{} }},
		{"SendResponseRequest/content", &message.SendResponseRequest{SenderProvidedResponseData: content,
			AttachmentContentList:            &message.AttachmentContentList{AttachmentContent: []message.AttachmentContent{{ID: "r1", Content: message.AttachmentData{Inline: []byte{0, 1, 2, 255}}}}},
			CallerInformationSystemSignature: &message.Signature{XML: []byte(dsSignature)}},
			func() any { return &message.SendResponseRequest{} }},
		{"SendResponseRequest/rejected", &message.SendResponseRequest{SenderProvidedResponseData: rejected},
			func() any { return &message.SendResponseRequest{} }},
		{"SendResponseRequest/status", &message.SendResponseRequest{SenderProvidedResponseData: responseData()},
			func() any { return &message.SendResponseRequest{} }},
		{"SendResponseRequest/async", &message.SendResponseRequest{SenderProvidedResponseData: async},
			func() any { return &message.SendResponseRequest{} }},
		{"SendResponseResponse", &message.SendResponseResponse{MessageMetadata: metadata()},
			func() any { return &message.SendResponseResponse{} }},
		{"GetRequestRequest/any", &message.GetRequestRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", Timestamp: at("2026-11-23T06:00:00.5Z")},
			CallerInformationSystemSignature: &message.Signature{XML: []byte(dsSignature)}},
			func() any { return &message.GetRequestRequest{} }},
		{"GetRequestRequest/typed", &message.GetRequestRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", NamespaceURI: formNS, RootElementLocalName: "FormData", Timestamp: at("2026-11-23T06:00:00Z"), NodeID: "n1"}},
			func() any { return &message.GetRequestRequest{} }},
		{"GetRequestResponse/empty", &message.GetRequestResponse{}, func() any { return &message.GetRequestResponse{} }},
		{"GetRequestResponse/request", &message.GetRequestResponse{RequestMessage: &message.RequestMessage{
			Request: message.Request{ID: "SIGNED_BY_SMEV", SenderProvidedRequestData: requestData(), MessageMetadata: metadata(),
				FSAttachmentsList:                &message.FSAttachmentsList{FSAttachment: []message.FSAttachment{{UUID: "5b1c2d4e-0000-1000-8000-000000000001", UserName: "u", Password: "p", FileName: "scan.pdf"}}},
				ReplyTo:                          "reply-to-opaque",
				SenderInformationSystemSignature: &message.Signature{XML: []byte(dsSignature)}},
			AttachmentContentList: &message.AttachmentContentList{AttachmentContent: []message.AttachmentContent{{ID: "att1", Content: message.AttachmentData{Inline: []byte("x")}}}},
			SMEVSignature:         &message.Signature{XML: []byte(dsSignature)},
		}}, func() any { return &message.GetRequestResponse{} }},
		{"GetResponseRequest", &message.GetResponseRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", Timestamp: at("2026-11-23T06:00:00Z")}},
			func() any { return &message.GetResponseRequest{} }},
		{"GetResponseResponse/response", &message.GetResponseResponse{ResponseMessage: &message.ResponseMessage{
			Response: message.Response{ID: "SIGNED_BY_SMEV", OriginalMessageID: msgID, OriginalTransactionCode: "tx-1", ReferenceMessageID: msgID,
				SenderProvidedResponseData: rejected, MessageMetadata: respMeta},
			SMEVSignature: &message.Signature{XML: []byte(dsSignature)},
		}}, func() any { return &message.GetResponseResponse{} }},
		{"GetResponseResponse/empty", &message.GetResponseResponse{}, func() any { return &message.GetResponseResponse{} }},
		{"AckRequest", &message.AckRequest{AckTargetMessage: message.AckTargetMessage{ID: "SIGNED_BY_CALLER", Accepted: ptr(true), MessageID: smevID},
			CallerInformationSystemSignature: &message.Signature{XML: []byte(dsSignature)}},
			func() any { return &message.AckRequest{} }},
		{"AckResponse", &message.AckResponse{}, func() any { return &message.AckResponse{} }},
		{"GetStatusRequest", &message.GetStatusRequest{Timestamp: message.Timestamp{ID: "SIGNED_BY_CALLER", Value: at("2026-11-23T06:00:00Z")},
			CallerInformationSystemSignature: message.Signature{XML: []byte(dsSignature)}},
			func() any { return &message.GetStatusRequest{} }},
		{"GetStatusResponse", &message.GetStatusResponse{SmevAsyncProcessingMessage: &message.SmevAsyncProcessingMessage{
			AsyncProcessingStatusData: message.AsyncProcessingStatusData{ID: "SIGNED_BY_SMEV", AsyncProcessingStatus: message.AsyncProcessingStatus{
				OriginalMessageID: msgID, StatusCategory: message.StatusRequestIsRejectedBySmev, SmevFault: &message.SmevFault{Code: "E1", Description: "отклонено"}}},
			SMEVSignature: &message.Signature{XML: []byte(dsSignature)},
		}}, func() any { return &message.GetStatusResponse{} }},
	}
}

func TestRoundTripValidatesAgainstSchema(t *testing.T) {
	for _, tc := range bodies() {
		t.Run(tc.name, func(t *testing.T) {
			env, err := message.Marshal(tc.body)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			body := schematest.InlineXOP(t, schematest.BodyOf(t, env), map[string][]byte{"att2@okno": []byte("jpeg")})
			if err := schematest.Validate(t, body, schematest.TypesXSD); err != nil {
				t.Fatalf("body does not validate: %v\n%s", err, env)
			}
			got := tc.fill()
			if err := message.Unmarshal(env, message.DefaultLimits(), got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			again, err := message.Marshal(got)
			if err != nil {
				t.Fatalf("Marshal decoded: %v", err)
			}
			if !bytes.Equal(env, again) {
				t.Fatalf("round trip changed the envelope:\nfirst:  %s\nsecond: %s", env, again)
			}
		})
	}
}

func TestDecodedValuesMatch(t *testing.T) {
	want := &message.GetRequestResponse{RequestMessage: &message.RequestMessage{
		Request: message.Request{ID: "SIGNED_BY_SMEV", SenderProvidedRequestData: requestData(), MessageMetadata: metadata(), ReplyTo: "r"},
	}}
	env, err := message.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got message.GetRequestResponse
	if err := message.Unmarshal(env, message.DefaultLimits(), &got); err != nil {
		t.Fatal(err)
	}
	req := got.RequestMessage.Request
	if req.MessageMetadata.MessageID != smevID || !req.MessageMetadata.SendingTimestamp.Equal(at("2026-11-23T05:56:33.123+03:00")) {
		t.Errorf("metadata = %+v", req.MessageMetadata)
	}
	spd := req.SenderProvidedRequestData
	if spd.MessageID != msgID || spd.ID != "SIGNED_BY_CALLER" || spd.TestMessage == nil || !spd.EOL.Equal(at("2026-12-01T00:00:00Z")) {
		t.Errorf("request data = %+v", spd)
	}
	if string(spd.MessagePrimaryContent.XML) != formContent {
		t.Errorf("content = %s", spd.MessagePrimaryContent.XML)
	}
	if got := spd.RefAttachmentHeaderList.RefAttachmentHeader[0].SignaturePKCS7; !reflect.DeepEqual([]byte(got), []byte{1, 2, 3}) {
		t.Errorf("SignaturePKCS7 = %v", got)
	}
	if string(spd.PersonalSignature.XML) != dsSignature {
		t.Errorf("personal signature = %s", spd.PersonalSignature.XML)
	}
}

// A Java stack declares prefixes on the envelope; the content must come out
// self-contained all the same.
func TestUnmarshalKeepsContentSelfContained(t *testing.T) {
	env := `<?xml version="1.0" encoding="UTF-8"?>
<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns2="` + message.NSTypes + `" xmlns:ns3="` + message.NSBasic + `" xmlns:q="urn:form" xmlns:x="urn:x">
 <S:Body>
  <ns2:GetRequestResponse>
   <ns2:RequestMessage>
    <ns2:Request Id="SIGNED_BY_SMEV">
     <ns2:SenderProvidedRequestData Id="SIGNED_BY_CALLER">
      <ns2:MessageID>` + msgID + `</ns2:MessageID>
      <ns3:MessagePrimaryContent>
       <q:FormData x:flag="1" plain="a&quot;b"><!-- dropped --><q:Child xml:lang="ru">t&lt;1</q:Child><Bare/></q:FormData>
      </ns3:MessagePrimaryContent>
     </ns2:SenderProvidedRequestData>
     <ns2:MessageMetadata><ns2:MessageId>` + smevID + `</ns2:MessageId><ns2:MessageType>REQUEST</ns2:MessageType><ns2:SendingTimestamp>2026-11-23T05:00:00Z</ns2:SendingTimestamp></ns2:MessageMetadata>
     <ns2:ReplyTo>back</ns2:ReplyTo>
    </ns2:Request>
   </ns2:RequestMessage>
  </ns2:GetRequestResponse>
 </S:Body>
</S:Envelope>`
	var got message.GetRequestResponse
	if err := message.Unmarshal([]byte(env), message.DefaultLimits(), &got); err != nil {
		t.Fatal(err)
	}
	want := `<FormData xmlns="urn:form" xmlns:a1="urn:x" a1:flag="1" plain="a&quot;b"><Child xml:lang="ru">t&lt;1</Child><Bare xmlns=""></Bare></FormData>`
	if c := string(got.RequestMessage.Request.SenderProvidedRequestData.MessagePrimaryContent.XML); c != want {
		t.Errorf("content\n got: %s\nwant: %s", c, want)
	}
	if got.RequestMessage.Request.ReplyTo != "back" {
		t.Errorf("ReplyTo = %q", got.RequestMessage.Request.ReplyTo)
	}
}

func TestUnmarshalRejectsHostileInput(t *testing.T) {
	ok := string(mustMarshal(t, &message.AckResponse{}))
	tests := []struct {
		name  string
		doc   string
		limit message.Limits
		want  error
	}{
		{"doctype", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>` + ok[len(`<?xml version="1.0" encoding="UTF-8"?>`):], message.DefaultLimits(), message.ErrDirective},
		{"undeclared entity", strings.Replace(ok, "<soap:Header>", "<soap:Header>&e;", 1), message.DefaultLimits(), message.ErrNotXML},
		{"not xml", "HTTP 502 Bad Gateway", message.DefaultLimits(), message.ErrNotXML},
		{"truncated", ok[:len(ok)-10], message.DefaultLimits(), message.ErrNotXML},
		{"two roots", ok + "<x/>", message.DefaultLimits(), message.ErrNotXML},
		{"oversize", ok, message.Limits{MaxBytes: 100, MaxDepth: 64}, message.ErrTooLarge},
		{"too deep", ok, message.Limits{MaxBytes: 1 << 20, MaxDepth: 2}, message.ErrTooDeep},
		{"empty body", `<soap:Envelope xmlns:soap="` + message.NSSOAP + `"><soap:Body></soap:Body></soap:Envelope>`, message.DefaultLimits(), message.ErrNoBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got message.AckResponse
			err := message.Unmarshal([]byte(tc.doc), tc.limit, &got)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestUnmarshalRejectsWrongShape(t *testing.T) {
	tests := []struct{ name, body string }{
		{"other operation", `<AckResponse xmlns="` + message.NSTypes + `"/>`},
		{"wrong namespace", `<GetRequestResponse xmlns="urn:other"/>`},
		{"content without namespace", `<GetRequestResponse xmlns="` + message.NSTypes + `"><RequestMessage><Request><SenderProvidedRequestData><MessageID>` + msgID + `</MessageID><MessagePrimaryContent xmlns="` + message.NSBasic + `"><x xmlns=""/></MessagePrimaryContent></SenderProvidedRequestData></Request></RequestMessage></GetRequestResponse>`},
		{"two content elements", `<GetRequestResponse xmlns="` + message.NSTypes + `"><RequestMessage><Request><SenderProvidedRequestData><MessageID>` + msgID + `</MessageID><MessagePrimaryContent xmlns="` + message.NSBasic + `"><a xmlns="urn:a"/><b xmlns="urn:a"/></MessagePrimaryContent></SenderProvidedRequestData></Request></RequestMessage></GetRequestResponse>`},
		{"bad base64", `<GetRequestResponse xmlns="` + message.NSTypes + `"><RequestMessage><Request/><AttachmentContentList xmlns="` + message.NSBasic + `"><AttachmentContent><Id>a</Id><Content>!!!</Content></AttachmentContent></AttachmentContentList></RequestMessage></GetRequestResponse>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got message.GetRequestResponse
			if err := message.Unmarshal(message.Envelope([]byte(tc.body)), message.DefaultLimits(), &got); err == nil {
				t.Fatalf("Unmarshal accepted %s", tc.body)
			}
		})
	}
}

func TestResponseDataValidate(t *testing.T) {
	status := responseData()
	both := responseData()
	both.RequestRejected = []message.RequestRejected{{RejectionReasonCode: message.RejectNoData}}
	none := responseData()
	none.RequestStatus = nil
	sigOnly := responseData()
	sigOnly.PersonalSignature = &message.Signature{XML: []byte(dsSignature)}
	tests := []struct {
		name string
		data message.SenderProvidedResponseData
		ok   bool
	}{
		{"status", status, true},
		{"status and rejection", both, false},
		{"nothing", none, false},
		{"signature without content", sigOnly, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.data.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestSOAPAction(t *testing.T) {
	for _, op := range []message.Operation{message.OpSendRequest, message.OpSendResponse, message.OpGetRequest, message.OpGetResponse, message.OpAck, message.OpGetStatus} {
		action := op.SOAPAction()
		if action != `"urn:`+string(op)+`"` {
			t.Errorf("%s.SOAPAction() = %s", op, action)
		}
		for _, in := range []string{action, strings.Trim(action, `"`)} {
			if got, err := message.OperationFromSOAPAction(in); err != nil || got != op {
				t.Errorf("OperationFromSOAPAction(%s) = %s, %v", in, got, err)
			}
		}
	}
	if _, err := message.OperationFromSOAPAction("urn:Cancel"); err == nil {
		t.Error("OperationFromSOAPAction accepted urn:Cancel")
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := message.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
