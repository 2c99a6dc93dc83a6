package forms_test

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
)

func demoType(t *testing.T, agency, code string) forms.ServiceType {
	t.Helper()
	for _, st := range forms.DemoServiceTypes(agency) {
		if st.Code == code {
			return st
		}
	}
	t.Fatalf("no demo service type %s of %s", code, agency)
	return forms.ServiceType{}
}

// Identifiers whose check digits are right (ИНН and ОГРН of a well-known
// bank, textbook СНИЛС, ИНН-12 and ОГРНИП).
const (
	goodSNILS  = "11223344595"
	goodINN12  = "500100732259"
	goodINN10  = "7707083893"
	goodOGRN   = "1027700132195"
	goodOGRNIP = "304500116000157"
)

const buildingNS = "http://epgu.gosuslugi.ru/concentrator/building-permit/1.0.0"

func person(snils, inn string) string {
	return `<lastName>Иванова</lastName><firstName>Мария</firstName><middleName>Сергеевна</middleName>` +
		`<birthDate>1985-03-14</birthDate><gender>F</gender><snils>` + snils + `</snils><inn>` + inn + `</inn>` +
		`<IdentityDocument type="1"><series>4510</series><number>654321</number><issueDate>2011-02-01</issueDate>` +
		`<issuedBy>ОУФМС России по г. Москве</issuedBy></IdentityDocument>` +
		`<registrationAddress>г. Москва, ул. Ленина, д. 1, кв. 5</registrationAddress>`
}

func organization(fullName, inn, kpp, ogrnTag, ogrn string) string {
	o := `<Organization>`
	if fullName != "" {
		o += `<fullName>` + fullName + `</fullName>`
	}
	o += `<shortName>ООО «Вектор»</shortName><inn>` + inn + `</inn>`
	if kpp != "" {
		o += `<kpp>` + kpp + `</kpp>`
	}
	return o + `<` + ogrnTag + `>` + ogrn + `</` + ogrnTag + `><legalAddress>г. Тверь, ул. Советская, д. 3</legalAddress>` +
		`<Representative>` + person(goodSNILS, "") + `</Representative></Organization>`
}

const contacts = `<Contacts><phone>+7 903 555-12-34</phone><email>ivanova@example.ru</email></Contacts>`

var buildingDocs = []string{
	"Правоустанавливающие документы на земельный участок",
	"Градостроительный план земельного участка",
	"Проектная документация (пояснительная записка)",
	"Положительное заключение экспертизы проектной документации",
}

const buildingObject = `<objectName>Школа на 550 мест</objectName><cadastralNumber>69:40:0100101:77</cadastralNumber>` +
	`<objectAddress>г. Тверь, ул. Новая, д. 1</objectAddress><floors>3</floors><totalArea>8000 кв. м</totalArea>`

// form builds a building-permit form; head is what goes before Service
// (order number), kind the Applicant's type attribute ("" for none).
func form(head, kind, applicant, object string, docs []string) string {
	var b strings.Builder
	b.WriteString(`<FormData xmlns="` + buildingNS + `">` + head)
	b.WriteString(`<Service><eServiceCode>10000000000101</eServiceCode><serviceTargetCode>10000000000101001</serviceTargetCode>` +
		`<userSelectedRegion>28701000</userSelectedRegion><serviceName>РНС</serviceName></Service>`)
	if kind != "" {
		b.WriteString(`<Applicant type="` + kind + `">`)
	} else {
		b.WriteString(`<Applicant>`)
	}
	b.WriteString(applicant + contacts + `</Applicant><Object>` + object + `</Object><Documents>`)
	for i, d := range docs {
		n := string(rune('1' + i))
		b.WriteString(`<Document><type>` + d + `</type><fileName>scan-` + n + `.pdf</fileName><attachmentId>doc-` + n +
			`</attachmentId><signed>true</signed></Document>`)
	}
	b.WriteString(`</Documents></FormData>`)
	return b.String()
}

const order = `<orderId>777</orderId>`

