package bus

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Endpoint serves the SOAP 1.1 message exchange over HTTP.
type Endpoint struct {
	bus    *Bus
	limits message.Limits
	log    *slog.Logger
}

// NewEndpoint returns the HTTP endpoint of b; limits bound each envelope.
func NewEndpoint(b *Bus, limits message.Limits, log *slog.Logger) *Endpoint {
	return &Endpoint{bus: b, limits: limits, log: log}
}

// ServeHTTP answers one SOAP call: the reply envelope with 200, or a SOAP
// Fault with 500 as SOAP 1.1 over HTTP requires.
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "SMEV 3 endpoint: POST a SOAP 1.1 envelope", http.StatusMethodNotAllowed)
		return
	}
	op, reply, err := e.call(r)
	if err != nil {
		f := asFault(err)
		if f.Kind == message.FaultSMEVFailure && !errors.As(err, new(*message.Fault)) {
			e.log.Error("smev call failed", "op", op, "err", err)
		} else {
			e.log.Info("smev call refused", "op", op, "fault", f.Kind, "sub", f.SignatureCode, "reason", f.FaultString)
		}
		body, merr := message.MarshalFault(f)
		if merr != nil {
			e.log.Error("render fault", "err", merr)
			http.Error(w, "cannot render SOAP fault", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", message.ContentType)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(body)
		return
	}
	body, err := message.Marshal(reply)
	if err != nil {
		e.log.Error("render reply", "op", op, "err", err)
		http.Error(w, "cannot render SOAP reply", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", message.ContentType)
	_, _ = w.Write(body)
}

// call reads, authenticates and dispatches one call.
func (e *Endpoint) call(r *http.Request) (string, any, error) {
	envelope, parts, err := e.read(r)
	if err != nil {
		return "", nil, err
	}
	_, start, err := message.BodyElement(envelope, e.limits)
	if err != nil {
		return "", nil, envelopeFault(err)
	}
	if !hasHeader(envelope) {
		return "", nil, sigFault(message.SigPoorSOAPEnvelopeFormat, "the envelope has no soap:Header before soap:Body")
	}
	if start.Name.Space != message.NSTypes {
		return "", nil, contentFault("body element {%s}%s is not a SMEV 1.3 operation", start.Name.Space, start.Name.Local)
	}
	op := strings.TrimSuffix(start.Name.Local, "Request")
	if action := r.Header.Get("SOAPAction"); action != "" {
		if got, err := message.OperationFromSOAPAction(action); err != nil || string(got) != op {
			return op, nil, contentFault("SOAPAction %s does not match body element %s", action, start.Name.Local)
		}
	}
	ctx := r.Context()
	switch message.Operation(op) {
	case message.OpSendRequest:
		var req message.SendRequestRequest
		sys, err := e.decode(envelope, &req, func() (*message.Signature, string) {
			return req.CallerInformationSystemSignature, req.SenderProvidedRequestData.ID
		})
		if err != nil {
			return op, nil, err
		}
		reply, err := e.bus.SendRequest(ctx, Outgoing{Sender: sys.Mnemonic, Signature: req.CallerInformationSystemSignature, Parts: parts}, &req)
		return op, reply, err
	case message.OpSendResponse:
		var req message.SendResponseRequest
		sys, err := e.decode(envelope, &req, func() (*message.Signature, string) {
			return req.CallerInformationSystemSignature, req.SenderProvidedResponseData.ID
		})
		if err != nil {
			return op, nil, err
		}
		reply, err := e.bus.SendResponse(ctx, Outgoing{Sender: sys.Mnemonic, Signature: req.CallerInformationSystemSignature, Parts: parts}, &req)
		return op, reply, err
	case message.OpGetRequest:
		var req message.GetRequestRequest
		sys, err := e.decode(envelope, &req, func() (*message.Signature, string) {
			return req.CallerInformationSystemSignature, req.MessageTypeSelector.ID
		})
		if err != nil {
			return op, nil, err
		}
		reply, err := e.bus.GetRequest(ctx, sys.Mnemonic, req.MessageTypeSelector)
		return op, reply, err
	case message.OpGetResponse:
		var req message.GetResponseRequest
		sys, err := e.decode(envelope, &req, func() (*message.Signature, string) {
			return req.CallerInformationSystemSignature, req.MessageTypeSelector.ID
		})
		if err != nil {
			return op, nil, err
		}
		reply, err := e.bus.GetResponse(ctx, sys.Mnemonic, req.MessageTypeSelector)
		return op, reply, err
	case message.OpAck:
		var req message.AckRequest
		sys, err := e.decode(envelope, &req, func() (*message.Signature, string) {
			return req.CallerInformationSystemSignature, req.AckTargetMessage.ID
		})
		if err != nil {
			return op, nil, err
		}
		if err := e.bus.Ack(ctx, sys.Mnemonic, req.AckTargetMessage); err != nil {
			return op, nil, err
		}
		return op, &message.AckResponse{}, nil
	case message.OpGetStatus:
		var req message.GetStatusRequest
		sys, err := e.decode(envelope, &req, func() (*message.Signature, string) {
			return &req.CallerInformationSystemSignature, req.Timestamp.ID
		})
		if err != nil {
			return op, nil, err
		}
		reply, err := e.bus.GetStatus(ctx, sys.Mnemonic)
		return op, reply, err
	}
	return op, nil, contentFault("unknown operation %s", start.Name.Local)
}

// decode unmarshals the body into req and authenticates the caller by the
// signature and signed Id that signed() reads from the decoded req.
func (e *Endpoint) decode(envelope []byte, req any, signed func() (*message.Signature, string)) (*System, error) {
	if err := message.Unmarshal(envelope, e.limits, req); err != nil {
		return nil, envelopeFault(err)
	}
	sig, id := signed()
	return e.bus.checkCaller(envelope, sig, id)
}

// hasHeader reports whether the envelope's first child is soap:Header, as
// SMEV requires; the envelope is already known to be well-formed.
func hasHeader(envelope []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(envelope))
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				return t.Name.Space == message.NSSOAP && t.Name.Local == "Header"
			}
		case xml.EndElement:
			depth--
		}
	}
}

