package message

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
)

// FaultKind is the local name of the fault element in the SMEV faults
// namespace that a SOAP fault carries in its detail.
type FaultKind string

// The faults of the SMEV 3 faults schema, version 1.3.
const (
	FaultBusinessDataTypeIsNotSupported   FaultKind = "BusinessDataTypeIsNotSupported"
	FaultInvalidContent                   FaultKind = "InvalidContent"
	FaultUnknownMessageType               FaultKind = "UnknownMessageType"
	FaultTransactionCodeInvalid           FaultKind = "TransactionCodeInvalid"
	FaultMessageIsAlreadySent             FaultKind = "MessageIsAlreadySent"
	FaultInvalidMessageIDFormat           FaultKind = "InvalidMessageIdFormat"
	FaultStaleMessageID                   FaultKind = "StaleMessageId"
	FaultAttachmentContentMiscoordination FaultKind = "AttachmentContentMiscoordination"
	FaultAttachmentSizeLimitExceeded      FaultKind = "AttachmentSizeLimitExceeded"
	FaultQuoteLimitExceeded               FaultKind = "QuoteLimitExceeded"
	FaultAccessDenied                     FaultKind = "AccessDenied"
	FaultPersonalAccessDenied             FaultKind = "PersonalAccessDenied"
	FaultSignatureVerification            FaultKind = "SignatureVerificationFault"
	FaultSMEVFailure                      FaultKind = "SMEVFailure"
	FaultIncorrectResponseContentType     FaultKind = "IncorrectResponseContentType"
	FaultRecipientIsNotFound              FaultKind = "RecipientIsNotFound"
	FaultSenderIsNotRegistered            FaultKind = "SenderIsNotRegistered"
	FaultRequestIsNotFound                FaultKind = "RequestIsNotFound"
	FaultTargetMessageIsNotFound          FaultKind = "TargetMessageIsNotFound"
	FaultDestinationOverflow              FaultKind = "DestinationOverflow"
	FaultEndOfLifeReached                 FaultKind = "EndOfLifeReached"
)

// faultShape says which children the schema gives each fault element.
type faultShape int

const (
	shapeVoid      faultShape = iota // basic:Void: no children at all
	shapeSmevFault                   // basic:SmevFault: Code?, Description?
	shapeExtended                    // SmevFault plus fault-specific children
)

// faultShapes is the constant table of known faults and their schema types.
var faultShapes = map[FaultKind]faultShape{
	FaultBusinessDataTypeIsNotSupported:   shapeExtended,
	FaultInvalidContent:                   shapeExtended,
	FaultUnknownMessageType:               shapeVoid,
	FaultTransactionCodeInvalid:           shapeSmevFault,
	FaultMessageIsAlreadySent:             shapeVoid,
	FaultInvalidMessageIDFormat:           shapeVoid,
	FaultStaleMessageID:                   shapeVoid,
	FaultAttachmentContentMiscoordination: shapeVoid,
	FaultAttachmentSizeLimitExceeded:      shapeExtended,
	FaultQuoteLimitExceeded:               shapeExtended,
	FaultAccessDenied:                     shapeVoid,
	FaultPersonalAccessDenied:             shapeSmevFault,
	FaultSignatureVerification:            shapeExtended,
	FaultSMEVFailure:                      shapeVoid,
	FaultIncorrectResponseContentType:     shapeVoid,
	FaultRecipientIsNotFound:              shapeVoid,
	FaultSenderIsNotRegistered:            shapeVoid,
	FaultRequestIsNotFound:                shapeVoid,
	FaultTargetMessageIsNotFound:          shapeVoid,
	FaultDestinationOverflow:              shapeExtended,
	FaultEndOfLifeReached:                 shapeSmevFault,
}

// Known reports whether k is a fault of the 1.3 faults schema.
func (k FaultKind) Known() bool {
	_, ok := faultShapes[k]
	return ok
}

// SignatureFaultCode is the sub-code of SignatureVerificationFault.
type SignatureFaultCode string

// The sub-codes of SignatureVerificationFault.
const (
	SigPoorSOAPEnvelopeFormat   SignatureFaultCode = "PoorSOAPEnvelopeFormat"
	SigNoSignatureFound         SignatureFaultCode = "NoSignatureFound"
	SigIncorrectSignatureTarget SignatureFaultCode = "IncorrectSignatureTarget"
	SigSignatureIsInvalid       SignatureFaultCode = "SignatureIsInvalid"
	SigCertificateIsNotFound    SignatureFaultCode = "CertificateIsNotFound"
	SigCertificateIsExpired     SignatureFaultCode = "CertificateIsExpired"
)

