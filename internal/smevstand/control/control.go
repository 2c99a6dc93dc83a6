// Package control is the stand's control example (контрольный пример): one
// application driven through every SMEV 3 operation with Okno's own
// smevclient, from outside the stand, printing PASS or FAIL per step. It
// proves a stand (and the client) work end to end: portal to agency,
// interagency request and answer, ELK status to the portal, the result
// through the file storage back to the applicant's cabinet, processing
// statuses, and the refusal of a repeated MessageID.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/providers"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
)

// Config says which stand to drive and as whom.
type Config struct {
	// BaseURL is the stand's root, e.g. http://127.0.0.1:8075.
	BaseURL string
	// KeyDir holds the CONTROL system's key and the stand's certificate.
	KeyDir   string
	Mnemonic string // "CONTROL"
	// Wait bounds each step that waits for the stand's participants.
	Wait time.Duration
	Out  io.Writer
}

// Result counts the steps.
type Result struct {
	Passed, Failed int
}

// OK reports whether every step passed.
func (r Result) OK() bool { return r.Failed == 0 && r.Passed > 0 }

type run struct {
	cfg    Config
	client *smevclient.Client
	http   *http.Client
	res    Result
	signer *esign.Signer
}

// Run drives the example; it stops at the first failed step, because each
// step needs the previous one.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Mnemonic == "" {
		cfg.Mnemonic = "CONTROL"
	}
	if cfg.Wait <= 0 {
		cfg.Wait = time.Minute
	}
	id, err := signing.LoadOrCreate(cfg.KeyDir, cfg.Mnemonic, "")
	if err != nil {
		return Result{}, fmt.Errorf("control example: key of %s: %w", cfg.Mnemonic, err)
	}
	smevCert, err := signing.LoadCertificate(signing.CertPath(cfg.KeyDir, "SMEV"))
	if err != nil {
		return Result{}, fmt.Errorf("control example: the stand's certificate: %w", err)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	client, err := smevclient.New(smevclient.Config{
		Endpoint: strings.TrimSuffix(cfg.BaseURL, "/") + "/smev", HTTPClient: hc,
		Signer: smevclient.SignerFunc(func(_ context.Context, element []byte, elementID string) ([]byte, error) {
			return id.Sign(element, elementID)
		}),
		Verifier: verifier{}, SMEVCertificates: [][]byte{smevCert},
		Storage: smevclient.NewHTTPFileStorage(strings.TrimSuffix(cfg.BaseURL, "/")+"/files/", hc),
		// A small threshold sends the result through the file storage.
		FileStorageThreshold: 1 << 10,
		Retry:                smevclient.Retry{Attempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second},
	})
	if err != nil {
		return Result{}, fmt.Errorf("control example: client: %w", err)
	}
	r := &run{cfg: cfg, client: client, http: hc, signer: id.Signer}
	r.steps(ctx)
	return r.res, nil
}

type verifier struct{}

func (verifier) VerifyElement(_ context.Context, doc []byte, id string) ([]byte, error) {
	return signing.VerifyElement(doc, id)
}

func (r *run) step(name string, err error) bool {
	if err != nil {
		r.res.Failed++
		fmt.Fprintf(r.cfg.Out, "FAIL  %s: %v\n", name, err)
		return false
	}
	r.res.Passed++
	fmt.Fprintf(r.cfg.Out, "PASS  %s\n", name)
	return true
}

