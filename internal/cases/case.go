package cases

import (
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/forms"
)

// Case is one application in the registry. Its db tags name the columns
// the store reads it from.
type Case struct {
	AgencyID           uuid.UUID           `db:"agency_id"`
	ID                 uuid.UUID           `db:"id"`
	Number             string              `db:"number"`
	ServiceTypeID      uuid.UUID           `db:"service_type_id"`
	ServiceTypeVersion int                 `db:"service_type_version"`
	ServiceTitle       string              `db:"-"` // from the service type (forms)
	Status             Status              `db:"status"`
	Channel            forms.Channel       `db:"channel"`
	ApplicantKind      forms.ApplicantKind `db:"applicant_kind"`
	ApplicantName      string              `db:"applicant_name"`
	ApplicantSNILS     string              `db:"applicant_snils"`
	ApplicantINN       string              `db:"applicant_inn"`
	ApplicantOGRN      string              `db:"applicant_ogrn"`
	Applicant          forms.Applicant     `db:"applicant"`
	Fields             map[string]string   `db:"fields"` // the card's attributes by field name
	Region             string              `db:"region"`
	Problems           []forms.Problem     `db:"problems"`
	ReceivedAt         time.Time           `db:"received_at"`
	RegisteredAt       time.Time           `db:"registered_at"`
	DueDate            time.Time           `db:"due_date"`
	DepartmentID       *uuid.UUID          `db:"department_id"`
	DepartmentName     string              `db:"-"` // from people's directory
	ExecutorID         *uuid.UUID          `db:"executor_id"`
	ExecutorName       string              `db:"-"` // from people's directory
	PortalOrderID      string              `db:"portal_order_id"`
	BusMessageID       string              `db:"bus_message_id"`
	ReplyTo            string              `db:"reply_to"`
	UpdatedAt          time.Time           `db:"updated_at"`
}

// Overdue reports whether the due date has passed on day, the agency's
// date (Card.Today); see Overdue.
func (c Case) Overdue(day time.Time) bool {
	return Overdue(c.Status, c.DueDate, calendar.Date(day))
}

// Document is a file of a case.
type Document struct {
	ID              uuid.UUID `db:"id"`
	Kind            string    `db:"kind"` // application, attachment, result
	Title           string    `db:"title"`
	FileName        string    `db:"file_name"`
	MimeType        string    `db:"mime_type"`
	Size            int64     `db:"size_bytes"`
	SHA256          []byte    `db:"sha256"`
	Streebog256     []byte    `db:"streebog256"`
	BlobKey         string    `db:"blob_key"`
	SignatureStatus string    `db:"signature_status"` // none, valid, invalid
	// SignatureInfo is the text summary of signatures checked before
	// SignatureCheck was stored; empty for newer rows.
	SignatureInfo string `db:"signature_info"`
	// SignatureBlobKey is the applicant's detached signature (.sig) as it
	// came, empty when the file came unsigned.
	SignatureBlobKey string `db:"signature_blob_key"`
	// SignatureCheck is what the check of that signature found.
	SignatureCheck *SignatureCheck `db:"signature_check"`
	CreatedAt      time.Time       `db:"created_at"`
}

// SignatureCheck is the outcome of checking a document's signature, kept as
// data (stored as JSON): who signed with which certificate, and the trust
// verdict with its reason.
type SignatureCheck struct {
	Signer      string    `json:"signer"`
	SignerNotes []string  `json:"signer_notes,omitempty"` // СНИЛС, organisation, … as «label: value»
	Serial      string    `json:"serial"`                 // the certificate's serial, hex
	Issuer      string    `json:"issuer"`
	ValidFrom   time.Time `json:"valid_from"`
	ValidTo     time.Time `json:"valid_to"`
	SignedAt    time.Time `json:"signed_at,omitzero"` // the signer's claimed time; zero if absent
	Verdict     string    `json:"verdict"`            // esign.Verdict: trusted, untrusted, invalid
	Reason      string    `json:"reason,omitempty"`   // esign.Reason, or not_checked without trusted roots
	Message     string    `json:"message"`            // the verdict in one Russian sentence
}

// Event is one entry of a case's timeline.
type Event struct {
	Seq        int
	At         time.Time
	ActorName  string
	Kind       string // received, registered, status, assigned, ...
	FromStatus Status
	ToStatus   Status
	Comment    string
	Data       map[string]any
	Delivery   *Delivery // the status's way to the applicant's cabinet, if any
}

// eventToApplicant is the key of a status event's data that keeps what the
// applicant is told, apart from the comment that stays in the agency.
const eventToApplicant = "to_applicant"

// ToApplicant is the message of a status for the applicant's cabinet; ""
// when the applicant is told nothing but the status.
func (e Event) ToApplicant() string {
	s, _ := e.Data[eventToApplicant].(string)
	return s
}

// Note is what a person writes with a move: a comment for colleagues, which
// never leaves the agency, and a message to the applicant, which goes to
// the cabinet with the status.
type Note struct {
	Comment     string
	ToApplicant string
}

// Delivery is the state of one status on its way to the portal.
type Delivery struct {
	ELKStatus int
	State     string // queued, sent, accepted, failed, cancelled
	Attempts  int
	LastError string
	MessageID string
	UpdatedAt time.Time
	// Tries counts the tries since the last retry by hand; StuckSince is set
	// once the delivery has not gone for the outbox's stuck threshold.
	Tries        int
	StuckSince   *time.Time
	CancelReason string
}

// Errors the web layer turns into statuses and messages.
var (
	ErrNotFound        = errors.New("cases: not found")
	ErrForbidden       = errors.New("cases: not allowed")
	ErrStaleStatus     = errors.New("cases: the case changed status meanwhile")
	ErrTransition      = errors.New("cases: this status change is not allowed")
	ErrUnknownFormType = errors.New("cases: no service type for this form")
)
