package printout_test

import (
	"bytes"
	"log"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/printout"
)

// The head is shown, and signs, the PDF rendered with the stamp of their
// own certificate; the .sig is over exactly these bytes.
func ExampleRenderer_RenderStamped() {
	var (
		key  *esign.PrivateKey  // the head's key, opened with their PIN
		cert *esign.Certificate // the head's certificate
	)
	r, err := printout.NewRenderer(printout.DefaultFontDir)
	if err != nil {
		log.Fatal(err)
	}
	pdf, err := r.RenderStamped(printout.Document{
		Agency:    printout.Agency{Name: "Министерство", Requisites: []string{"ОГРН 1027700132195"}},
		Template:  printout.Template{Title: "Решение № {{номер}}", Body: "{{заявитель}}, услуга предоставлена."},
		Values:    map[string]string{"номер": "ОК-2026-000417", "заявитель": "Иванов Иван Иванович"},
		Kind:      printout.KindApproval,
		CreatedAt: time.Date(2026, 3, 14, 10, 30, 0, 0, time.UTC), // the draft's time, kept with it
	}, printout.StampOf(cert, ""))
	if err != nil {
		log.Fatal(err)
	}
	sig, err := esign.SignDetached(bytes.NewReader(pdf), key, cert)
	if err != nil {
		log.Fatal(err)
	}
	_ = sig // stored beside the PDF as result.pdf.sig
}
