// Package portal simulates the federal portal (ЕПГУ, Госуслуги) behind the
// stand's bus: it files applications for the configured services at a
// steady rate, with invented applicants, PDF scans and the applicants'
// detached signatures; takes the agencies' status updates (ElkOrderRequest)
// and results; answers a request for more documents after a delay; and
// shows each application's history in an applicant's cabinet page.
//
// The portal is a bus participant like any other, but it lives inside the
// stand and calls the bus in-process as the already authenticated EPGU
// system.
package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/applicants"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/filestore"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// ELK status codes (ЕСНСИ 7212) the portal acts on or writes itself.
const (
	StatusAccepted        = 1  // принято от заявителя
	StatusSentToAgency    = 2  // отправлено в ведомство
	StatusDone            = 3  // исполнено
	StatusRefused         = 4  // отказ
	StatusWaitingForInput = 14 // ожидание дополнительной информации от пользователя
)

// ErrNoService means the portal has no service with the code asked for.
var ErrNoService = errors.New("no such service")

// Config is what a Portal needs.
type Config struct {
	Bus      *bus.Bus
	Store    *store.Store
	Mnemonic string // the portal's system, "EPGU"
	Services []Service
	// Rate is applications per second; zero files none on its own.
	Rate float64
	// ExtraDocsDelay is how long the applicant takes to answer a request
	// for more documents.
	ExtraDocsDelay time.Duration
	// PollInterval is the pause after the portal's queues ran empty.
	PollInterval time.Duration
	Scanner      *Scanner
	// Signer makes the portal's ЭП-ОВ on what it sends; nil sends unsigned.
	Signer bus.SignatureMaker
	Seed   uint64
	Now    func() time.Time
	Log    *slog.Logger
}

// Portal is the simulated ЕПГУ.
type Portal struct {
	cfg Config
	mu  sync.Mutex // guards gen and r
	gen *applicants.Generator
	r   *rand.Rand
}

// New checks cfg and returns a portal.
func New(cfg Config) (*Portal, error) {
	if cfg.Bus == nil || cfg.Store == nil || cfg.Scanner == nil || cfg.Mnemonic == "" || len(cfg.Services) == 0 {
		return nil, errors.New("portal: Bus, Store, Scanner, Mnemonic and Services are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Portal{
		cfg: cfg,
		gen: applicants.NewGenerator(cfg.Seed, cfg.Now),
		r:   rand.New(rand.NewPCG(cfg.Seed, cfg.Seed+1)),
	}, nil
}

// Services lists the portal's services.
func (p *Portal) Services() []Service { return p.cfg.Services }

// Run files applications at the configured rate and processes what the
// agencies send until ctx ends.
func (p *Portal) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if p.cfg.Rate > 0 {
		wg.Go(func() { p.fileAtRate(ctx) })
	}
	wg.Go(func() { p.poll(ctx) })
	wg.Wait()
}

func (p *Portal) fileAtRate(ctx context.Context) {
	t := time.NewTicker(time.Duration(float64(time.Second) / p.cfg.Rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := p.FileApplication(ctx, ""); err != nil && ctx.Err() == nil {
				p.cfg.Log.Error("portal: file application", "err", err)
			}
		}
	}
}

// poll drains the portal's request queue, response queue and due tasks,
// then waits PollInterval.
func (p *Portal) poll(ctx context.Context) {
	for ctx.Err() == nil {
		worked, err := p.Step(ctx)
		if err != nil && ctx.Err() == nil {
			p.cfg.Log.Error("portal: process", "err", err)
		}
		if worked && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(p.cfg.PollInterval):
		}
	}
}

