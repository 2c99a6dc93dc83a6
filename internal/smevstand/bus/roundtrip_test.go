package bus_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

func TestRequestResponseRoundTrip(t *testing.T) {
	t.Parallel()
	s := newStand(t, message.DefaultLimits())
	id := newMessageID(t)
	sent, err := s.sendRequest(s.minstroy, fnsRequest(t, id))
	if err != nil {
		t.Fatalf("SendRequest: %v", err)
	}
	if sent.MessageMetadata.MessageID != id || sent.MessageMetadata.Recipient.Mnemonic != "FNS" {
		t.Fatalf("SendRequest metadata = %+v", sent.MessageMetadata)
	}
	verifySMEV(t, s, sent, "SendRequestResponse")

	got, err := s.getRequest(s.fns, "", "")
	if err != nil {
		t.Fatalf("GetRequest: %v", err)
	}
	if got.RequestMessage == nil {
		t.Fatal("GetRequest: queue empty, want the request")
	}
	req := got.RequestMessage.Request
	if req.SenderProvidedRequestData.MessageID != id || req.MessageMetadata.Sender.Mnemonic != "MINSTROY" {
		t.Fatalf("delivered request = %+v", req.MessageMetadata)
	}
	if !bytes.Contains(req.SenderProvidedRequestData.MessagePrimaryContent.XML, []byte("1027700132195")) {
		t.Fatalf("delivered content lost the ОГРН: %s", req.SenderProvidedRequestData.MessagePrimaryContent.XML)
	}
	verifySMEV(t, s, got.RequestMessage, "Request")
	// The sender's ЭП-ОВ travels with the request and still verifies over
	// the delivered SenderProvidedRequestData.
	delivered, err := message.Marshal(got.RequestMessage)
	if err != nil {
		t.Fatal(err)
	}
	if err := (signing.Verifier{}).Verify(delivered, "SIGNED_BY_CALLER", s.minstroy.CertificateDER()); err != nil {
		t.Fatalf("sender signature after delivery: %v", err)
	}

	if err := s.ack(s.fns, id); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if n := s.queued("FNS", store.KindRequest); n != 0 {
		t.Fatalf("after Ack FNS queue holds %d", n)
	}

	respID := newMessageID(t)
	answer := &message.SendResponseRequest{SenderProvidedResponseData: message.SenderProvidedResponseData{
		ID: "SIGNED_BY_CALLER", MessageID: respID, To: req.ReplyTo,
		MessagePrimaryContent: &message.MessagePrimaryContent{XML: []byte(`<FNSVipULResponse xmlns="` + fnsNS + `"><СвЮЛ ОГРН="1027700132195"></СвЮЛ></FNSVipULResponse>`)},
	}}
	if _, err := s.sendResponse(s.fns, answer); err != nil {
		t.Fatalf("SendResponse: %v", err)
	}
	gotResp, err := s.getResponse(s.minstroy)
	if err != nil || gotResp.ResponseMessage == nil {
		t.Fatalf("GetResponse = %+v, %v", gotResp, err)
	}
	r := gotResp.ResponseMessage.Response
	if r.OriginalMessageID != id || r.SenderProvidedResponseData.MessageID != respID {
		t.Fatalf("response original %s / id %s, want %s / %s", r.OriginalMessageID, r.SenderProvidedResponseData.MessageID, id, respID)
	}
	if err := s.ack(s.minstroy, respID); err != nil {
		t.Fatalf("Ack response: %v", err)
	}

	// MINSTROY learns through GetStatus that its request was accepted and delivered.
	var categories []message.InteractionStatus
	for {
		st, err := s.getStatus(s.minstroy)
		if err != nil {
			t.Fatalf("GetStatus: %v", err)
		}
		if st.SmevAsyncProcessingMessage == nil {
			break
		}
		categories = append(categories, st.SmevAsyncProcessingMessage.AsyncProcessingStatusData.AsyncProcessingStatus.StatusCategory)
	}
	want := []message.InteractionStatus{message.StatusRequestIsAcceptedBySmev, message.StatusMessageIsDelivered}
	if len(categories) != len(want) || categories[0] != want[0] || categories[1] != want[1] {
		t.Fatalf("MINSTROY statuses = %v, want %v", categories, want)
	}
}

