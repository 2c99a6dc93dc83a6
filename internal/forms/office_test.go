package forms_test

import (
	"os"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
)

func officeValues(app forms.Application, st forms.ServiceType) map[string]string {
	a := app.Applicant
	v := map[string]string{
		forms.KeyKind: string(app.Kind), forms.KeyLastName: a.LastName, forms.KeyFirstName: a.FirstName,
		forms.KeyMiddleName: a.MiddleName, forms.KeyBirthDate: a.BirthDate, forms.KeyOrganizationName: a.OrganizationName,
		forms.KeySNILS: a.SNILS, forms.KeyINN: a.INN, forms.KeyOGRN: a.OGRN, forms.KeyKPP: a.KPP,
		forms.KeyDocumentType: a.Document.Type, forms.KeyDocumentSeries: a.Document.Series,
		forms.KeyDocumentNumber: a.Document.Number, forms.KeyDocumentIssueDate: a.Document.IssueDate,
		forms.KeyDocumentIssuedBy: a.Document.IssuedBy, forms.KeyAddress: a.Address, forms.KeyPhone: a.Phone,
		forms.KeyEmail: a.Email, forms.KeyRegion: app.Region,
	}
	for name, value := range app.Fields {
		v[name] = value
	}
	for i := range st.RequiredDocuments {
		v[forms.DocumentKey(i)] = "on"
	}
	return v
}

// The same application typed in at the office maps to what the portal form
// mapped to, but for what only the portal knows.
func TestOfficeFormMapsLikeThePortalForm(t *testing.T) {
	rns := demoType(t, "MINSTROY", "RNS")
	raw, err := os.ReadFile("testdata/building-permit-legal.xml")
	if err != nil {
		t.Fatal(err)
	}
	portal, err := rns.MapApplication(raw)
	if err != nil {
		t.Fatal(err)
	}
	values := officeValues(portal, rns)
	values[forms.KeySNILS] = "112-233-445 95" // as printed on the card
	// The office asks a company's representative for no birth date or passport.
	portal.Applicant.BirthDate, portal.Applicant.Document = "", forms.IdentityDocument{}
	office, errs := rns.MapOfficeForm(values)
	if errs != nil {
		t.Fatalf("errors %v", errs)
	}
	if office.Channel != forms.ChannelOffice || office.PortalOrderID != "" || office.ServiceTypeID != rns.ID {
		t.Fatalf("office application %+v", office)
	}
	if !reflect.DeepEqual(office.Applicant, portal.Applicant) || !reflect.DeepEqual(office.Fields, portal.Fields) ||
		office.Kind != portal.Kind || office.Region != portal.Region {
		t.Fatalf("office\n%+v\nportal\n%+v", office, portal)
	}
	if len(office.Documents) != len(rns.RequiredDocuments) {
		t.Fatalf("documents %+v", office.Documents)
	}
}

func TestOfficeFormErrorsBesideFields(t *testing.T) {
	okn := demoType(t, "OKN", "OKN-R")
	valid := func() map[string]string {
		v := map[string]string{
			forms.KeyKind: "person", forms.KeyLastName: "Орлова", forms.KeyFirstName: "Анна",
			forms.KeySNILS: goodSNILS, forms.KeyDocumentNumber: "123456", forms.KeyDocumentSeries: "4510",
			"heritageObjectName": "Особняк Морозова", "registryNumber": "771510302050006",
			"objectAddress": "г. Москва, ул. Спиридоновка, д. 17", "worksKind": "Реставрация",
		}
		for i := range okn.RequiredDocuments {
			v[forms.DocumentKey(i)] = "on"
		}
		return v
	}
	tests := []struct {
		name   string
		change func(v map[string]string)
		errors []string
	}{
		{"valid", func(map[string]string) {}, nil},
		{"no kind", func(v map[string]string) { delete(v, forms.KeyKind) }, []string{forms.KeyKind}},
		{"unknown kind", func(v map[string]string) { v[forms.KeyKind] = "robot" }, []string{forms.KeyKind}},
		{"СНИЛС with a wrong check number", func(v map[string]string) { v[forms.KeySNILS] = "112-233-445 96" }, []string{forms.KeySNILS}},
		{"СНИЛС too short", func(v map[string]string) { v[forms.KeySNILS] = "1122334459" }, []string{forms.KeySNILS}},
		{"option not in the list", func(v map[string]string) { v["worksKind"] = "Снос" }, []string{"worksKind"}},
		{"required field blank", func(v map[string]string) { v["heritageObjectName"] = "  " }, []string{"heritageObjectName"}},
		{"field too long", func(v map[string]string) { v["registryNumber"] = "7715103020500061" }, []string{"registryNumber"}},
		{"document not presented", func(v map[string]string) { delete(v, forms.DocumentKey(1)) }, []string{forms.DocumentKey(1)}},
		{"bad email, phone and birth date", func(v map[string]string) {
			v[forms.KeyEmail] = "orlova@"
			v[forms.KeyPhone] = "12-34"
			v[forms.KeyBirthDate] = "14.03.1985"
		}, []string{forms.KeyBirthDate, forms.KeyEmail, forms.KeyPhone}},
		{"legal entity needs ИНН and ОГРН", func(v map[string]string) {
			v[forms.KeyKind] = "legal_entity"
			v[forms.KeyOrganizationName] = "ООО «Реставратор»"
		}, []string{forms.KeyINN, forms.KeyOGRN}},
		{"ОКТМО malformed", func(v map[string]string) { v[forms.KeyRegion] = "4500" }, []string{forms.KeyRegion}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := valid()
			tt.change(v)
			app, errs := okn.MapOfficeForm(v)
			var keys []string
			for k, msg := range errs {
				if msg == "" {
					t.Errorf("error of %s has no message", k)
				}
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !slices.Equal(keys, tt.errors) {
				t.Fatalf("errors %v, want keys %v", errs, tt.errors)
			}
			if len(app.Problems) != len(tt.errors) {
				t.Fatalf("problems %+v disagree with errors %v", app.Problems, errs)
			}
		})
	}
}

