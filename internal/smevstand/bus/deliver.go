package bus

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

func selectorType(sel message.MessageTypeSelector) (MessageType, error) {
	t := MessageType{Namespace: sel.NamespaceURI, RootElement: sel.RootElementLocalName}
	if (t.Namespace == "") != (t.RootElement == "") {
		return t, contentFault("MessageTypeSelector needs both NamespaceURI and RootElementLocalName or neither")
	}
	return t, nil
}

// GetRequest delivers the oldest request waiting for caller, or nil.
func (b *Bus) GetRequest(ctx context.Context, caller string, sel message.MessageTypeSelector) (*message.GetRequestResponse, error) {
	t, err := selectorType(sel)
	if err != nil {
		return nil, err
	}
	if t.Namespace != "" {
		if r, ok := b.matrix.Route(t); !ok || r.Provider != caller {
			return nil, newFault(message.FaultUnknownMessageType, "%s provides no message type %s", caller, t)
		}
	}
	m, err := b.deliver(ctx, store.Selector{Recipient: caller, Kind: store.KindRequest, Namespace: t.Namespace, RootElement: t.RootElement})
	if err != nil || m == nil {
		return &message.GetRequestResponse{}, err
	}
	var data message.SenderProvidedRequestData
	if err := xml.Unmarshal(m.Payload, &data); err != nil {
		return nil, fmt.Errorf("decode stored request %s: %w", m.ID, err)
	}
	fs, err := b.fsList(ctx, m.FSAttachments, caller)
	if err != nil {
		return nil, err
	}
	rm := &message.RequestMessage{
		Request: message.Request{
			ID: SignedID, SenderProvidedRequestData: data, MessageMetadata: b.deliveredMetadata(m),
			FSAttachmentsList: fs, ReplyTo: m.ReplyTo, SenderInformationSystemSignature: storedSig(m.SenderSignature),
		},
		AttachmentContentList: contentList(m.Attachments),
	}
	if err := b.sealed(&rm.Request, func(s *message.Signature) { rm.SMEVSignature = s }); err != nil {
		return nil, err
	}
	b.forgeAfterSigning(m, &rm.Request.MessageMetadata)
	return &message.GetRequestResponse{RequestMessage: rm}, nil
}

// GetResponse delivers the oldest response waiting for caller, or nil.
func (b *Bus) GetResponse(ctx context.Context, caller string, sel message.MessageTypeSelector) (*message.GetResponseResponse, error) {
	t, err := selectorType(sel)
	if err != nil {
		return nil, err
	}
	if t.Namespace != "" && !b.matrix.KnownNamespace(t.Namespace) {
		return nil, newFault(message.FaultUnknownMessageType, "no message type is registered in namespace %s", t.Namespace)
	}
	m, err := b.deliver(ctx, store.Selector{Recipient: caller, Kind: store.KindResponse, Namespace: t.Namespace, RootElement: t.RootElement})
	if err != nil || m == nil {
		return &message.GetResponseResponse{}, err
	}
	var data message.SenderProvidedResponseData
	if err := xml.Unmarshal(m.Payload, &data); err != nil {
		return nil, fmt.Errorf("decode stored response %s: %w", m.ID, err)
	}
	fs, err := b.fsList(ctx, m.FSAttachments, caller)
	if err != nil {
		return nil, err
	}
	resp := message.Response{
		ID: SignedID, SenderProvidedResponseData: data, MessageMetadata: b.deliveredMetadata(m),
		OriginalTransactionCode: m.TransactionCode,
		FSAttachmentsList:       fs, SenderInformationSystemSignature: storedSig(m.SenderSignature),
	}
	if m.OriginalID != nil {
		resp.OriginalMessageID = m.OriginalID.String()
	}
	if m.ReferenceID != nil {
		resp.ReferenceMessageID = m.ReferenceID.String()
	}
	rm := &message.ResponseMessage{Response: resp, AttachmentContentList: contentList(m.Attachments)}
	if err := b.sealed(&rm.Response, func(s *message.Signature) { rm.SMEVSignature = s }); err != nil {
		return nil, err
	}
	b.forgeAfterSigning(m, &rm.Response.MessageMetadata)
	return &message.GetResponseResponse{ResponseMessage: rm}, nil
}

func (b *Bus) deliver(ctx context.Context, sel store.Selector) (*store.Message, error) {
	m, err := b.store.Deliver(ctx, sel, b.now(), b.redelivery)
	if err != nil || m == nil {
		return nil, err
	}
	if b.duplicate() {
		if err := b.store.MakeVisible(ctx, m.ID, b.now()); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// forgeAfterSigning changes a signed delivery that fault injection marks
// forged: it claims to have been sent a minute earlier than SMEV signed, so
// its SMEVSignature no longer verifies while everything else looks right.
func (b *Bus) forgeAfterSigning(m *store.Message, md *message.MessageMetadata) {
	if b.forge != nil && b.forge(m.ID.String()) {
		md.SendingTimestamp = md.SendingTimestamp.Add(-time.Minute)
	}
}

func (b *Bus) deliveredMetadata(m *store.Message) message.MessageMetadata {
	md := message.MessageMetadata{
		MessageID: m.ID.String(), MessageType: message.MessageType(m.Kind),
		Sender: b.party(m.Sender), SendingTimestamp: m.SentAt, Recipient: b.party(m.Recipient),
		DeliveryTimestamp: m.DeliveredAt, Status: message.StatusMessageIsDelivered,
	}
	return md
}

func storedSig(b []byte) *message.Signature {
	if len(b) == 0 {
		return nil
	}
	return &message.Signature{XML: b}
}

// Ack removes a delivered message from caller's queue and tells its sender
// it was received.
func (b *Bus) Ack(ctx context.Context, caller string, target message.AckTargetMessage) error {
	id, err := uuid.Parse(target.MessageID)
	if err != nil {
		return newFault(message.FaultTargetMessageIsNotFound, "AckTargetMessage %q is not a message id", target.MessageID)
	}
	accepted := target.Accepted == nil || *target.Accepted
	details := "acknowledged by " + caller
	if !accepted {
		details = caller + " rejected the SMEV signature and ignored the message"
	}
	_, err = b.store.Ack(ctx, caller, id, accepted, b.now(), func(m *store.Message) store.StatusEvent {
		return store.StatusEvent{MessageID: m.ID, Category: string(message.StatusMessageIsDelivered), Details: details, CreatedAt: b.now()}
	})
	if errors.Is(err, store.ErrNotFound) {
		return newFault(message.FaultTargetMessageIsNotFound, "%s has no delivered, unacknowledged message %s", caller, id)
	}
	return err
}

// GetStatus hands caller the oldest processing status of its messages, or nil.
func (b *Bus) GetStatus(ctx context.Context, caller string) (*message.GetStatusResponse, error) {
	e, err := b.store.TakeStatus(ctx, caller)
	if err != nil || e == nil {
		return &message.GetStatusResponse{}, err
	}
	am := &message.SmevAsyncProcessingMessage{AsyncProcessingStatusData: message.AsyncProcessingStatusData{
		ID: SignedID,
		AsyncProcessingStatus: message.AsyncProcessingStatus{
			OriginalMessageID: e.MessageID.String(), StatusCategory: message.InteractionStatus(e.Category), StatusDetails: e.Details,
		},
	}}
	resp := &message.GetStatusResponse{SmevAsyncProcessingMessage: am}
	if err := b.sealed(resp, func(s *message.Signature) { am.SMEVSignature = s }); err != nil {
		return nil, err
	}
	return resp, nil
}
