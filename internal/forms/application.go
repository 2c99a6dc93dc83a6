package forms

import (
	"strings"

	"github.com/google/uuid"
)

// ApplicantKind is who applies.
type ApplicantKind string

// Applicant kinds.
const (
	KindPerson                ApplicantKind = "person"                 // a citizen of Russia
	KindLegalEntity           ApplicantKind = "legal_entity"           // a Russian organisation
	KindSoleProprietor        ApplicantKind = "sole_proprietor"        // ИП
	KindForeignCitizen        ApplicantKind = "foreign_citizen"        // a foreign citizen or stateless person
	KindForeignRepresentative ApplicantKind = "foreign_representative" // on behalf of a foreign organisation
)

// kinds lists the applicant kinds in the order forms offer them.
var kinds = []ApplicantKind{KindPerson, KindLegalEntity, KindSoleProprietor, KindForeignCitizen, KindForeignRepresentative}

// Label is the kind as people read it; "" for an unknown kind.
func (k ApplicantKind) Label() string {
	switch k {
	case KindPerson:
		return "Физическое лицо"
	case KindLegalEntity:
		return "Юридическое лицо"
	case KindSoleProprietor:
		return "Индивидуальный предприниматель"
	case KindForeignCitizen:
		return "Иностранный гражданин"
	case KindForeignRepresentative:
		return "Представитель иностранной организации"
	}
	return ""
}

// Channel is how an application arrived.
type Channel string

// Channels.
const (
	ChannelPortal Channel = "portal" // ЕПГУ over SMEV 3
	ChannelOffice Channel = "office" // on paper, typed in by a clerk
)

// Application is what intake learned from a form, ready to become a case.
type Application struct {
	ServiceTypeID      uuid.UUID
	ServiceTypeVersion int
	Channel            Channel
	// Kind is "" when the form named a kind the mapping does not know.
	Kind              ApplicantKind
	Applicant         Applicant
	Region            string // ОКТМО
	PortalOrderID     string
	ServiceTargetCode string
	Fields            map[string]string // by Field.Name
	Documents         []DocumentRef
	// Problems are what is wrong but leaves the application registrable.
	Problems []Problem
}

// Applicant is the person or organisation that applies. For an organisation
// the name parts and identity document are its representative's. The JSON
// keys are stable: cases keep the applicant as JSON.
type Applicant struct {
	LastName         string           `json:"last_name,omitempty"`
	FirstName        string           `json:"first_name,omitempty"`
	MiddleName       string           `json:"middle_name,omitempty"`
	BirthDate        string           `json:"birth_date,omitempty"` // YYYY-MM-DD as the form gave it
	OrganizationName string           `json:"organization_name,omitempty"`
	SNILS            string           `json:"snils,omitempty"` // 11 digits
	INN              string           `json:"inn,omitempty"`   // 10 or 12 digits
	OGRN             string           `json:"ogrn,omitempty"`  // ОГРН (13 digits) or ОГРНИП (15)
	KPP              string           `json:"kpp,omitempty"`
	Citizenship      string           `json:"citizenship,omitempty"` // ОКСМ code (ЕСНСИ 7210), for foreign applicants
	Document         IdentityDocument `json:"document"`
	Address          string           `json:"address,omitempty"`
	Phone            string           `json:"phone,omitempty"`
	Email            string           `json:"email,omitempty"`
}

// IdentityDocument is the applicant's passport or another identity document.
type IdentityDocument struct {
	Type      string `json:"type,omitempty"` // ЕСНСИ 7211 code, "21" is a Russian passport
	Series    string `json:"series,omitempty"`
	Number    string `json:"number,omitempty"`
	IssueDate string `json:"issue_date,omitempty"`
	IssuedBy  string `json:"issued_by,omitempty"`
}

// PersonName is "Фамилия Имя Отчество" with the parts that are known.
func (a Applicant) PersonName() string {
	return strings.Join(strings.Fields(a.LastName+" "+a.FirstName+" "+a.MiddleName), " ")
}

// DisplayName is how lists and cards name the applicant: the organisation's
// name when there is one, the person's otherwise.
func (a Applicant) DisplayName() string {
	if a.OrganizationName != "" {
		return a.OrganizationName
	}
	return a.PersonName()
}

// DocumentRef is one document attached to the application.
type DocumentRef struct {
	Type         string `json:"type"` // the document's title, matched against RequiredDocuments
	FileName     string `json:"file_name,omitempty"`
	AttachmentID string `json:"attachment_id,omitempty"` // the attachment's id in the SMEV message
	Signed       bool   `json:"signed,omitempty"`        // the applicant attached a signature
}

// Problem is one thing wrong with an application: Field is the key of the
// value at fault (a Field.Name, or one of the Key constants), Message says
// what is wrong, in Russian.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Keys of the application's own values, shared by Problems and the office
// form. Service fields use their Field.Name, which cannot contain a dot.
const (
	KeyKind              = "applicant.kind"
	KeyLastName          = "applicant.last_name"
	KeyFirstName         = "applicant.first_name"
	KeyMiddleName        = "applicant.middle_name"
	KeyBirthDate         = "applicant.birth_date"
	KeyOrganizationName  = "applicant.organization_name"
	KeySNILS             = "applicant.snils"
	KeyINN               = "applicant.inn"
	KeyOGRN              = "applicant.ogrn"
	KeyKPP               = "applicant.kpp"
	KeyCitizenship       = "applicant.citizenship"
	KeyDocumentType      = "applicant.document_type"
	KeyDocumentSeries    = "applicant.document_series"
	KeyDocumentNumber    = "applicant.document_number"
	KeyDocumentIssueDate = "applicant.document_issue_date"
	KeyDocumentIssuedBy  = "applicant.document_issued_by"
	KeyAddress           = "applicant.address"
	KeyPhone             = "applicant.phone"
	KeyEmail             = "applicant.email"
	KeyRegion            = "region"
	KeyPortalOrderID     = "portal_order_id"
)
