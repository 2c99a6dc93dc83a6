package smevclient

import (
	"errors"
	"fmt"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Fault is a SOAP fault answered by SMEV; see message.Fault. Match a kind
// with errors.Is(err, &smevclient.Fault{Kind: message.FaultSMEVFailure}) or
// take the details with errors.As.
type Fault = message.Fault

// Errors about replies Okno cannot trust. None of them is retried: the
// message stays in SMEV's queue unacknowledged and comes back. For a
// delivery with a usable message id they come inside an
// *UnverifiedDeliveryError.
var (
	// ErrSignatureMissing: a reply lacks the SMEV signature while a Verifier is configured.
	ErrSignatureMissing = errors.New("smev: reply has no SMEV signature")
	// ErrSignatureTarget: the signature does not reference the element SMEV must sign.
	ErrSignatureTarget = errors.New("smev: signature references the wrong element")
	// ErrSignatureInvalid: the Verifier rejected the signature.
	ErrSignatureInvalid = errors.New("smev: signature is invalid")
	// ErrUnknownSigner: the signature is valid but its certificate is not a trusted SMEV certificate.
	ErrUnknownSigner = errors.New("smev: signature by an unknown certificate")
	// ErrWrongMessageID: a reply names another message than the one sent, or a malformed id.
	ErrWrongMessageID = errors.New("smev: reply carries a wrong message id")
	// ErrAttachmentMissing: a header names an attachment the message does not carry.
	ErrAttachmentMissing = errors.New("smev: attachment is missing")
	// ErrAttachmentHash: a downloaded file does not match the hash in its header.
	ErrAttachmentHash = errors.New("smev: attachment hash mismatch")
	// ErrBadReply: the reply is not a SOAP envelope of the expected shape.
	ErrBadReply = errors.New("smev: malformed reply")
)

// UnverifiedDeliveryError is a delivery taken from the queue that Okno
// cannot trust or use although its envelope decoded and names a message id:
// SMEV's signature over it fails, its attachments do not match their
// headers, or a response is not of a valid shape. The same bytes would fail
// again, so it is not retried; the message stays unacknowledged and comes
// back, and the caller may count it by MessageID and in the end acknowledge
// it accepted=false. Nothing in it is proven to come from the bus: the id
// and ReplyTo are what the message claims.
type UnverifiedDeliveryError struct {
	MessageID string
	ReplyTo   string
	// Envelope is the exact SOAP envelope as received.
	Envelope []byte
	// Err is why it is not trusted (ErrSignatureInvalid, ErrAttachmentMissing, ...).
	Err error
}

func (e *UnverifiedDeliveryError) Error() string {
	return fmt.Sprintf("smev: delivery %s cannot be trusted: %v", e.MessageID, e.Err)
}

func (e *UnverifiedDeliveryError) Unwrap() error { return e.Err }

// InputError reports a request the caller built wrongly; nothing was sent.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return fmt.Sprintf("smev: invalid %s: %s", e.Field, e.Reason) }

// TransportError is a failure to exchange an envelope with SMEV at all: a
// network error, a dropped connection, an HTTP status without a SOAP fault.
// These are retried.
type TransportError struct {
	Op     message.Operation
	Status int // HTTP status, 0 when no response arrived
	Err    error
}

func (e *TransportError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("smev %s: HTTP %d: %v", e.Op, e.Status, e.Err)
	}
	return fmt.Sprintf("smev %s: %v", e.Op, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// AttachmentError is a failure to read an attachment from the source the
// caller gave; the message is not retried, since the source would fail again.
type AttachmentError struct {
	Name string // file name or MTOM content id
	Err  error
}

func (e *AttachmentError) Error() string {
	return fmt.Sprintf("smev: attachment %s: %v", e.Name, e.Err)
}

func (e *AttachmentError) Unwrap() error { return e.Err }
