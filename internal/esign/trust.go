package esign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Verdict is what a case card says about a signature, one of three.
// The values are stable codes, fit to be stored.
type Verdict string

const (
	// VerdictTrusted: the signature verifies and the certificate chains to
	// a trusted root, is valid, may sign and is not revoked.
	VerdictTrusted Verdict = "trusted"
	// VerdictUntrusted: the signature verifies, but its certificate could
	// not be trusted; the Reason says why.
	VerdictUntrusted Verdict = "untrusted"
	// VerdictInvalid: the signature does not verify over the document.
	VerdictInvalid Verdict = "invalid"
)

// Label is the verdict as the card shows it.
func (v Verdict) Label() string {
	switch v {
	case VerdictTrusted:
		return "Подпись верна, сертификат доверенный"
	case VerdictUntrusted:
		return "Подпись верна, сертификат не проверен или недоверенный"
	}
	return "Подпись неверна"
}

// Reason says why a signature is not VerdictTrusted. The values are stable
// codes, fit to be stored.
type Reason string

// Reasons of VerdictUntrusted.
const (
	ReasonUntrustedRoot  Reason = "untrusted_root"
	ReasonExpired        Reason = "expired"
	ReasonNotYetValid    Reason = "not_yet_valid"
	ReasonRevoked        Reason = "revoked"
	ReasonKeyUsage       Reason = "key_usage"
	ReasonCRLUnavailable Reason = "crl_unavailable"
)

// Reasons of VerdictInvalid.
const (
	ReasonDocumentChanged Reason = "document_changed"
	ReasonWrongSigner     Reason = "wrong_signer"
	ReasonUnsupported     Reason = "unsupported"
	ReasonBadSignature    Reason = "bad_signature"
)

// Label is the reason in Russian, for people.
func (r Reason) Label() string {
	switch r {
	case ReasonUntrustedRoot:
		return "сертификат выдан удостоверяющим центром, которому система не доверяет"
	case ReasonExpired:
		return "срок действия сертификата истёк"
	case ReasonNotYetValid:
		return "срок действия сертификата ещё не начался"
	case ReasonRevoked:
		return "сертификат отозван"
	case ReasonKeyUsage:
		return "сертификат не предназначен для подписи документов"
	case ReasonCRLUnavailable:
		return "список отозванных сертификатов недоступен, отзыв не проверен"
	case ReasonDocumentChanged:
		return "документ изменён после подписания"
	case ReasonWrongSigner:
		return "подпись сделана другим сертификатом"
	case ReasonUnsupported:
		return "алгоритм подписи не ГОСТ Р 34.10-2012"
	case ReasonBadSignature:
		return "подпись повреждена или не соответствует сертификату"
	}
	return ""
}

// TrustError is why a certificate is not trusted: a Reason for people and
// the store, and the precise cause, which errors.Is sees through.
type TrustError struct {
	Reason Reason
	Err    error
}

func (e *TrustError) Error() string { return e.Err.Error() }
func (e *TrustError) Unwrap() error { return e.Err }

// Verification is the outcome of checking a signature against a TrustStore.
type Verification struct {
	Verdict Verdict
	// Reason is empty when Verdict is VerdictTrusted.
	Reason Reason
	// Detail is the precise cause in English, for logs and the audit
	// record; empty when trusted.
	Detail string
	// Signer is who signed and when; nil when Verdict is VerdictInvalid.
	// Its Chain runs to a trusted root when Verdict is VerdictTrusted.
	Signer *SignerInfo
	// Certificate is the signer's certificate whenever the signature names
	// one that it carries or the caller expected, even if invalid.
	Certificate *Certificate
	// Revocation is the CRL entry when Reason is ReasonRevoked.
	Revocation *RevokedCertificate
}

// Message is the verdict with its reason, one sentence for the card.
func (v *Verification) Message() string {
	if v.Reason == "" {
		return v.Verdict.Label()
	}
	return v.Verdict.Label() + ": " + v.Reason.Label()
}

// defaultCRLTimeout bounds one CRL download.
const defaultCRLTimeout = 10 * time.Second