// Step processes at most one incoming request, one response and one due
// task; it reports whether there was anything to do. A failing task is
// logged and put off, not returned: it says nothing about the queues.
func (p *Portal) Step(ctx context.Context) (bool, error) {
	got, err := p.cfg.Bus.GetRequest(ctx, p.cfg.Mnemonic, message.MessageTypeSelector{})
	if err != nil {
		return false, fmt.Errorf("get request: %w", err)
	}
	worked := got.RequestMessage != nil
	if worked {
		if err := p.takeRequest(ctx, got.RequestMessage); err != nil {
			return true, err
		}
	}
	resp, err := p.cfg.Bus.GetResponse(ctx, p.cfg.Mnemonic, message.MessageTypeSelector{})
	if err != nil {
		return worked, fmt.Errorf("get response: %w", err)
	}
	if resp.ResponseMessage != nil {
		worked = true
		if err := p.takeResponse(ctx, resp.ResponseMessage); err != nil {
			return true, err
		}
	}
	ran, err := p.cfg.Store.RunDueTask(ctx, p.cfg.Mnemonic, p.cfg.Now(), func(t store.Task) error { return p.runTask(ctx, t) })
	if err != nil {
		// The store puts a failing task off on its own; the queues must not
		// wait for it (poll pauses after an error).
		p.cfg.Log.Error("portal: scheduled task", "err", err)
	}
	return worked || ran, nil
}

// document is one attached scan.
type document struct {
	title, contentID, fileName string
	data, signature            []byte
}

// FileApplication files one application for the service with this code
// (any service, in turn, when empty) and returns it as recorded.
func (p *Portal) FileApplication(ctx context.Context, serviceCode string) (*store.Application, error) {
	order, err := p.cfg.Store.ReserveOrderNumber(ctx)
	if err != nil {
		return nil, err
	}
	var svc Service
	var regular []Service
	for _, s := range p.cfg.Services {
		if s.Code == serviceCode {
			svc = s
		}
		if !s.OnDemand {
			regular = append(regular, s)
		}
	}
	switch {
	case serviceCode == "" && len(regular) > 0:
		svc = regular[int(order)%len(regular)]
	case svc.Code == "":
		return nil, fmt.Errorf("portal: %w: %q", ErrNoService, serviceCode)
	}
	now := p.cfg.Now()
	p.mu.Lock()
	var person applicants.Person
	var company *applicants.Company
	if svc.Companies || p.r.IntN(3) == 0 {
		c := p.gen.Company()
		company, person = &c, c.Director
	} else {
		person = p.gen.Person()
	}
	object := svc.Object(objectSource{r: p.r, gen: p.gen})
	p.mu.Unlock()

	applicantName := person.FullName()
	if company != nil {
		applicantName = company.ShortName
	}
	signer, err := signing.Person(person.LastName, person.FirstName+" "+person.MiddleName, person.SNILS, now)
	if err != nil {
		return nil, err
	}
	form := newForm(svc, order, person.Address.OKTMO, applicantForm(&person, company), object, now)
	docs, err := p.scans(svc.Documents, applicantName, object, signer, now)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewUUID()
	if err != nil {
		return nil, fmt.Errorf("portal: message id: %w", err)
	}
	if err := p.send(ctx, id, uuid.UUID{}, form, docs); err != nil {
		return nil, err
	}
	files, err := p.keep(ctx, docs, now)
	if err != nil {
		return nil, err
	}
	applicant, err := json.Marshal(struct {
		Person  applicants.Person   `json:"person"`
		Company *applicants.Company `json:"company,omitempty"`
	}{person, company})
	if err != nil {
		return nil, fmt.Errorf("portal: encode applicant: %w", err)
	}
	app := &store.Application{
		ID: id, OrderNumber: order, ServiceCode: svc.Code, ServiceName: svc.Name, Recipient: svc.Recipient,
		ApplicantName: applicantName, Applicant: applicant, CreatedAt: now,
		Events: []store.ApplicationEvent{
			{At: now, Direction: "out", StatusCode: ptr(StatusAccepted), Title: "Заявление принято от заявителя"},
			{At: now, Direction: "out", StatusCode: ptr(StatusSentToAgency), Title: "Заявление отправлено в ведомство", MessageID: &id, Files: files},
		},
	}
	if err := p.cfg.Store.InsertApplication(ctx, app); err != nil {
		return nil, err
	}
	p.cfg.Log.Info("portal: application filed", "order", order, "service", svc.Code, "to", svc.Recipient, "message", id)
	return app, nil
}

