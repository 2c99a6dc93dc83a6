package portal

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// The withdrawal the portal sends when an applicant withdraws an
// application. SMEV 3 schema 1.3 has no Cancel element, so it is a request
// of its own type. UNCONFIRMED: the real EPGU's withdrawal type is not in
// our material; this shape (the order number and the applicant's reason)
// is the stand's and Okno's configured default.
const (
	CancelNS   = "http://epgu.gosuslugi.ru/concentrator/cancel/1.0.0"
	CancelRoot = "CancelRequest"
)

// StatusCancelling is the ELK status the portal writes when the applicant
// withdraws (в процессе отмены); the agency answers with 10 (отменено).
const StatusCancelling = 9

// Errors of a withdrawal the portal cannot send.
var (
	ErrNoOrder    = errors.New("no such order")
	ErrNotRouted  = errors.New("the access matrix does not route withdrawals to the order's agency")
	ErrLongReason = errors.New("reason longer than 2000 characters")
)

type cancelRequest struct {
	XMLName xml.Name
	OrderID int64  `xml:"orderId"`
	Reason  string `xml:"reason,omitempty"`
}

// Withdrawn is the JSON answer of the withdrawal endpoint.
type Withdrawn struct {
	OrderNumber int64  `json:"orderNumber"`
	MessageID   string `json:"messageId"`
	Recipient   string `json:"recipient"`
}

// WithdrawApplication sends the applicant's withdrawal of an order to the
// agency it went to, signed as the portal and referring to the
// application's message, and records it in the cabinet.
func (p *Portal) WithdrawApplication(ctx context.Context, order int64, reason string) (Withdrawn, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 2000 {
		return Withdrawn{}, ErrLongReason
	}
	app, err := p.cfg.Store.ApplicationByOrderNumber(ctx, order)
	if errors.Is(err, store.ErrNotFound) {
		return Withdrawn{}, fmt.Errorf("portal: withdraw order %d: %w", order, ErrNoOrder)
	}
	if err != nil {
		return Withdrawn{}, err
	}
	// The stand's bus routes a type to one system; a withdrawal the bus
	// would carry to another agency is refused here rather than misdelivered.
	route, ok := p.cfg.Bus.Matrix().Route(bus.MessageType{Namespace: CancelNS, RootElement: CancelRoot})
	if !ok || route.Provider != app.Recipient {
		return Withdrawn{}, fmt.Errorf("portal: withdraw order %d sent to %s: %w", order, app.Recipient, ErrNotRouted)
	}
	content, err := xml.Marshal(cancelRequest{XMLName: xml.Name{Space: CancelNS, Local: CancelRoot}, OrderID: order, Reason: reason})
	if err != nil {
		return Withdrawn{}, fmt.Errorf("portal: encode withdrawal of order %d: %w", order, err)
	}
	id, err := uuid.NewUUID()
	if err != nil {
		return Withdrawn{}, fmt.Errorf("portal: message id: %w", err)
	}
	req := &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
		ID: "SIGNED_BY_EPGU", MessageID: id.String(), ReferenceMessageID: app.ID.String(),
		MessagePrimaryContent: message.MessagePrimaryContent{XML: content},
	}}
	sig, err := bus.SignAs(p.cfg.Signer, &req.SenderProvidedRequestData, req.SenderProvidedRequestData.ID)
	if err != nil {
		return Withdrawn{}, fmt.Errorf("portal: sign withdrawal of order %d: %w", order, err)
	}
	if _, err := p.cfg.Bus.SendRequest(ctx, bus.Outgoing{Sender: p.cfg.Mnemonic, Signature: sig}, req); err != nil {
		return Withdrawn{}, fmt.Errorf("portal: send withdrawal of order %d: %w", order, err)
	}
	err = p.cfg.Store.AddApplicationEvent(ctx, app.ID, store.ApplicationEvent{At: p.cfg.Now(), Direction: "out",
		StatusCode: ptr(StatusCancelling), Title: "Заявитель отозвал заявление", Comment: reason, MessageID: &id})
	if err != nil {
		return Withdrawn{}, err
	}
	p.cfg.Log.Info("portal: application withdrawn", "order", order, "to", app.Recipient, "message", id)
	return Withdrawn{OrderNumber: order, MessageID: id.String(), Recipient: app.Recipient}, nil
}

// CancelHandler serves POST /portal/applications/{order}/cancel?reason=...
// (mounted with that pattern): the applicant withdraws the order now.
func (p *Portal) CancelHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		order, err := strconv.ParseInt(r.PathValue("order"), 10, 64)
		if err != nil || order <= 0 {
			http.Error(w, "order must be a positive order number", http.StatusBadRequest)
			return
		}
		done, err := p.WithdrawApplication(r.Context(), order, r.URL.Query().Get("reason"))
		switch {
		case errors.Is(err, ErrNoOrder):
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		case errors.Is(err, ErrNotRouted):
			http.Error(w, err.Error(), http.StatusConflict)
			return
		case errors.Is(err, ErrLongReason):
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		case err != nil:
			p.cfg.Log.Error("portal: withdraw", "order", order, "err", err)
			http.Error(w, "cannot withdraw the application", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(done)
	})
}

// takeLaterAnswer records an agency's answer to a later message of an
// application (a withdrawal): the bus gives such an answer the
// application's message as its ReferenceMessageID. An answer that refers
// to no application has nothing to show.
func (p *Portal) takeLaterAnswer(ctx context.Context, r *message.Response) error {
	appID, err := uuid.Parse(r.ReferenceMessageID)
	if err != nil {
		return nil
	}
	app, err := p.cfg.Store.Application(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	data := r.SenderProvidedResponseData
	e := store.ApplicationEvent{At: p.cfg.Now(), Direction: "in"}
	if id, err := uuid.Parse(r.MessageMetadata.MessageID); err == nil {
		e.MessageID = &id
	}
	switch {
	case len(data.RequestRejected) > 0:
		var reasons []string
		for _, rej := range data.RequestRejected {
			reasons = append(reasons, string(rej.RejectionReasonCode)+": "+rej.RejectionReasonDescription)
		}
		e.Title, e.Comment = "Ведомство отклонило обращение заявителя", strings.Join(reasons, "; ")
	case data.RequestStatus != nil:
		e.StatusCode, e.Title, e.Comment = ptr(data.RequestStatus.StatusCode), StatusName(data.RequestStatus.StatusCode), data.RequestStatus.StatusDescription
	default:
		return nil
	}
	return p.cfg.Store.AddApplicationEvent(ctx, app.ID, e)
}
