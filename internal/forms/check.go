package forms

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// applicantField is one of the applicant's values as the office form shows
// it and as checks name it.
type applicantField struct {
	key   string
	label string
	kind  FieldKind
	max   int
	value func(*Applicant) *string
	// options is the classifier a select chooses from.
	options []Option
}

// applicantFields lists the applicant's values in office-form order.
var applicantFields = []applicantField{
	{KeyLastName, "Фамилия", KindText, 100, func(a *Applicant) *string { return &a.LastName }, nil},
	{KeyFirstName, "Имя", KindText, 100, func(a *Applicant) *string { return &a.FirstName }, nil},
	{KeyMiddleName, "Отчество", KindText, 100, func(a *Applicant) *string { return &a.MiddleName }, nil},
	{KeyBirthDate, "Дата рождения", KindDate, 10, func(a *Applicant) *string { return &a.BirthDate }, nil},
	{KeyOrganizationName, "Наименование организации", KindText, 1000, func(a *Applicant) *string { return &a.OrganizationName }, nil},
	{KeySNILS, "СНИЛС", KindSNILS, 14, func(a *Applicant) *string { return &a.SNILS }, nil},
	{KeyINN, "ИНН", KindINN, 12, func(a *Applicant) *string { return &a.INN }, nil},
	{KeyOGRN, "ОГРН / ОГРНИП", KindOGRN, 15, func(a *Applicant) *string { return &a.OGRN }, nil},
	{KeyKPP, "КПП", KindText, 9, func(a *Applicant) *string { return &a.KPP }, nil},
	{KeyCitizenship, "Гражданство", KindSelect, 3, func(a *Applicant) *string { return &a.Citizenship }, Citizenships},
	{KeyDocumentType, "Вид документа, удостоверяющего личность", KindSelect, 10, func(a *Applicant) *string { return &a.Document.Type }, IdentityDocumentTypes},
	{KeyDocumentSeries, "Серия документа", KindText, 20, func(a *Applicant) *string { return &a.Document.Series }, nil},
	{KeyDocumentNumber, "Номер документа", KindText, 30, func(a *Applicant) *string { return &a.Document.Number }, nil},
	{KeyDocumentIssueDate, "Дата выдачи документа", KindDate, 10, func(a *Applicant) *string { return &a.Document.IssueDate }, nil},
	{KeyDocumentIssuedBy, "Кем выдан документ", KindText, 500, func(a *Applicant) *string { return &a.Document.IssuedBy }, nil},
	{KeyAddress, "Адрес", KindTextarea, 1000, func(a *Applicant) *string { return &a.Address }, nil},
	{KeyPhone, "Телефон", KindPhone, 30, func(a *Applicant) *string { return &a.Phone }, nil},
	{KeyEmail, "Электронная почта", KindEmail, 254, func(a *Applicant) *string { return &a.Email }, nil},
}

// requiredByKind lists what each kind of applicant must give.
var requiredByKind = map[ApplicantKind][]string{
	KindPerson:                {KeyLastName, KeyFirstName, KeyDocumentNumber},
	KindLegalEntity:           {KeyOrganizationName, KeyINN, KeyOGRN, KeyLastName, KeyFirstName},
	KindSoleProprietor:        {KeyLastName, KeyFirstName, KeyINN, KeyOGRN},
	KindForeignCitizen:        {KeyLastName, KeyFirstName, KeyDocumentNumber},
	KindForeignRepresentative: {KeyOrganizationName, KeyLastName, KeyFirstName, KeyDocumentNumber},
}

// problems collects Problems, one per key: the first is the one to fix.
type problems struct {
	list []Problem
	seen map[string]bool
}

func (p *problems) add(key, format string, args ...any) {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	p.list = append(p.list, Problem{Field: key, Message: fmt.Sprintf(format, args...)})
}

// check normalises app's identifiers and records everything wrong with it.
// Both intake paths end here, so a portal form and an office form of the
// same application get the same problems.
func (st ServiceType) check(app *Application, p *problems) {
	a := &app.Applicant
	for _, f := range applicantFields {
		v := f.value(a)
		*v = strings.TrimSpace(*v)
		if f.kind == KindSNILS || f.kind == KindINN || f.kind == KindOGRN {
			*v = onlyDigits(*v)
		}
	}
	required := requiredByKind[app.Kind]
	if app.Kind == "" && a.OrganizationName == "" {
		required = []string{KeyLastName}
	}
	for _, f := range applicantFields {
		v := *f.value(a)
		if v == "" {
			for _, key := range required {
				if key == f.key {
					p.add(f.key, "Не заполнено обязательное поле «%s»", f.label)
				}
			}
			continue
		}
		if utf8.RuneCountInString(v) > f.max {
			p.add(f.key, "Поле «%s» длиннее %d символов", f.label, f.max)
			continue
		}
		if msg := checkValue(f.kind, v); msg != "" {
			p.add(f.key, "%s", msg)
		}
	}
	checkIdentifiers(app.Kind, a, p)
	if app.Region != "" && !allDigits(app.Region, 8) && !allDigits(app.Region, 11) {
		p.add(KeyRegion, "Код ОКТМО «%s» должен состоять из 8 или 11 цифр", app.Region)
	}
	for _, f := range st.Fields {
		v := strings.TrimSpace(app.Fields[f.Name])
		if f.Kind == KindSNILS || f.Kind == KindINN || f.Kind == KindOGRN {
			v = onlyDigits(v)
		}
		if v == "" {
			delete(app.Fields, f.Name)
			if f.Required {
				p.add(f.Name, "Не заполнено обязательное поле «%s»", f.Label)
			}
			continue
		}
		app.Fields[f.Name] = v
		if utf8.RuneCountInString(v) > f.maxLength() {
			p.add(f.Name, "Поле «%s» длиннее %d символов", f.Label, f.maxLength())
			continue
		}
		if f.Kind == KindSelect {
			if !hasOption(f.Options, v) {
				p.add(f.Name, "Значение «%s» поля «%s» не из списка допустимых", v, f.Label)
			}
			continue
		}
		if msg := checkValue(f.Kind, v); msg != "" {
			p.add(f.Name, "%s", msg)
		}
	}
}

