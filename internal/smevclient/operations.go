package smevclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Request is a request Okno sends through SMEV (SendRequest): an
// interagency request, or an ElkOrderRequest with statuses for the portal.
type Request struct {
	// MessageID is assigned when empty; if set it must be a lowercase UUID v1.
	MessageID          string
	ReferenceMessageID string
	TransactionCode    string
	EOL                *time.Time
	// Content is the business document: one element in its own namespace.
	Content           []byte
	PersonalSignature []byte
	Attachments       []Attachment
	// Test marks the request as a test: the provider must not change data.
	Test bool
}

// Response answers a delivered request (SendResponse). Exactly one of
// Content, Rejected or Status is set.
type Response struct {
	// MessageID is assigned when empty; if set it must be a lowercase UUID v1.
	MessageID string
	// To is Delivery.ReplyTo of the request, copied verbatim.
	To                string
	Content           []byte
	PersonalSignature []byte
	Attachments       []Attachment
	Rejected          []message.RequestRejected
	Status            *message.RequestStatus
}

// Sent is the outcome of SendRequest or SendResponse.
type Sent struct {
	// MessageID is the id the message went out with; it differs from the
	// one asked for when SMEV declared that stale and a fresh one was used.
	MessageID string
	// Metadata is SMEV's record of the message; nil when AlreadySent.
	Metadata *message.MessageMetadata
	// AlreadySent is true when a retry learned that an earlier attempt
	// had arrived (MessageIsAlreadySent): the message is delivered.
	AlreadySent bool
	// Envelope is the exact SOAP envelope of the final attempt.
	Envelope []byte
}

// Selector picks which type of message GetRequest/GetResponse takes from the
// queue: the namespace and local name of the business root element. The
// zero Selector takes any type.
type Selector struct {
	NamespaceURI string
	RootElement  string
}

// Delivery is a message taken from the queue. It stays in SMEV until Ack:
// store it durably, then call Ack with MessageID.
type Delivery struct {
	// MessageID is //MessageMetadata/MessageId, the id to acknowledge.
	MessageID string
	Metadata  message.MessageMetadata
	// Request is set by GetRequest, Response by GetResponse.
	Request  *message.Request
	Response *message.Response
	// Content is the business document, nil for rejections and statuses.
	Content []byte
	// ReplyTo is where a response to this request goes (Response.To).
	ReplyTo     string
	Attachments []ReceivedAttachment
	// Envelope is the exact SOAP envelope as received.
	Envelope []byte
}

// SendRequest sends a request. Transport failures and SMEVFailure are
// retried with the same MessageID; MessageIsAlreadySent on a retry counts as
// delivered; StaleMessageId makes a fresh MessageID and resends.
func (c *Client) SendRequest(ctx context.Context, r Request) (Sent, error) {
	if err := checkContent("Request.Content", r.Content); err != nil {
		return Sent{}, err
	}
	id, err := c.messageID(r.MessageID, "Request.MessageID")
	if err != nil {
		return Sent{}, err
	}
	if r.ReferenceMessageID != "" && !validMessageID(r.ReferenceMessageID, false) {
		return Sent{}, &InputError{Field: "Request.ReferenceMessageID", Reason: "not a lowercase UUID"}
	}
	att, err := c.prepareAttachments(ctx, r.Attachments)
	if err != nil {
		return Sent{}, err
	}
	build := func(ctx context.Context, id string) ([]byte, error) {
		data := message.SenderProvidedRequestData{
			ID:                      signedID,
			MessageID:               id,
			ReferenceMessageID:      r.ReferenceMessageID,
			TransactionCode:         r.TransactionCode,
			NodeID:                  c.cfg.NodeID,
			EOL:                     r.EOL,
			MessagePrimaryContent:   message.MessagePrimaryContent{XML: r.Content},
			AttachmentHeaderList:    att.headers,
			RefAttachmentHeaderList: att.refs,
		}
		if r.PersonalSignature != nil {
			data.PersonalSignature = &message.Signature{XML: r.PersonalSignature}
		}
		if r.Test {
			data.TestMessage = &message.Void{}
		}
		sig, err := c.sign(ctx, &data)
		if err != nil {
			return nil, err
		}
		return xml.Marshal(&message.SendRequestRequest{SenderProvidedRequestData: data, AttachmentContentList: att.contents, CallerInformationSystemSignature: sig})
	}
	return c.send(ctx, message.OpSendRequest, id, att.parts, build, func(env []byte) (*message.MessageMetadata, *message.Signature, error) {
		var resp message.SendRequestResponse
		err := c.decode(message.OpSendRequest, env, &resp)
		return &resp.MessageMetadata, resp.SMEVSignature, err
	})
}

