package outbox

import (
	"encoding/xml"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/forms"
)

// TestELKStatusRequestUpdatesOrCreatesTheOrder: a portal case's status
// updates the cabinet's order; an office case's first status creates it,
// with the applicant, until the portal has told the order's number. The
// cabinet gets the message written for the applicant, never the staff's
// comment.
func TestELKStatusRequestUpdatesOrCreatesTheOrder(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 12, 7, 0, 0, 0, time.UTC)
	e := cases.Event{Seq: 2, At: at, ToStatus: cases.StatusRegistered, Comment: "Служебное: проверить паспорт",
		Data: map[string]any{"to_applicant": "Номер 2026-RNS-000001"}}
	portal := cases.Case{ID: uuid.New(), Number: "2026-RNS-000001", Channel: forms.ChannelPortal, PortalOrderID: "764001"}
	office := cases.Case{ID: uuid.New(), Number: "2026-RNS-000002", Channel: forms.ChannelOffice, ApplicantKind: forms.KindPerson,
		ApplicantSNILS: "112-233-445 95", Applicant: forms.Applicant{LastName: "Орлова", FirstName: "Вера"}, ReceivedAt: at}
	decode := func(c cases.Case) elkOrderRequest {
		t.Helper()
		out, err := elkStatusRequest("SVCDEV", "7700000000", c, "10000000000101001", e, e.ToStatus.ELKStatus())
		if err != nil {
			t.Fatal(err)
		}
		var req elkOrderRequest
		if err := xml.Unmarshal(out, &req); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return req
	}
	status := elkStatus{Status: 6, StatusExtID: portal.ID.String() + "/2", StatusDate: "2026-03-12T07:00:00Z",
		Comment: "Зарегистрировано. Номер 2026-RNS-000001"}

	req := decode(portal)
	if req.Env != "SVCDEV" || req.Create != nil || req.Update == nil || len(req.Update.Orders) != 1 {
		t.Fatalf("portal case: %+v, want one order updated", req)
	}
	o := req.Update.Orders[0]
	if o.ElkOrderNumber != "764001" || o.OrderNumber != portal.Number || o.SenderINN != "7700000000" || o.User != nil ||
		o.ServiceTargetCode != "" || // the portal's order knows its service
		len(o.Statuses) != 1 || o.Statuses[0] != status {
		t.Errorf("portal case's order: %+v", o)
	}

	req = decode(office)
	if req.Update != nil || req.Create == nil || len(req.Create.Orders) != 1 {
		t.Fatalf("office case: %+v, want one order created", req)
	}
	o = req.Create.Orders[0]
	status.StatusExtID = office.ID.String() + "/2"
	if o.ElkOrderNumber != "" || o.OrderNumber != office.Number || o.RequestDate != "2026-03-12T07:00:00Z" ||
		o.ServiceTargetCode != "10000000000101001" ||
		o.User == nil || *o.User != (elkUser{SNILS: "112-233-445 95", LastName: "Орлова", FirstName: "Вера"}) ||
		len(o.Statuses) != 1 || o.Statuses[0] != status {
		t.Errorf("office case's order: %+v", o)
	}
}

func TestParseELKResponse(t *testing.T) {
	t.Parallel()
	const ns = `xmlns="http://epgu.gosuslugi.ru/elk/status/1.0.2"`
	for _, tc := range []struct {
		name, content string
		want          elkAnswer
	}{
		{"accepted with the order's number", `<ElkOrderResponse ` + ns + `><response><code>0</code><message>ok</message>
			<orders><order><elkOrderNumber>764002</elkOrderNumber><code>0</code></order></orders></response></ElkOrderResponse>`,
			elkAnswer{accepted: true, orderNumber: "764002"}},
		{"refused as a whole", `<ElkOrderResponse ` + ns + `><response><code>5</code><message>нет заявления</message></response></ElkOrderResponse>`,
			elkAnswer{reason: "портал: код 5, нет заявления"}},
		{"an order refused", `<ElkOrderResponse ` + ns + `><response><code>0</code><orders><order><code>3</code><message>неверный статус</message></order></orders></response></ElkOrderResponse>`,
			elkAnswer{reason: "портал: код 3, неверный статус"}},
	} {
		got, err := parseELKResponse([]byte(tc.content))
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := parseELKResponse([]byte(`<ElkOrderResponse`)); err == nil {
		t.Error("a broken answer parsed")
	}
}