func (r *run) steps(ctx context.Context) {
	ctrl := portal.ControlService(r.cfg.Mnemonic)
	var filed portal.Filed
	if !r.step("портал подаёт заявление «"+ctrl.Name+"»", r.file(ctx, ctrl.Code, &filed)) {
		return
	}
	var app *smevclient.Delivery
	if !r.step("GetRequest: заявление №"+strconv.FormatInt(filed.OrderNumber, 10)+" получено с вложениями, подписями СМЭВ и ЕПГУ", r.poll(ctx, func() (bool, error) {
		d, err := r.client.GetRequest(ctx, smevclient.Selector{NamespaceURI: ctrl.Namespace(), RootElement: portal.FormRoot})
		if err != nil || d == nil {
			return false, err
		}
		if d.MessageID != filed.MessageID {
			// A leftover of an earlier run: acknowledge and look further.
			return false, r.client.Ack(ctx, d.MessageID, true)
		}
		app = d
		if len(d.Attachments) == 0 {
			return true, errors.New("the application came without scans")
		}
		return true, r.senderSigned(d.Envelope, d.Request.SenderProvidedRequestData.ID, "EPGU")
	})) {
		return
	}
	if !r.step("Ack заявления", r.client.Ack(ctx, app.MessageID, true)) {
		return
	}
	var form struct {
		OGRN string `xml:"Applicant>Organization>ogrn"`
	}
	_ = xml.Unmarshal(app.Content, &form) // a sole proprietor has no ОГРН; the default below is used
	if esign.CheckOGRN(form.OGRN) != nil {
		form.OGRN = "1027700132195"
	}
	egrul := `<FNSVipULRequest xmlns="` + providers.FNSULNamespace + `" ИдДок="` + filed.MessageID + `"><ЗапросЮЛ><ОГРН>` + form.OGRN + `</ОГРН></ЗапросЮЛ></FNSVipULRequest>`
	// A small attachment travels by MTOM, under the file storage threshold.
	letter := []byte("%PDF-1.4\n% Сопроводительное письмо к межведомственному запросу\n")
	fns, err := r.client.SendRequest(ctx, smevclient.Request{Content: []byte(egrul), ReferenceMessageID: app.MessageID,
		Attachments: []smevclient.Attachment{{FileName: "letter.pdf", MimeType: "application/pdf", Size: int64(len(letter)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(letter)), nil }}}})
	if !r.step("SendRequest: межведомственный запрос выписки ЕГРЮЛ в ФНС с вложением по MTOM", err) {
		return
	}
	if !r.step("GetResponse: ответ ФНС получен, подпись ФНС верна", r.awaitResponse(ctx, fns.MessageID, func(d *smevclient.Delivery) error {
		rej := d.Response.SenderProvidedResponseData.RequestRejected
		if d.Content == nil && len(rej) == 0 {
			return errors.New("the answer holds neither data nor a rejection")
		}
		return r.senderSigned(d.Envelope, d.Response.SenderProvidedResponseData.ID, "FNS")
	})) {
		return
	}
	elk := elkStatus(filed.OrderNumber, 6, "Заявление принято ведомством (контрольный пример)")
	elkSent, err := r.client.SendRequest(ctx, smevclient.Request{Content: []byte(elk)})
	if !r.step("SendRequest: статус «принято ведомством» в ЕЛК портала", err) {
		return
	}
	if !r.step("GetResponse: портал подтвердил статус (ElkOrderResponse)", r.awaitResponse(ctx, elkSent.MessageID, func(d *smevclient.Delivery) error {
		if !bytes.Contains(d.Content, []byte("<code>0</code>")) {
			return fmt.Errorf("ElkOrderResponse is not OK: %s", d.Content)
		}
		return nil
	})) {
		return
	}
	result := []byte(fmt.Sprintf("%%PDF-1.4\n%% Результат по заявлению №%d (контрольный пример)\n%s", filed.OrderNumber, strings.Repeat("результат ", 200)))
	sig, err := r.signer.SignDetached(bytes.NewReader(result))
	if !r.step("подпись результата (CMS, ГОСТ Р 34.10-2012)", err) {
		return
	}
	answered, err := r.client.SendResponse(ctx, smevclient.Response{
		To:      app.ReplyTo,
		Content: []byte(`<Result xmlns="urn://okno/control-example/result/1.0.0"><orderNumber>` + strconv.FormatInt(filed.OrderNumber, 10) + `</orderNumber><decision>Услуга предоставлена</decision></Result>`),
		Attachments: []smevclient.Attachment{{FileName: "result.pdf", MimeType: "application/pdf", Size: int64(len(result)), SignaturePKCS7: sig,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(result)), nil }}},
	})
	if !r.step("SendResponse: результат через файловое хранилище", err) {
		return
	}
	if !r.step("кабинет заявителя показывает результат", r.poll(ctx, func() (bool, error) {
		page, err := r.get(ctx, "/cabinet/")
		if err != nil {
			return false, err
		}
		i := strings.Index(page, "№ "+strconv.FormatInt(filed.OrderNumber, 10)+" ")
		return i >= 0 && strings.Contains(page[i:], "Результат предоставления услуги"), nil
	})) {
		return
	}
	if !r.step("GetStatus: SMEV сообщил статусы обработки", r.statuses(ctx, fns.MessageID, elkSent.MessageID, answered.MessageID)) {
		return
	}
	again, err := r.client.SendRequest(ctx, smevclient.Request{MessageID: fns.MessageID, Content: []byte(egrul)})
	if err == nil && again.AlreadySent {
		// A retry inside the client met the fault and read it, rightly, as
		// "the message is there".
		err = &message.Fault{Kind: message.FaultMessageIsAlreadySent}
	}
	r.step("повторный MessageID отвергнут (MessageIsAlreadySent)", expectFault(err, message.FaultMessageIsAlreadySent))
}

