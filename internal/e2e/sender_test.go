package e2e

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/xmlsig"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/applicants"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/signing"
)

// epgu is the test acting as the portal: a SMEV client of the stand's EPGU
// system, signing with the EPGU key the stand left in the world's key
// directory, that sends applications written by the test — well-formed or
// deliberately broken.
type epgu struct {
	w       *world
	config  smevclient.Config
	people  *applicants.Generator
	scanner *portal.Scanner
	order   *int64 // the last portal order number used, shared by every view
}

// in is the portal seen from a subtest's world, so failures land there.
func (p *epgu) in(w *world) *epgu {
	view := *p
	view.w = w
	return &view
}

func (w *world) portal() *epgu {
	w.t.Helper()
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			w.t.Fatalf("the stand's key directory: %v", err)
		}
		return b
	}
	signer, err := esign.ParseSignerPEM(read(signing.KeyPath(w.keys, "EPGU")), read(signing.CertPath(w.keys, "EPGU")))
	if err != nil {
		w.t.Fatalf("EPGU key: %v", err)
	}
	smevCert, err := esign.ParseCertificatePEM(read(signing.CertPath(w.keys, "SMEV")))
	if err != nil {
		w.t.Fatalf("SMEV certificate: %v", err)
	}
	scanner, err := portal.NewScanner(portal.DefaultFontPath)
	if err != nil {
		w.t.Fatal(err)
	}
	// Order numbers of the portal's own applications are small; these
	// start far from them and from another run's.
	order := time.Now().Unix() % 1_000_000 * 100
	return &epgu{w: w, scanner: scanner,
		config: smevclient.Config{
			Endpoint: w.standURL + "/smev",
			Signer:   smevclient.XMLDSigSigner{Key: signer, Certificate: signer.Cert.Raw},
			Verifier: smevclient.XMLDSigVerifier{}, SMEVCertificates: [][]byte{smevCert.Raw},
			// Every file travels through the file storage, where the stand
			// keeps its name: the form's document list names files, while MTOM
			// parts get content ids the client makes up after the form is written.
			FileStorageThreshold: 1,
		},
		people: applicants.NewGenerator(uint64(time.Now().UnixNano()), time.Now), order: &order}
}

// rottingStorage is the stand's file storage in which some files rot right
// after upload: one byte flips, the hash the bus recorded stays.
type rottingStorage struct {
	smevclient.FileStorage
	w       *world
	rot     map[int]bool // by upload order, which is the attachments' order
	uploads int
}

func (s *rottingStorage) Upload(ctx context.Context, r io.Reader, size int64) (string, error) {
	id, err := s.FileStorage.Upload(ctx, r, size)
	if err == nil && s.rot[s.uploads] {
		_, err = s.w.db.Exec(ctx, `UPDATE smevstand.file SET content = set_byte(content, 100, 255 - get_byte(content, 100)) WHERE uuid = $1`, id)
	}
	s.uploads++
	return id, err
}

// application is one application as the portal would file it, every part
// of which a test may break before sending.
type application struct {
	namespace, root string
	orderID         string
	kind            string // Applicant@type: PERSON or LEGAL
	person          applicants.Person
	company         *applicants.Company
	object          [][2]string // Object's children, name and value
	documents       []*document
	// padding is appended inside the root as is, to make a form unreadable
	// or large.
	padding string
	// applicant is the person's key that signed the scans and, when
	// signForm is set, signs the form as PersonalSignature (ЭП-СП) — over
	// signedForm instead when that is set, as over an earlier draft.
	applicant  *esign.Signer
	signForm   bool
	signedForm []byte
	// mtom sends the files as MTOM parts, which the bus hands out inline,
	// instead of through the file storage; their content ids are the
	// client's, so the form's list does not name them.
	mtom bool
	// messageID is the MessageID to send with, when the test must know it
	// before the stand starts; empty for a fresh one.
	messageID string
}

