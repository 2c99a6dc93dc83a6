package smevclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign/streebog"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// DefaultFileStorageThreshold is the total attachment size above which a
// message sends its files through file storage instead of MTOM, as the
// reference SMEV client does.
const DefaultFileStorageThreshold = 5 << 20

// Retry bounds the retries of one operation. Transport failures and the
// faults SMEV declares transient (SMEVFailure, DestinationOverflow) are retried.
type Retry struct {
	// Attempts is the total number of tries, the first included.
	Attempts int
	// BaseDelay is the wait after the first failure; it doubles each time,
	// with jitter, up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

// backoff is the wait after the nth failed attempt: BaseDelay doubled n-1
// times, capped at MaxDelay, then jittered into its upper half so many
// nodes do not retry in step.
func (r Retry) backoff(n int) time.Duration {
	delay := r.BaseDelay
	for i := 1; i < n && delay < r.MaxDelay; i++ {
		delay *= 2
	}
	delay = min(delay, r.MaxDelay)
	return delay/2 + rand.N(delay/2+1)
}

// Config is what a Client needs; only Endpoint and Signer are required.
type Config struct {
	// Endpoint is the URL of the SMEV message exchange service.
	Endpoint string
	// HTTPClient defaults to a client with a 2-minute timeout.
	HTTPClient *http.Client
	// Signer makes the information system's signature on every call.
	Signer Signer
	// Verifier checks SMEV's signature on replies. When nil, replies are
	// not checked (the test emulators of SMEV do not sign); when set, a
	// reply without a valid signature by one of SMEVCertificates fails.
	Verifier         Verifier
	SMEVCertificates [][]byte
	// Storage passes large attachments; without it such messages are refused.
	Storage FileStorage
	// FileStorageThreshold defaults to DefaultFileStorageThreshold.
	FileStorageThreshold int64
	// NewHash makes the digest of files in storage; defaults to Streebog-256.
	NewHash func() hash.Hash
	// MaxAttachmentBytes caps the MTOM parts of one reply together; defaults
	// to FileStorageThreshold (anything larger travels through file storage).
	MaxAttachmentBytes int64
	// JournalDir, when set, receives every envelope sent and received.
	JournalDir string
	// Retry defaults to 5 attempts, 500 ms doubling to 30 s.
	Retry Retry
	// Limits bound the XML of replies; defaults to message.DefaultLimits.
	Limits message.Limits
	// NodeID is sent in selectors and requests when the agency runs several nodes.
	NodeID string
}

// Client talks to SMEV 3 (schema 1.3) on behalf of one information system.
// It is safe for concurrent use.
type Client struct {
	cfg     Config
	journal journal
}

// New checks cfg, fills defaults and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		return nil, &InputError{Field: "Config.Endpoint", Reason: "empty"}
	}
	if cfg.Signer == nil {
		return nil, &InputError{Field: "Config.Signer", Reason: "nil; SMEV rejects unsigned calls"}
	}
	if cfg.Verifier != nil && len(cfg.SMEVCertificates) == 0 {
		return nil, &InputError{Field: "Config.SMEVCertificates", Reason: "empty while a Verifier is set; no reply could be trusted"}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if cfg.FileStorageThreshold <= 0 {
		cfg.FileStorageThreshold = DefaultFileStorageThreshold
	}
	if cfg.MaxAttachmentBytes <= 0 {
		cfg.MaxAttachmentBytes = cfg.FileStorageThreshold
	}
	if cfg.NewHash == nil {
		cfg.NewHash = streebog.New256
	}
	if cfg.Retry.Attempts <= 0 {
		cfg.Retry.Attempts = 5
	}
	if cfg.Retry.BaseDelay <= 0 {
		cfg.Retry.BaseDelay = 500 * time.Millisecond
	}
	if cfg.Retry.MaxDelay <= 0 {
		cfg.Retry.MaxDelay = 30 * time.Second
	}
	if cfg.Limits == (message.Limits{}) {
		cfg.Limits = message.DefaultLimits()
	}
	return &Client{cfg: cfg, journal: journal{dir: cfg.JournalDir}}, nil
}

