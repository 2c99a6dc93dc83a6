package forms_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
)

func TestRegistryNumber(t *testing.T) {
	tests := []struct {
		pattern string
		seq     int64
		want    string
	}{
		{"", 123, "2026-RNS-000123"}, // the default pattern
		{"{year}-{code}-{seq:06}", 1, "2026-RNS-000001"},
		{"{year}-{code}-{seq:06}", 1234567, "2026-RNS-1234567"}, // longer than its width
		{"{code}/{year}/{seq:05}", 42, "RNS/2026/00042"},
		{"{seq}", 7, "7"},
		{"№ {seq:3}", 7, "№ {seq:3}7"}, // invalid: printed as is, the sequence appended
		{"Р-{seq:01}/{year}", 9, "Р-9/2026"},
	}
	for _, tt := range tests {
		st := forms.ServiceType{Code: "RNS", RegistryPattern: tt.pattern}
		if got := st.RegistryNumber(2026, tt.seq); got != tt.want {
			t.Errorf("pattern %q seq %d: %q, want %q", tt.pattern, tt.seq, got, tt.want)
		}
	}
}

func TestValidateRefusesUnusableServiceTypes(t *testing.T) {
	tests := []struct {
		name   string
		change func(st *forms.ServiceType)
	}{
		{"lower-case code", func(st *forms.ServiceType) { st.Code = "rns" }},
		{"empty title", func(st *forms.ServiceType) { st.Title = " " }},
		{"no namespace", func(st *forms.ServiceType) { st.NamespaceURI = "" }},
		{"root with a prefix", func(st *forms.ServiceType) { st.RootElement = "ns:FormData" }},
		{"zero deadline", func(st *forms.ServiceType) { st.DeadlineWorkingDays = 0 }},
		{"unknown problem rule", func(st *forms.ServiceType) { st.OnProblem = "ignore" }},
		{"version 0", func(st *forms.ServiceType) { st.Version = 0 }},
		{"pattern without seq", func(st *forms.ServiceType) { st.RegistryPattern = "{year}-{code}" }},
		{"pattern with two seqs", func(st *forms.ServiceType) { st.RegistryPattern = "{seq}-{seq:04}" }},
		{"pattern with unknown token", func(st *forms.ServiceType) { st.RegistryPattern = "{month}-{seq}" }},
		{"pattern with unclosed brace", func(st *forms.ServiceType) { st.RegistryPattern = "{year-{seq}" }},
		{"pattern width 0", func(st *forms.ServiceType) { st.RegistryPattern = "{seq:00}" }},
		{"pattern width 13", func(st *forms.ServiceType) { st.RegistryPattern = "{seq:013}" }},
		{"field with a dot", func(st *forms.ServiceType) { st.Fields[0].Name = "object.name" }},
		{"field twice", func(st *forms.ServiceType) { st.Fields[1].Name = st.Fields[0].Name }},
		{"field of unknown kind", func(st *forms.ServiceType) { st.Fields[0].Kind = "money" }},
		{"field without label", func(st *forms.ServiceType) { st.Fields[0].Label = "" }},
		{"select without options", func(st *forms.ServiceType) { st.Fields[0].Kind = forms.KindSelect }},
		{"text with options", func(st *forms.ServiceType) { st.Fields[0].Options = []forms.Option{{Value: "a", Label: "a"}} }},
		{"document listed twice", func(st *forms.ServiceType) { st.RequiredDocuments[1] = st.RequiredDocuments[0] }},
		{"mapping of an undefined field", func(st *forms.ServiceType) { st.Mapping.Fields["area"] = forms.Paths{"Object/area"} }},
		{"path with an empty step", func(st *forms.ServiceType) { st.Mapping.Applicant.LastName = forms.Paths{"Applicant//lastName"} }},
		{"attribute in the middle of a path", func(st *forms.ServiceType) { st.Mapping.Region = forms.Paths{"Service/@code/x"} }},
		{"path with a prefix", func(st *forms.ServiceType) { st.Mapping.PortalOrderID = forms.Paths{"f:orderId"} }},
		{"kind value to an unknown kind", func(st *forms.ServiceType) { st.Mapping.ApplicantKind.Values["X"] = "martian" }},
		{"no way to tell the kind", func(st *forms.ServiceType) { st.Mapping.ApplicantKind = forms.KindRule{} }},
		{"documents without a type path", func(st *forms.ServiceType) { st.Mapping.Documents.Type = "" }},
		{"document paths without the list path", func(st *forms.ServiceType) { st.Mapping.Documents.Path = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := demoType(t, "MINSTROY", "RNS")
			tt.change(&st)
			if err := st.Validate(); !errors.Is(err, forms.ErrInvalidServiceType) {
				t.Fatalf("Validate = %v, want ErrInvalidServiceType", err)
			}
			if _, err := st.MapApplication([]byte(`<FormData xmlns="` + buildingNS + `"/>`)); !errors.Is(err, forms.ErrInvalidServiceType) {
				t.Fatalf("MapApplication with an invalid service type: %v", err)
			}
		})
	}
}

func TestDemoServiceTypesAreValidAndSurviveJSON(t *testing.T) {
	for _, agency := range []string{"MINSTROY", "OKN"} {
		types := forms.DemoServiceTypes(agency)
		if len(types) == 0 {
			t.Fatalf("%s has no demo service types", agency)
		}
		for _, st := range types {
			if err := st.Validate(); err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(st.Mapping)
			if err != nil {
				t.Fatal(err)
			}
			var back forms.Mapping
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, st.Mapping) {
				t.Fatalf("%s mapping changed through JSON:\n%+v\n%+v", st.Code, back, st.Mapping)
			}
		}
	}
	if forms.DemoServiceTypes("PLATFORM") != nil {
		t.Fatal("the platform has demo service types")
	}
}

// Cases keep applicants and problems as JSON; the keys must not follow Go
// field names, which may change.
func TestApplicationPartsHaveStableJSON(t *testing.T) {
	a := forms.Applicant{LastName: "Иванова", SNILS: goodSNILS, Document: forms.IdentityDocument{Number: "654321"}}
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"last_name":"Иванова","snils":"` + goodSNILS + `","document":{"number":"654321"}}`; string(raw) != want {
		t.Fatalf("applicant JSON %s, want %s", raw, want)
	}
	var back forms.Applicant
	if err := json.Unmarshal(raw, &back); err != nil || back != a {
		t.Fatalf("round trip %+v, %v", back, err)
	}
	raw, err = json.Marshal([]forms.Problem{{Field: forms.KeySNILS, Message: "СНИЛС указан с ошибкой"}})
	if err != nil || string(raw) != `[{"field":"applicant.snils","message":"СНИЛС указан с ошибкой"}]` {
		t.Fatalf("problems JSON %s, %v", raw, err)
	}
}