// crlRetryInterval: after a failed download the next attempt waits this
// long, so an unreachable CRL server does not stall every verification.
const crlRetryInterval = 30 * time.Second

// crlWithoutNextUpdate is how long a downloaded CRL that names no
// nextUpdate is kept.
const crlWithoutNextUpdate = time.Hour

// TrustConfig is what an installation trusts.
type TrustConfig struct {
	// Roots are the trusted certification authorities (see ParsePoolPEM);
	// required.
	Roots *Pool
	// Intermediates may help build chains; they are not trusted themselves.
	Intermediates *Pool
	// CRLs are where the revocation lists come from: file paths, read again
	// whenever the file changes, or http(s) URLs, downloaded and kept until
	// the list's nextUpdate. A certificate whose issuer has no current CRL
	// among them is not trusted (ReasonCRLUnavailable).
	CRLs []string
	// CRLTimeout bounds one download; zero means 10 seconds.
	CRLTimeout time.Duration
}

// TrustStore decides whether signers' certificates are to be trusted: a
// chain to a configured root, validity at a given time, key usage for
// signing and revocation by CRL. It is safe for concurrent use.
type TrustStore struct {
	roots         *Pool
	intermediates *Pool
	crls          []*crlSource
}

// NewTrustStore makes a trust store. It reads no CRL yet: a CRL server
// that is down at startup only makes verdicts untrusted until it is back.
func NewTrustStore(cfg TrustConfig) (*TrustStore, error) {
	if cfg.Roots == nil || len(cfg.Roots.certs) == 0 {
		return nil, fmt.Errorf("esign: trust store: %w: no trusted roots configured", ErrUntrusted)
	}
	timeout := cfg.CRLTimeout
	if timeout <= 0 {
		timeout = defaultCRLTimeout
	}
	s := &TrustStore{roots: cfg.Roots, intermediates: cfg.Intermediates}
	for _, loc := range cfg.CRLs {
		src, err := newCRLSource(loc, timeout)
		if err != nil {
			return nil, err
		}
		s.crls = append(s.crls, src)
	}
	return s, nil
}

// TrustOptions says what a signature is checked for.
type TrustOptions struct {
	// At is when the certificate must be valid; zero means now. CRLs must be
	// current now whatever At says.
	At time.Time
	// Signer, when set, is the only certificate the signature may have been
	// made with (a person's registered certificate).
	Signer *Certificate
}

// VerifyDetached checks a detached CMS signature over the document read
// from r and returns the verdict. An error means no verdict could be
// reached (the document could not be read); every fault of the signature
// or the certificate is a verdict instead.
func (s *TrustStore) VerifyDetached(ctx context.Context, r io.Reader, sig []byte, opts TrustOptions) (*Verification, error) {
	ds, err := parseDetached(sig, opts.Signer)
	if err != nil {
		return invalid(err, nil), nil
	}
	doc := &readErrorReader{r: r}
	info, err := ds.verify(doc)
	if doc.err != nil {
		return nil, fmt.Errorf("esign: verify: read document: %w", doc.err)
	}
	if err != nil {
		return invalid(err, ds.cert), nil
	}
	v := &Verification{Signer: info, Certificate: ds.cert}
	chain, err := s.checkCertificate(ctx, ds.cert, ds.carried, opts.At)
	if err != nil {
		var te *TrustError
		if !errors.As(err, &te) {
			return nil, err
		}
		v.Verdict, v.Reason, v.Detail = VerdictUntrusted, te.Reason, te.Error()
		var re *revokedError
		if errors.As(err, &re) {
			v.Revocation = &re.entry
		}
		return v, nil
	}
	info.Chain = chain
	v.Verdict = VerdictTrusted
	return v, nil
}

// CheckCertificate checks a certificate as VerifyDetached checks a
// signer's, without a signature: for a person enrolling a certificate, or
// before signing with one. It returns the chain, cert first and the root
// last, or a *TrustError.
func (s *TrustStore) CheckCertificate(ctx context.Context, cert *Certificate, at time.Time) ([]*Certificate, error) {
	return s.checkCertificate(ctx, cert, nil, at)
}

