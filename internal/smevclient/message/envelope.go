package message

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Operation names a SMEV 3 operation; the SOAPAction header is "urn:" + name.
type Operation string

// The operations of the SMEV 3 message exchange service.
const (
	OpSendRequest  Operation = "SendRequest"
	OpSendResponse Operation = "SendResponse"
	OpGetRequest   Operation = "GetRequest"
	OpGetResponse  Operation = "GetResponse"
	OpAck          Operation = "Ack"
	OpGetStatus    Operation = "GetStatus"
)

// SOAPAction is the value of the SOAPAction HTTP header for op, quoted as
// SOAP 1.1 requires.
func (op Operation) SOAPAction() string { return `"urn:` + string(op) + `"` }

// OperationFromSOAPAction maps a SOAPAction header value (quoted or not) to
// an operation.
func OperationFromSOAPAction(action string) (Operation, error) {
	a := action
	if len(a) >= 2 && a[0] == '"' && a[len(a)-1] == '"' {
		a = a[1 : len(a)-1]
	}
	for _, op := range []Operation{OpSendRequest, OpSendResponse, OpGetRequest, OpGetResponse, OpAck, OpGetStatus} {
		if a == "urn:"+string(op) {
			return op, nil
		}
	}
	return "", fmt.Errorf("unknown SOAPAction %q", action)
}

// ContentType is the HTTP Content-Type of a plain SOAP 1.1 envelope.
const ContentType = `text/xml; charset=utf-8`

const (
	envelopeHead = `<?xml version="1.0" encoding="UTF-8"?>` +
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soap:Header></soap:Header><soap:Body>`
	envelopeTail = `</soap:Body></soap:Envelope>`
)

// Envelope wraps an already serialised body element in a SOAP 1.1 envelope.
// The header is always present: SMEV answers PoorSOAPEnvelopeFormat without it.
func Envelope(body []byte) []byte {
	out := make([]byte, 0, len(envelopeHead)+len(body)+len(envelopeTail))
	out = append(out, envelopeHead...)
	out = append(out, body...)
	return append(out, envelopeTail...)
}

// Marshal serialises v (one of the body types) and wraps it in an envelope.
func Marshal(v any) ([]byte, error) {
	body, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	return Envelope(body), nil
}

// ErrNoBody reports an envelope without a body element.
var ErrNoBody = errors.New("soap: envelope has no body element")

// BodyElement checks data under l and returns the name of the first element
// in the SOAP body, positioned decoder included, so the caller can decode it
// with the namespace declarations of the envelope still in scope.
func BodyElement(data []byte, l Limits) (*xml.Decoder, xml.StartElement, error) {
	if err := l.Check(data); err != nil {
		return nil, xml.StartElement{}, err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	inBody := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil, xml.StartElement{}, ErrNoBody
		}
		if err != nil {
			return nil, xml.StartElement{}, fmt.Errorf("%w: %w", ErrNotXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Space != NSSOAP || t.Name.Local != "Envelope" {
					return nil, xml.StartElement{}, fmt.Errorf("soap: root element is {%s}%s, want a SOAP 1.1 Envelope", t.Name.Space, t.Name.Local)
				}
			case depth == 2 && t.Name.Space == NSSOAP && t.Name.Local == "Body":
				inBody = true
			case depth == 2:
				if err := d.Skip(); err != nil {
					return nil, xml.StartElement{}, fmt.Errorf("%w: %w", ErrNotXML, err)
				}
				depth--
			case depth == 3 && inBody:
				return d, t, nil
			}
		case xml.EndElement:
			if inBody && depth == 2 {
				return nil, xml.StartElement{}, ErrNoBody
			}
			depth--
		}
	}
}

// Unmarshal decodes the body of the envelope data into v, whose XMLName
// fixes the expected element. A SOAP fault in the body comes back as *Fault.
func Unmarshal(data []byte, l Limits, v any) error {
	d, start, err := BodyElement(data, l)
	if err != nil {
		return err
	}
	if start.Name.Space == NSSOAP && start.Name.Local == "Fault" {
		f, err := decodeFault(d, start)
		if err != nil {
			return err
		}
		return f
	}
	if err := d.DecodeElement(v, &start); err != nil {
		return fmt.Errorf("decode {%s}%s: %w", start.Name.Space, start.Name.Local, err)
	}
	return nil
}
