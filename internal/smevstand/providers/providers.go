// Package providers simulates the agencies that answer Okno's
// interagency requests through the stand's bus: ФНС (ЕГРЮЛ and ЕГРИП
// extracts), Росреестр (ЕГРН statement), СФР (СНИЛС by personal data) and
// МВД (passport validity). Each answers after a configurable delay with
// data derived from the request (the same question gets the same answer),
// or rejects it with NO_DATA when the identifier fails its checksum or, at a
// configurable rate, as if the register had no record.
//
// A request is acknowledged only after its answer is scheduled in the
// stand's database, so a restart loses nothing.
package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/applicants"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// Agency is one provider system and the request types it answers.
type Agency struct {
	Mnemonic string
	Name     string
	Services []Service
}

// Service answers one request type.
type Service struct {
	Type bus.MessageType
	// Answer turns the request's fields into the response document, or a
	// rejection. g is seeded from the request, so answers are repeatable.
	Answer func(q Query, g *applicants.Generator, r *rand.Rand) ([]byte, *message.RequestRejected)
}

// Query is a request's business content flattened: the text of every leaf
// element and the value of every attribute, by local name.
type Query map[string]string

// Config is what the provider agencies need.
type Config struct {
	Bus      *bus.Bus
	Store    *store.Store
	Agencies []Agency
	// Signers make each agency's ЭП-ОВ, by mnemonic; an agency without one
	// answers unsigned.
	Signers map[string]bus.SignatureMaker
	// MinDelay and MaxDelay bound how long an answer takes.
	MinDelay, MaxDelay time.Duration
	// NoDataRate is the share of valid requests answered NO_DATA.
	NoDataRate   float64
	PollInterval time.Duration
	Seed         uint64
	Now          func() time.Time
	Log          *slog.Logger
}

// Providers runs the agencies.
type Providers struct {
	cfg Config
	mu  sync.Mutex
	r   *rand.Rand
}

// New checks cfg and returns the providers.
func New(cfg Config) (*Providers, error) {
	if cfg.Bus == nil || cfg.Store == nil {
		return nil, errors.New("providers: Bus and Store are required")
	}
	if cfg.MaxDelay < cfg.MinDelay {
		return nil, fmt.Errorf("providers: MaxDelay %s below MinDelay %s", cfg.MaxDelay, cfg.MinDelay)
	}
	if cfg.NoDataRate < 0 || cfg.NoDataRate > 1 {
		return nil, fmt.Errorf("providers: NoDataRate %v outside [0, 1]", cfg.NoDataRate)
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
	return &Providers{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0xabcdef))}, nil
}

// Routes are the access matrix entries of the agencies' request types,
// open to the given consumers.
func Routes(agencies []Agency, consumers []string) []bus.Route {
	var out []bus.Route
	for _, a := range agencies {
		for _, s := range a.Services {
			out = append(out, bus.Route{Type: s.Type, Provider: a.Mnemonic, Consumers: consumers})
		}
	}
	return out
}