// checkCertificate checks, in this order, the validity period, the key
// usage, the chain and revocation; the first failure is the reason.
func (s *TrustStore) checkCertificate(ctx context.Context, cert *Certificate, carried []*Certificate, at time.Time) ([]*Certificate, error) {
	at = atOrNow(at)
	switch {
	case at.Before(cert.NotBefore):
		return nil, &TrustError{ReasonNotYetValid, cert.CheckValidity(at)}
	case at.After(cert.NotAfter):
		return nil, &TrustError{ReasonExpired, cert.CheckValidity(at)}
	}
	if err := checkSigningKeyUsage(cert); err != nil {
		return nil, &TrustError{ReasonKeyUsage, err}
	}
	intermediates := NewPool(carried...)
	if s.intermediates != nil {
		for _, c := range s.intermediates.certs {
			intermediates.Add(c)
		}
	}
	chain, err := cert.Verify(ChainOptions{Roots: s.roots, Intermediates: intermediates, At: at})
	if err != nil {
		if errors.Is(err, ErrCertificateExpired) {
			return nil, &TrustError{ReasonExpired, err}
		}
		return nil, &TrustError{ReasonUntrustedRoot, err}
	}
	if err := s.checkRevocation(ctx, chain); err != nil {
		return nil, err
	}
	return chain, nil
}

// revokedError carries the CRL entry of a revoked certificate.
type revokedError struct {
	cert  *Certificate
	entry RevokedCertificate
}

func (e *revokedError) Error() string {
	return fmt.Sprintf("esign: %v: %q (serial %X) revoked at %s", ErrUntrusted, e.cert.Subject.FullName(), e.cert.SerialNumber,
		e.entry.RevocationTime.UTC().Format(time.RFC3339))
}

func (e *revokedError) Unwrap() error { return ErrUntrusted }

// checkRevocation looks every certificate of the chain but the root up in
// a current CRL of its issuer. Roots are trust anchors: no CRL speaks for them.
// A listed certificate is revoked whatever its revocation date: without a
// trusted timestamp, the signing time a signature claims proves nothing.
func (s *TrustStore) checkRevocation(ctx context.Context, chain []*Certificate) error {
	now := time.Now()
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		crl, err := s.crlOf(ctx, issuer, now)
		if err != nil {
			return &TrustError{ReasonCRLUnavailable, err}
		}
		if entry, revoked := crl.Lookup(cert.SerialNumber); revoked {
			return &TrustError{ReasonRevoked, &revokedError{cert: cert, entry: entry}}
		}
	}
	return nil
}

// crlOf returns a current CRL signed by issuer from the configured sources.
func (s *TrustStore) crlOf(ctx context.Context, issuer *Certificate, now time.Time) (*CRL, error) {
	var problems []string
	for _, src := range s.crls {
		crl, err := src.crlFor(ctx, issuer, now)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if crl != nil {
			return crl, nil
		}
	}
	if len(problems) == 0 {
		return nil, fmt.Errorf("esign: no CRL of %q is configured", issuer.Subject.FullName())
	}
	return nil, fmt.Errorf("esign: no current CRL of %q: %s", issuer.Subject.FullName(), strings.Join(problems, "; "))
}

// crlSource is one configured CRL location with what was last read from it.
type crlSource struct {
	location string
	isURL    bool
	client   *http.Client

	mu         sync.Mutex // held while reading, so one download serves all waiting
	crl        *CRL
	fileStamp  string       // modification time and size of the file crl came from
	expires    time.Time    // a downloaded crl is read again after this
	verifiedBy *Certificate // issuer whose signature on crl was checked
	failedAt   time.Time    // last failed download
	failure    error
}

func newCRLSource(location string, timeout time.Duration) (*crlSource, error) {
	src := &crlSource{location: location}
	switch {
	case strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://"):
		src.isURL = true
		src.client = &http.Client{Timeout: timeout}
	case strings.Contains(location, "://"):
		return nil, fmt.Errorf("esign: CRL location %q: only files and http(s) URLs are supported", location)
	case location == "":
		return nil, errors.New("esign: empty CRL location")
	}
	return src, nil
}