func problemFields(app forms.Application) []string {
	var out []string
	for _, p := range app.Problems {
		if p.Message == "" {
			out = append(out, p.Field+" (no message)")
		}
		out = append(out, p.Field)
	}
	sort.Strings(out)
	return out
}

func TestMapApplicationByApplicantKind(t *testing.T) {
	rns := demoType(t, "MINSTROY", "RNS")
	personXML := `<Person>` + person(goodSNILS, goodINN12) + `</Person>`
	tests := []struct {
		name        string
		xml         string
		kind        forms.ApplicantKind
		displayName string
		inn, ogrn   string
		problems    []string
	}{
		{"person", form(order, "PERSON", personXML, buildingObject, buildingDocs),
			forms.KindPerson, "Иванова Мария Сергеевна", goodINN12, "", nil},
		{"legal entity takes names from its representative",
			form(order, "LEGAL", organization("Общество с ограниченной ответственностью «Вектор»", goodINN10, "770701001", "ogrn", goodOGRN), buildingObject, buildingDocs),
			forms.KindLegalEntity, "Общество с ограниченной ответственностью «Вектор»", goodINN10, goodOGRN, nil},
		{"legal entity without full name falls back to short name",
			form(order, "LEGAL", organization("", goodINN10, "", "ogrn", goodOGRN), buildingObject, buildingDocs),
			forms.KindLegalEntity, "ООО «Вектор»", goodINN10, goodOGRN, nil},
		{"sole proprietor with ОГРНИП",
			form(order, "SOLE_PROPRIETOR", organization("Индивидуальный предприниматель Иванова Мария Сергеевна", goodINN12, "", "ogrnip", goodOGRNIP), buildingObject, buildingDocs),
			forms.KindSoleProprietor, "Индивидуальный предприниматель Иванова Мария Сергеевна", goodINN12, goodOGRNIP, nil},
		{"foreign citizen without СНИЛС",
			form(order, "FOREIGN_CITIZEN", `<Person><lastName>Müller</lastName><firstName>Hans</firstName><IdentityDocument type="10"><number>C01X00T47</number></IdentityDocument></Person>`, buildingObject, buildingDocs),
			forms.KindForeignCitizen, "Müller Hans", "", "", nil},
		{"foreign organisation's representative",
			form(order, "FOREIGN_REPRESENTATIVE", `<Organization><fullName>Siemens AG</fullName><Representative><lastName>Schmidt</lastName><firstName>Anna</firstName><IdentityDocument type="10"><number>C22Y11</number></IdentityDocument></Representative></Organization>`, buildingObject, buildingDocs),
			forms.KindForeignRepresentative, "Siemens AG", "", "", nil},
		{"unknown kind", form(order, "ALIEN", personXML, buildingObject, buildingDocs),
			"", "Иванова Мария Сергеевна", goodINN12, "", []string{forms.KeyKind}},
		{"no kind", form(order, "", personXML, buildingObject, buildingDocs),
			"", "Иванова Мария Сергеевна", goodINN12, "", []string{forms.KeyKind}},
		{"СНИЛС check number wrong", form(order, "PERSON", `<Person>`+person("11223344596", goodINN12)+`</Person>`, buildingObject, buildingDocs),
			forms.KindPerson, "Иванова Мария Сергеевна", goodINN12, "", []string{forms.KeySNILS}},
		{"person's ИНН check digits wrong", form(order, "PERSON", `<Person>`+person(goodSNILS, "500100732258")+`</Person>`, buildingObject, buildingDocs),
			forms.KindPerson, "Иванова Мария Сергеевна", "500100732258", "", []string{forms.KeyINN}},
		{"legal entity with a person's ИНН", form(order, "LEGAL", organization("ООО «Вектор»", goodINN12, "", "ogrn", goodOGRN), buildingObject, buildingDocs),
			forms.KindLegalEntity, "ООО «Вектор»", goodINN12, goodOGRN, []string{forms.KeyINN}},
		{"ИНН-10 and ОГРН check digits wrong, malformed КПП", form(order, "LEGAL", organization("ООО «Вектор»", "7707083894", "77070100", "ogrn", "1027700132196"), buildingObject, buildingDocs),
			forms.KindLegalEntity, "ООО «Вектор»", "7707083894", "1027700132196", []string{forms.KeyINN, forms.KeyKPP, forms.KeyOGRN}},
		{"sole proprietor with a company's ОГРН", form(order, "SOLE_PROPRIETOR", organization("ИП Иванова М. С.", goodINN12, "", "ogrn", goodOGRN), buildingObject, buildingDocs),
			forms.KindSoleProprietor, "ИП Иванова М. С.", goodINN12, goodOGRN, []string{forms.KeyOGRN}},
		{"ОГРНИП check digit wrong", form(order, "SOLE_PROPRIETOR", organization("ИП Иванова М. С.", goodINN12, "", "ogrnip", "304500116000158"), buildingObject, buildingDocs),
			forms.KindSoleProprietor, "ИП Иванова М. С.", goodINN12, "304500116000158", []string{forms.KeyOGRN}},
		{"legal entity without ИНН and ОГРН", form(order, "LEGAL", `<Organization><fullName>ООО «Вектор»</fullName><Representative><lastName>Петров</lastName><firstName>Пётр</firstName></Representative></Organization>`, buildingObject, buildingDocs),
			forms.KindLegalEntity, "ООО «Вектор»", "", "", []string{forms.KeyINN, forms.KeyOGRN}},
		{"person without last name and passport", form(order, "PERSON", `<Person><firstName>Мария</firstName><snils>`+goodSNILS+`</snils></Person>`, buildingObject, buildingDocs),
			forms.KindPerson, "Мария", "", "", []string{forms.KeyDocumentNumber, forms.KeyLastName}},
		{"required field missing, number malformed", form(order, "PERSON", personXML,
			`<objectName>Школа</objectName><objectAddress>г. Тверь</objectAddress><floors>три</floors>`, buildingDocs),
			forms.KindPerson, "Иванова Мария Сергеевна", goodINN12, "", []string{"cadastralNumber", "floors"}},
		{"required documents missing", form(order, "PERSON", personXML, buildingObject, buildingDocs[:2]),
			forms.KindPerson, "Иванова Мария Сергеевна", goodINN12, "", []string{forms.DocumentKey(2), forms.DocumentKey(3)}},
		{"no order number", form("", "PERSON", personXML, buildingObject, buildingDocs),
			forms.KindPerson, "Иванова Мария Сергеевна", goodINN12, "", []string{forms.KeyPortalOrderID}},
		{"order number not digits", form(`<orderId>77-7</orderId>`, "PERSON", personXML, buildingObject, buildingDocs),
			forms.KindPerson, "Иванова Мария Сергеевна", goodINN12, "", []string{forms.KeyPortalOrderID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := rns.MapApplication([]byte(tt.xml))
			if err != nil {
				t.Fatal(err)
			}
			if app.Kind != tt.kind || app.Applicant.DisplayName() != tt.displayName {
				t.Errorf("kind %q name %q, want %q %q", app.Kind, app.Applicant.DisplayName(), tt.kind, tt.displayName)
			}
			if app.Applicant.INN != tt.inn || app.Applicant.OGRN != tt.ogrn {
				t.Errorf("ИНН %q ОГРН %q, want %q %q", app.Applicant.INN, app.Applicant.OGRN, tt.inn, tt.ogrn)
			}
			if got := problemFields(app); !slices.Equal(got, tt.problems) {
				t.Errorf("problems %v, want %v: %+v", got, tt.problems, app.Problems)
			}
			if app.Channel != forms.ChannelPortal || app.ServiceTypeID != rns.ID || app.ServiceTypeVersion != rns.Version {
				t.Errorf("channel %q type %s v%d", app.Channel, app.ServiceTypeID, app.ServiceTypeVersion)
			}
		})
	}
}

