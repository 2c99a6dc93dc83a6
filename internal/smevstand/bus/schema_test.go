package bus_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/testenv"
)

// schemaDir is the official SMEV 1.3 schemas' directory (testenv.NeedSchemas:
// $OKNO_SMEV_XSD_DIR or ../shared/smev3/xsd beside the repository).
func schemaDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.NeedSchemas(t), "1.3")
}

func validate(t *testing.T, dir, schema, what string, envelope []byte) {
	t.Helper()
	const open, end = "<soap:Body>", "</soap:Body>"
	i, j := bytes.Index(envelope, []byte(open)), bytes.LastIndex(envelope, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s: no soap:Body in %.300s", what, envelope)
	}
	body := envelope[i+len(open) : j]
	if schema == "smev-message-exchange-faults-1.3.xsd" {
		// Validate the fault element inside <detail>.
		k, l := bytes.Index(body, []byte("<detail>")), bytes.LastIndex(body, []byte("</detail>"))
		body = body[k+len("<detail>") : l]
	}
	file := filepath.Join(t.TempDir(), "body.xml")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", filepath.Join(dir, schema), file).CombinedOutput()
	if err != nil {
		t.Errorf("%s is not valid against %s: %v\n%s\n%s", what, schema, err, out, body)
	}
}

// The stand's replies and faults are valid against the official schemas.
func TestRepliesAreSchemaValid(t *testing.T) {
	t.Parallel()
	dir := schemaDir(t)
	s := newStand(t, message.DefaultLimits())
	types := "smev-message-exchange-types-1.3.xsd"
	call := func(who *signing.Identity, op message.Operation, body any, id string, set func(*message.Signature), reply any) []byte {
		sign(t, who, body, id, set)
		env, err := message.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := s.postRaw(op, env, reply)
		var f *message.Fault
		if err != nil && !errors.As(err, &f) {
			t.Fatalf("%s: %v", op, err)
		}
		return raw
	}

	id := newMessageID(t)
	req := fnsRequest(t, id)
	req.SenderProvidedRequestData.AttachmentHeaderList = &message.AttachmentHeaderList{AttachmentHeader: []message.AttachmentHeader{{ContentID: "scan", MimeType: "application/pdf"}}}
	req.AttachmentContentList = &message.AttachmentContentList{AttachmentContent: []message.AttachmentContent{{ID: "scan", Content: message.AttachmentData{Inline: []byte("%PDF-1.4")}}}}
	validate(t, dir, types, "SendRequestResponse", call(s.minstroy, message.OpSendRequest, req, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { req.CallerInformationSystemSignature = sig }, &message.SendRequestResponse{}))

	sel := &message.GetRequestRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", Timestamp: time.Now()}}
	var got message.GetRequestResponse
	validate(t, dir, types, "GetRequestResponse", call(s.fns, message.OpGetRequest, sel, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { sel.CallerInformationSystemSignature = sig }, &got))
	if got.RequestMessage == nil {
		t.Fatal("no request delivered")
	}

	ack := &message.AckRequest{AckTargetMessage: message.AckTargetMessage{ID: "SIGNED_BY_CALLER", MessageID: id}}
	validate(t, dir, types, "AckResponse", call(s.fns, message.OpAck, ack, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { ack.CallerInformationSystemSignature = sig }, &message.AckResponse{}))

	resp := &message.SendResponseRequest{SenderProvidedResponseData: message.SenderProvidedResponseData{
		ID: "SIGNED_BY_CALLER", MessageID: newMessageID(t), To: got.RequestMessage.Request.ReplyTo,
		RequestRejected: []message.RequestRejected{{RejectionReasonCode: message.RejectNoData, RejectionReasonDescription: "Сведения не найдены"}},
	}}
	validate(t, dir, types, "SendResponseResponse", call(s.fns, message.OpSendResponse, resp, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { resp.CallerInformationSystemSignature = sig }, &message.SendResponseResponse{}))

	gsel := &message.GetResponseRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", Timestamp: time.Now()}}
	validate(t, dir, types, "GetResponseResponse", call(s.minstroy, message.OpGetResponse, gsel, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { gsel.CallerInformationSystemSignature = sig }, &message.GetResponseResponse{}))

	st := &message.GetStatusRequest{Timestamp: message.Timestamp{ID: "SIGNED_BY_CALLER", Value: time.Now()}}
	validate(t, dir, types, "GetStatusResponse", call(s.minstroy, message.OpGetStatus, st, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { st.CallerInformationSystemSignature = *sig }, &message.GetStatusResponse{}))

	dup := fnsRequest(t, id)
	validate(t, dir, "smev-message-exchange-faults-1.3.xsd", "MessageIsAlreadySent fault", call(s.minstroy, message.OpSendRequest, dup, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { dup.CallerInformationSystemSignature = sig }, &message.SendRequestResponse{}))
	bad := fnsRequest(t, newMessageID(t))
	validate(t, dir, "smev-message-exchange-faults-1.3.xsd", "SignatureVerificationFault", call(s.intruder, message.OpSendRequest, bad, "SIGNED_BY_CALLER",
		func(sig *message.Signature) { bad.CallerInformationSystemSignature = sig }, &message.SendRequestResponse{}))
}
