package forms

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/google/uuid"
)

// ServiceType is one kind of application an agency accepts and how it maps
// onto a case.
type ServiceType struct {
	AgencyID uuid.UUID
	ID       uuid.UUID
	// Code is short and latin: it appears in registry numbers ("RNS").
	Code string
	// Title is the service's Russian name as people see it.
	Title string
	// TargetCode is the service's target code in ФРГУ (serviceTargetCode):
	// the cabinet names an office application's service by it.
	TargetCode string
	// NamespaceURI and RootElement identify the portal form.
	NamespaceURI string
	RootElement  string
	// RegistryPattern renders registry numbers; see RegistryNumber.
	RegistryPattern     string
	DeadlineWorkingDays int
	OnProblem           OnProblem
	// Fields are the case card's attributes of this service.
	Fields []Field
	// RequiredDocuments are document titles the applicant must attach.
	RequiredDocuments []string
	Mapping           Mapping
	// Version counts edits; a case keeps the version it was registered with.
	Version int
	Active  bool
}

// OnProblem says what intake does with an application that has problems.
type OnProblem string

const (
	// OnProblemRegister registers the case and shows the problems on its card.
	OnProblemRegister OnProblem = "register"
	// OnProblemReject answers the portal with RequestRejected and registers nothing.
	OnProblemReject OnProblem = "reject"
)

// DefaultRegistryPattern is used when a service type names no pattern.
const DefaultRegistryPattern = "{year}-{code}-{seq:06}"

// FieldKind says how a field's value is entered and checked.
type FieldKind string

// Field kinds.
const (
	KindText     FieldKind = "text"
	KindTextarea FieldKind = "textarea"
	KindDate     FieldKind = "date" // YYYY-MM-DD
	KindNumber   FieldKind = "number"
	KindSelect   FieldKind = "select"
	KindSNILS    FieldKind = "snils"
	KindINN      FieldKind = "inn"
	KindOGRN     FieldKind = "ogrn" // ОГРН or ОГРНИП
	KindEmail    FieldKind = "email"
	KindPhone    FieldKind = "phone"
)

var fieldKinds = map[FieldKind]bool{
	KindText: true, KindTextarea: true, KindDate: true, KindNumber: true, KindSelect: true,
	KindSNILS: true, KindINN: true, KindOGRN: true, KindEmail: true, KindPhone: true,
}

// Field is one attribute of the case card, entered at the office or mapped
// from the portal form.
type Field struct {
	// Name is the attribute's key: latin letters, digits and '_'.
	Name string `json:"name"`
	// Label is the Russian caption beside the value.
	Label    string    `json:"label"`
	Kind     FieldKind `json:"kind"`
	Required bool      `json:"required,omitempty"`
	// Options are the allowed values of a select field.
	Options []Option `json:"options,omitempty"`
	// MaxLength bounds the value in characters; 0 means the kind's default.
	MaxLength int `json:"max_length,omitempty"`
}

// Option is one choice of a select field.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Default and hard length limits, in characters.
const (
	defaultTextLength     = 1000
	defaultTextareaLength = 10000
	maxFieldLength        = 100000
)

// maxLength is the longest value the field accepts.
func (f Field) maxLength() int {
	if f.MaxLength > 0 {
		return f.MaxLength
	}
	if f.Kind == KindTextarea {
		return defaultTextareaLength
	}
	return defaultTextLength
}

// ErrInvalidServiceType is wrapped by every error Validate returns.
var ErrInvalidServiceType = errors.New("invalid service type")

var (
	codePattern      = regexp.MustCompile(`^[A-Z][A-Z0-9-]{0,15}$`)
	fieldNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
)

// Validate reports the first thing that makes the service type unusable.
func (st ServiceType) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidServiceType, st.Code, fmt.Sprintf(format, args...))
	}
	switch {
	case !codePattern.MatchString(st.Code):
		return bad("code must be 1-16 capital latin letters, digits or '-', starting with a letter")
	case strings.TrimSpace(st.Title) == "" || len([]rune(st.Title)) > 300:
		return bad("title must have 1-300 characters")
	case st.NamespaceURI == "" || len(st.NamespaceURI) > 1000:
		return bad("namespace URI must have 1-1000 characters")
	case !isLocalName(st.RootElement) || len(st.RootElement) > 200:
		return bad("root element %q is not an XML local name", st.RootElement)
	case st.DeadlineWorkingDays < 1 || st.DeadlineWorkingDays > 365:
		return bad("deadline must be 1-365 working days, got %d", st.DeadlineWorkingDays)
	case st.OnProblem != OnProblemRegister && st.OnProblem != OnProblemReject:
		return bad("on-problem rule must be %q or %q, got %q", OnProblemRegister, OnProblemReject, st.OnProblem)
	case st.Version < 1:
		return bad("version must be at least 1, got %d", st.Version)
	}
	if _, err := parsePattern(st.registryPattern()); err != nil {
		return bad("%v", err)
	}
	names := map[string]bool{}
	for _, f := range st.Fields {
		if err := f.validate(); err != nil {
			return bad("%v", err)
		}
		if names[f.Name] {
			return bad("field %q is defined twice", f.Name)
		}
		names[f.Name] = true
	}
	seen := map[string]bool{}
	for _, d := range st.RequiredDocuments {
		if strings.TrimSpace(d) == "" || len([]rune(d)) > 500 {
			return bad("required document titles must have 1-500 characters")
		}
		if seen[d] {
			return bad("required document %q is listed twice", d)
		}
		seen[d] = true
	}
	if err := st.Mapping.validate(names); err != nil {
		return bad("mapping: %v", err)
	}
	return nil
}

func (f Field) validate() error {
	switch {
	case !fieldNamePattern.MatchString(f.Name):
		return fmt.Errorf("field name %q must be latin letters, digits or '_', starting with a letter", f.Name)
	case strings.TrimSpace(f.Label) == "":
		return fmt.Errorf("field %q has no label", f.Name)
	case !fieldKinds[f.Kind]:
		return fmt.Errorf("field %q has unknown kind %q", f.Name, f.Kind)
	case f.MaxLength < 0 || f.MaxLength > maxFieldLength:
		return fmt.Errorf("field %q: max length must be 0-%d, got %d", f.Name, maxFieldLength, f.MaxLength)
	case f.Kind == KindSelect && len(f.Options) == 0:
		return fmt.Errorf("select field %q has no options", f.Name)
	case f.Kind != KindSelect && len(f.Options) > 0:
		return fmt.Errorf("field %q of kind %q cannot have options", f.Name, f.Kind)
	}
	values := map[string]bool{}
	for _, o := range f.Options {
		if o.Value == "" || o.Label == "" {
			return fmt.Errorf("select field %q has an option without value or label", f.Name)
		}
		if values[o.Value] {
			return fmt.Errorf("select field %q lists option %q twice", f.Name, o.Value)
		}
		values[o.Value] = true
	}
	return nil
}

// isLocalName says whether s is an XML local name (an NCName): a letter or
// '_', then letters, digits, '.', '-' or '_'. Letters are any script's:
// some agencies' schemas name elements in Cyrillic (СвЮЛ).
func isLocalName(s string) bool {
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || r == '_':
		case i > 0 && (unicode.IsDigit(r) || r == '.' || r == '-'):
		default:
			return false
		}
	}
	return s != ""
}

func (st ServiceType) registryPattern() string {
	if st.RegistryPattern == "" {
		return DefaultRegistryPattern
	}
	return st.RegistryPattern
}
