package intake

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/xmlsig"
	"github.com/okno-oiv/okno/internal/filetype"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// storeAttachments streams the form and each file into the blob store,
// hashing with SHA-256 and Streebog-256 on the way, and checks the
// applicant's detached signatures. A file that cannot be read or whose
// signature fails becomes a problem of the application, not an error: the
// case is still registered (or rejected, as the service type says).
func (s *Service) storeAttachments(ctx context.Context, agencyID uuid.UUID, bus cases.Bus, d *smevclient.Delivery, app forms.Application) ([]cases.Document, []forms.Problem, error) {
	prefix := "agency/" + agencyID.String() + "/intake/" + cases.SafeKey(d.MessageID)
	form, err := s.cfg.Cases.StoreFile(ctx, prefix+"/form.xml", bytes.NewReader(d.Content))
	if err != nil {
		return nil, nil, err
	}
	form.Kind, form.Title, form.FileName, form.MimeType, form.SignatureStatus = "application", "Заявление (форма ЕПГУ)", "application.xml", "application/xml", "none"
	docs := []cases.Document{form}
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
		doc, err := s.storeAttachment(ctx, bus, a, fmt.Sprintf("%s/%02d-%s", prefix, i+1, cases.SafeKey(name)))
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
			sig, err := s.cfg.Cases.StoreFile(ctx, doc.BlobKey+".sig", bytes.NewReader(a.SignaturePKCS7))
			if err != nil {
				return nil, nil, err
			}
			doc.SignatureBlobKey = sig.BlobKey // the applicant's .sig, downloadable from the card
			doc.SignatureStatus, doc.SignatureCheck = s.checkSignature(ctx, doc.BlobKey, a.SignaturePKCS7)
			if doc.SignatureStatus == "invalid" {
				problems = append(problems, forms.Problem{Field: "documents", Message: fmt.Sprintf("Подпись файла «%s» не прошла проверку: %s", name, doc.SignatureCheck.Message)})
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

func (s *Service) storeAttachment(ctx context.Context, bus cases.Bus, a smevclient.ReceivedAttachment, key string) (cases.Document, error) {
	rc, err := bus.OpenAttachment(ctx, a)
	if err != nil {
		return cases.Document{}, fmt.Errorf("%w: %v", errUnreadableAttachment, err)
	}
	defer rc.Close()
	ft, body, err := filetype.Detect(rc, a.FileName)
	if err != nil {
		return cases.Document{}, fmt.Errorf("%w: %v", errUnreadableAttachment, err)
	}
	if ft.Empty {
		return cases.Document{}, fmt.Errorf("%w: файл пуст (0 байт)", errUnreadableAttachment)
	}
	doc, err := s.cfg.Cases.StoreFile(ctx, key, body)
	var bad *cases.SourceError
	if errors.As(err, &bad) {
		return cases.Document{}, fmt.Errorf("%w: %v", errUnreadableAttachment, bad.Err)
	}
	doc.MimeType = ft.Stored() // a file of an unknown type is kept, never lost, but served only as a download
	return doc, err
}

// checkSignature verifies a detached CMS signature against the stored file,
// reading it back as a stream, and the signer's certificate against the
// trust store. Without trusted roots configured only the signature itself
// is checked, and the verdict says the certificate was not.
func (s *Service) checkSignature(ctx context.Context, key string, sig []byte) (status string, check *cases.SignatureCheck) {
	rc, err := s.cfg.Cases.OpenFile(ctx, key)
	if err != nil {
		return "invalid", &cases.SignatureCheck{Verdict: string(esign.VerdictInvalid), Message: "Файл недоступен для проверки подписи: " + err.Error()}
	}
	defer rc.Close()
	var v *esign.Verification
	if s.cfg.Trust != nil {
		v, err = s.cfg.Trust.VerifyDetached(ctx, rc, sig, esign.TrustOptions{})
	} else {
		v, err = verifyWithoutRoots(rc, sig)
	}
	if err != nil {
		return "invalid", &cases.SignatureCheck{Verdict: string(esign.VerdictInvalid), Message: "Файл не прочитан для проверки подписи: " + err.Error()}
	}
	check = signatureCheck(v)
	if v.Verdict == esign.VerdictInvalid {
		return "invalid", check
	}
	return "valid", check
}

// reasonNotChecked: the signature verifies, but no trusted roots are
// configured, so nothing was said about its certificate.
const reasonNotChecked = "not_checked"

// verifyWithoutRoots checks only that the signature matches the document.
// A certificate is never called trusted this way, self-signed or not.
func verifyWithoutRoots(r io.Reader, sig []byte) (*esign.Verification, error) {
	doc := &readingError{r: r}
	signer, err := esign.VerifyDetached(doc, sig, esign.VerifyOptions{})
	switch {
	case doc.err != nil:
		return nil, doc.err
	case err != nil:
		reason := esign.ReasonBadSignature
		switch {
		case errors.Is(err, esign.ErrDigestMismatch):
			reason = esign.ReasonDocumentChanged
		case errors.Is(err, esign.ErrWrongSigner):
			reason = esign.ReasonWrongSigner
		case errors.Is(err, esign.ErrUnsupportedAlgorithm):
			reason = esign.ReasonUnsupported
		}
		return &esign.Verification{Verdict: esign.VerdictInvalid, Reason: reason, Detail: err.Error()}, nil
	}
	return &esign.Verification{Verdict: esign.VerdictUntrusted, Reason: reasonNotChecked, Signer: signer, Certificate: signer.Certificate}, nil
}

// readingError remembers a failed read, so a document that could not be
// read is told apart from a signature that does not match it.
type readingError struct {
	r   io.Reader
	err error
}

func (e *readingError) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// signatureCheck is the verification as the case keeps it.
func signatureCheck(v *esign.Verification) *cases.SignatureCheck {
	c := &cases.SignatureCheck{Verdict: string(v.Verdict), Reason: string(v.Reason), Message: v.Message()}
	if v.Reason == reasonNotChecked {
		c.Message = "Подпись верна, сертификат не проверен: доверенные корневые сертификаты не настроены"
	}
	if cert := v.Certificate; cert != nil {
		c.Signer, c.Issuer = cert.Subject.FullName(), cert.Issuer.String()
		if cn := cert.Issuer.FullName(); cn != "" {
			c.Issuer = cn
		}
		for _, f := range cert.Subject.Fields() {
			if f.Label != "ФИО" {
				c.SignerNotes = append(c.SignerNotes, f.Label+": "+f.Value)
			}
		}
		if cert.SerialNumber != nil {
			c.Serial = strings.ToUpper(cert.SerialNumber.Text(16))
		}
		c.ValidFrom, c.ValidTo = cert.NotBefore.UTC(), cert.NotAfter.UTC()
	}
	if v.Signer != nil {
		c.SignedAt = v.Signer.SigningTime.UTC()
	}
	return c
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