func TestOfficeFieldsCoverEveryKey(t *testing.T) {
	okn := demoType(t, "OKN", "OKN-R")
	if fields := okn.OfficeFields(""); len(fields) != 1 || fields[0].Name != forms.KeyKind {
		t.Fatalf("before the kind is chosen the form asks %+v", fields)
	}
	names := map[string]bool{}
	for _, o := range forms.OfficeKinds() {
		fields := okn.OfficeFields(forms.ApplicantKind(o.Value))
		seen := map[string]bool{}
		for _, f := range fields {
			if seen[f.Name] {
				t.Fatalf("office field %s listed twice for %s", f.Name, o.Value)
			}
			seen[f.Name], names[f.Name] = true, true
		}
	}
	var kinds []string
	for _, o := range forms.OfficeKinds() {
		if o.Label == "" || forms.ApplicantKind(o.Value).Label() != o.Label {
			t.Errorf("kind option %+v", o)
		}
		kinds = append(kinds, o.Value)
	}
	if want := []string{"person", "legal_entity", "sole_proprietor", "foreign_citizen", "foreign_representative"}; !slices.Equal(kinds, want) {
		t.Errorf("office form offers kinds %v, want %v", kinds, want)
	}
	for _, key := range []string{forms.KeyKind, forms.KeyLastName, forms.KeySNILS, forms.KeyOGRN, forms.KeyRegion, forms.KeyCitizenship,
		forms.KeyDocumentIssuedBy, forms.KeyEmail, "heritageObjectName", "worksKind"} {
		if !names[key] {
			t.Errorf("office form lacks %s", key)
		}
	}
}

// TestOfficeFormAsksEachKindItsOwn: a person is not asked for a КПП nor a
// company for a passport; what each kind must give is marked required; the
// identity document and citizenship are chosen from ЕСНСИ 7211 and 7210.
func TestOfficeFormAsksEachKindItsOwn(t *testing.T) {
	rns := demoType(t, "MINSTROY", "RNS")
	byName := func(kind forms.ApplicantKind) map[string]forms.Field {
		out := map[string]forms.Field{}
		for _, f := range rns.OfficeFields(kind) {
			out[f.Name] = f
		}
		return out
	}
	person, company, foreigner := byName(forms.KindPerson), byName(forms.KindLegalEntity), byName(forms.KindForeignCitizen)
	if f := foreigner[forms.KeyDocumentType]; !f.Required {
		t.Error("a foreigner's document kind is not required")
	}
	if _, ok := person[forms.KeyKPP]; ok {
		t.Error("a person is asked for a КПП")
	}
	if _, ok := company[forms.KeyDocumentNumber]; ok {
		t.Error("a company is asked for a passport")
	}
	if _, ok := person[forms.KeyCitizenship]; ok {
		t.Error("a Russian citizen is asked for citizenship")
	}
	if !person[forms.KeyLastName].Required || !person[forms.KeyDocumentNumber].Required || person[forms.KeyEmail].Required ||
		!company[forms.KeyINN].Required || !foreigner[forms.KeyCitizenship].Required {
		t.Error("required fields are not marked by kind")
	}
	if d := person[forms.KeyDocumentType]; d.Kind != forms.KindSelect || forms.OptionLabel(d.Options, "21") != "Паспорт гражданина РФ" {
		t.Errorf("identity document kind %+v", d)
	}
	v := map[string]string{forms.KeyKind: "foreign_citizen", forms.KeyLastName: "Ли", forms.KeyFirstName: "Вэй",
		forms.KeyDocumentType: "Паспорт гражданина РФ", forms.KeyDocumentNumber: "E1234567", forms.KeyKPP: "770101001",
		"objectName": "Дом", "cadastralNumber": "77:01:0001001:1234", "objectAddress": "г. Москва"}
	for i := range rns.RequiredDocuments {
		v[forms.DocumentKey(i)] = "on"
	}
	_, errs := rns.MapOfficeForm(v)
	if errs[forms.KeyCitizenship] == "" || errs[forms.KeyDocumentType] == "" {
		t.Fatalf("a foreigner without citizenship and with a document kind not from the list: %v", errs)
	}
	v[forms.KeyCitizenship], v[forms.KeyDocumentType] = "156", "10"
	app, errs := rns.MapOfficeForm(v)
	if errs != nil {
		t.Fatalf("errors %v", errs)
	}
	if app.Applicant.Citizenship != "156" || app.Applicant.Document.Type != "10" || app.Applicant.KPP != "" {
		t.Fatalf("applicant %+v: citizenship and document kind kept as codes, another kind's КПП dropped", app.Applicant)
	}
}
