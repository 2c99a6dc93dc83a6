package forms

import (
	"fmt"
	"strings"
)

// Mapping says where in a portal form each piece of an application is.
// Every Paths is a list of element paths tried in order; the first one that
// yields a non-empty value wins. See the package documentation for paths.
type Mapping struct {
	ApplicantKind     KindRule         `json:"applicant_kind"`
	Applicant         ApplicantPaths   `json:"applicant"`
	Region            Paths            `json:"region,omitempty"` // ОКТМО
	PortalOrderID     Paths            `json:"portal_order_id,omitempty"`
	ServiceTargetCode Paths            `json:"service_target_code,omitempty"`
	Fields            map[string]Paths `json:"fields,omitempty"` // by Field.Name
	Documents         DocumentPaths    `json:"documents"`
}

// Paths are alternative element paths for one value, tried in order.
type Paths []string

// KindRule reads the applicant's kind: the value at Path is looked up in
// Values; Default applies when the form has no value there (or Path is
// empty, for a service only one kind of applicant uses).
type KindRule struct {
	Path    string                   `json:"path,omitempty"`
	Values  map[string]ApplicantKind `json:"values,omitempty"`
	Default ApplicantKind            `json:"default,omitempty"`
}

// ApplicantPaths locate the applicant's details. OGRN serves both ОГРН and
// ОГРНИП; which one is expected follows from the applicant's kind.
type ApplicantPaths struct {
	LastName          Paths `json:"last_name,omitempty"`
	FirstName         Paths `json:"first_name,omitempty"`
	MiddleName        Paths `json:"middle_name,omitempty"`
	BirthDate         Paths `json:"birth_date,omitempty"`
	OrganizationName  Paths `json:"organization_name,omitempty"`
	SNILS             Paths `json:"snils,omitempty"`
	INN               Paths `json:"inn,omitempty"`
	OGRN              Paths `json:"ogrn,omitempty"`
	KPP               Paths `json:"kpp,omitempty"`
	DocumentType      Paths `json:"document_type,omitempty"`
	DocumentSeries    Paths `json:"document_series,omitempty"`
	DocumentNumber    Paths `json:"document_number,omitempty"`
	DocumentIssueDate Paths `json:"document_issue_date,omitempty"`
	DocumentIssuedBy  Paths `json:"document_issued_by,omitempty"`
	Address           Paths `json:"address,omitempty"`
	Phone             Paths `json:"phone,omitempty"`
	Email             Paths `json:"email,omitempty"`
}

// DocumentPaths locate the attached documents: Path reaches the repeated
// element, the others are relative to it.
type DocumentPaths struct {
	Path         string `json:"path,omitempty"`
	Type         string `json:"type,omitempty"`
	FileName     string `json:"file_name,omitempty"`
	AttachmentID string `json:"attachment_id,omitempty"`
	Signed       string `json:"signed,omitempty"`
}

// path is a parsed element path.
type path struct {
	elements []string // local names below the starting element
	attr     string   // attribute of the last element; "" for its text
}

// parsePath reads "A/B/c" or "A/B/@attr"; "@attr" alone is an attribute of
// the starting element.
func parsePath(s string) (path, error) {
	if s == "" {
		return path{}, fmt.Errorf("empty path")
	}
	var p path
	steps := strings.Split(s, "/")
	for i, step := range steps {
		if attr, ok := strings.CutPrefix(step, "@"); ok {
			if i != len(steps)-1 || !isLocalName(attr) {
				return path{}, fmt.Errorf("path %q: an attribute may only end a path", s)
			}
			p.attr = attr
			continue
		}
		if !isLocalName(step) {
			return path{}, fmt.Errorf("path %q: step %q is not an XML local name", s, step)
		}
		p.elements = append(p.elements, step)
	}
	return p, nil
}

// mustPath parses a path that Validate has already accepted.
func mustPath(s string) path {
	p, err := parsePath(s)
	if err != nil {
		return path{elements: []string{"\x00invalid"}} // matches nothing
	}
	return p
}

// lookup returns the first non-empty value among paths below n.
func lookup(n *node, paths Paths) string {
	for _, s := range paths {
		if v := n.value(mustPath(s)); v != "" {
			return v
		}
	}
	return ""
}

func (m Mapping) validate(fields map[string]bool) error {
	check := func(what string, paths Paths) error {
		for _, s := range paths {
			if _, err := parsePath(s); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		return nil
	}
	k := m.ApplicantKind
	if k.Path != "" {
		if _, err := parsePath(k.Path); err != nil {
			return fmt.Errorf("applicant kind: %w", err)
		}
	}
	if k.Path == "" && k.Default == "" {
		return fmt.Errorf("applicant kind needs a path or a default")
	}
	if k.Default != "" && k.Default.Label() == "" {
		return fmt.Errorf("applicant kind default %q is not a kind", k.Default)
	}
	for v, kind := range k.Values {
		if kind.Label() == "" {
			return fmt.Errorf("applicant kind value %q maps to unknown kind %q", v, kind)
		}
	}
	a := m.Applicant
	for _, p := range []struct {
		what  string
		paths Paths
	}{
		{"last name", a.LastName}, {"first name", a.FirstName}, {"middle name", a.MiddleName},
		{"birth date", a.BirthDate}, {"organization name", a.OrganizationName}, {"СНИЛС", a.SNILS},
		{"ИНН", a.INN}, {"ОГРН", a.OGRN}, {"КПП", a.KPP}, {"document type", a.DocumentType},
		{"document series", a.DocumentSeries}, {"document number", a.DocumentNumber},
		{"document issue date", a.DocumentIssueDate}, {"document issuer", a.DocumentIssuedBy},
		{"address", a.Address}, {"phone", a.Phone}, {"email", a.Email},
		{"region", m.Region}, {"portal order id", m.PortalOrderID}, {"service target code", m.ServiceTargetCode},
	} {
		if err := check(p.what, p.paths); err != nil {
			return err
		}
	}
	for name, paths := range m.Fields {
		if !fields[name] {
			return fmt.Errorf("maps field %q that the service type does not define", name)
		}
		if err := check("field "+name, paths); err != nil {
			return err
		}
	}
	d := m.Documents
	if d.Path == "" {
		if d != (DocumentPaths{}) {
			return fmt.Errorf("documents: relative paths given without the path to the documents")
		}
		return nil
	}
	for _, s := range []string{d.Path, d.Type, d.FileName, d.AttachmentID, d.Signed} {
		if s == "" {
			continue
		}
		if _, err := parsePath(s); err != nil {
			return fmt.Errorf("documents: %w", err)
		}
	}
	if d.Type == "" {
		return fmt.Errorf("documents: the type path is required, required documents are matched by it")
	}
	return nil
}