// checkIdentifiers checks ИНН, ОГРН and КПП against what the kind of
// applicant should have: a company's are shorter than a person's.
func checkIdentifiers(kind ApplicantKind, a *Applicant, p *problems) {
	if a.INN != "" {
		switch {
		case (kind == KindLegalEntity || kind == KindForeignRepresentative) && len(a.INN) != 10:
			p.add(KeyINN, "ИНН организации должен состоять из 10 цифр, указано «%s»", a.INN)
		case (kind == KindPerson || kind == KindSoleProprietor || kind == KindForeignCitizen) && len(a.INN) != 12:
			p.add(KeyINN, "ИНН физического лица должен состоять из 12 цифр, указано «%s»", a.INN)
		}
	}
	if a.OGRN != "" {
		switch {
		case kind == KindLegalEntity && len(a.OGRN) != 13:
			p.add(KeyOGRN, "ОГРН юридического лица должен состоять из 13 цифр, указано «%s»", a.OGRN)
		case kind == KindSoleProprietor && len(a.OGRN) != 15:
			p.add(KeyOGRN, "ОГРНИП должен состоять из 15 цифр, указано «%s»", a.OGRN)
		}
	}
	if a.KPP != "" && !validKPP(a.KPP) {
		p.add(KeyKPP, "КПП «%s» должен состоять из 9 знаков: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры", a.KPP)
	}
}

var (
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	phonePattern  = regexp.MustCompile(`^\+?[0-9 ()-]+$`)
	numberPattern = regexp.MustCompile(`^-?[0-9]+([.,][0-9]+)?$`)
)

// checkValue returns what is wrong with a non-empty value of a kind, or "".
func checkValue(kind FieldKind, v string) string {
	switch kind {
	case KindDate:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return fmt.Sprintf("Дата «%s» должна быть в виде ГГГГ-ММ-ДД", v)
		}
	case KindNumber:
		if !numberPattern.MatchString(v) {
			return fmt.Sprintf("«%s» — не число", v)
		}
	case KindSNILS:
		if !allDigits(v, 11) {
			return fmt.Sprintf("СНИЛС должен состоять из 11 цифр, указано «%s»", v)
		}
		if !validSNILS(v) {
			return fmt.Sprintf("СНИЛС «%s» указан с ошибкой: не сходится контрольное число", v)
		}
	case KindINN:
		switch {
		case len(v) == 10 && allDigits(v, 10):
			if !validINN10(v) {
				return fmt.Sprintf("ИНН «%s» указан с ошибкой: не сходится контрольная цифра", v)
			}
		case len(v) == 12 && allDigits(v, 12):
			if !validINN12(v) {
				return fmt.Sprintf("ИНН «%s» указан с ошибкой: не сходятся контрольные цифры", v)
			}
		default:
			return fmt.Sprintf("ИНН должен состоять из 10 или 12 цифр, указано «%s»", v)
		}
	case KindOGRN:
		switch {
		case len(v) == 13 && allDigits(v, 13):
			if !validOGRN(v) {
				return fmt.Sprintf("ОГРН «%s» указан с ошибкой: не сходится контрольная цифра", v)
			}
		case len(v) == 15 && allDigits(v, 15):
			if !validOGRNIP(v) {
				return fmt.Sprintf("ОГРНИП «%s» указан с ошибкой: не сходится контрольная цифра", v)
			}
		default:
			return fmt.Sprintf("ОГРН должен состоять из 13 цифр, ОГРНИП — из 15, указано «%s»", v)
		}
	case KindEmail:
		if !emailPattern.MatchString(v) {
			return fmt.Sprintf("«%s» — не адрес электронной почты", v)
		}
	case KindPhone:
		digits := 0
		for _, c := range v {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if !phonePattern.MatchString(v) || digits < 10 || digits > 15 {
			return fmt.Sprintf("Телефон «%s» должен содержать от 10 до 15 цифр", v)
		}
	}
	return ""
}

func hasOption(options []Option, v string) bool {
	for _, o := range options {
		if o.Value == v {
			return true
		}
	}
	return false
}

// checkDocuments records each required document the application lacks,
// under the key DocumentKey(i) of the i-th required document.
func (st ServiceType) checkDocuments(docs []DocumentRef, p *problems) {
	have := map[string]bool{}
	for _, d := range docs {
		have[normalTitle(d.Type)] = true
	}
	for i, title := range st.RequiredDocuments {
		if !have[normalTitle(title)] {
			p.add(DocumentKey(i), "Не представлен обязательный документ «%s»", title)
		}
	}
}

// normalTitle compares document titles the way people read them: case and
// runs of spaces do not matter.
func normalTitle(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// DocumentKey is the key of the i-th required document, in Problems and
// in the office form (a checkbox: the document was presented).
func DocumentKey(i int) string { return "document." + strconv.Itoa(i) }
