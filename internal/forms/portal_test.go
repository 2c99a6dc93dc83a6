package forms_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/applicants"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
	"github.com/okno-oiv/okno/internal/testenv"
)

// standPortal runs the SMEV 3 stand's bus and portal simulator, so forms
// arrive exactly as the simulator files them.
func standPortal(t *testing.T) (*portal.Portal, *bus.Bus) {
	t.Helper()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	scanner, err := portal.NewScanner(portal.DefaultFontPath)
	if err != nil {
		t.Fatal(err)
	}
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
	var routes []bus.Route
	for _, s := range services {
		routes = append(routes, bus.Route{Type: bus.MessageType{Namespace: s.Namespace(), RootElement: portal.FormRoot},
			Provider: s.Recipient, Consumers: []string{"EPGU"}})
	}
	matrix, err := bus.NewAccessMatrix(routes...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.New(bus.Config{Store: st, Systems: reg, Matrix: matrix, Verifier: signing.Verifier{}, ParseCertificate: signing.Validity})
	if err != nil {
		t.Fatal(err)
	}
	p, err := portal.New(portal.Config{Bus: b, Store: st, Mnemonic: "EPGU", Services: services, Scanner: scanner, Seed: 11,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

func TestMapsEveryFormThePortalSimulatorFiles(t *testing.T) {
	t.Parallel()
	p, b := standPortal(t)
	ctx := context.Background()
	types := map[string]forms.ServiceType{
		"building-permit": demoType(t, "MINSTROY", "RNS"),
		"heritage-works":  demoType(t, "OKN", "OKN-R"),
	}
	kinds := map[forms.ApplicantKind]int{}
	for i := range 12 {
		svc := p.Services()[i%2]
		filed, err := p.FileApplication(ctx, svc.Code)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.GetRequest(ctx, svc.Recipient, message.MessageTypeSelector{})
		if err != nil || got.RequestMessage == nil {
			t.Fatalf("GetRequest for %s: %+v, %v", svc.Recipient, got, err)
		}
		data := got.RequestMessage.Request.SenderProvidedRequestData
		if err := b.Ack(ctx, svc.Recipient, message.AckTargetMessage{MessageID: got.RequestMessage.Request.MessageMetadata.MessageID}); err != nil {
			t.Fatal(err)
		}
		st := types[svc.Code]
		app, err := st.MapApplication(data.MessagePrimaryContent.XML)
		if err != nil {
			t.Fatalf("%s order %d: %v", svc.Code, filed.OrderNumber, err)
		}
		if len(app.Problems) > 0 {
			t.Fatalf("%s order %d: problems %+v\n%s", svc.Code, filed.OrderNumber, app.Problems, data.MessagePrimaryContent.XML)
		}
		var who struct {
			Person  applicants.Person   `json:"person"`
			Company *applicants.Company `json:"company"`
		}
		if err := json.Unmarshal(filed.Applicant, &who); err != nil {
			t.Fatal(err)
		}
		wantKind, wantName, wantINN := forms.KindPerson, who.Person.FullName(), who.Person.INN
		if c := who.Company; c != nil {
			wantKind, wantName, wantINN = forms.KindLegalEntity, c.Name, c.INN
			if c.SoleProprietor {
				wantKind = forms.KindSoleProprietor
			}
			if app.Applicant.OGRN != c.OGRN || app.Applicant.KPP != c.KPP {
				t.Errorf("order %d: ОГРН %q КПП %q, filed %q %q", filed.OrderNumber, app.Applicant.OGRN, app.Applicant.KPP, c.OGRN, c.KPP)
			}
		}
		kinds[app.Kind]++
		if app.Kind != wantKind || app.Applicant.DisplayName() != wantName || app.Applicant.INN != wantINN ||
			app.Applicant.SNILS != who.Person.SNILS || app.Applicant.PersonName() != who.Person.FullName() {
			t.Errorf("order %d: %s %q ИНН %q СНИЛС %q, filed %s %q ИНН %q СНИЛС %q", filed.OrderNumber,
				app.Kind, app.Applicant.DisplayName(), app.Applicant.INN, app.Applicant.SNILS,
				wantKind, wantName, wantINN, who.Person.SNILS)
		}
		if app.PortalOrderID != strconv.FormatInt(filed.OrderNumber, 10) || app.Region != who.Person.Address.OKTMO {
			t.Errorf("order %d: mapped order %q region %q", filed.OrderNumber, app.PortalOrderID, app.Region)
		}
		if len(app.Fields) != len(st.Fields) {
			t.Errorf("order %d: fields %v", filed.OrderNumber, app.Fields)
		}
		headers := data.AttachmentHeaderList.AttachmentHeader
		if len(app.Documents) != len(headers) {
			t.Fatalf("order %d: %d documents, %d attachments", filed.OrderNumber, len(app.Documents), len(headers))
		}
		for j, d := range app.Documents {
			if d.AttachmentID != headers[j].ContentID || d.Type != svc.Documents[j] || !d.Signed {
				t.Errorf("order %d: document %+v, attachment %s titled %q", filed.OrderNumber, d, headers[j].ContentID, svc.Documents[j])
			}
		}
	}
	t.Logf("applicant kinds: %v", kinds)
	if kinds[forms.KindPerson] == 0 || kinds[forms.KindLegalEntity] == 0 {
		t.Errorf("the simulator's seed gave too few kinds of applicant to test: %v", kinds)
	}
}