// newMessageID makes a MessageID as SMEV wants it: a lowercase UUID version 1.
func newMessageID() (string, error) {
	id, err := uuid.NewUUID()
	if err != nil {
		return "", fmt.Errorf("generate message id: %w", err)
	}
	return id.String(), nil
}

// validMessageID reports whether id is a lowercase canonical UUID; version
// 1 is required for ids Okno assigns (wantV1).
func validMessageID(id string, wantV1 bool) bool {
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id {
		return false
	}
	return !wantV1 || u.Version() == 1
}

// exchange is one envelope to send.
type exchange struct {
	op       message.Operation
	id       string // message id for the journal
	envelope []byte
	parts    []outPart
}

// reply is what came back: the envelope and, for MTOM replies, the parts.
type reply struct {
	envelope []byte
	parts    map[string][]byte
}

// retryNow marks an error after which the next attempt may start at once
// (a fresh MessageID after StaleMessageId).
type retryNow struct{ err error }

func (r retryNow) Error() string { return r.err.Error() }
func (r retryNow) Unwrap() error { return r.err }

func retryable(err error) bool {
	// Whatever it wraps, an untrustworthy delivery would fail again.
	if errors.As(err, new(*UnverifiedDeliveryError)) {
		return false
	}
	var now retryNow
	if errors.As(err, &now) {
		return true
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Status == 0 || te.Status >= 500 || te.Status == http.StatusTooManyRequests || te.Status == http.StatusRequestTimeout
	}
	var f *Fault
	return errors.As(err, &f) && f.Retryable()
}

// noOverflowRetry marks a context whose caller retries a full destination
// queue itself.
type noOverflowRetry struct{}

// WithoutOverflowRetry returns a context in which a DestinationOverflow
// fault is returned at once instead of being retried with a wait: a caller
// with its own backoff (the outbox) must not hold a worker for it.
func WithoutOverflowRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, noOverflowRetry{}, true)
}

func overflowNotRetried(ctx context.Context, err error) bool {
	var f *Fault
	return ctx.Value(noOverflowRetry{}) != nil && errors.As(err, &f) && f.Kind == message.FaultDestinationOverflow
}

// do runs attempt until it succeeds, fails for good, the attempts run out
// or ctx ends. attempt gets the 1-based attempt number.
func (c *Client) do(ctx context.Context, attempt func(n int) error) error {
	for n := 1; ; n++ {
		err := attempt(n)
		if err == nil || !retryable(err) || n >= c.cfg.Retry.Attempts || overflowNotRetried(ctx, err) {
			return err
		}
		if errors.As(err, new(retryNow)) {
			continue
		}
		t := time.NewTimer(c.cfg.Retry.backoff(n))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up retrying after: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// roundTrip posts one envelope and reads the reply, journaling both. A SOAP
// fault in a non-2xx reply comes back as *Fault; other HTTP failures as
// *TransportError.
func (c *Client) roundTrip(ctx context.Context, ex exchange) (*reply, error) {
	if err := c.journal.write(time.Now(), dirOut, ex.op, ex.id, ex.envelope); err != nil {
		return nil, err
	}
	req, finish, err := c.newHTTPRequest(ctx, ex)
	if err != nil {
		return nil, err
	}
	defer finish()
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		// An attachment that cannot be read would fail every retry too.
		var ae *AttachmentError
		if werr := finish(); errors.As(werr, &ae) {
			return nil, fmt.Errorf("smev %s: %w", ex.op, werr)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("smev %s: %w", ex.op, ctx.Err())
		}
		return nil, &TransportError{Op: ex.op, Err: err}
	}
	defer resp.Body.Close()
	rep, err := c.readReply(resp)
	if err != nil {
		if errors.Is(err, message.ErrTooLarge) {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadReply, ex.op, err)
		}
		return nil, &TransportError{Op: ex.op, Status: resp.StatusCode, Err: err}
	}
	if err := c.journal.write(time.Now(), dirIn, ex.op, replyID(rep.envelope, ex.id), rep.envelope); err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var none struct{}
		var f *Fault
		if err := message.Unmarshal(rep.envelope, c.cfg.Limits, &none); errors.As(err, &f) {
			return nil, f
		}
		return nil, &TransportError{Op: ex.op, Status: resp.StatusCode, Err: fmt.Errorf("no SOAP fault in the reply: %.200q", rep.envelope)}
	}
	return rep, nil
}

