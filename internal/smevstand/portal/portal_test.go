package portal_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/filestore"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
	"github.com/okno-oiv/okno/internal/testenv"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func scanner(t *testing.T) *portal.Scanner {
	t.Helper()
	testenv.NeedFonts(t, portal.DefaultFontPath)
	s, err := portal.NewScanner(portal.DefaultFontPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type fixture struct {
	bus    *bus.Bus
	store  *store.Store
	portal *portal.Portal
	clock  *clock
}

// newFixture builds the portal on a bus; tune adjusts either's settings.
func newFixture(t *testing.T, tune ...func(*bus.Config, *portal.Config)) *fixture {
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
	routes := []bus.Route{{Type: bus.MessageType{Namespace: portal.ELKStatusNS, RootElement: portal.ELKRoot}, Provider: "EPGU", Consumers: []string{"MINSTROY", "OKN"}}}
	for _, s := range services {
		routes = append(routes, bus.Route{Type: bus.MessageType{Namespace: s.Namespace(), RootElement: portal.FormRoot}, Provider: s.Recipient, Consumers: []string{"EPGU"}})
	}
	matrix, err := bus.NewAccessMatrix(routes...)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: st, clock: &clock{t: time.Now()}}
	busCfg := bus.Config{Store: st, Systems: reg, Matrix: matrix, Verifier: signing.Verifier{}, ParseCertificate: signing.Validity, Now: f.clock.Now}
	portalCfg := portal.Config{
		Store: st, Mnemonic: "EPGU", Services: services, ExtraDocsDelay: time.Hour,
		Scanner: scanner(t), Seed: 1, Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, tn := range tune {
		tn(&busCfg, &portalCfg)
	}
	f.bus, err = bus.New(busCfg)
	if err != nil {
		t.Fatal(err)
	}
	portalCfg.Bus = f.bus
	f.portal, err = portal.New(portalCfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) take(t *testing.T, agency string) *message.RequestMessage {
	t.Helper()
	got, err := f.bus.GetRequest(context.Background(), agency, message.MessageTypeSelector{})
	if err != nil || got.RequestMessage == nil {
		t.Fatalf("GetRequest for %s = %+v, %v", agency, got, err)
	}
	if err := f.bus.Ack(context.Background(), agency, message.AckTargetMessage{MessageID: got.RequestMessage.Request.MessageMetadata.MessageID}); err != nil {
		t.Fatal(err)
	}
	return got.RequestMessage
}

func (f *fixture) step(t *testing.T) {
	t.Helper()
	for {
		worked, err := f.portal.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !worked {
			return
		}
	}
}

func TestApplicationsReachTheirAgenciesWithSignedScans(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, svc := range f.portal.Services() {
		app, err := f.portal.FileApplication(ctx, svc.Code)
		if err != nil {
			t.Fatal(err)
		}
		rm := f.take(t, svc.Recipient)
		data := rm.Request.SenderProvidedRequestData
		if data.MessageID != app.ID.String() {
			t.Fatalf("%s: delivered %s, filed %s", svc.Code, data.MessageID, app.ID)
		}
		var form struct {
			XMLName xml.Name
			OrderID int64  `xml:"orderId"`
			Snils   string `xml:"Applicant>Person>snils"`
			RepSnls string `xml:"Applicant>Organization>Representative>snils"`
			OGRN    string `xml:"Applicant>Organization>ogrn"`
			Docs    []struct {
				ID string `xml:"attachmentId"`
			} `xml:"Documents>Document"`
		}
		if err := xml.Unmarshal(data.MessagePrimaryContent.XML, &form); err != nil {
			t.Fatal(err)
		}
		if form.XMLName.Space != svc.Namespace() || form.XMLName.Local != "FormData" || form.OrderID != app.OrderNumber {
			t.Fatalf("%s: form %v order %d, want {%s}FormData order %d", svc.Code, form.XMLName, form.OrderID, svc.Namespace(), app.OrderNumber)
		}
		snils := form.Snils + form.RepSnls
		if err := esign.CheckSNILS(snils); err != nil {
			t.Fatalf("%s: applicant СНИЛС %q: %v", svc.Code, snils, err)
		}
		if svc.Companies {
			if err := esign.CheckOGRN(form.OGRN); err != nil && form.OGRN != "" {
				t.Fatalf("%s: ОГРН %q: %v", svc.Code, form.OGRN, err)
			}
		}
		headers := data.AttachmentHeaderList.AttachmentHeader
		if len(headers) != len(svc.Documents) || len(form.Docs) != len(headers) {
			t.Fatalf("%s: %d headers, %d form documents, want %d", svc.Code, len(headers), len(form.Docs), len(svc.Documents))
		}
		contents := map[string][]byte{}
		for _, c := range rm.AttachmentContentList.AttachmentContent {
			contents[c.ID] = c.Content.Inline
		}
		for _, h := range headers {
			pdf := contents[h.ContentID]
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("%s: attachment %s is not a PDF", svc.Code, h.ContentID)
			}
			info, err := esign.VerifyDetached(bytes.NewReader(pdf), h.SignaturePKCS7, esign.VerifyOptions{})
			if err != nil {
				t.Fatalf("%s: signature of %s: %v", svc.Code, h.ContentID, err)
			}
			if got := info.Certificate.Subject.Get(esign.OIDSNILS); got != snils {
				t.Fatalf("%s: scan signed by СНИЛС %s, applicant has %s", svc.Code, got, snils)
			}
		}
	}
}

func TestStatusesExtraDocumentsAndResultReachTheCabinet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	app, err := f.portal.FileApplication(ctx, "building-permit")
	if err != nil {
		t.Fatal(err)
	}
	f.take(t, "MINSTROY")

	// The agency asks for more documents through the ELK.
	elk := `<ElkOrderRequest xmlns="` + portal.ELKStatusNS + `" env="SVCDEV"><UpdateOrdersRequest><orders><order>` +
		`<elkOrderNumber>` + itoa(app.OrderNumber) + `</elkOrderNumber><senderInn>7707012345</senderInn><statusHistoryList><statusHistory>` +
		`<status>14</status><statusDate>` + f.clock.Now().Format(time.RFC3339) + `</statusDate><statusComment>Приложите схему планировочной организации участка</statusComment>` +
		`</statusHistory></statusHistoryList></order></orders></UpdateOrdersRequest></ElkOrderRequest>`
	elkID := v1(t)
	if _, err := f.bus.SendRequest(ctx, bus.Outgoing{Sender: "MINSTROY"}, &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
		ID: "X", MessageID: elkID, MessagePrimaryContent: message.MessagePrimaryContent{XML: []byte(elk)}}}); err != nil {
		t.Fatal(err)
	}
	f.step(t)
	answer, err := f.bus.GetResponse(ctx, "MINSTROY", message.MessageTypeSelector{})
	if err != nil || answer.ResponseMessage == nil {
		t.Fatalf("ElkOrderResponse = %+v, %v", answer, err)
	}
	if r := answer.ResponseMessage.Response; r.OriginalMessageID != elkID || !bytes.Contains(r.SenderProvidedResponseData.MessagePrimaryContent.XML, []byte("<code>0</code>")) {
		t.Fatalf("ElkOrderResponse to %s: %s", r.OriginalMessageID, r.SenderProvidedResponseData.MessagePrimaryContent.XML)
	}
	if got, _ := f.bus.GetRequest(ctx, "MINSTROY", message.MessageTypeSelector{}); got.RequestMessage != nil {
		t.Fatal("extra documents sent before the applicant's delay")
	}
	f.clock.Advance(time.Hour + time.Minute)
	f.step(t)
	extra := f.take(t, "MINSTROY")
	if ref := extra.Request.SenderProvidedRequestData.ReferenceMessageID; ref != app.ID.String() {
		t.Fatalf("extra documents reference %s, want the application %s", ref, app.ID)
	}
	if !bytes.Contains(extra.Request.SenderProvidedRequestData.MessagePrimaryContent.XML, []byte("AdditionalInformation")) || extra.AttachmentContentList == nil {
		t.Fatalf("extra documents without note or files: %s", extra.Request.SenderProvidedRequestData.MessagePrimaryContent.XML)
	}

	// The agency answers the application with a signed permit.
	agency, err := signing.Generate("MINSTROY", "Министерство строительства (демо)", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	permit := []byte("%PDF-1.4 разрешение на строительство")
	sig, err := agency.Signer.SignDetached(bytes.NewReader(permit))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := filestore.Put(ctx, f.store, "MINSTROY", "razreshenie.pdf", "application/pdf", permit, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.bus.SendResponse(ctx, bus.Outgoing{Sender: "MINSTROY"}, &message.SendResponseRequest{SenderProvidedResponseData: message.SenderProvidedResponseData{
		ID: "X", MessageID: v1(t), To: replyToOf(t, f, app.ID),
		MessagePrimaryContent:   &message.MessagePrimaryContent{XML: []byte(`<Result xmlns="urn:demo:result"><decision>Разрешение выдано</decision></Result>`)},
		RefAttachmentHeaderList: &message.RefAttachmentHeaderList{RefAttachmentHeader: []message.RefAttachmentHeader{{UUID: stored.UUID.String(), FileName: "razreshenie.pdf", Hash: stored.Hash, MimeType: "application/pdf", SignaturePKCS7: sig}}},
	}}); err != nil {
		t.Fatal(err)
	}
	f.step(t)

	cab, err := portal.NewCabinet(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/cabinet", cab))
	defer srv.Close()
	page := get(t, srv.URL+"/cabinet/")
	for _, want := range []string{"№ " + itoa(app.OrderNumber), "Выдача разрешения на строительство", "Ожидание дополнительной информации от пользователя",
		"Приложите схему планировочной организации участка", "Заявитель направил дополнительные документы", "Результат предоставления услуги", "razreshenie.pdf"} {
		if !strings.Contains(page, want) {
			t.Errorf("cabinet page lacks %q", want)
		}
	}
	check := get(t, srv.URL+"/cabinet/files/"+stored.UUID.String()+"/signature")
	if !strings.Contains(check, "Подпись действительна") || !strings.Contains(check, "Министерство строительства (демо)") {
		t.Fatalf("signature check page:\n%s", check)
	}
	if body := get(t, srv.URL+"/cabinet/files/"+stored.UUID.String()); body != string(permit) {
		t.Fatalf("downloaded result %q", body)
	}
}

func replyToOf(t *testing.T, f *fixture, id uuid.UUID) string {
	m, err := f.store.Message(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m.ReplyTo
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, b)
	}
	return string(b)
}

func v1(t *testing.T) string {
	id, err := uuid.NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func itoa(n int64) string { return strconvFormat(n) }

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

// A final ELK status may carry the result as a stored file (FSuuid); the
// cabinet lists it with its signature from the RefAttachmentHeader.
func TestELKStatusWithResultFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	app, err := f.portal.FileApplication(ctx, "heritage-works")
	if err != nil {
		t.Fatal(err)
	}
	f.take(t, "OKN")
	agency, err := signing.Generate("OKN", "Комитет по охране наследия (демо)", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	permit := []byte("%PDF-1.4 разрешение на проведение работ")
	sig, err := agency.Signer.SignDetached(bytes.NewReader(permit))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := filestore.Put(ctx, f.store, "OKN", "permit.pdf", "application/pdf", permit, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	elk := `<ElkOrderRequest xmlns="` + portal.ELKStatusNS + `" env="SVCDEV"><UpdateOrdersRequest><orders><order>` +
		`<elkOrderNumber>` + itoa(app.OrderNumber) + `</elkOrderNumber><statusHistoryList><statusHistory>` +
		`<status>3</status><statusDate>` + f.clock.Now().Format(time.RFC3339) + `</statusDate><statusComment>Разрешение выдано</statusComment>` +
		`<attachments><attachment><FSuuid>` + stored.UUID.String() + `</FSuuid><docTypeId>ELK_RESULT</docTypeId></attachment></attachments>` +
		`</statusHistory></statusHistoryList></order></orders></UpdateOrdersRequest></ElkOrderRequest>`
	if _, err := f.bus.SendRequest(ctx, bus.Outgoing{Sender: "OKN"}, &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
		ID: "X", MessageID: v1(t), MessagePrimaryContent: message.MessagePrimaryContent{XML: []byte(elk)},
		RefAttachmentHeaderList: &message.RefAttachmentHeaderList{RefAttachmentHeader: []message.RefAttachmentHeader{
			{UUID: stored.UUID.String(), FileName: "permit.pdf", Hash: stored.Hash, MimeType: "application/pdf", SignaturePKCS7: sig}}},
	}}); err != nil {
		t.Fatal(err)
	}
	f.step(t)
	cab, err := portal.NewCabinet(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cab)
	defer srv.Close()
	page := get(t, srv.URL+"/")
	for _, want := range []string{"Исполнено", "Разрешение выдано", "permit.pdf", "ELK_RESULT", "files/" + stored.UUID.String() + "/signature"} {
		if !strings.Contains(page, want) {
			t.Errorf("cabinet lacks %q", want)
		}
	}
	if check := get(t, srv.URL+"/files/"+stored.UUID.String()+"/signature"); !strings.Contains(check, "Подпись действительна") {
		t.Fatalf("signature check:\n%s", check)
	}
}

// An order created by the agency for an office application appears in the
// cabinet; a request for documents on it waits for the applicant at the office.
func TestOfficeOrderFromCreateOrdersRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	elk := `<ElkOrderRequest xmlns="` + portal.ELKStatusNS + `" env="SVCDEV"><CreateOrdersRequest><orders><order>` +
		`<orderNumber>МС-2026-000777</orderNumber><serviceTargetCode>10000000000101001</serviceTargetCode><statusHistoryList>` +
		`<statusHistory><status>1</status><statusDate>` + f.clock.Now().Format(time.RFC3339) + `</statusDate></statusHistory>` +
		`<statusHistory><status>14</status><statusDate>` + f.clock.Now().Format(time.RFC3339) + `</statusDate><statusComment>Принесите оригинал</statusComment></statusHistory>` +
		`</statusHistoryList></order></orders></CreateOrdersRequest></ElkOrderRequest>`
	if _, err := f.bus.SendRequest(ctx, bus.Outgoing{Sender: "MINSTROY"}, &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
		ID: "X", MessageID: v1(t), MessagePrimaryContent: message.MessagePrimaryContent{XML: []byte(elk)}}}); err != nil {
		t.Fatal(err)
	}
	f.step(t)
	f.clock.Advance(2 * time.Hour)
	f.step(t) // the documents task finds no portal applicant and ends quietly
	if got, _ := f.bus.GetRequest(ctx, "MINSTROY", message.MessageTypeSelector{}); got.RequestMessage != nil {
		t.Fatal("the portal sent documents for an office order")
	}
	apps, err := f.store.RecentApplications(ctx, 0, 10)
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications %v, %v", apps, err)
	}
	if a := apps[0]; a.ServiceName != "Выдача разрешения на строительство" || !strings.Contains(a.ApplicantName, "МС-2026-000777") || len(a.Events) != 2 {
		t.Fatalf("office order recorded as %+v", a)
	}
}