// Run answers requests until ctx ends.
func (p *Providers) Run(ctx context.Context) {
	for ctx.Err() == nil {
		worked, err := p.Step(ctx)
		if err != nil && ctx.Err() == nil {
			p.cfg.Log.Error("providers: process", "err", err)
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

// pending is a received request waiting for its answer.
type pending struct {
	Type      bus.MessageType `json:"type"`
	ReplyTo   string          `json:"replyTo"`
	MessageID string          `json:"messageId"`
	Content   []byte          `json:"content"`
	NoData    bool            `json:"noData"`
}

const taskAnswer = "answer"

// Step takes at most one request per agency and sends every due answer;
// it reports whether there was anything to do.
func (p *Providers) Step(ctx context.Context) (bool, error) {
	worked := false
	for _, a := range p.cfg.Agencies {
		took, err := p.receive(ctx, a)
		if err != nil {
			return worked, err
		}
		ran, err := p.cfg.Store.RunDueTask(ctx, a.Mnemonic, p.cfg.Now(), func(t store.Task) error { return p.answer(ctx, a, t) })
		if err != nil {
			return worked, err
		}
		worked = worked || took || ran
	}
	return worked, nil
}

func (p *Providers) receive(ctx context.Context, a Agency) (bool, error) {
	got, err := p.cfg.Bus.GetRequest(ctx, a.Mnemonic, message.MessageTypeSelector{})
	if err != nil {
		return false, fmt.Errorf("%s: get request: %w", a.Mnemonic, err)
	}
	if got.RequestMessage == nil {
		return false, nil
	}
	req := got.RequestMessage.Request
	md := req.MessageMetadata
	typ, err := rootOf(req.SenderProvidedRequestData.MessagePrimaryContent.XML)
	if err != nil {
		return true, fmt.Errorf("%s: request %s: %w", a.Mnemonic, md.MessageID, err)
	}
	p.mu.Lock()
	delay := p.cfg.MinDelay
	if span := p.cfg.MaxDelay - p.cfg.MinDelay; span > 0 {
		delay += time.Duration(p.r.Int64N(int64(span)))
	}
	noData := p.r.Float64() < p.cfg.NoDataRate
	p.mu.Unlock()
	task := pending{Type: typ, ReplyTo: req.ReplyTo, MessageID: req.SenderProvidedRequestData.MessageID,
		Content: req.SenderProvidedRequestData.MessagePrimaryContent.XML, NoData: noData}
	if err := p.cfg.Store.AddTask(ctx, a.Mnemonic, taskAnswer, p.cfg.Now().Add(delay), task); err != nil {
		return true, err
	}
	return true, p.cfg.Bus.Ack(ctx, a.Mnemonic, message.AckTargetMessage{MessageID: md.MessageID})
}

func (p *Providers) answer(ctx context.Context, a Agency, t store.Task) error {
	var task pending
	if err := json.Unmarshal(t.Payload, &task); err != nil {
		return fmt.Errorf("decode answer task: %w", err)
	}
	id, err := uuid.NewUUID()
	if err != nil {
		return fmt.Errorf("message id: %w", err)
	}
	data := message.SenderProvidedResponseData{ID: "SIGNED_BY_" + a.Mnemonic, MessageID: id.String(), To: task.ReplyTo}
	var svc *Service
	for i := range a.Services {
		if a.Services[i].Type == task.Type {
			svc = &a.Services[i]
		}
	}
	q, qerr := flatten(task.Content)
	switch {
	case svc == nil:
		data.RequestRejected = []message.RequestRejected{{RejectionReasonCode: message.RejectUnknownRequestDescription,
			RejectionReasonDescription: "Вид сведений " + task.Type.String() + " не обслуживается"}}
	case qerr != nil:
		data.RequestRejected = []message.RequestRejected{{RejectionReasonCode: message.RejectUnknownRequestDescription,
			RejectionReasonDescription: "Запрос не разобран: " + qerr.Error()}}
	case task.NoData:
		data.RequestRejected = []message.RequestRejected{noData("Сведения по запросу не найдены")}
	default:
		h := fnv.New64a()
		h.Write(task.Content)
		seed := h.Sum64()
		g := applicants.NewGenerator(seed, p.cfg.Now)
		doc, rej := svc.Answer(q, g, rand.New(rand.NewPCG(seed, 1)))
		if rej != nil {
			data.RequestRejected = []message.RequestRejected{*rej}
		} else {
			data.MessagePrimaryContent = &message.MessagePrimaryContent{XML: doc}
		}
	}
	sig, err := bus.SignAs(p.cfg.Signers[a.Mnemonic], &data, data.ID)
	if err != nil {
		return fmt.Errorf("answer request %s: %w", task.MessageID, err)
	}
	_, err = p.cfg.Bus.SendResponse(ctx, bus.Outgoing{Sender: a.Mnemonic, Signature: sig}, &message.SendResponseRequest{SenderProvidedResponseData: data})
	if err != nil {
		return fmt.Errorf("answer request %s: %w", task.MessageID, err)
	}
	return nil
}

func noData(why string) message.RequestRejected {
	return message.RequestRejected{RejectionReasonCode: message.RejectNoData, RejectionReasonDescription: why}
}

func rootOf(content []byte) (bus.MessageType, error) {
	d := xml.NewDecoder(bytes.NewReader(content))
	for {
		tok, err := d.Token()
		if err != nil {
			return bus.MessageType{}, fmt.Errorf("read business content: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return bus.MessageType{Namespace: se.Name.Space, RootElement: se.Name.Local}, nil
		}
	}
}

// flatten collects leaf texts and attributes by local name; the first
// occurrence wins.
func flatten(content []byte) (Query, error) {
	q := Query{}
	d := xml.NewDecoder(bytes.NewReader(content))
	var stack []string
	var text []byte
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return q, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			text = text[:0]
			for _, a := range t.Attr {
				if _, seen := q[a.Name.Local]; !seen && a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					q[a.Name.Local] = a.Value
				}
			}
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if v := string(bytes.TrimSpace(text)); v != "" {
				if _, seen := q[name]; !seen {
					q[name] = v
				}
			}
			text = text[:0]
		}
	}
}