const rootContentID = "root.message@okno"

// newHTTPRequest builds the POST for ex. finish releases the request body
// and reports why streaming it failed, if it did; it may be called twice.
func (c *Client) newHTTPRequest(ctx context.Context, ex exchange) (*http.Request, func() error, error) {
	if len(ex.parts) == 0 {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.Endpoint, bytes.NewReader(ex.envelope))
		if err != nil {
			return nil, nil, fmt.Errorf("smev %s: build request: %w", ex.op, err)
		}
		req.Header.Set("Content-Type", message.ContentType)
		req.Header.Set("SOAPAction", ex.op.SOAPAction())
		return req, func() error { return nil }, nil
	}
	// MTOM: the parts stream from their sources through a pipe, so a large
	// attachment is never held in memory whole.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	written := make(chan error, 1)
	go func() {
		err := writeMTOM(mw, ex.envelope, ex.parts)
		pw.CloseWithError(err)
		written <- err
	}()
	var once sync.Once
	var writeErr error
	finish := func() error {
		once.Do(func() {
			pr.Close() // unblocks the writer if the transport stopped reading
			writeErr = <-written
		})
		return writeErr
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.Endpoint, pr)
	if err != nil {
		finish()
		return nil, nil, fmt.Errorf("smev %s: build request: %w", ex.op, err)
	}
	req.Header.Set("Content-Type", mime.FormatMediaType("multipart/related", map[string]string{
		"type":       "application/xop+xml",
		"start":      "<" + rootContentID + ">",
		"start-info": "text/xml",
		"boundary":   mw.Boundary(),
	}))
	req.Header.Set("SOAPAction", ex.op.SOAPAction())
	req.Header.Set("MIME-Version", "1.0")
	return req, finish, nil
}

// readReply reads a plain or MTOM reply within the configured limits.
func (c *Client) readReply(resp *http.Response) (*reply, error) {
	mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !strings.EqualFold(mediaType, "multipart/related") {
		env, err := c.cfg.Limits.ReadLimited(resp.Body)
		if err != nil {
			return nil, err
		}
		return &reply{envelope: env}, nil
	}
	return readMTOM(resp.Body, params, c.cfg.Limits, c.cfg.MaxAttachmentBytes)
}

// replyID picks the SMEV message id (MessageMetadata/MessageId, whatever
// its prefix) out of a reply for the journal's file name, falling back to
// the id of the request. It reads bytes, not XML: the reply is not yet
// checked, and a journal entry must be written even for garbage.
func replyID(envelope []byte, fallback string) string {
	const tag = "MessageId>"
	for rest := envelope; ; {
		i := bytes.Index(rest, []byte(tag))
		if i < 1 {
			return fallback
		}
		before := rest[i-1]
		rest = rest[i+len(tag):]
		if before != '<' && before != ':' { // OriginalMessageId, a closing tag
			continue
		}
		j := bytes.IndexByte(rest, '<')
		if j < 0 {
			return fallback
		}
		if id := strings.TrimSpace(string(rest[:j])); validMessageID(id, false) {
			return id
		}
		return fallback
	}
}
