package forms

import (
	"slices"
	"strconv"
	"strings"

	"github.com/okno-oiv/okno/internal/validation"
)

// KeyServiceType is the office form's key for a problem with the service
// type itself, which the clerk cannot fix.
const KeyServiceType = "service_type"

// officeFieldsByKind lists the applicant's values the office asks of each
// kind of applicant, in form order: an organisation is not asked for a
// passport, nor a person for a КПП.
var officeFieldsByKind = map[ApplicantKind][]string{
	KindPerson: {KeyLastName, KeyFirstName, KeyMiddleName, KeyBirthDate, KeySNILS, KeyINN,
		KeyDocumentType, KeyDocumentSeries, KeyDocumentNumber, KeyDocumentIssueDate, KeyDocumentIssuedBy, KeyAddress, KeyPhone, KeyEmail},
	KindSoleProprietor: {KeyLastName, KeyFirstName, KeyMiddleName, KeyBirthDate, KeyINN, KeyOGRN, KeySNILS,
		KeyDocumentType, KeyDocumentSeries, KeyDocumentNumber, KeyDocumentIssueDate, KeyDocumentIssuedBy, KeyAddress, KeyPhone, KeyEmail},
	// A company's details, then its representative's name and СНИЛС.
	KindLegalEntity: {KeyOrganizationName, KeyINN, KeyOGRN, KeyKPP, KeyLastName, KeyFirstName, KeyMiddleName, KeySNILS, KeyAddress, KeyPhone, KeyEmail},
	KindForeignCitizen: {KeyLastName, KeyFirstName, KeyMiddleName, KeyBirthDate, KeyCitizenship,
		KeyDocumentType, KeyDocumentSeries, KeyDocumentNumber, KeyDocumentIssueDate, KeyDocumentIssuedBy, KeyAddress, KeyPhone, KeyEmail},
	KindForeignRepresentative: {KeyOrganizationName, KeyLastName, KeyFirstName, KeyMiddleName, KeyCitizenship,
		KeyDocumentType, KeyDocumentSeries, KeyDocumentNumber, KeyDocumentIssueDate, KeyDocumentIssuedBy, KeyAddress, KeyPhone, KeyEmail},
}

// officeRequired is what the office requires beyond requiredByKind: a
// foreigner's citizenship and the kind of the document they show.
var officeRequired = map[ApplicantKind][]string{
	KindForeignCitizen:        {KeyCitizenship, KeyDocumentType},
	KindForeignRepresentative: {KeyCitizenship},
}

// ScanKey is the office form's file input for the scans of
// st.RequiredDocuments[i].
func ScanKey(i int) string { return "scan." + strconv.Itoa(i) }

// OfficeKinds are the applicant kinds the office form offers, as options.
func OfficeKinds() []Option {
	options := make([]Option, 0, len(kinds))
	for _, k := range kinds {
		options = append(options, Option{Value: string(k), Label: k.Label()})
	}
	return options
}

// OfficeFields lists the fields of the in-office intake form for one kind
// of applicant, in order: the kind, that kind's details (Required as the
// checks will require them), the region, then the service's own fields.
// For an unknown kind only the kind is asked: the form is chosen first.
// Each required document is a checkbox named DocumentKey(i) beside
// st.RequiredDocuments[i].
func (st ServiceType) OfficeFields(kind ApplicantKind) []Field {
	fields := []Field{{Name: KeyKind, Label: "Заявитель", Kind: KindSelect, Required: true, Options: OfficeKinds()}}
	keys, known := officeFieldsByKind[kind]
	if !known {
		return fields
	}
	for _, key := range keys {
		f := applicantFieldByKey(key)
		fields = append(fields, Field{Name: f.key, Label: f.label, Kind: f.kind, MaxLength: f.max, Options: f.options,
			Required: slices.Contains(requiredByKind[kind], key) || slices.Contains(officeRequired[kind], key)})
	}
	fields = append(fields, Field{Name: KeyRegion, Label: "Код ОКТМО", Kind: KindText, MaxLength: 11})
	return append(fields, st.Fields...)
}

func allApplicantKeys() []string {
	keys := make([]string, 0, len(applicantFields))
	for _, f := range applicantFields {
		keys = append(keys, f.key)
	}
	return keys
}

func applicantFieldByKey(key string) applicantField {
	for _, f := range applicantFields {
		if f.key == key {
			return f
		}
	}
	panic("forms: no applicant field " + key) // officeFieldsByKind names only keys of applicantFields
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
	// Only the chosen kind's details are read: what a form without the
	// script sent for another kind is not the applicant's.
	keys, known := officeFieldsByKind[kind]
	if !known {
		keys = allApplicantKeys() // the kind is to fix first; the rest comes back as typed
	}
	for _, key := range keys {
		f := applicantFieldByKey(key)
		v := strings.TrimSpace(values[key])
		*f.value(&app.Applicant) = v
		if v == "" && (slices.Contains(officeRequired[kind], key)) {
			p.add(key, "Не заполнено обязательное поле «%s»", f.label)
		}
		if v != "" && f.options != nil && !hasOption(f.options, v) {
			p.add(key, "Выберите «%s» из списка", f.label)
		}
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
