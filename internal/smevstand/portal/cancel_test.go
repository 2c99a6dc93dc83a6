package portal_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// newCancelFixture is the portal over a bus that routes withdrawals to
// MINSTROY only, as the stand's demo matrix does.
func newCancelFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	reg, err := bus.NewRegistry(bus.System{Mnemonic: "EPGU", Name: "ЕПГУ"}, bus.System{Mnemonic: "MINSTROY"}, bus.System{Mnemonic: "OKN"})
	if err != nil {
		t.Fatal(err)
	}
	services := portal.DemoServices("MINSTROY", "OKN")
	routes := []bus.Route{{Type: bus.MessageType{Namespace: portal.CancelNS, RootElement: portal.CancelRoot}, Provider: "MINSTROY", Consumers: []string{"EPGU"}}}
	for _, s := range services {
		routes = append(routes, bus.Route{Type: bus.MessageType{Namespace: s.Namespace(), RootElement: portal.FormRoot}, Provider: s.Recipient, Consumers: []string{"EPGU"}})
	}
	matrix, err := bus.NewAccessMatrix(routes...)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: st, clock: &clock{t: time.Now()}}
	f.bus, err = bus.New(bus.Config{Store: st, Systems: reg, Matrix: matrix, Verifier: signing.Verifier{}, ParseCertificate: signing.Validity, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.portal, err = portal.New(portal.Config{Bus: f.bus, Store: st, Mnemonic: "EPGU", Services: services, ExtraDocsDelay: time.Hour,
		Scanner: scanner(t), Seed: 1, Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// events is the cabinet's history of an order.
func (f *fixture) events(t *testing.T, order int64) []store.ApplicationEvent {
	t.Helper()
	apps, err := f.store.RecentApplications(context.Background(), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if a.OrderNumber == order {
			return a.Events
		}
	}
	t.Fatalf("order %d not in the cabinet", order)
	return nil
}

func hasEvent(events []store.ApplicationEvent, title, comment string) bool {
	for _, e := range events {
		if e.Title == title && strings.Contains(e.Comment, comment) {
			return true
		}
	}
	return false
}

// TestWithdrawalReachesTheAgencyAndItsRefusalTheCabinet: the withdrawal
// goes to the order's agency as CancelRequest referring to the application;
// the cabinet shows it and the agency's RequestRejected.
func TestWithdrawalReachesTheAgencyAndItsRefusalTheCabinet(t *testing.T) {
	t.Parallel()
	f := newCancelFixture(t)
	ctx := context.Background()
	app, err := f.portal.FileApplication(ctx, "building-permit")
	if err != nil {
		t.Fatal(err)
	}
	f.take(t, "MINSTROY")
	done, err := f.portal.WithdrawApplication(ctx, app.OrderNumber, "  Передумал строить ")
	if err != nil {
		t.Fatal(err)
	}
	rm := f.take(t, "MINSTROY")
	data := rm.Request.SenderProvidedRequestData
	var cancel struct {
		XMLName xml.Name
		OrderID int64  `xml:"orderId"`
		Reason  string `xml:"reason"`
	}
	if err := xml.Unmarshal(data.MessagePrimaryContent.XML, &cancel); err != nil {
		t.Fatal(err)
	}
	if cancel.XMLName.Space != portal.CancelNS || cancel.XMLName.Local != portal.CancelRoot || cancel.OrderID != app.OrderNumber ||
		cancel.Reason != "Передумал строить" {
		t.Fatalf("delivered %v order %d reason %q", cancel.XMLName, cancel.OrderID, cancel.Reason)
	}
	if data.MessageID != done.MessageID || data.ReferenceMessageID != app.ID.String() {
		t.Fatalf("message %s referring to %s, want %s referring to the application %s", data.MessageID, data.ReferenceMessageID, done.MessageID, app.ID)
	}
	if !hasEvent(f.events(t, app.OrderNumber), "Заявитель отозвал заявление", "Передумал строить") {
		t.Fatal("the cabinet does not show the withdrawal")
	}

	answer := &message.SendResponseRequest{SenderProvidedResponseData: message.SenderProvidedResponseData{ID: "X", MessageID: v1(t), To: rm.Request.ReplyTo,
		RequestRejected: []message.RequestRejected{{RejectionReasonCode: message.RejectFailure, RejectionReasonDescription: "Решение уже подписано"}}}}
	if _, err := f.bus.SendResponse(ctx, bus.Outgoing{Sender: "MINSTROY"}, answer); err != nil {
		t.Fatal(err)
	}
	f.step(t)
	if !hasEvent(f.events(t, app.OrderNumber), "Ведомство отклонило обращение заявителя", "FAILURE: Решение уже подписано") {
		t.Fatalf("the cabinet does not show the refusal: %+v", f.events(t, app.OrderNumber))
	}
}

// TestWithdrawalEndpointRefusesWhatItCannotSend: bad order numbers, unknown
// orders, orders of an agency the bus does not route withdrawals to and
// over-long reasons send nothing.
func TestWithdrawalEndpointRefusesWhatItCannotSend(t *testing.T) {
	t.Parallel()
	f := newCancelFixture(t)
	ctx := context.Background()
	heritage, err := f.portal.FileApplication(ctx, "heritage-works")
	if err != nil {
		t.Fatal(err)
	}
	f.take(t, "OKN")
	building, err := f.portal.FileApplication(ctx, "building-permit")
	if err != nil {
		t.Fatal(err)
	}
	f.take(t, "MINSTROY")
	mux := http.NewServeMux()
	mux.Handle("POST /portal/applications/{order}/cancel", f.portal.CancelHandler())
	for _, tc := range []struct {
		name, path string
		status     int
		err        error
	}{
		{"not a number", "/portal/applications/abc/cancel", http.StatusBadRequest, nil},
		{"not positive", "/portal/applications/0/cancel", http.StatusBadRequest, nil},
		{"unknown order", "/portal/applications/" + itoa(building.OrderNumber+1000) + "/cancel", http.StatusNotFound, portal.ErrNoOrder},
		{"agency without a route", "/portal/applications/" + itoa(heritage.OrderNumber) + "/cancel", http.StatusConflict, portal.ErrNotRouted},
		{"reason too long", "/portal/applications/" + itoa(building.OrderNumber) + "/cancel?reason=" + url.QueryEscape(strings.Repeat("я", 2001)), http.StatusBadRequest, portal.ErrLongReason},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("%s: %d %s, want %d", tc.path, rec.Code, rec.Body, tc.status)
			}
			if tc.err != nil && !strings.Contains(rec.Body.String(), tc.err.Error()) {
				t.Fatalf("body %q does not name %v", rec.Body, tc.err)
			}
		})
	}
	for _, agency := range []string{"MINSTROY", "OKN"} {
		got, err := f.bus.GetRequest(ctx, agency, message.MessageTypeSelector{})
		if err != nil || got.RequestMessage != nil {
			t.Fatalf("%s got a request after refused withdrawals: %+v, %v", agency, got, err)
		}
	}
	for _, order := range []int64{heritage.OrderNumber, building.OrderNumber} {
		if hasEvent(f.events(t, order), "Заявитель отозвал заявление", "") {
			t.Errorf("order %d shows a withdrawal that was not sent", order)
		}
	}
	if _, err := f.portal.WithdrawApplication(ctx, heritage.OrderNumber, ""); !errors.Is(err, portal.ErrNotRouted) {
		t.Fatalf("withdrawing an OKN order: %v, want ErrNotRouted", err)
	}
}
