package providers_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/providers"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
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

func TestAgenciesAnswerAfterTheirDelay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agencies := providers.DemoAgencies()
	systems := []bus.System{{Mnemonic: "MINSTROY"}}
	for _, a := range agencies {
		systems = append(systems, bus.System{Mnemonic: a.Mnemonic, Name: a.Name})
	}
	reg, err := bus.NewRegistry(systems...)
	if err != nil {
		t.Fatal(err)
	}
	matrix, err := bus.NewAccessMatrix(providers.Routes(agencies, []string{"MINSTROY"})...)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	b, err := bus.New(bus.Config{Store: st, Systems: reg, Matrix: matrix, Verifier: signing.Verifier{}, ParseCertificate: signing.Validity, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	p, err := providers.New(providers.Config{Bus: b, Store: st, Agencies: agencies, MinDelay: time.Minute, MaxDelay: 2 * time.Minute,
		Now: clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		content string
		want    []string // substrings of the answer
		reject  message.RejectCode
	}{
		{"ЕГРЮЛ by ОГРН", `<FNSVipULRequest xmlns="` + providers.FNSULNamespace + `" ИдДок="1"><ЗапросЮЛ><ОГРН>1027700132195</ОГРН></ЗапросЮЛ></FNSVipULRequest>`,
			[]string{"FNSVipULResponse", `ОГРН="1027700132195"`, "НаимЮЛПолн"}, ""},
		{"ЕГРЮЛ by ИНН", `<FNSVipULRequest xmlns="` + providers.FNSULNamespace + `"><ЗапросЮЛ ИННЮЛ="7707083893"></ЗапросЮЛ></FNSVipULRequest>`,
			[]string{`ИНН="7707083893"`, `КПП="770701001"`}, ""},
		{"ЕГРЮЛ with a wrong check digit", `<FNSVipULRequest xmlns="` + providers.FNSULNamespace + `"><ЗапросЮЛ><ОГРН>1027700132196</ОГРН></ЗапросЮЛ></FNSVipULRequest>`,
			nil, message.RejectNoData},
		{"ЕГРЮЛ without identifiers", `<FNSVipULRequest xmlns="` + providers.FNSULNamespace + `"><ЗапросЮЛ></ЗапросЮЛ></FNSVipULRequest>`,
			nil, message.RejectUnknownRequestDescription},
		{"ЕГРИП by ОГРНИП", `<FNSVipIPRequest xmlns="` + providers.FNSIPNamespace + `"><ЗапросИП><ОГРНИП>304500116000157</ОГРНИП></ЗапросИП></FNSVipIPRequest>`,
			[]string{"FNSVipIPResponse", `ОГРНИП="304500116000157"`, "ФИОРус"}, ""},
		{"ЕГРН by cadastral number", `<Request xmlns="` + providers.EGRNNamespace + `"><cadastralNumber>77:01:0001001:1234</cadastralNumber></Request>`,
			[]string{"ExtractAboutProperty", "77:01:0001001:1234", "Земельный участок"}, ""},
		{"ЕГРН with a malformed number", `<Request xmlns="` + providers.EGRNNamespace + `"><cadastralNumber>77-01</cadastralNumber></Request>`,
			nil, message.RejectNoData},
		{"СНИЛС by personal data", `<SnilsByAdditionalDataRequest xmlns="` + providers.SNILSNamespace + `"><FamilyName>Иванов</FamilyName><FirstName>Иван</FirstName><BirthDate>1980-05-17</BirthDate></SnilsByAdditionalDataRequest>`,
			[]string{"SnilsByAdditionalDataResponse", "<Snils>", "Иванов"}, ""},
		{"passport of a malformed number", `<PassportValidityRequest xmlns="` + providers.PassportNamespace + `"><series>45</series><number>12</number></PassportValidityRequest>`,
			[]string{"notFoundDoc"}, ""},
	}
	sent := map[string]string{} // request MessageID -> case name
	for _, c := range cases {
		id, _ := uuid.NewUUID()
		sent[id.String()] = c.name
		if _, err := b.SendRequest(ctx, bus.Outgoing{Sender: "MINSTROY"}, &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
			ID: "X", MessageID: id.String(), MessagePrimaryContent: message.MessagePrimaryContent{XML: []byte(c.content)}}}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	drain := func() {
		for {
			worked, err := p.Step(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !worked {
				return
			}
		}
	}
	drain()
	if got, err := b.GetResponse(ctx, "MINSTROY", message.MessageTypeSelector{}); err != nil || got.ResponseMessage != nil {
		t.Fatalf("an answer came before the minimum delay: %+v, %v", got.ResponseMessage, err)
	}
	clk.Advance(2 * time.Minute)
	drain()
	answers := map[string]message.SenderProvidedResponseData{}
	for {
		got, err := b.GetResponse(ctx, "MINSTROY", message.MessageTypeSelector{})
		if err != nil {
			t.Fatal(err)
		}
		if got.ResponseMessage == nil {
			break
		}
		r := got.ResponseMessage.Response
		answers[sent[r.OriginalMessageID]] = r.SenderProvidedResponseData
		if err := b.Ack(ctx, "MINSTROY", message.AckTargetMessage{MessageID: r.MessageMetadata.MessageID}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, ok := answers[c.name]
			if !ok {
				t.Fatal("no answer")
			}
			if c.reject != "" {
				if len(a.RequestRejected) != 1 || a.RequestRejected[0].RejectionReasonCode != c.reject {
					t.Fatalf("answer %+v, want rejection %s", a, c.reject)
				}
				return
			}
			if a.MessagePrimaryContent == nil {
				t.Fatalf("rejected: %+v", a.RequestRejected)
			}
			for _, w := range c.want {
				if !strings.Contains(string(a.MessagePrimaryContent.XML), w) {
					t.Errorf("answer lacks %q:\n%s", w, a.MessagePrimaryContent.XML)
				}
			}
		})
	}
}