// ValidationError is one schema violation reported by InvalidContent.
type ValidationError struct {
	Position int    `xml:"errorPosition,attr"`
	Message  string `xml:",chardata"`
}

// Fault is a SOAP fault from SMEV. Kind is empty when the detail holds no
// element of the SMEV faults namespace (a bare server error).
//
// It is an error: errors.As(err, &f) extracts it, and errors.Is(err,
// &Fault{Kind: FaultSMEVFailure}) matches by kind (and by SignatureCode when
// the target sets it).
type Fault struct {
	// FaultCode and FaultString are the SOAP 1.1 faultcode and faultstring.
	FaultCode   string
	FaultString string
	Kind        FaultKind
	// Code and Description come from basic:SmevFault, when the kind has them.
	Code        string
	Description string

	SignatureCode           SignatureFaultCode // SignatureVerificationFault
	RootElementLocalName    string             // BusinessDataTypeIsNotSupported
	RootElementNamespaceURI string             // BusinessDataTypeIsNotSupported
	ValidationErrors        []ValidationError  // InvalidContent
	PermittedTotalSize      int64              // AttachmentSizeLimitExceeded
	RemainedQuoteSize       int64              // QuoteLimitExceeded
	RealTotalSize           int64              // AttachmentSizeLimitExceeded, QuoteLimitExceeded
	MessageBrokerAddress    string             // DestinationOverflow
	DestinationName         string             // DestinationOverflow
}

// Error describes the fault for logs.
func (f *Fault) Error() string {
	kind := string(f.Kind)
	if kind == "" {
		kind = "unrecognised fault"
	}
	msg := "smev fault " + kind
	if f.SignatureCode != "" {
		msg += "/" + string(f.SignatureCode)
	}
	if f.FaultString != "" {
		msg += ": " + f.FaultString
	}
	if f.Description != "" && f.Description != f.FaultString {
		msg += ": " + f.Description
	}
	return msg
}

// Is matches another *Fault by Kind, and by SignatureCode when the target has one.
func (f *Fault) Is(target error) bool {
	t, ok := target.(*Fault)
	if !ok {
		return false
	}
	if t.Kind != f.Kind {
		return false
	}
	return t.SignatureCode == "" || t.SignatureCode == f.SignatureCode
}

// Retryable reports whether SMEV tells the client to try the same message
// again later: an infrastructure failure or a full recipient queue.
func (f *Fault) Retryable() bool {
	switch f.Kind {
	case FaultSMEVFailure, FaultDestinationOverflow:
		return true
	}
	return false
}

type faultDetail struct {
	XMLName                      xml.Name
	Code                         string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Code"`
	Description                  string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3 Description"`
	RootElementLocalName         string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 RootElementLocalName"`
	RootElementNamespaceURI      string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 RootElementNamespaceURI"`
	ValidationError              []ValidationError `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 ValidationError"`
	PermittedTotalAttachmentSize int64             `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 PermittedTotalAttachmentSize"`
	RemainedTotalQuoteSize       int64             `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 RemainedTotalQuoteSize"`
	RealTotalAttachmentSize      int64             `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 RealTotalAttachmentSize"`
	SignatureVerificationFault   string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 SignatureVerificationFault"`
	MessageBrokerAddress         string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 MessageBrokerAddress"`
	DestinationName              string            `xml:"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3 DestinationName"`
}

// decodeFault reads a soap:Fault opened by start. The detail is decoded in
// the same decoder pass so prefixes declared on the envelope stay in scope.
func decodeFault(d *xml.Decoder, start xml.StartElement) (*Fault, error) {
	f := &Fault{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("decode soap fault: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "faultcode":
				if err := d.DecodeElement(&f.FaultCode, &t); err != nil {
					return nil, fmt.Errorf("decode faultcode: %w", err)
				}
			case "faultstring":
				if err := d.DecodeElement(&f.FaultString, &t); err != nil {
					return nil, fmt.Errorf("decode faultstring: %w", err)
				}
			case "detail":
				if err := decodeDetail(d, f); err != nil {
					return nil, err
				}
			default:
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("decode soap fault: %w", err)
				}
			}
		case xml.EndElement:
			if t.Name == start.Name {
				return f, nil
			}
		}
	}
}

