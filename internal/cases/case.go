package cases

import (
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/forms"
)

// Case is one application in the registry.
type Case struct {
	AgencyID           uuid.UUID
	ID                 uuid.UUID
	Number             string
	ServiceTypeID      uuid.UUID
	ServiceTypeVersion int
	ServiceTitle       string
	Status             Status
	Channel            forms.Channel
	ApplicantKind      forms.ApplicantKind
	ApplicantName      string
	ApplicantSNILS     string
	ApplicantINN       string
	ApplicantOGRN      string
	Applicant          forms.Applicant
	Fields             map[string]string // the card's attributes by field name
	Region             string
	Problems           []forms.Problem
	ReceivedAt         time.Time
	RegisteredAt       time.Time
	DueDate            time.Time
	DepartmentID       *uuid.UUID
	DepartmentName     string
	ExecutorID         *uuid.UUID
	ExecutorName       string
	PortalOrderID      string
	BusMessageID       string
	ReplyTo            string
	UpdatedAt          time.Time
}

// Overdue reports whether the due date has passed on day (a date).
func (c Case) Overdue(day time.Time) bool {
	return !c.Status.Final() && c.DueDate.Before(truncateDay(day))
}

func truncateDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Document is a file of a case.
type Document struct {
	ID              uuid.UUID
	Kind            string // application, attachment, result
	Title           string
	FileName        string
	MimeType        string
	Size            int64
	SHA256          []byte
	Streebog256     []byte
	BlobKey         string
	SignatureStatus string // none, valid, invalid
	SignatureInfo   string
	CreatedAt       time.Time
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

// Delivery is the state of one status on its way to the portal.
type Delivery struct {
	ELKStatus int
	State     string // queued, sent, accepted, failed
	Attempts  int
	LastError string
	MessageID string
	UpdatedAt time.Time
}

// Errors the web layer turns into statuses and messages.
var (
	ErrNotFound        = errors.New("cases: not found")
	ErrForbidden       = errors.New("cases: not allowed")
	ErrStaleStatus     = errors.New("cases: the case changed status meanwhile")
	ErrTransition      = errors.New("cases: this status change is not allowed")
	ErrUnknownFormType = errors.New("cases: no service type for this form")
)