func ptr[T any](v T) *T { return &v }

// scans renders and signs one PDF per document title.
func (p *Portal) scans(titles []string, owner string, object []Field, signer *esign.Signer, now time.Time) ([]document, error) {
	var lines []string
	for _, f := range object {
		lines = append(lines, f.Value)
	}
	docs := make([]document, 0, len(titles))
	for i, title := range titles {
		pdf, err := p.cfg.Scanner.Scan(title, "Заявитель: "+owner, lines, now)
		if err != nil {
			return nil, err
		}
		sig, err := signer.SignDetached(bytes.NewReader(pdf))
		if err != nil {
			return nil, fmt.Errorf("portal: sign scan %q: %w", title, err)
		}
		docs = append(docs, document{
			title: title, contentID: "doc-" + strconv.Itoa(i+1), fileName: "scan-" + strconv.Itoa(i+1) + ".pdf",
			data: pdf, signature: sig,
		})
	}
	return docs, nil
}

// send puts a form with its scans on the bus as the portal.
func (p *Portal) send(ctx context.Context, id, reference uuid.UUID, form *formData, docs []document) error {
	form.Documents = nil
	req := &message.SendRequestRequest{SenderProvidedRequestData: message.SenderProvidedRequestData{
		ID: "SIGNED_BY_EPGU", MessageID: id.String(),
	}}
	if reference != (uuid.UUID{}) {
		req.SenderProvidedRequestData.ReferenceMessageID = reference.String()
	}
	if len(docs) > 0 {
		req.SenderProvidedRequestData.AttachmentHeaderList = &message.AttachmentHeaderList{}
		req.AttachmentContentList = &message.AttachmentContentList{}
	}
	for _, d := range docs {
		form.Documents = append(form.Documents, formDoc{Type: d.title, FileName: d.fileName, ContentID: d.contentID, Signed: d.signature != nil})
		req.SenderProvidedRequestData.AttachmentHeaderList.AttachmentHeader = append(req.SenderProvidedRequestData.AttachmentHeaderList.AttachmentHeader,
			message.AttachmentHeader{ContentID: d.contentID, MimeType: "application/pdf", SignaturePKCS7: d.signature})
		req.AttachmentContentList.AttachmentContent = append(req.AttachmentContentList.AttachmentContent,
			message.AttachmentContent{ID: d.contentID, Content: message.AttachmentData{Inline: d.data}})
	}
	content, err := marshalForm(form)
	if err != nil {
		return err
	}
	req.SenderProvidedRequestData.MessagePrimaryContent.XML = content
	sig, err := bus.SignAs(p.cfg.Signer, &req.SenderProvidedRequestData, req.SenderProvidedRequestData.ID)
	if err != nil {
		return fmt.Errorf("portal: order %d: %w", form.OrderID, err)
	}
	if _, err := p.cfg.Bus.SendRequest(ctx, bus.Outgoing{Sender: p.cfg.Mnemonic, Signature: sig}, req); err != nil {
		return fmt.Errorf("portal: send order %d: %w", form.OrderID, err)
	}
	return nil
}

// keep copies the scans into the file storage so the cabinet can show them.
func (p *Portal) keep(ctx context.Context, docs []document, now time.Time) ([]store.EventFile, error) {
	files := make([]store.EventFile, 0, len(docs))
	for _, d := range docs {
		f, err := filestore.Put(ctx, p.cfg.Store, p.cfg.Mnemonic, d.fileName, "application/pdf", d.data, now)
		if err != nil {
			return nil, err
		}
		files = append(files, store.EventFile{UUID: f.UUID.String(), Name: d.title + " (" + d.fileName + ")", MimeType: "application/pdf", Signature: d.signature})
	}
	return files, nil
}
