package portal

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"time"

	"github.com/okno-oiv/okno/internal/smevstand/applicants"
)

// formData is a concentrator form: every element in the form's namespace.
type formData struct {
	XMLName    xml.Name
	OID        string        `xml:"oid,attr"`
	OrderID    int64         `xml:"orderId"`
	Submitted  string        `xml:"submissionDate"`
	Service    formService   `xml:"Service"`
	Applicant  formApplicant `xml:"Applicant"`
	Object     formSection   `xml:"Object"`
	Additional *formNote     `xml:"AdditionalInformation,omitempty"`
	Documents  []formDoc     `xml:"Documents>Document"`
}

type formService struct {
	EServiceCode       string `xml:"eServiceCode"`
	ServiceTargetCode  string `xml:"serviceTargetCode"`
	UserSelectedRegion string `xml:"userSelectedRegion"`
	ServiceName        string `xml:"serviceName"`
}

type formApplicant struct {
	Type         string        `xml:"type,attr"`
	Person       *formPerson   `xml:"Person,omitempty"`
	Organization *formCompany  `xml:"Organization,omitempty"`
	Contacts     *formContacts `xml:"Contacts"`
}

type formPerson struct {
	LastName   string       `xml:"lastName"`
	FirstName  string       `xml:"firstName"`
	MiddleName string       `xml:"middleName"`
	BirthDate  string       `xml:"birthDate"`
	Gender     string       `xml:"gender"`
	SNILS      string       `xml:"snils"`
	INN        string       `xml:"inn,omitempty"`
	Document   formIdentity `xml:"IdentityDocument"`
	Address    string       `xml:"registrationAddress"`
}

type formIdentity struct {
	Type      string `xml:"type,attr"`
	Series    string `xml:"series"`
	Number    string `xml:"number"`
	IssueDate string `xml:"issueDate"`
	IssuedBy  string `xml:"issuedBy"`
	Code      string `xml:"issuerCode"`
}

type formCompany struct {
	FullName       string      `xml:"fullName"`
	ShortName      string      `xml:"shortName"`
	INN            string      `xml:"inn"`
	KPP            string      `xml:"kpp,omitempty"`
	OGRN           string      `xml:"ogrn,omitempty"`
	OGRNIP         string      `xml:"ogrnip,omitempty"`
	LegalAddress   string      `xml:"legalAddress"`
	Representative *formPerson `xml:"Representative"`
}

type formContacts struct {
	Phone string `xml:"phone"`
	Email string `xml:"email"`
}

type formSection struct {
	Fields []formField `xml:",any"`
}

type formField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type formNote struct {
	ReplyTo int64  `xml:"replyToStatus,attr"`
	Text    string `xml:",chardata"`
}

type formDoc struct {
	Type      string `xml:"type"`
	FileName  string `xml:"fileName"`
	ContentID string `xml:"attachmentId"`
	Signed    bool   `xml:"signed"`
}

const dateLayout = "2006-01-02"

func personForm(p applicants.Person) *formPerson {
	gender := "F"
	if p.Male {
		gender = "M"
	}
	return &formPerson{
		LastName: p.LastName, FirstName: p.FirstName, MiddleName: p.MiddleName,
		BirthDate: p.BirthDate.Format(dateLayout), Gender: gender, SNILS: p.SNILS, INN: p.INN,
		Document: formIdentity{
			// ЕСНСИ 7211: 1 is the passport of a citizen of the Russian Federation.
			Type: "1", Series: p.Passport.Series, Number: p.Passport.Number,
			IssueDate: p.Passport.IssueDate.Format(dateLayout), IssuedBy: p.Passport.IssuedBy, Code: p.Passport.IssuerCode,
		},
		Address: p.Address.String(),
	}
}

// applicantForm fills the Applicant section for a citizen or a company.
func applicantForm(p *applicants.Person, c *applicants.Company) formApplicant {
	if c == nil {
		return formApplicant{Type: "PERSON", Person: personForm(*p), Contacts: &formContacts{Phone: p.Phone, Email: p.Email}}
	}
	org := &formCompany{
		FullName: c.Name, ShortName: c.ShortName, INN: c.INN, KPP: c.KPP,
		LegalAddress: c.Address.String(), Representative: personForm(c.Director),
	}
	kind := "LEGAL"
	if c.SoleProprietor {
		org.OGRNIP, kind = c.OGRN, "SOLE_PROPRIETOR"
	} else {
		org.OGRN = c.OGRN
	}
	return formApplicant{Type: kind, Organization: org, Contacts: &formContacts{Phone: c.Director.Phone, Email: c.Director.Email}}
}

func sectionOf(ns string, fields []Field) formSection {
	s := formSection{}
	for _, f := range fields {
		s.Fields = append(s.Fields, formField{XMLName: xml.Name{Space: ns, Local: f.Name}, Value: f.Value})
	}
	return s
}

func marshalForm(f *formData) ([]byte, error) {
	b, err := xml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("serialize form of order %d: %w", f.OrderID, err)
	}
	return b, nil
}

func newForm(s Service, order int64, region string, applicant formApplicant, object []Field, now time.Time) *formData {
	return &formData{
		XMLName: xml.Name{Space: s.Namespace(), Local: FormRoot}, OID: strconv.FormatInt(order, 10), OrderID: order,
		Submitted: now.Format(time.RFC3339),
		Service: formService{
			EServiceCode: s.EServiceCode, ServiceTargetCode: s.TargetCode, UserSelectedRegion: region, ServiceName: s.Name,
		},
		Applicant: applicant,
		Object:    sectionOf(s.Namespace(), object),
	}
}
