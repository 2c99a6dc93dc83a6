package cases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/streebog"
	"github.com/okno-oiv/okno/internal/esign/xmlsig"
	"github.com/okno-oiv/okno/internal/filetype"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// Outcome says what intake did with a delivered message. Every outcome means
// the message is durably handled and may be acknowledged.
type Outcome string

const (
	OutcomeRegistered Outcome = "registered" // a new case
	OutcomeDuplicate  Outcome = "duplicate"  // redelivered: its case or rejection exists
	OutcomeRejected   Outcome = "rejected"   // refused; RequestRejected is queued
	OutcomeSupplement Outcome = "supplement" // documents the applicant sent for an existing case
)

// Receive registers one application delivered by the bus, exactly once:
// files go to the blob store first (under keys derived from the message, so
// a redelivery overwrites rather than duplicates), then the case, its
// documents, timeline and outbox job commit in one transaction. The caller
// acknowledges the message only after Receive returns without error.
func (s *Service) Receive(ctx context.Context, agencyID uuid.UUID, bus Bus, d *smevclient.Delivery) (Outcome, Case, error) {
	if d == nil || d.MessageID == "" {
		return "", Case{}, errors.New("cases: delivery without a message id")
	}
	ns, root := rootName(d.Content)
	if s.cfg.Withdrawal.Matches(ns, root) {
		return s.withdraw(ctx, agencyID, d)
	}
	var st forms.ServiceType
	var known bool
	var outcome Outcome
	err := s.inAgency(ctx, agencyID, func(tx pgx.Tx) error {
		if taken, err := messageTaken(ctx, tx, d.MessageID); err != nil || taken {
			if taken {
				outcome = OutcomeDuplicate
			}
			return err
		}
		var err error
		st, err = forms.ByNamespace(ctx, tx, ns, root)
		if errors.Is(err, forms.ErrNotFound) {
			return nil
		}
		known = err == nil
		return err
	})
	if err != nil || outcome == OutcomeDuplicate {
		return outcome, Case{}, err
	}
	if !known {
		return s.reject(ctx, agencyID, d, ns, root, "UNKNOWN_REQUEST_DESCRIPTION",
			fmt.Sprintf("Ведомство не оказывает услугу с формой {%s}%s", ns, root))
	}

	app, err := st.MapApplication(d.Content)
	if err != nil {
		return s.reject(ctx, agencyID, d, ns, root, "UNKNOWN_REQUEST_DESCRIPTION",
			"Заявление не соответствует форме услуги «"+st.Title+"»: "+err.Error())
	}
	docs, problems, err := s.storeAttachments(ctx, agencyID, bus, d, app)
	if err != nil {
		return "", Case{}, err // e.g. the blob store is down: do not ack, the bus redelivers
	}
	if note, ok := supplementNote(d.Content); ok && app.PortalOrderID != "" {
		c, err := s.addSupplement(ctx, agencyID, d, app, docs[1:], append(app.Problems, problems...), note)
		if !errors.Is(err, ErrNotFound) {
			return OutcomeSupplement, c, err
		}
		// No case for that order: register the documents as a new application.
	}
	app.Problems = append(app.Problems, problems...)
	if msg := personalSignatureProblem(d); msg != "" {
		app.Problems = append(app.Problems, forms.Problem{Field: "applicant.signature", Message: msg})
	}
	if len(app.Problems) > 0 && st.OnProblem == forms.OnProblemReject {
		outcome, c, err := s.reject(ctx, agencyID, d, ns, root, "FAILURE", problemsText(app.Problems))
		if err == nil {
			// A refused application keeps nothing but the record of its refusal.
			s.DiscardScans(ctx, docs)
		}
		return outcome, c, err
	}

	var c Case
	err = s.inAgency(ctx, agencyID, func(tx pgx.Tx) (err error) {
		c, err = s.register(ctx, tx, registration{agencyID: agencyID, serviceType: st, application: app,
			receivedAt: deliveredAt(d, s.cfg.Now()), busMessageID: d.MessageID, replyTo: d.ReplyTo,
			documents: docs, actor: systemActor()})
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.ConstraintName == "cases_bus_message" || pgErr.ConstraintName == "case_events_bus_message") {
		// Another node registered the same message a moment ago.
		return OutcomeDuplicate, Case{}, nil
	}
	if err != nil {
		return "", Case{}, fmt.Errorf("register message %s: %w", d.MessageID, err)
	}
	return OutcomeRegistered, c, nil
}

// storeAttachments streams the form and each file into the blob store,
// hashing with SHA-256 and Streebog-256 on the way, and checks the
// applicant's detached signatures. A file that cannot be read or whose
// signature fails becomes a problem of the application, not an error: the
// case is still registered (or rejected, as the service type says).
func (s *Service) storeAttachments(ctx context.Context, agencyID uuid.UUID, bus Bus, d *smevclient.Delivery, app forms.Application) ([]Document, []forms.Problem, error) {
	prefix := "agency/" + agencyID.String() + "/intake/" + safeKey(d.MessageID)
	form, err := s.storeFile(ctx, prefix+"/form.xml", bytes.NewReader(d.Content))
	if err != nil {
		return nil, nil, err
	}
	form.Kind, form.Title, form.FileName, form.MimeType, form.SignatureStatus = "application", "Заявление (форма ЕПГУ)", "application.xml", "application/xml", "none"
	docs := []Document{form}
	var problems []forms.Problem

	// The form lists the documents; the message carries the files. They
	// meet by attachment id (or file name, for file-storage references).
	refs := map[string]forms.DocumentRef{}
	for _, ref := range app.Documents {
		refs[ref.AttachmentID] = ref
		refs[ref.FileName] = ref
	}
	seen := map[string]bool{}
	for i, a := range d.Attachments {
		ref, listed := refs[a.ContentID]
		if !listed {
			ref = refs[a.FileName]
		}
		name := a.FileName
		if name == "" {
			name = ref.FileName
		}
		if name == "" {
			name = fmt.Sprintf("attachment-%d", i+1)
		}
		title := ref.Type
		if title == "" {
			title = name
		}
		seen[a.ContentID], seen[a.FileName] = true, true
		doc, err := s.storeAttachment(ctx, bus, a, fmt.Sprintf("%s/%02d-%s", prefix, i+1, safeKey(name)))
		var tooLarge *blob.TooLargeError
		switch {
		case errors.As(err, &tooLarge):
			problems = append(problems, forms.Problem{Field: "documents", Message: fmt.Sprintf("Файл «%s» больше допустимого размера (%d байт) и не сохранён", name, tooLarge.Limit)})
			continue
		case errors.Is(err, errUnreadableAttachment):
			problems = append(problems, forms.Problem{Field: "documents", Message: fmt.Sprintf("Файл «%s» повреждён или не получен: %v", name, err)})
			continue
		case err != nil:
			return nil, nil, err
		}
		doc.Kind, doc.Title, doc.FileName = "attachment", title, filetype.SafeName(name) // the type was sniffed in storeAttachment
		if doc.MimeType == filetype.Opaque {
			doc.Title += " (тип файла не распознан: сохранён как есть, открывается только скачиванием)"
		}
		doc.SignatureStatus, doc.SignatureInfo = "none", ""
		if len(a.SignaturePKCS7) > 0 {
			doc.SignatureStatus, doc.SignatureInfo = s.checkSignature(ctx, doc.BlobKey, a.SignaturePKCS7)
			if doc.SignatureStatus == "invalid" {
				problems = append(problems, forms.Problem{Field: "documents", Message: fmt.Sprintf("Подпись файла «%s» не прошла проверку: %s", name, doc.SignatureInfo)})
			}
		}
		docs = append(docs, doc)
	}
	for _, ref := range app.Documents {
		if ref.AttachmentID != "" && !seen[ref.AttachmentID] && !seen[ref.FileName] {
			problems = append(problems, forms.Problem{Field: "documents", Message: fmt.Sprintf("Документ «%s» указан в заявлении, но файл %s не получен", ref.Type, ref.FileName)})
		}
	}
	return docs, problems, nil
}

var errUnreadableAttachment = errors.New("attachment cannot be read")

func (s *Service) storeAttachment(ctx context.Context, bus Bus, a smevclient.ReceivedAttachment, key string) (Document, error) {
	rc, err := bus.OpenAttachment(ctx, a)
	if err != nil {
		return Document{}, fmt.Errorf("%w: %v", errUnreadableAttachment, err)
	}
	defer rc.Close()
	ft, body, err := filetype.Detect(rc, a.FileName)
	if err != nil {
		return Document{}, fmt.Errorf("%w: %v", errUnreadableAttachment, err)
	}
	if ft.Empty {
		return Document{}, fmt.Errorf("%w: файл пуст (0 байт)", errUnreadableAttachment)
	}
	doc, err := s.storeFile(ctx, key, body)
	var bad *sourceError
	if errors.As(err, &bad) {
		return Document{}, fmt.Errorf("%w: %v", errUnreadableAttachment, bad.err)
	}
	doc.MimeType = ft.Stored() // a file of an unknown type is kept, never lost, but served only as a download
	return doc, err
}

// sourceError marks a failure to read the incoming file (a hash mismatch, a
// cut connection), as opposed to a failure of the blob store itself.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

type sourceReader struct{ r io.Reader }

func (m sourceReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

// storeFile puts r into the blob store with both digests computed in the
// same pass.
func (s *Service) storeFile(ctx context.Context, key string, r io.Reader) (Document, error) {
	gost := streebog.New256()
	info, err := s.cfg.Blobs.Put(ctx, key, sourceReader{r}, blob.WithTee(gost))
	if err != nil {
		return Document{}, err
	}
	return Document{ID: uuid.New(), Size: info.Size, SHA256: info.SHA256[:], Streebog256: gost.Sum(nil), BlobKey: key}, nil
}

// checkSignature verifies a detached CMS signature against the stored file,
// reading it back as a stream.
func (s *Service) checkSignature(ctx context.Context, key string, sig []byte) (status, info string) {
	rc, _, err := s.cfg.Blobs.Open(ctx, key)
	if err != nil {
		return "invalid", "файл недоступен для проверки: " + err.Error()
	}
	defer rc.Close()
	signer, err := esign.VerifyDetached(rc, sig, esign.VerifyOptions{})
	if err != nil {
		return "invalid", err.Error()
	}
	subject := signer.Certificate.Subject
	parts := []string{subject.FullName()}
	for _, f := range subject.Fields() {
		if f.Label != "ФИО" {
			parts = append(parts, f.Label+": "+f.Value)
		}
	}
	if !signer.SigningTime.IsZero() {
		parts = append(parts, "подписано "+signer.SigningTime.UTC().Format("02.01.2006 15:04 UTC"))
	}
	return "valid", strings.Join(parts, "; ")
}

func problemsText(ps []forms.Problem) string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// rootName is the namespace and local name of the business document's root.
func rootName(content []byte) (ns, local string) {
	dec := xml.NewDecoder(bytes.NewReader(content))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Space, se.Name.Local
		}
	}
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeKey turns a file or message name into a blob key segment.
func safeKey(name string) string {
	base := unsafeKeyChars.ReplaceAllString(path.Base(name), "_")
	base = strings.TrimLeft(base, "._-")
	if base == "" {
		sum := sha256.Sum256([]byte(name))
		return fmt.Sprintf("f%x", sum[:6])
	}
	if len(base) > 120 {
		base = base[len(base)-120:]
	}
	return base
}

// deliveredAt is when the applicant sent the application: SMEV's sending
// time, from which the regulation's terms count.
func deliveredAt(d *smevclient.Delivery, fallback time.Time) time.Time {
	if t := d.Metadata.SendingTimestamp; !t.IsZero() {
		return t
	}
	return fallback
}

// personalSignatureProblem checks the applicant's own signature of the form
// (PersonalSignature, ЭП-СП), when there is one, and says what is wrong.
func personalSignatureProblem(d *smevclient.Delivery) string {
	if d.Request == nil || d.Request.SenderProvidedRequestData.PersonalSignature == nil {
		return ""
	}
	sig := d.Request.SenderProvidedRequestData.PersonalSignature.XML
	id := rootID(d.Content)
	if id == "" {
		return "Электронная подпись заявителя не относится к форме заявления: у формы нет идентификатора Id"
	}
	// The signature and the element it signs travel in sibling elements; a
	// neutral wrapper puts them in one document for the check.
	doc := make([]byte, 0, len(d.Content)+len(sig)+64)
	doc = append(doc, "<PersonalSignatureCheck>"...)
	doc = append(doc, d.Content...)
	doc = append(doc, sig...)
	doc = append(doc, "</PersonalSignatureCheck>"...)
	if _, err := xmlsig.Verify(doc, id, xmlsig.VerifyOptions{}); err != nil {
		return "Электронная подпись заявителя под заявлением не прошла проверку: " + err.Error()
	}
	return ""
}

// rootID is the Id attribute of the business document's root element.
func rootID(content []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(content))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Space == "" && (a.Name.Local == "Id" || a.Name.Local == "ID" || a.Name.Local == "id") {
					return a.Value
				}
			}
			return ""
		}
	}
}