// document is one scan: listed in the form, attached to the message, or both.
type document struct {
	title, fileName, attachmentID string
	data, signature               []byte
	unlisted, detached            bool // not in the form's list; not in the message
	rotten                        bool // corrupted in the file storage after upload
}

// newApplication fills a valid application for a demo portal service
// ("building-permit" from a company, "heritage-works" from a citizen) with
// signed scans of the documents the service type requires.
func (p *epgu) newApplication(service string, titles []string, object [][2]string) *application {
	p.w.t.Helper()
	*p.order++
	a := &application{namespace: "http://epgu.gosuslugi.ru/concentrator/" + service + "/1.0.0", root: "FormData",
		orderID: strconv.FormatInt(*p.order, 10), object: slices.Clone(object)}
	if service == "building-permit" {
		c := p.people.Company()
		a.kind, a.company, a.person = "LEGAL", &c, c.Director
		if c.SoleProprietor {
			a.kind = "SOLE_PROPRIETOR"
		}
	} else {
		a.kind, a.person = "PERSON", p.people.Person()
	}
	person, err := signing.Person(a.person.LastName, a.person.FirstName+" "+a.person.MiddleName, a.person.SNILS, time.Now())
	if err != nil {
		p.w.t.Fatal(err)
	}
	a.applicant = person
	for i, title := range titles {
		pdf, err := p.scanner.Scan(title, "Заявитель: "+a.person.FullName(), []string{"Заявление № " + a.orderID}, time.Now())
		if err != nil {
			p.w.t.Fatal(err)
		}
		sig, err := person.SignDetached(bytes.NewReader(pdf))
		if err != nil {
			p.w.t.Fatal(err)
		}
		a.documents = append(a.documents, &document{title: title, fileName: fmt.Sprintf("scan-%d.pdf", i+1),
			attachmentID: fmt.Sprintf("doc-%d", i+1), data: pdf, signature: sig})
	}
	return a
}