// SendResponse answers a delivered request, with the same retry rules as
// SendRequest.
func (c *Client) SendResponse(ctx context.Context, r Response) (Sent, error) {
	if r.To == "" {
		return Sent{}, &InputError{Field: "Response.To", Reason: "empty; copy Delivery.ReplyTo"}
	}
	if r.Content != nil {
		if err := checkContent("Response.Content", r.Content); err != nil {
			return Sent{}, err
		}
	}
	id, err := c.messageID(r.MessageID, "Response.MessageID")
	if err != nil {
		return Sent{}, err
	}
	if r.Content == nil && len(r.Attachments) > 0 {
		return Sent{}, &InputError{Field: "Response.Attachments", Reason: "attachments need Content"}
	}
	att, err := c.prepareAttachments(ctx, r.Attachments)
	if err != nil {
		return Sent{}, err
	}
	data := message.SenderProvidedResponseData{
		ID:                      signedID,
		To:                      r.To,
		AttachmentHeaderList:    att.headers,
		RefAttachmentHeaderList: att.refs,
		RequestRejected:         r.Rejected,
		RequestStatus:           r.Status,
	}
	if r.Content != nil {
		data.MessagePrimaryContent = &message.MessagePrimaryContent{XML: r.Content}
	}
	if r.PersonalSignature != nil {
		data.PersonalSignature = &message.Signature{XML: r.PersonalSignature}
	}
	if err := data.Validate(); err != nil {
		return Sent{}, &InputError{Field: "Response", Reason: err.Error()}
	}
	build := func(ctx context.Context, id string) ([]byte, error) {
		data.MessageID = id
		sig, err := c.sign(ctx, &data)
		if err != nil {
			return nil, err
		}
		return xml.Marshal(&message.SendResponseRequest{SenderProvidedResponseData: data, AttachmentContentList: att.contents, CallerInformationSystemSignature: sig})
	}
	return c.send(ctx, message.OpSendResponse, id, att.parts, build, func(env []byte) (*message.MessageMetadata, *message.Signature, error) {
		var resp message.SendResponseResponse
		err := c.decode(message.OpSendResponse, env, &resp)
		return &resp.MessageMetadata, resp.SMEVSignature, err
	})
}

// send runs the retry rules shared by SendRequest and SendResponse. build
// makes the signed body for a MessageID; parse reads the reply.
func (c *Client) send(ctx context.Context, op message.Operation, id string, parts []outPart,
	build func(context.Context, string) ([]byte, error),
	parse func([]byte) (*message.MessageMetadata, *message.Signature, error),
) (Sent, error) {
	var sent Sent
	var previousID string
	err := c.do(ctx, func(int) error {
		// MessageIsAlreadySent proves delivery only when an earlier attempt
		// carried the same id (not after a fresh id for StaleMessageId).
		retryOfSameID := previousID == id
		previousID = id
		body, err := build(ctx, id)
		if err != nil {
			return fmt.Errorf("smev %s: %w", op, err)
		}
		env := message.Envelope(body)
		sent = Sent{MessageID: id, Envelope: env}
		rep, err := c.roundTrip(ctx, exchange{op: op, id: id, envelope: env, parts: parts})
		if err == nil {
			var meta *message.MessageMetadata
			var sig *message.Signature
			meta, sig, err = parse(rep.envelope)
			if err == nil {
				return c.acceptSent(ctx, &sent, rep.envelope, meta, sig)
			}
		}
		switch {
		case retryOfSameID && errors.Is(err, &Fault{Kind: message.FaultMessageIsAlreadySent}):
			// An earlier attempt with this id reached SMEV; its reply was lost.
			sent.AlreadySent = true
			return nil
		case errors.Is(err, &Fault{Kind: message.FaultStaleMessageID}):
			fresh, genErr := newMessageID()
			if genErr != nil {
				return genErr
			}
			id = fresh
			return retryNow{err}
		}
		return err
	})
	return sent, err
}

func (c *Client) acceptSent(ctx context.Context, sent *Sent, env []byte, meta *message.MessageMetadata, sig *message.Signature) error {
	if meta.MessageID != "" && meta.MessageID != sent.MessageID {
		return fmt.Errorf("%w: sent %s, SMEV acknowledged %s", ErrWrongMessageID, sent.MessageID, meta.MessageID)
	}
	if err := c.verify(ctx, env, sig, meta.ID); err != nil {
		return err
	}
	sent.Metadata = meta
	return nil
}

// decode reads the reply body into v. A SOAP fault comes back as *Fault;
// anything else that is not the expected body is ErrBadReply.
func (c *Client) decode(op message.Operation, env []byte, v any) error {
	err := message.Unmarshal(env, c.cfg.Limits, v)
	var f *Fault
	if err == nil || errors.As(err, &f) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrBadReply, op, err)
}

