package forms

import (
	"strings"

	"github.com/okno-oiv/okno/internal/validation"
)

// KeyServiceType is the office form's key for a problem with the service
// type itself, which the clerk cannot fix.
const KeyServiceType = "service_type"

// OfficeFields lists the fields of the in-office intake form, in order: the
// applicant's kind, the applicant's details, the region, then the service's
// own fields. Which applicant details are required depends on the kind, so
// MapOfficeForm, not the list, says what is missing. Each required document
// is a checkbox named DocumentKey(i) beside st.RequiredDocuments[i].
func (st ServiceType) OfficeFields() []Field {
	options := make([]Option, 0, len(kinds))
	for _, k := range kinds {
		options = append(options, Option{Value: string(k), Label: k.Label()})
	}
	fields := []Field{{Name: KeyKind, Label: "Заявитель", Kind: KindSelect, Required: true, Options: options}}
	for _, f := range applicantFields {
		fields = append(fields, Field{Name: f.key, Label: f.label, Kind: f.kind, MaxLength: f.max})
	}
	fields = append(fields, Field{Name: KeyRegion, Label: "Код ОКТМО", Kind: KindText, MaxLength: 11})
	return append(fields, st.Fields...)
}

// MapOfficeForm reads the in-office form (values by the names OfficeFields
// gives) into an Application through the same checks as MapApplication.
// Every problem is returned as a field error to show beside its field; a
// clerk fixes the input before the application is registered, so errors
// are nil only for a clean application.
func (st ServiceType) MapOfficeForm(values map[string]string) (Application, validation.Errors) {
	if err := st.Validate(); err != nil {
		return Application{}, validation.Errors{KeyServiceType: "Услуга настроена с ошибкой, обратитесь к администратору"}
	}
	var p problems
	kind := ApplicantKind(strings.TrimSpace(values[KeyKind]))
	if kind.Label() == "" {
		p.add(KeyKind, "Выберите вид заявителя")
		kind = ""
	}
	app := Application{
		ServiceTypeID: st.ID, ServiceTypeVersion: st.Version, Channel: ChannelOffice, Kind: kind,
		Region: strings.TrimSpace(values[KeyRegion]), Fields: map[string]string{},
	}
	for _, f := range applicantFields {
		*f.value(&app.Applicant) = values[f.key]
	}
	for _, f := range st.Fields {
		if v, ok := values[f.Name]; ok {
			app.Fields[f.Name] = v
		}
	}
	for i, title := range st.RequiredDocuments {
		if values[DocumentKey(i)] != "" {
			app.Documents = append(app.Documents, DocumentRef{Type: title})
		}
	}
	st.check(&app, &p)
	st.checkDocuments(app.Documents, &p)
	app.Problems = p.list
	if len(p.list) == 0 {
		return app, nil
	}
	errs := validation.Errors{}
	for _, pr := range p.list {
		errs.Add(pr.Field, pr.Message)
	}
	return app, errs
}
