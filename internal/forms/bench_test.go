package forms_test

import (
	"os"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
)

func BenchmarkMapApplication(b *testing.B) {
	raw, err := os.ReadFile("testdata/building-permit-legal.xml")
	if err != nil {
		b.Fatal(err)
	}
	st := forms.DemoServiceTypes("MINSTROY")[0]
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.MapApplication(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMapOfficeForm(b *testing.B) {
	st := forms.DemoServiceTypes("OKN")[0]
	values := map[string]string{
		forms.KeyKind: "person", forms.KeyLastName: "Орлова", forms.KeyFirstName: "Анна", forms.KeySNILS: "112-233-445 95",
		forms.KeyDocumentNumber: "123456", "heritageObjectName": "Особняк Морозова", "registryNumber": "771510302050006",
		"objectAddress": "г. Москва, ул. Спиридоновка, д. 17", "worksKind": "Реставрация",
		forms.DocumentKey(0): "on", forms.DocumentKey(1): "on", forms.DocumentKey(2): "on",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := st.MapOfficeForm(values); errs != nil {
			b.Fatal(errs)
		}
	}
}