// crlFor returns the source's CRL if it is issuer's, signed by issuer and
// current at now; nil without error if the source holds another issuer's.
func (src *crlSource) crlFor(ctx context.Context, issuer *Certificate, now time.Time) (*CRL, error) {
	src.mu.Lock()
	defer src.mu.Unlock()
	crl, err := src.load(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.location, unprefixed{err})
	}
	if string(crl.RawIssuer) != string(issuer.RawSubject) {
		return nil, nil
	}
	if !issuer.Equal(src.verifiedBy) {
		if err := crl.CheckSignatureFrom(issuer); err != nil {
			return nil, fmt.Errorf("%s: %w", src.location, unprefixed{err})
		}
		src.verifiedBy = issuer
	}
	if err := crl.CheckCurrent(now); err != nil {
		return nil, fmt.Errorf("%s: %w", src.location, unprefixed{err})
	}
	return crl, nil
}

// load returns the CRL, reading the file again if it changed, downloading
// again once the kept copy expires.
func (src *crlSource) load(ctx context.Context, now time.Time) (*CRL, error) {
	if !src.isURL {
		fi, err := os.Stat(src.location)
		if err != nil {
			return nil, err
		}
		stamp := fmt.Sprint(fi.ModTime().UnixNano(), fi.Size())
		if src.crl != nil && stamp == src.fileStamp {
			return src.crl, nil
		}
		data, err := readAtMost(func() (io.ReadCloser, error) { return os.Open(src.location) })
		if err != nil {
			return nil, err
		}
		return src.keep(data, stamp)
	}
	if src.crl != nil && now.Before(src.expires) {
		return src.crl, nil
	}
	if src.failure != nil && now.Sub(src.failedAt) < crlRetryInterval {
		return nil, src.failure
	}
	crl, err := src.download(ctx, now)
	if err != nil {
		src.crl, src.failure, src.failedAt = nil, err, now
		return nil, err
	}
	src.failure = nil
	return crl, nil
}

func (src *crlSource) download(ctx context.Context, now time.Time) (*CRL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.location, nil)
	if err != nil {
		return nil, err
	}
	data, err := readAtMost(func() (io.ReadCloser, error) {
		resp, err := src.client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("download: HTTP %s", resp.Status)
		}
		return resp.Body, nil
	})
	if err != nil {
		return nil, err
	}
	crl, err := src.keep(data, "")
	if err != nil {
		return nil, err
	}
	switch {
	case crl.NextUpdate.IsZero():
		src.expires = now.Add(crlWithoutNextUpdate)
	case !crl.NextUpdate.After(now):
		// The server still serves an out-of-date list: ask again later,
		// not on every verification.
		src.expires = now.Add(crlRetryInterval)
	default:
		src.expires = crl.NextUpdate
	}
	return crl, nil
}

// keep parses data as the source's new CRL.
func (src *crlSource) keep(data []byte, stamp string) (*CRL, error) {
	crl, err := ParseCRL(data)
	if err != nil {
		return nil, err
	}
	src.crl, src.fileStamp, src.verifiedBy = crl, stamp, nil
	return crl, nil
}

// readAtMost reads what open opens, refusing more than maxCRLSize bytes.
func readAtMost(open func() (io.ReadCloser, error)) ([]byte, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxCRLSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCRLSize {
		return nil, fmt.Errorf("esign: %w: CRL larger than %d bytes", ErrMalformed, maxCRLSize)
	}
	return data, nil
}

// invalid is the verdict on a signature that does not verify.
func invalid(err error, cert *Certificate) *Verification {
	reason := ReasonBadSignature
	switch {
	case errors.Is(err, ErrDigestMismatch):
		reason = ReasonDocumentChanged
	case errors.Is(err, ErrWrongSigner):
		reason = ReasonWrongSigner
	case errors.Is(err, ErrUnsupportedAlgorithm):
		reason = ReasonUnsupported
	}
	return &Verification{Verdict: VerdictInvalid, Reason: reason, Detail: err.Error(), Certificate: cert}
}

// readErrorReader remembers a read error, so a document that could not be
// read is told apart from a signature that does not match it.
type readErrorReader struct {
	r   io.Reader
	err error
}

func (e *readErrorReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
