package forms_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
)

// Whatever arrives from the bus, mapping either refuses it whole or returns
// an application that names its service type and explains every problem.
func FuzzMapApplication(f *testing.F) {
	raw, err := os.ReadFile("testdata/building-permit-legal.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(form(order, "SOLE_PROPRIETOR", organization("ИП", goodINN12, "", "ogrnip", goodOGRNIP), buildingObject, buildingDocs[:1])))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><FormData xmlns="` + buildingNS + `">&a;</FormData>`))
	f.Add([]byte(`<FormData xmlns="` + buildingNS + `" oid="1"><Applicant type="PERSON"><Person/></Applicant></FormData>`))
	st := forms.DemoServiceTypes("MINSTROY")[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		app, err := st.MapApplication(data)
		if err != nil {
			if !reflect.DeepEqual(app, forms.Application{}) {
				t.Fatalf("error %v with a half-mapped application %+v", err, app)
			}
			return
		}
		if app.ServiceTypeID != st.ID || app.Fields == nil {
			t.Fatalf("application %+v", app)
		}
		for _, p := range app.Problems {
			if p.Field == "" || p.Message == "" {
				t.Fatalf("problem without field or message: %+v", p)
			}
		}
	})
}