func decodeDetail(d *xml.Decoder, f *Fault) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("decode fault detail: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != NSFaults || f.Kind != "" {
				if err := d.Skip(); err != nil {
					return fmt.Errorf("decode fault detail: %w", err)
				}
				continue
			}
			var det faultDetail
			if err := d.DecodeElement(&det, &t); err != nil {
				return fmt.Errorf("decode fault %s: %w", t.Name.Local, err)
			}
			f.Kind = FaultKind(t.Name.Local)
			f.Code, f.Description = det.Code, det.Description
			f.SignatureCode = SignatureFaultCode(det.SignatureVerificationFault)
			f.RootElementLocalName, f.RootElementNamespaceURI = det.RootElementLocalName, det.RootElementNamespaceURI
			f.ValidationErrors = det.ValidationError
			f.PermittedTotalSize, f.RemainedQuoteSize, f.RealTotalSize = det.PermittedTotalAttachmentSize, det.RemainedTotalQuoteSize, det.RealTotalAttachmentSize
			f.MessageBrokerAddress, f.DestinationName = det.MessageBrokerAddress, det.DestinationName
		case xml.EndElement:
			return nil
		}
	}
}

// MarshalFault serialises f as a SOAP 1.1 envelope with the SMEV fault
// element in the detail, shaped as the faults schema wants it for f.Kind.
// FaultCode defaults to soap:Client, or soap:Server for retryable faults.
func MarshalFault(f *Fault) ([]byte, error) {
	shape, ok := faultShapes[f.Kind]
	if !ok {
		return nil, fmt.Errorf("marshal fault: unknown fault kind %q", f.Kind)
	}
	code := f.FaultCode
	if code == "" {
		code = "soap:Client"
		if f.Retryable() {
			code = "soap:Server"
		}
	}
	reason := f.FaultString
	if reason == "" {
		reason = string(f.Kind)
	}
	var b bytes.Buffer
	b.WriteString(`<soap:Fault xmlns:soap="` + NSSOAP + `"><faultcode>`)
	escapeText(&b, []byte(code))
	b.WriteString(`</faultcode><faultstring>`)
	escapeText(&b, []byte(reason))
	b.WriteString(`</faultstring><detail><f:` + string(f.Kind) + ` xmlns:f="` + NSFaults + `" xmlns:b="` + NSBasic + `">`)
	if shape != shapeVoid {
		if f.Code != "" {
			writeLeaf(&b, "b:Code", f.Code)
		}
		if f.Description != "" {
			writeLeaf(&b, "b:Description", f.Description)
		}
	}
	if shape == shapeExtended {
		switch f.Kind {
		case FaultBusinessDataTypeIsNotSupported:
			writeLeaf(&b, "f:RootElementLocalName", f.RootElementLocalName)
			writeLeaf(&b, "f:RootElementNamespaceURI", f.RootElementNamespaceURI)
		case FaultInvalidContent:
			if len(f.ValidationErrors) == 0 {
				return nil, fmt.Errorf("marshal fault: InvalidContent needs at least one validation error")
			}
			for _, ve := range f.ValidationErrors {
				b.WriteString(`<f:ValidationError errorPosition="` + strconv.Itoa(ve.Position) + `">`)
				escapeText(&b, []byte(ve.Message))
				b.WriteString(`</f:ValidationError>`)
			}
		case FaultAttachmentSizeLimitExceeded:
			writeLeaf(&b, "f:PermittedTotalAttachmentSize", strconv.FormatInt(f.PermittedTotalSize, 10))
			writeLeaf(&b, "f:RealTotalAttachmentSize", strconv.FormatInt(f.RealTotalSize, 10))
		case FaultQuoteLimitExceeded:
			writeLeaf(&b, "f:RemainedTotalQuoteSize", strconv.FormatInt(f.RemainedQuoteSize, 10))
			writeLeaf(&b, "f:RealTotalAttachmentSize", strconv.FormatInt(f.RealTotalSize, 10))
		case FaultSignatureVerification:
			if f.SignatureCode == "" {
				return nil, fmt.Errorf("marshal fault: SignatureVerificationFault needs a sub-code")
			}
			writeLeaf(&b, "f:SignatureVerificationFault", string(f.SignatureCode))
		case FaultDestinationOverflow:
			writeLeaf(&b, "f:MessageBrokerAddress", f.MessageBrokerAddress)
			writeLeaf(&b, "f:DestinationName", f.DestinationName)
		}
	}
	b.WriteString(`</f:` + string(f.Kind) + `></detail></soap:Fault>`)
	return Envelope(b.Bytes()), nil
}

func writeLeaf(b *bytes.Buffer, name, value string) {
	b.WriteString("<" + name + ">")
	escapeText(b, []byte(value))
	b.WriteString("</" + name + ">")
}