// GetRequest takes the next request from the queue, nil when it is empty.
// Nothing is acknowledged: call Ack once the delivery is stored.
func (c *Client) GetRequest(ctx context.Context, sel Selector) (*Delivery, error) {
	return c.get(ctx, message.OpGetRequest, sel)
}

// GetResponse takes the next response from the queue, nil when it is empty.
func (c *Client) GetResponse(ctx context.Context, sel Selector) (*Delivery, error) {
	return c.get(ctx, message.OpGetResponse, sel)
}

func (c *Client) get(ctx context.Context, op message.Operation, sel Selector) (*Delivery, error) {
	if (sel.NamespaceURI == "") != (sel.RootElement == "") {
		return nil, &InputError{Field: "Selector", Reason: "set both NamespaceURI and RootElement, or neither"}
	}
	var d *Delivery
	err := c.do(ctx, func(int) error {
		selector := message.MessageTypeSelector{
			ID: signedID, NamespaceURI: sel.NamespaceURI, RootElementLocalName: sel.RootElement,
			Timestamp: time.Now().UTC(), NodeID: c.cfg.NodeID,
		}
		sig, err := c.sign(ctx, &selector)
		if err != nil {
			return fmt.Errorf("smev %s: %w", op, err)
		}
		var v any = &message.GetRequestRequest{MessageTypeSelector: selector, CallerInformationSystemSignature: sig}
		if op == message.OpGetResponse {
			v = &message.GetResponseRequest{MessageTypeSelector: selector, CallerInformationSystemSignature: sig}
		}
		body, err := xml.Marshal(v)
		if err != nil {
			return fmt.Errorf("smev %s: marshal: %w", op, err)
		}
		rep, err := c.roundTrip(ctx, exchange{op: op, envelope: message.Envelope(body)})
		if err != nil {
			return err
		}
		var got *Delivery
		if op == message.OpGetRequest {
			got, err = c.requestDelivery(ctx, rep)
		} else {
			got, err = c.responseDelivery(ctx, rep)
		}
		if err != nil {
			return err
		}
		d = got
		return nil
	})
	return d, err
}

func (c *Client) requestDelivery(ctx context.Context, rep *reply) (*Delivery, error) {
	var resp message.GetRequestResponse
	if err := c.decode(message.OpGetRequest, rep.envelope, &resp); err != nil {
		return nil, err
	}
	rm := resp.RequestMessage
	if rm == nil {
		return nil, nil
	}
	req := &rm.Request
	untrusted := func(err error) error {
		return unverified(req.MessageMetadata.MessageID, req.ReplyTo, rep.envelope, err)
	}
	if err := c.verify(ctx, rep.envelope, rm.SMEVSignature, req.ID); err != nil {
		return nil, untrusted(err)
	}
	spd := &req.SenderProvidedRequestData
	atts, err := receivedAttachments(spd.AttachmentHeaderList, spd.RefAttachmentHeaderList, rm.AttachmentContentList, req.FSAttachmentsList, rep.parts)
	if err != nil {
		return nil, untrusted(err)
	}
	d := &Delivery{
		MessageID: req.MessageMetadata.MessageID, Metadata: req.MessageMetadata, Request: req,
		Content: spd.MessagePrimaryContent.XML, ReplyTo: req.ReplyTo, Attachments: atts, Envelope: rep.envelope,
	}
	if err := checkDelivered(d); err != nil {
		return nil, err
	}
	return d, nil
}

func (c *Client) responseDelivery(ctx context.Context, rep *reply) (*Delivery, error) {
	var resp message.GetResponseResponse
	if err := c.decode(message.OpGetResponse, rep.envelope, &resp); err != nil {
		return nil, err
	}
	rm := resp.ResponseMessage
	if rm == nil {
		return nil, nil
	}
	r := &rm.Response
	untrusted := func(err error) error { return unverified(r.MessageMetadata.MessageID, "", rep.envelope, err) }
	if err := c.verify(ctx, rep.envelope, rm.SMEVSignature, r.ID); err != nil {
		return nil, untrusted(err)
	}
	spd := &r.SenderProvidedResponseData
	atts, err := receivedAttachments(spd.AttachmentHeaderList, spd.RefAttachmentHeaderList, rm.AttachmentContentList, r.FSAttachmentsList, rep.parts)
	if err != nil {
		return nil, untrusted(err)
	}
	d := &Delivery{MessageID: r.MessageMetadata.MessageID, Metadata: r.MessageMetadata, Response: r, Attachments: atts, Envelope: rep.envelope}
	if spd.MessagePrimaryContent != nil {
		d.Content = spd.MessagePrimaryContent.XML
	}
	if err := spd.Validate(); err != nil {
		return nil, untrusted(fmt.Errorf("%w: %w", ErrBadReply, err))
	}
	if err := checkDelivered(d); err != nil {
		return nil, err
	}
	return d, nil
}