func TestMapApplicationReadsEveryMappedValue(t *testing.T) {
	raw, err := os.ReadFile("testdata/building-permit-legal.xml")
	if err != nil {
		t.Fatal(err)
	}
	app, err := demoType(t, "MINSTROY", "RNS").MapApplication(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := forms.Application{
		ServiceTypeID: app.ServiceTypeID, ServiceTypeVersion: 1, Channel: forms.ChannelPortal,
		Kind: forms.KindLegalEntity,
		Applicant: forms.Applicant{
			LastName: "Сидоров", FirstName: "Павел", MiddleName: "Андреевич", BirthDate: "1979-04-02",
			OrganizationName: "Общество с ограниченной ответственностью «Стройинвест»",
			SNILS:            "11223344595", INN: "7707083893", OGRN: "1027700132195", KPP: "770701001",
			Document: forms.IdentityDocument{Type: "1", Series: "4509", Number: "123456", IssueDate: "2010-06-15",
				IssuedBy: "ГУ МВД России по г. Москве"},
			Address: "г. Москва, ул. Вавилова, д. 19", Phone: "+7 916 123-45-67", Email: "sidorov.1234@example.ru",
		},
		Region: "45000000", PortalOrderID: "4471203", ServiceTargetCode: "10000000000101001",
		Fields: map[string]string{
			"objectName": "Многоквартирный жилой дом со встроенными помещениями", "cadastralNumber": "77:01:0001001:1234",
			"objectAddress": "г. Москва, ул. Строителей, д. 7", "floors": "17", "totalArea": "12500 кв. м",
		},
		Documents: []forms.DocumentRef{
			{Type: "Правоустанавливающие документы на земельный участок", FileName: "scan-1.pdf", AttachmentID: "doc-1", Signed: true},
			{Type: "Градостроительный план земельного участка", FileName: "scan-2.pdf", AttachmentID: "doc-2", Signed: true},
			{Type: "Проектная документация (пояснительная записка)", FileName: "scan-3.pdf", AttachmentID: "doc-3", Signed: false},
			{Type: "Положительное заключение экспертизы проектной документации", FileName: "scan-4.pdf", AttachmentID: "doc-4", Signed: true},
		},
	}
	if !reflect.DeepEqual(app, want) {
		t.Fatalf("mapped\n%+v\nwant\n%+v", app, want)
	}
}

func TestMapApplicationFallsBackToTheOrderAttribute(t *testing.T) {
	xml := strings.Replace(form("", "PERSON", `<Person>`+person(goodSNILS, "")+`</Person>`, buildingObject, buildingDocs),
		`<FormData `, `<FormData oid="9001" `, 1)
	app, err := demoType(t, "MINSTROY", "RNS").MapApplication([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	if app.PortalOrderID != "9001" || len(app.Problems) != 0 {
		t.Fatalf("order %q problems %+v", app.PortalOrderID, app.Problems)
	}
}

func TestMapApplicationRefusesWhatItCannotRead(t *testing.T) {
	rns := demoType(t, "MINSTROY", "RNS")
	valid := form(order, "PERSON", `<Person>`+person(goodSNILS, "")+`</Person>`, buildingObject, buildingDocs)
	deep := `<FormData xmlns="` + buildingNS + `">` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</FormData>`
	huge := `<FormData xmlns="` + buildingNS + `"><x>` + strings.Repeat("я", 3<<20) + `</x></FormData>`
	tests := []struct {
		name string
		xml  string
		want error
	}{
		{"other service's namespace", strings.Replace(valid, "building-permit", "heritage-works", 1), forms.ErrWrongFormType},
		{"other root element", strings.Replace(strings.Replace(valid, "<FormData", "<Form", 1), "</FormData>", "</Form>", 1), forms.ErrWrongFormType},
		{"no namespace", strings.Replace(valid, ` xmlns="`+buildingNS+`"`, "", 1), forms.ErrWrongFormType},
		{"DOCTYPE with an entity", `<?xml version="1.0"?><!DOCTYPE FormData [<!ENTITY x "boom">]>` + strings.Replace(valid, "<orderId>777", "<orderId>&x;", 1), forms.ErrFormForbidden},
		{"external entity", `<!DOCTYPE FormData [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + valid, forms.ErrFormForbidden},
		{"undefined entity", strings.Replace(valid, "<orderId>777", "<orderId>&x;", 1), forms.ErrUnreadableForm},
		{"nesting too deep", deep, forms.ErrFormTooDeep},
		{"too large", huge, forms.ErrFormTooLarge},
		{"unclosed element", strings.TrimSuffix(valid, "</FormData>"), forms.ErrUnreadableForm},
		{"two roots", valid + valid, forms.ErrUnreadableForm},
		{"text after the root", valid + "junk", forms.ErrUnreadableForm},
		{"empty", "", forms.ErrUnreadableForm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := rns.MapApplication([]byte(tt.xml))
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !reflect.DeepEqual(app, forms.Application{}) {
				t.Fatalf("half-mapped application returned with the error: %+v", app)
			}
		})
	}
}

func TestWrongFormTypeNamesBothForms(t *testing.T) {
	okn := demoType(t, "OKN", "OKN-R")
	_, err := okn.MapApplication([]byte(`<FormData xmlns="` + buildingNS + `"/>`))
	var wrong *forms.WrongFormTypeError
	if !errors.As(err, &wrong) {
		t.Fatalf("error %v is not a WrongFormTypeError", err)
	}
	if wrong.NamespaceURI != buildingNS || wrong.RootElement != "FormData" || wrong.WantNamespace != okn.NamespaceURI {
		t.Fatalf("%+v", wrong)
	}
}

// Paths name local names only: prefixes and the namespaces of inner
// elements do not matter, and names may be Cyrillic.
func TestPathsIgnoreNamespacesAndPrefixes(t *testing.T) {
	st := forms.ServiceType{
		Code: "EGRUL", Title: "Сведения из ЕГРЮЛ", NamespaceURI: "urn://example/fns", RootElement: "Документ",
		DeadlineWorkingDays: 5, OnProblem: forms.OnProblemRegister, Version: 1, Active: true,
		Fields: []forms.Field{{Name: "status", Label: "Статус", Kind: forms.KindText}},
		Mapping: forms.Mapping{
			ApplicantKind: forms.KindRule{Default: forms.KindLegalEntity},
			Applicant: forms.ApplicantPaths{
				OrganizationName: forms.Paths{"СвЮЛ/СвНаимЮЛ/@НаимЮЛПолн"},
				INN:              forms.Paths{"СвЮЛ/@ИННЮЛ"}, OGRN: forms.Paths{"СвЮЛ/@ОГРН"},
				LastName: forms.Paths{"СвЮЛ/Руководитель/Фамилия"}, FirstName: forms.Paths{"СвЮЛ/Руководитель/Имя"},
			},
			Fields: map[string]forms.Paths{"status": {"Статус"}},
		},
	}
	xml := `<fns:Документ xmlns:fns="urn://example/fns" xmlns:x="urn://other">` +
		`<x:СвЮЛ ИННЮЛ="` + goodINN10 + `" ОГРН="` + goodOGRN + `"><fns:СвНаимЮЛ НаимЮЛПолн="ПАО «Банк»"/>` +
		`<Руководитель xmlns="urn://third"><Фамилия>Греф</Фамилия><Имя>Герман</Имя></Руководитель></x:СвЮЛ>` +
		`<Статус><![CDATA[действующее]]></Статус></fns:Документ>`
	app, err := st.MapApplication([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	a := app.Applicant
	if a.OrganizationName != "ПАО «Банк»" || a.INN != goodINN10 || a.OGRN != goodOGRN || a.PersonName() != "Греф Герман" ||
		app.Fields["status"] != "действующее" || app.Kind != forms.KindLegalEntity || len(app.Problems) != 0 {
		t.Fatalf("mapped %+v", app)
	}
}
