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
	names := map[string]bool{}
	fields := okn.OfficeFields()
	var kinds []string
	for _, o := range fields[0].Options {
		if o.Label == "" || forms.ApplicantKind(o.Value).Label() != o.Label {
			t.Errorf("kind option %+v", o)
		}
		kinds = append(kinds, o.Value)
	}
	if want := []string{"person", "legal_entity", "sole_proprietor", "foreign_citizen", "foreign_representative"}; fields[0].Name != forms.KeyKind || !slices.Equal(kinds, want) {
		t.Errorf("first office field %s offers kinds %v, want %s with %v", fields[0].Name, kinds, forms.KeyKind, want)
	}
	for _, f := range fields {
		if names[f.Name] {
			t.Fatalf("office field %s listed twice", f.Name)
		}
		names[f.Name] = true
	}
	for _, key := range []string{forms.KeyKind, forms.KeyLastName, forms.KeySNILS, forms.KeyOGRN, forms.KeyRegion,
		forms.KeyDocumentIssuedBy, forms.KeyEmail, "heritageObjectName", "worksKind"} {
		if !names[key] {
			t.Errorf("office form lacks %s", key)
		}
	}
}