// envelopeFault maps decoding errors to the faults SMEV gives for them.
func envelopeFault(err error) error {
	var f *message.Fault
	switch {
	case errors.As(err, &f):
		return f
	case errors.Is(err, message.ErrTooLarge):
		return newFault(message.FaultInvalidContent, "%v", err)
	case errors.Is(err, message.ErrDirective), errors.Is(err, message.ErrNotXML), errors.Is(err, message.ErrNoBody):
		return sigFault(message.SigPoorSOAPEnvelopeFormat, "%v", err)
	case errors.Is(err, message.ErrTooDeep):
		return contentFault("%v", err)
	}
	return contentFault("%v", err)
}

// read returns the SOAP envelope and, for an MTOM (multipart/related)
// request, its other MIME parts by Content-ID.
func (e *Endpoint) read(r *http.Request) ([]byte, map[string][]byte, error) {
	limit := e.limits.MaxBytes + e.bus.maxAttach + 64<<10
	body := http.MaxBytesReader(nil, r.Body, limit)
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		data, err := e.limits.ReadLimited(body)
		if err != nil {
			return nil, nil, sizeFault(err, e.limits.MaxBytes)
		}
		return data, nil, nil
	}
	mr := multipart.NewReader(body, params["boundary"])
	start := strings.Trim(params["start"], "<>")
	var envelope []byte
	parts := map[string][]byte{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, sizeFault(err, limit)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, sizeFault(err, limit)
		}
		id := strings.Trim(p.Header.Get("Content-ID"), "<>")
		if envelope == nil && (start == "" || id == start) {
			if int64(len(data)) > e.limits.MaxBytes {
				return nil, nil, sizeFault(message.ErrTooLarge, e.limits.MaxBytes)
			}
			envelope = data
			continue
		}
		parts[id] = data
	}
	if envelope == nil {
		return nil, nil, sigFault(message.SigPoorSOAPEnvelopeFormat, "multipart request has no root part %q", start)
	}
	return bytes.Clone(envelope), parts, nil
}

func sizeFault(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.Is(err, message.ErrTooLarge) || errors.As(err, &tooBig) {
		f := newFault(message.FaultAttachmentSizeLimitExceeded, "request exceeds %d bytes", limit)
		// The stand stops reading at the limit, so the real size is only
		// known to be larger.
		f.PermittedTotalSize, f.RealTotalSize = limit, limit+1
		return f
	}
	return fmt.Errorf("read request: %w", err)
}
