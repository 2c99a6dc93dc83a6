package bus

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// SignedID is the Id the stand gives the elements it signs, as SMEV does.
const SignedID = "SIGNED_BY_SMEV"

// Config is what a Bus needs; zero durations and sizes take the defaults.
type Config struct {
	Store    *store.Store
	Systems  *Registry
	Matrix   *AccessMatrix
	Verifier SignatureVerifier
	Signer   SignatureMaker // nil: replies go without SMEVSignature
	// ParseCertificate reads the validity period of a caller's certificate.
	ParseCertificate CertificateParser
	// Redelivery is how long a delivered, unacknowledged message stays
	// hidden before it is delivered again; RedeliveryPerMiB adds time for
	// each MiB of its attachments.
	Redelivery       time.Duration
	RedeliveryPerMiB time.Duration
	// StaleAfter is the age of a MessageID timestamp that makes it stale.
	StaleAfter time.Duration
	// MaxAttachmentBytes caps the inline attachments of one message.
	MaxAttachmentBytes int64
	// QueueCapacity caps a recipient's unacknowledged messages (DestinationOverflow).
	QueueCapacity int
	// Now is the bus clock; tests move it instead of sleeping.
	Now func() time.Time
	// DuplicateDelivery, when it returns true for a delivered message,
	// leaves it visible so the next Get delivers it again (fault injection).
	DuplicateDelivery func() bool
	// ForgeSignature, when it returns true for a delivered message's id,
	// changes the delivery after it is signed, so that its SMEVSignature
	// does not verify (fault injection: a forged message).
	ForgeSignature func(messageID string) bool
}

// Defaults of Config.
const (
	DefaultRedelivery         = 30 * time.Second
	DefaultStaleAfter         = 48 * time.Hour
	DefaultMaxAttachmentBytes = 5 << 20
	DefaultQueueCapacity      = 1000
)

// Bus is the message exchange; safe for concurrent use.
type Bus struct {
	store      *store.Store
	systems    *Registry
	matrix     *AccessMatrix
	verifier   SignatureVerifier
	signer     SignatureMaker
	parseCert  CertificateParser
	redelivery store.Redelivery
	staleAfter time.Duration
	maxAttach  int64
	capacity   int
	now        func() time.Time
	duplicate  func() bool
	forge      func(messageID string) bool
}

// New checks cfg and returns a Bus.
func New(cfg Config) (*Bus, error) {
	if cfg.Store == nil || cfg.Systems == nil || cfg.Matrix == nil || cfg.Verifier == nil || cfg.ParseCertificate == nil {
		return nil, errors.New("bus: Store, Systems, Matrix, Verifier and ParseCertificate are required")
	}
	for _, r := range cfg.Matrix.Routes() {
		if _, ok := cfg.Systems.ByMnemonic(r.Provider); !ok {
			return nil, fmt.Errorf("bus: type %s is provided by unregistered system %s", r.Type, r.Provider)
		}
	}
	b := &Bus{
		store: cfg.Store, systems: cfg.Systems, matrix: cfg.Matrix, verifier: cfg.Verifier, signer: cfg.Signer,
		parseCert: cfg.ParseCertificate, redelivery: store.Redelivery{Base: cfg.Redelivery, PerMiB: cfg.RedeliveryPerMiB}, staleAfter: cfg.StaleAfter,
		maxAttach: cfg.MaxAttachmentBytes, capacity: cfg.QueueCapacity, now: cfg.Now, duplicate: cfg.DuplicateDelivery,
		forge: cfg.ForgeSignature,
	}
	if b.redelivery.Base <= 0 {
		b.redelivery.Base = DefaultRedelivery
	}
	if b.redelivery.PerMiB < 0 {
		return nil, errors.New("bus: negative RedeliveryPerMiB")
	}
	if b.staleAfter <= 0 {
		b.staleAfter = DefaultStaleAfter
	}
	if b.maxAttach <= 0 {
		b.maxAttach = DefaultMaxAttachmentBytes
	}
	if b.capacity <= 0 {
		b.capacity = DefaultQueueCapacity
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.duplicate == nil {
		b.duplicate = func() bool { return false }
	}
	return b, nil
}

// Systems returns the registry the bus authenticates against.
func (b *Bus) Systems() *Registry { return b.systems }

// Matrix returns the access matrix the bus routes by.
func (b *Bus) Matrix() *AccessMatrix { return b.matrix }

// Store returns the bus's database.
func (b *Bus) Store() *store.Store { return b.store }

// isMessageID reports whether id is basic:UUID (lowercase, hyphenated)
// narrowed to version 1 (time-based) with the RFC 4122 variant, as the
// methodical recommendations require.
func isMessageID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := range len(id) {
		c := id[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case i == 14:
			if c != '1' {
				return false
			}
		case i == 19:
			if c != '8' && c != '9' && c != 'a' && c != 'b' {
				return false
			}
		case (c < '0' || c > '9') && (c < 'a' || c > 'f'):
			return false
		}
	}
	return true
}