// verifySMEV checks the stand's SMEVSignature on a reply element.
func verifySMEV(t *testing.T, s *stand, v any, what string) {
	t.Helper()
	doc, err := message.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte("SMEVSignature")) {
		t.Fatalf("%s carries no SMEVSignature", what)
	}
	if err := (signing.Verifier{}).Verify(doc, bus.SignedID, s.smev.CertificateDER()); err != nil {
		t.Fatalf("SMEVSignature on %s: %v", what, err)
	}
}

func TestUnackedMessageIsDeliveredAgain(t *testing.T) {
	t.Parallel()
	s := newStand(t, message.DefaultLimits())
	id := newMessageID(t)
	if _, err := s.sendRequest(s.minstroy, fnsRequest(t, id)); err != nil {
		t.Fatal(err)
	}
	first, err := s.getRequest(s.fns, fnsNS, fnsRoot)
	if err != nil || first.RequestMessage == nil {
		t.Fatalf("first GetRequest = %v, %v", first, err)
	}
	hidden, err := s.getRequest(s.fns, fnsNS, fnsRoot)
	if err != nil || hidden.RequestMessage != nil {
		t.Fatalf("GetRequest within the redelivery timeout = %+v, %v; want empty", hidden.RequestMessage, err)
	}
	s.clock.Advance(time.Minute + time.Second)
	again, err := s.getRequest(s.fns, fnsNS, fnsRoot)
	if err != nil || again.RequestMessage == nil {
		t.Fatalf("GetRequest after the timeout = %v, %v; want the request again", again, err)
	}
	if got := again.RequestMessage.Request.MessageMetadata.MessageID; got != id {
		t.Fatalf("redelivered %s, want %s", got, id)
	}
	if err := s.ack(s.fns, id); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(2 * time.Minute)
	after, err := s.getRequest(s.fns, "", "")
	if err != nil || after.RequestMessage != nil {
		t.Fatalf("GetRequest after Ack = %+v, %v; want empty", after.RequestMessage, err)
	}
}

// A message fault injection marks forged is delivered with an SMEVSignature
// that does not verify, every time; the next message is signed as usual.
func TestForgedDeliveryFailsSMEVSignature(t *testing.T) {
	t.Parallel()
	forged, good := newMessageID(t), newMessageID(t)
	s := newStand(t, message.DefaultLimits(), func(c *bus.Config) {
		c.ForgeSignature = func(id string) bool { return id == forged }
	})
	for _, id := range []string{forged, good} {
		if _, err := s.sendRequest(s.minstroy, fnsRequest(t, id)); err != nil {
			t.Fatalf("SendRequest %s: %v", id, err)
		}
	}
	got, err := s.getRequest(s.fns, "", "")
	if err != nil || got.RequestMessage == nil || got.RequestMessage.Request.MessageMetadata.MessageID != forged {
		t.Fatalf("GetRequest = %+v, %v; want the forged message first", got, err)
	}
	doc, err := message.Marshal(got.RequestMessage)
	if err != nil {
		t.Fatal(err)
	}
	if err := (signing.Verifier{}).Verify(doc, bus.SignedID, s.smev.CertificateDER()); err == nil {
		t.Fatal("the forged delivery's SMEVSignature verifies")
	}
	if err := (signing.Verifier{}).Verify(doc, "SIGNED_BY_CALLER", s.minstroy.CertificateDER()); err != nil {
		t.Fatalf("the sender's own signature broke too: %v", err)
	}
	got, err = s.getRequest(s.fns, "", "")
	if err != nil || got.RequestMessage == nil || got.RequestMessage.Request.MessageMetadata.MessageID != good {
		t.Fatalf("GetRequest = %+v, %v; want the good message", got, err)
	}
	verifySMEV(t, s, got.RequestMessage, "Request")
}