// unverified wraps why a decoded delivery is not trusted with what the
// caller needs to count and acknowledge it; without a usable message id it
// could not be acknowledged, and err comes back as it is.
func unverified(messageID, replyTo string, envelope []byte, err error) error {
	if !validMessageID(messageID, false) {
		return err
	}
	return &UnverifiedDeliveryError{MessageID: messageID, ReplyTo: replyTo, Envelope: envelope, Err: err}
}

// checkDelivered refuses a delivery Okno could not acknowledge or answer.
func checkDelivered(d *Delivery) error {
	if !validMessageID(d.MessageID, false) {
		return fmt.Errorf("%w: MessageMetadata/MessageId %q is not a UUID", ErrWrongMessageID, d.MessageID)
	}
	return nil
}

// Ack confirms that a delivered message is stored; SMEV then drops it from
// the queue. accepted=false tells SMEV the message was rejected (its
// signature failed). TargetMessageIsNotFound on a retry means an earlier
// attempt went through.
func (c *Client) Ack(ctx context.Context, messageID string, accepted bool) error {
	if !validMessageID(messageID, false) {
		return &InputError{Field: "messageID", Reason: fmt.Sprintf("%q is not a lowercase UUID", messageID)}
	}
	return c.do(ctx, func(n int) error {
		target := message.AckTargetMessage{ID: signedID, Accepted: &accepted, MessageID: messageID}
		sig, err := c.sign(ctx, &target)
		if err != nil {
			return fmt.Errorf("smev Ack: %w", err)
		}
		body, err := xml.Marshal(&message.AckRequest{AckTargetMessage: target, CallerInformationSystemSignature: sig})
		if err != nil {
			return fmt.Errorf("smev Ack: marshal: %w", err)
		}
		rep, err := c.roundTrip(ctx, exchange{op: message.OpAck, id: messageID, envelope: message.Envelope(body)})
		if err == nil {
			var resp message.AckResponse
			err = c.decode(message.OpAck, rep.envelope, &resp)
		}
		if n > 1 && errors.Is(err, &Fault{Kind: message.FaultTargetMessageIsNotFound}) {
			return nil
		}
		return err
	})
}

// GetStatus takes the next processing status SMEV queued for this system,
// nil when there is none.
func (c *Client) GetStatus(ctx context.Context) (*message.AsyncProcessingStatus, error) {
	var status *message.AsyncProcessingStatus
	err := c.do(ctx, func(int) error {
		ts := message.Timestamp{ID: signedID, Value: time.Now().UTC()}
		sig, err := c.sign(ctx, &ts)
		if err != nil {
			return fmt.Errorf("smev GetStatus: %w", err)
		}
		body, err := xml.Marshal(&message.GetStatusRequest{Timestamp: ts, CallerInformationSystemSignature: *sig})
		if err != nil {
			return fmt.Errorf("smev GetStatus: marshal: %w", err)
		}
		rep, err := c.roundTrip(ctx, exchange{op: message.OpGetStatus, envelope: message.Envelope(body)})
		if err != nil {
			return err
		}
		var resp message.GetStatusResponse
		if err := c.decode(message.OpGetStatus, rep.envelope, &resp); err != nil {
			return err
		}
		m := resp.SmevAsyncProcessingMessage
		if m == nil {
			status = nil
			return nil
		}
		if err := c.verify(ctx, rep.envelope, m.SMEVSignature, m.AsyncProcessingStatusData.ID); err != nil {
			return err
		}
		status = &m.AsyncProcessingStatusData.AsyncProcessingStatus
		return nil
	})
	return status, err
}

func (c *Client) messageID(id, field string) (string, error) {
	if id == "" {
		return newMessageID()
	}
	if !validMessageID(id, true) {
		return "", &InputError{Field: field, Reason: fmt.Sprintf("%q is not a lowercase UUID version 1", id)}
	}
	return id, nil
}

// checkContent makes sure business content is one namespaced element and
// safe XML before it is put under a signature.
func checkContent(field string, content []byte) error {
	if len(bytes.TrimSpace(content)) == 0 {
		return &InputError{Field: field, Reason: "empty"}
	}
	if err := message.DefaultLimits().Check(content); err != nil {
		return &InputError{Field: field, Reason: err.Error()}
	}
	d := xml.NewDecoder(bytes.NewReader(content))
	for {
		tok, err := d.Token()
		if err != nil {
			return &InputError{Field: field, Reason: err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == "" {
				return &InputError{Field: field, Reason: "root element " + t.Name.Local + " has no namespace"}
			}
			return nil
		case xml.ProcInst:
			return &InputError{Field: field, Reason: "content must be an element without an XML declaration"}
		}
	}
}
