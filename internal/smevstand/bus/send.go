package bus

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// Outgoing is a Send* call after authentication: who sends, their signature
// (kept to deliver as SenderInformationSystemSignature) and MTOM parts.
type Outgoing struct {
	Sender    string
	Signature *message.Signature
	Parts     map[string][]byte
}

// SendRequest accepts a request, routes it by its business type and queues
// it for the provider.
func (b *Bus) SendRequest(ctx context.Context, out Outgoing, req *message.SendRequestRequest) (*message.SendRequestResponse, error) {
	data := &req.SenderProvidedRequestData
	id, err := b.checkMessageID(data.MessageID)
	if err != nil {
		return nil, err
	}
	typ, err := contentType(&data.MessagePrimaryContent)
	if err != nil {
		return nil, err
	}
	route, ok := b.matrix.Route(typ)
	if !ok {
		f := newFault(message.FaultBusinessDataTypeIsNotSupported, "message type %s is not registered with the stand", typ)
		f.RootElementLocalName, f.RootElementNamespaceURI = typ.RootElement, typ.Namespace
		return nil, f
	}
	if !route.Allows(out.Sender) {
		return nil, newFault(message.FaultAccessDenied, "%s may not send %s to %s", out.Sender, typ, route.Provider)
	}
	attachments, err := b.inlineAttachments(data.AttachmentHeaderList, req.AttachmentContentList, out.Parts)
	if err != nil {
		return nil, err
	}
	files, err := b.refAttachments(ctx, data.RefAttachmentHeaderList)
	if err != nil {
		return nil, err
	}
	payload, err := xml.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("serialize request %s: %w", id, err)
	}
	now := b.now()
	m := &store.Message{
		ID: id, Kind: store.KindRequest, Sender: out.Sender, Recipient: route.Provider,
		Namespace: typ.Namespace, RootElement: typ.RootElement, TransactionCode: data.TransactionCode,
		ReplyTo: replyTo(id), Payload: payload, SenderSignature: sigBytes(out.Signature),
		FSAttachments: files, SentAt: now, Attachments: attachments, AttachmentBytes: size(attachments, files),
	}
	if data.ReferenceMessageID != "" {
		ref, err := uuid.Parse(data.ReferenceMessageID)
		if err != nil {
			return nil, newFault(message.FaultInvalidMessageIDFormat, "ReferenceMessageID %q is not a UUID", data.ReferenceMessageID)
		}
		m.ReferenceID = &ref
	}
	accepted := &store.StatusEvent{MessageID: id, Category: string(message.StatusRequestIsAcceptedBySmev), Details: "queued for " + route.Provider, CreatedAt: now}
	if err := b.enqueue(ctx, m, accepted); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return nil, newFault(message.FaultMessageIsAlreadySent, "message %s was accepted before", id)
		}
		return nil, err
	}
	resp := &message.SendRequestResponse{MessageMetadata: message.MessageMetadata{
		ID: SignedID, MessageID: id.String(), MessageType: message.MessageTypeRequest,
		Sender: b.party(out.Sender), SendingTimestamp: now, Recipient: b.party(route.Provider),
		Status: message.StatusRequestIsAcceptedBySmev,
	}}
	if err := b.sealed(resp, func(s *message.Signature) { resp.SMEVSignature = s }); err != nil {
		return nil, err
	}
	return resp, nil
}

// SendResponse accepts a provider's answer and queues it for the system
// that sent the request named by To.
func (b *Bus) SendResponse(ctx context.Context, out Outgoing, req *message.SendResponseRequest) (*message.SendResponseResponse, error) {
	data := &req.SenderProvidedResponseData
	id, err := b.checkMessageID(data.MessageID)
	if err != nil {
		return nil, err
	}
	if err := data.Validate(); err != nil {
		return nil, contentFault("%v", err)
	}
	requestID, ok := parseReplyTo(data.To)
	if !ok {
		return nil, newFault(message.FaultRecipientIsNotFound, "To %q is not a ReplyTo the stand issued", data.To)
	}
	request, err := b.store.Message(ctx, requestID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && request.Kind != store.KindRequest) {
		return nil, newFault(message.FaultRecipientIsNotFound, "To %q names no request", data.To)
	}
	if err != nil {
		return nil, err
	}
	if request.Recipient != out.Sender {
		return nil, newFault(message.FaultAccessDenied, "%s may not answer a request sent to %s", out.Sender, request.Recipient)
	}
	typ := MessageType{Namespace: request.Namespace, RootElement: request.RootElement}
	if data.MessagePrimaryContent != nil {
		if typ, err = contentType(data.MessagePrimaryContent); err != nil {
			return nil, err
		}
	}
	attachments, err := b.inlineAttachments(data.AttachmentHeaderList, req.AttachmentContentList, out.Parts)
	if err != nil {
		return nil, err
	}
	files, err := b.refAttachments(ctx, data.RefAttachmentHeaderList)
	if err != nil {
		return nil, err
	}
	payload, err := xml.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("serialize response %s: %w", id, err)
	}
	reference := request.ID
	if request.ReferenceID != nil {
		reference = *request.ReferenceID
	}
	now := b.now()
	m := &store.Message{
		ID: id, Kind: store.KindResponse, Sender: out.Sender, Recipient: request.Sender,
		Namespace: typ.Namespace, RootElement: typ.RootElement, RequestRoot: request.RootElement,
		ReferenceID: &reference, OriginalID: &request.ID, TransactionCode: request.TransactionCode,
		Payload: payload, SenderSignature: sigBytes(out.Signature), FSAttachments: files, SentAt: now, Attachments: attachments,
		AttachmentBytes: size(attachments, files),
	}
	accepted := &store.StatusEvent{MessageID: id, Category: string(message.StatusResponseIsAcceptedBySmev), Details: "queued for " + request.Sender, CreatedAt: now}
	if err := b.enqueue(ctx, m, accepted); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return nil, newFault(message.FaultMessageIsAlreadySent, "message %s was accepted before", id)
		}
		return nil, err
	}
	resp := &message.SendResponseResponse{MessageMetadata: message.MessageMetadata{
		ID: SignedID, MessageID: id.String(), MessageType: message.MessageTypeResponse,
		Sender: b.party(out.Sender), SendingTimestamp: now, Recipient: b.party(request.Sender),
		Status: message.StatusResponseIsAcceptedBySmev,
	}}
	if err := b.sealed(resp, func(s *message.Signature) { resp.SMEVSignature = s }); err != nil {
		return nil, err
	}
	return resp, nil
}

// replyTo is the opaque return address of a request. Its form is the
// stand's business (SMEV says so), so it is just the request id, encoded.
func replyTo(id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte("smevstand:" + id.String()))
}

func parseReplyTo(s string) (uuid.UUID, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < len("smevstand:") || string(raw[:len("smevstand:")]) != "smevstand:" {
		return uuid.UUID{}, false
	}
	id, err := uuid.Parse(string(raw[len("smevstand:"):]))
	return id, err == nil
}

func sigBytes(s *message.Signature) []byte {
	if s == nil {
		return nil
	}
	return s.XML
}

// size adds up a message's attachments, inline and stored.
func size(inline []store.Attachment, files []store.FSAttachment) int64 {
	var n int64
	for _, a := range inline {
		n += int64(len(a.Content))
	}
	for _, f := range files {
		n += f.Size
	}
	return n
}
