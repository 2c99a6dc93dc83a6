package standtest_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

const (
	fnsNS   = "urn://x-artefacts-fns-vipul-tosmv-ru/311-14/4.0.6"
	fnsRoot = "FNSVipULRequest"
)

// stand starts the bus with two systems, MINSTROY asking FNS, and returns
// its URL and the identities.
func stand(t *testing.T) (url string, smev, minstroy, fns *signing.Identity) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	gen := func(m string) *signing.Identity {
		id, err := signing.Generate(m, "Система "+m, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	smev, minstroy, fns = gen("SMEV"), gen("MINSTROY"), gen("FNS")
	reg, err := bus.NewRegistry(
		bus.System{Mnemonic: "MINSTROY", Name: "Минстрой", Certificate: minstroy.CertificateDER()},
		bus.System{Mnemonic: "FNS", Name: "ФНС России", Certificate: fns.CertificateDER()},
	)
	if err != nil {
		t.Fatal(err)
	}
	matrix, err := bus.NewAccessMatrix(bus.Route{Type: bus.MessageType{Namespace: fnsNS, RootElement: fnsRoot}, Provider: "FNS", Consumers: []string{"MINSTROY"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.New(bus.Config{Store: st, Systems: reg, Matrix: matrix, Verifier: signing.Verifier{}, Signer: smev, ParseCertificate: signing.Validity})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(bus.NewEndpoint(b, message.DefaultLimits(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return srv.URL, smev, minstroy, fns
}

func client(t *testing.T, url string, who, smev *signing.Identity, journal string) *smevclient.Client {
	t.Helper()
	c, err := smevclient.New(smevclient.Config{
		Endpoint:         url,
		Signer:           smevclient.XMLDSigSigner{Key: who.Signer, Certificate: who.CertificateDER()},
		Verifier:         smevclient.XMLDSigVerifier{},
		SMEVCertificates: [][]byte{smev.CertificateDER()},
		JournalDir:       journal,
		Retry:            smevclient.Retry{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInteragencyRequestThroughTheStand(t *testing.T) {
	t.Parallel()
	url, smev, minstroyID, fnsID := stand(t)
	journal := t.TempDir()
	minstroy, fns := client(t, url, minstroyID, smev, journal), client(t, url, fnsID, smev, "")
	ctx := context.Background()

	request := `<FNSVipULRequest xmlns="` + fnsNS + `" ИдДок="1"><ЗапросЮЛ><ОГРН>1027700132195</ОГРН></ЗапросЮЛ></FNSVipULRequest>`
	sent, err := minstroy.SendRequest(ctx, smevclient.Request{Content: []byte(request)})
	if err != nil {
		t.Fatalf("SendRequest: %v", err)
	}
	if sent.Metadata == nil {
		t.Fatal("SendRequest: no metadata from the stand")
	}

	d, err := fns.GetRequest(ctx, smevclient.Selector{NamespaceURI: fnsNS, RootElement: fnsRoot})
	if err != nil || d == nil {
		t.Fatalf("GetRequest = %v, %v", d, err)
	}
	if !strings.Contains(string(d.Content), "1027700132195") || d.Request.SenderProvidedRequestData.MessageID != sent.MessageID {
		t.Fatalf("delivered %s (MessageID %s), want the request %s", d.Content, d.Request.SenderProvidedRequestData.MessageID, sent.MessageID)
	}
	if err := fns.Ack(ctx, d.MessageID, true); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if again, err := fns.GetRequest(ctx, smevclient.Selector{}); err != nil || again != nil {
		t.Fatalf("after Ack GetRequest = %v, %v; want an empty queue", again, err)
	}

	answer := `<FNSVipULResponse xmlns="` + fnsNS + `"><СвЮЛ ОГРН="1027700132195"/></FNSVipULResponse>`
	if _, err := fns.SendResponse(ctx, smevclient.Response{To: d.ReplyTo, Content: []byte(answer)}); err != nil {
		t.Fatalf("SendResponse: %v", err)
	}
	r, err := minstroy.GetResponse(ctx, smevclient.Selector{})
	if err != nil || r == nil {
		t.Fatalf("GetResponse = %v, %v", r, err)
	}
	if !strings.Contains(string(r.Content), "СвЮЛ") {
		t.Fatalf("response content = %s", r.Content)
	}
	if err := minstroy.Ack(ctx, r.MessageID, true); err != nil {
		t.Fatalf("Ack response: %v", err)
	}
	entries, err := os.ReadDir(journal)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 6 { // SendRequest, GetResponse, Ack: out and in each
		t.Errorf("journal has %d files, want 6", len(entries))
	}
}

// The stand signs its replies; a client pinning another SMEV certificate
// must refuse them.
func TestStandRepliesAreCheckedAgainstPinnedCertificate(t *testing.T) {
	t.Parallel()
	url, _, minstroyID, _ := stand(t)
	impostor, err := signing.Generate("SMEV", "Не тот СМЭВ", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, url, minstroyID, impostor, "")
	request := `<FNSVipULRequest xmlns="` + fnsNS + `"><ЗапросЮЛ><ОГРН>1027700132195</ОГРН></ЗапросЮЛ></FNSVipULRequest>`
	if _, err := c.SendRequest(context.Background(), smevclient.Request{Content: []byte(request)}); !errors.Is(err, smevclient.ErrUnknownSigner) {
		t.Fatalf("err = %v, want ErrUnknownSigner", err)
	}
}