// form writes the concentrator form, leaving out every empty value.
func (a *application) form() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<%s xmlns="%s" oid="%s"`, a.root, escape(a.namespace), escape(a.orderID))
	if a.signForm {
		fmt.Fprintf(&b, ` Id="%s"`, personalSignatureTarget)
	}
	b.WriteString(">")
	el := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "<%s>%s</%s>", name, escape(value), name)
		}
	}
	el("orderId", a.orderID)
	b.WriteString("<Service>")
	el("userSelectedRegion", a.person.Address.OKTMO)
	b.WriteString("</Service>")
	person := func(tag string, p applicants.Person) {
		fmt.Fprintf(&b, "<%s>", tag)
		el("lastName", p.LastName)
		el("firstName", p.FirstName)
		el("middleName", p.MiddleName)
		el("birthDate", p.BirthDate.Format(time.DateOnly))
		el("snils", p.SNILS)
		if a.company == nil {
			el("inn", p.INN)
		}
		b.WriteString(`<IdentityDocument type="1">`)
		el("series", p.Passport.Series)
		el("number", p.Passport.Number)
		el("issueDate", p.Passport.IssueDate.Format(time.DateOnly))
		el("issuedBy", p.Passport.IssuedBy)
		b.WriteString("</IdentityDocument>")
		el("registrationAddress", p.Address.String())
		fmt.Fprintf(&b, "</%s>", tag)
	}
	fmt.Fprintf(&b, `<Applicant type="%s">`, escape(a.kind))
	if c := a.company; c != nil {
		b.WriteString("<Organization>")
		el("fullName", c.Name)
		el("inn", c.INN)
		el("kpp", c.KPP)
		if c.SoleProprietor {
			el("ogrnip", c.OGRN)
		} else {
			el("ogrn", c.OGRN)
		}
		el("legalAddress", c.Address.String())
		person("Representative", a.person)
		b.WriteString("</Organization>")
	} else {
		person("Person", a.person)
	}
	b.WriteString("<Contacts>")
	el("phone", a.person.Phone)
	el("email", a.person.Email)
	b.WriteString("</Contacts></Applicant><Object>")
	for _, f := range a.object {
		el(f[0], f[1])
	}
	b.WriteString("</Object><Documents>")
	for _, d := range a.documents {
		if d.unlisted {
			continue
		}
		b.WriteString("<Document>")
		el("type", d.title)
		el("fileName", d.fileName)
		el("attachmentId", d.attachmentID)
		el("signed", strconv.FormatBool(d.signature != nil))
		b.WriteString("</Document>")
	}
	b.WriteString("</Documents>")
	b.WriteString(a.padding)
	fmt.Fprintf(&b, "</%s>", a.root)
	return b.Bytes()
}

// personalSignatureTarget is the Id of the form's root that the applicant's
// PersonalSignature references.
const personalSignatureTarget = "APPLICANT_FORM"

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writes to memory, cannot fail
	return b.String()
}

// send puts the application on the bus and returns its MessageID.
func (p *epgu) send(a *application) (string, error) {
	p.w.t.Helper()
	storage := &rottingStorage{FileStorage: smevclient.NewHTTPFileStorage(p.w.standURL+"/files/", nil), w: p.w, rot: map[int]bool{}}
	var files []smevclient.Attachment
	for _, d := range a.documents {
		if d.detached {
			continue
		}
		storage.rot[len(files)] = d.rotten
		data := d.data
		files = append(files, smevclient.Attachment{FileName: d.fileName, MimeType: "application/pdf", Size: int64(len(data)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, SignaturePKCS7: d.signature})
	}
	config := p.config
	config.Storage = storage
	if a.mtom {
		config.FileStorageThreshold = smevclient.DefaultFileStorageThreshold
	}
	client, err := smevclient.New(config)
	if err != nil {
		p.w.t.Fatalf("EPGU client: %v", err)
	}
	p.w.count(`SELECT 1`) // rotting files needs the connection
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := smevclient.Request{MessageID: a.messageID, Content: a.form(), Attachments: files}
	if a.signForm {
		signed := req.Content
		if a.signedForm != nil {
			signed = a.signedForm
		}
		if req.PersonalSignature, err = xmlsig.Sign(signed, personalSignatureTarget, a.applicant, a.applicant.Cert.Raw); err != nil {
			p.w.t.Fatalf("applicant's signature of the form: %v", err)
		}
	}
	sent, err := client.SendRequest(ctx, req)
	return sent.MessageID, err
}

// mustSend sends an application the stand must accept.
func (p *epgu) mustSend(a *application) string {
	p.w.t.Helper()
	id, err := p.send(a)
	if err != nil {
		p.w.t.Fatalf("the stand refused the application: %v", err)
	}
	return id
}

// rejection is the RequestRejected answer the bus carried back to EPGU.
func (w *world) rejection(requestID string) (message.RequestRejected, bool) {
	w.t.Helper()
	var payload []byte
	err := w.query(`SELECT payload FROM smevstand.message WHERE kind = 'RESPONSE' AND recipient = 'EPGU' AND original_id = $1`,
		requestID).Scan(&payload)
	if err != nil {
		return message.RequestRejected{}, false
	}
	var data message.SenderProvidedResponseData
	if err := xml.Unmarshal(payload, &data); err != nil {
		w.t.Fatalf("answer to %s: %v", requestID, err)
	}
	if len(data.RequestRejected) != 1 {
		w.t.Fatalf("answer to %s is not one RequestRejected: %s", requestID, payload)
	}
	return data.RequestRejected[0], true
}

// acked waits until the agency acknowledged the message in the stand.
func (w *world) acked(messageID string) {
	w.t.Helper()
	eventually(w.t, 60*time.Second, "message "+messageID+" to be acknowledged", func() bool {
		return w.count(`SELECT count(*) FROM smevstand.message WHERE id = $1 AND acked_at IS NOT NULL`, messageID) == 1
	})
}

// isFault reports whether err is the SMEV fault of this kind.
func isFault(err error, kind message.FaultKind) bool {
	return errors.Is(err, &smevclient.Fault{Kind: kind})
}