// senderSigned checks the sender's ЭП-ОВ (SenderInformationSystemSignature)
// over the delivered element with Id id, against the certificate the stand
// keeps for mnemonic.
func (r *run) senderSigned(envelope []byte, id, mnemonic string) error {
	cert, err := signing.LoadCertificate(signing.CertPath(r.cfg.KeyDir, mnemonic))
	if err != nil {
		return err
	}
	if err := (signing.Verifier{}).Verify(envelope, id, cert); err != nil {
		return fmt.Errorf("signature of %s: %w", mnemonic, err)
	}
	return nil
}

func expectFault(err error, kind message.FaultKind) error {
	var f *message.Fault
	switch {
	case err == nil:
		return fmt.Errorf("accepted, want %s", kind)
	case !errors.As(err, &f) || f.Kind != kind:
		return fmt.Errorf("%v, want %s", err, kind)
	}
	return nil
}

// poll calls try until it reports done or Wait passes.
func (r *run) poll(ctx context.Context, try func() (bool, error)) error {
	deadline := time.Now().Add(r.cfg.Wait)
	for {
		done, err := try()
		if done || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing after %s", r.cfg.Wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// awaitResponse waits for the answer to request id, acknowledges it and
// checks it.
func (r *run) awaitResponse(ctx context.Context, id string, check func(*smevclient.Delivery) error) error {
	return r.poll(ctx, func() (bool, error) {
		d, err := r.client.GetResponse(ctx, smevclient.Selector{})
		if err != nil || d == nil {
			return false, err
		}
		if err := r.client.Ack(ctx, d.MessageID, true); err != nil {
			return false, fmt.Errorf("ack %s: %w", d.MessageID, err)
		}
		if d.Response.OriginalMessageID != id {
			return false, nil // an answer left over from an earlier run
		}
		return true, check(d)
	})
}

// statuses drains GetStatus and wants a status of at least one of the
// messages this run sent. Statuses are handed out once, without Ack: a
// reply lost on the way loses its status, so any of them counts.
func (r *run) statuses(ctx context.Context, ids ...string) error {
	seen := 0
	for {
		st, err := r.client.GetStatus(ctx)
		if err != nil {
			return err
		}
		if st == nil {
			break
		}
		for _, id := range ids {
			if st.OriginalMessageID == id {
				seen++
			}
		}
	}
	if seen == 0 {
		return fmt.Errorf("no processing status of %v", ids)
	}
	return nil
}

func (r *run) file(ctx context.Context, service string, out *portal.Filed) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(r.cfg.BaseURL, "/")+"/portal/applications?service="+service, nil)
	if err != nil {
		return err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (r *run) get(ctx context.Context, path string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(r.cfg.BaseURL, "/")+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	return string(b), nil
}

func elkStatus(order int64, status int, comment string) string {
	return `<ElkOrderRequest xmlns="` + portal.ELKStatusNS + `" env="SVCDEV"><UpdateOrdersRequest><orders><order>` +
		`<elkOrderNumber>` + strconv.FormatInt(order, 10) + `</elkOrderNumber><senderInn>7700000000</senderInn><statusHistoryList><statusHistory>` +
		`<status>` + strconv.Itoa(status) + `</status><statusDate>` + time.Now().Format(time.RFC3339) + `</statusDate><statusComment>` + comment +
		`</statusComment></statusHistory></statusHistoryList></order></orders></UpdateOrdersRequest></ElkOrderRequest>`
}