func (b *Bus) checkMessageID(id string) (uuid.UUID, error) {
	if !isMessageID(id) {
		return uuid.UUID{}, newFault(message.FaultInvalidMessageIDFormat, "MessageID %q is not a lowercase UUID version 1", id)
	}
	u := uuid.MustParse(id)
	sec, nsec := u.Time().UnixTime()
	if age := b.now().Sub(time.Unix(sec, nsec)); age > b.staleAfter {
		return uuid.UUID{}, newFault(message.FaultStaleMessageID, "MessageID %s was made %s ago, more than %s", id, age.Round(time.Second), b.staleAfter)
	}
	return u, nil
}

// contentType returns the qualified name of the business document's root.
func contentType(c *message.MessagePrimaryContent) (MessageType, error) {
	if c == nil || len(c.XML) == 0 {
		return MessageType{}, contentFault("MessagePrimaryContent is missing or empty")
	}
	d := xml.NewDecoder(bytes.NewReader(c.XML))
	for {
		tok, err := d.Token()
		if err != nil {
			return MessageType{}, contentFault("MessagePrimaryContent: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Space == "" {
				return MessageType{}, contentFault("business element %s has no namespace", se.Name.Local)
			}
			return MessageType{Namespace: se.Name.Space, RootElement: se.Name.Local}, nil
		}
	}
}

func contentFault(format string, args ...any) *message.Fault {
	f := newFault(message.FaultInvalidContent, format, args...)
	f.ValidationErrors = []message.ValidationError{{Position: 0, Message: f.Description}}
	return f
}

// sealed serializes v, then signs the element with Id SignedID inside it and
// hands the signature to set, so the signed bytes are the delivered bytes.
func (b *Bus) sealed(v any, set func(*message.Signature)) error {
	if b.signer == nil {
		return nil
	}
	doc, err := xml.Marshal(v)
	if err != nil {
		return fmt.Errorf("serialize %T for SMEVSignature: %w", v, err)
	}
	sig, err := b.signer.Sign(doc, SignedID)
	if err != nil {
		return fmt.Errorf("make SMEVSignature over %T: %w", v, err)
	}
	set(&message.Signature{XML: sig})
	return nil
}

func (b *Bus) party(mnemonic string) *message.Party {
	p := &message.Party{Mnemonic: mnemonic, HumanReadableName: mnemonic}
	if s, ok := b.systems.ByMnemonic(mnemonic); ok && s.Name != "" {
		p.HumanReadableName = s.Name
	}
	return p
}

// enqueue stores m in its recipient's queue unless the queue is full
// (DestinationOverflow); the store counts and inserts under one lock.
func (b *Bus) enqueue(ctx context.Context, m *store.Message, accepted *store.StatusEvent) error {
	err := b.store.InsertMessageWithin(ctx, m, accepted, b.capacity)
	var full *store.QueueFullError
	if errors.As(err, &full) {
		f := newFault(message.FaultDestinationOverflow, "queue of %s holds %d messages, the limit", full.Recipient, full.Length)
		f.MessageBrokerAddress, f.DestinationName = "smevstand", full.Recipient+"/"+full.Kind
		return f
	}
	return err
}
