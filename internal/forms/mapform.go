package forms

import (
	"errors"
	"fmt"
	"strings"
)

// ErrWrongFormType matches a WrongFormTypeError with errors.Is.
var ErrWrongFormType = errors.New("form belongs to another service type")

// WrongFormTypeError says a form was given to a service type that does not
// accept it; intake may look up the service type for the form's own name.
type WrongFormTypeError struct {
	ServiceType               string // the code of the service type asked
	NamespaceURI, RootElement string // what the form is
	WantNamespace, WantRoot   string // what the service type accepts
}

func (e *WrongFormTypeError) Error() string {
	return fmt.Sprintf("%v: service type %s accepts {%s}%s, the form is {%s}%s",
		ErrWrongFormType, e.ServiceType, e.WantNamespace, e.WantRoot, e.NamespaceURI, e.RootElement)
}

// Is makes errors.Is(err, ErrWrongFormType) true.
func (e *WrongFormTypeError) Is(target error) bool { return target == ErrWrongFormType }

// MapApplication reads a portal form into an Application. The form must be
// the service type's own (else a *WrongFormTypeError) and well-formed XML
// within the limits, without DOCTYPE (else an error wrapping
// ErrUnreadableForm). Whatever is wrong with the values themselves comes back
// as Problems on the Application.
func (st ServiceType) MapApplication(form []byte) (Application, error) {
	if err := st.Validate(); err != nil {
		return Application{}, fmt.Errorf("map application: %w", err)
	}
	root, err := parseForm(form)
	if err != nil {
		return Application{}, fmt.Errorf("map application to service type %s: %w", st.Code, err)
	}
	if root.space != st.NamespaceURI || root.local != st.RootElement {
		return Application{}, &WrongFormTypeError{
			ServiceType: st.Code, NamespaceURI: root.space, RootElement: root.local,
			WantNamespace: st.NamespaceURI, WantRoot: st.RootElement,
		}
	}
	m := st.Mapping
	var p problems
	app := Application{
		ServiceTypeID: st.ID, ServiceTypeVersion: st.Version, Channel: ChannelPortal,
		Kind:              m.ApplicantKind.read(root, &p),
		Region:            lookup(root, m.Region),
		PortalOrderID:     lookup(root, m.PortalOrderID),
		ServiceTargetCode: lookup(root, m.ServiceTargetCode),
		Fields:            map[string]string{},
		Documents:         m.Documents.read(root),
	}
	ap := m.Applicant
	app.Applicant = Applicant{
		LastName: lookup(root, ap.LastName), FirstName: lookup(root, ap.FirstName),
		MiddleName: lookup(root, ap.MiddleName), BirthDate: lookup(root, ap.BirthDate),
		OrganizationName: lookup(root, ap.OrganizationName),
		SNILS:            lookup(root, ap.SNILS), INN: lookup(root, ap.INN), OGRN: lookup(root, ap.OGRN), KPP: lookup(root, ap.KPP),
		Document: IdentityDocument{
			Type: lookup(root, ap.DocumentType), Series: lookup(root, ap.DocumentSeries),
			Number: lookup(root, ap.DocumentNumber), IssueDate: lookup(root, ap.DocumentIssueDate),
			IssuedBy: lookup(root, ap.DocumentIssuedBy),
		},
		Address: lookup(root, ap.Address), Phone: lookup(root, ap.Phone), Email: lookup(root, ap.Email),
	}
	// The portal's order number is how statuses find their way back to the
	// applicant's cabinet, so a mapping that names it expects it.
	if len(m.PortalOrderID) > 0 {
		switch {
		case app.PortalOrderID == "":
			p.add(KeyPortalOrderID, "Не указан номер заявления на портале")
		case !allDigits(app.PortalOrderID, len(app.PortalOrderID)) || len(app.PortalOrderID) > 20:
			p.add(KeyPortalOrderID, "Номер заявления на портале «%s» должен состоять не более чем из 20 цифр", app.PortalOrderID)
		}
	}
	for name, paths := range m.Fields {
		if v := lookup(root, paths); v != "" {
			app.Fields[name] = v
		}
	}
	st.check(&app, &p)
	st.checkDocuments(app.Documents, &p)
	app.Problems = p.list
	return app, nil
}

// read finds the applicant's kind in the form.
func (r KindRule) read(root *node, p *problems) ApplicantKind {
	if r.Path == "" {
		return r.Default
	}
	v := root.value(mustPath(r.Path))
	if v == "" {
		if r.Default == "" {
			p.add(KeyKind, "Не указан вид заявителя")
		}
		return r.Default
	}
	if k, ok := r.Values[v]; ok {
		return k
	}
	p.add(KeyKind, "Неизвестный вид заявителя «%s»", v)
	return ""
}

// read lists the documents the form names.
func (d DocumentPaths) read(root *node) []DocumentRef {
	if d.Path == "" {
		return nil
	}
	var docs []DocumentRef
	for _, e := range root.find(mustPath(d.Path)) {
		rel := func(s string) string {
			if s == "" {
				return ""
			}
			return e.value(mustPath(s))
		}
		signed := strings.ToLower(rel(d.Signed))
		docs = append(docs, DocumentRef{
			Type: rel(d.Type), FileName: rel(d.FileName), AttachmentID: rel(d.AttachmentID),
			Signed: signed == "true" || signed == "1",
		})
	}
	return docs
}
