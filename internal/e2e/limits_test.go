package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// TestMessagesAtTheBusLimits: the bus accepts a request as large and as
// deep as its limits allow, and hands it out wrapped deeper and with MTOM
// parts turned into base64. Whatever the bus carried must be taken: a case
// or a rejection, and the message acknowledged — never a message Okno cannot
// read coming back forever.
func TestMessagesAtTheBusLimits(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	sender := w.portal()
	svc := demoServices(t)[0]
	w.count(`SELECT 1`) // opens the connection the subtests share

	for _, tc := range []struct {
		name    string
		breakIt func(p *epgu, a *application) error
	}{
		{"the deepest form the bus accepts", func(p *epgu, a *application) error {
			// Okno reads forms 64 levels deep; the bus counts the envelope's
			// levels as well, so the deepest form it takes is shallower.
			for depth := 64; depth > 0; depth-- {
				a.padding = strings.Repeat("<Note>", depth) + strings.Repeat("</Note>", depth)
				_, err := p.send(a)
				if err == nil {
					t.Logf("the bus took a form with %d nested notes", depth)
					return nil
				}
				if !isFault(err, message.FaultInvalidContent) && !strings.Contains(err.Error(), "nesting") {
					return err
				}
			}
			return fmt.Errorf("the bus took no form at all")
		}},
		{"large form with the largest MTOM attachments", func(p *epgu, a *application) error {
			// 3 MB of form (Okno reads forms up to 4 MiB) and 5 MB of scans,
			// the most the bus takes as MTOM parts.
			a.padding = "<Notes>" + strings.Repeat("Примечание заявителя. ", 3<<20/40) + "</Notes>"
			a.mtom = true
			budget := 5<<20 - 4096
			for _, d := range a.documents {
				budget -= len(d.data)
			}
			a.documents[0].data = append(a.documents[0].data, bytes.Repeat([]byte{'\n'}, budget)...)
			a.documents[0].signature = nil
			_, err := p.send(a)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := w.in(t)
			sender := sender.in(w)
			a := sender.newApplication(svc.form, svc.st.RequiredDocuments, svc.object)
			before := w.count(`SELECT count(*) FROM smevstand.message WHERE sender = 'EPGU' AND kind = 'REQUEST'`)
			if err := tc.breakIt(sender, a); err != nil {
				t.Fatalf("the bus refused the message: %v", err)
			}
			var id string
			if err := w.query(`SELECT id::text FROM smevstand.message WHERE sender = 'EPGU' AND kind = 'REQUEST' ORDER BY sent_at DESC LIMIT 1`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if after := w.count(`SELECT count(*) FROM smevstand.message WHERE sender = 'EPGU' AND kind = 'REQUEST'`); after != before+1 {
				t.Fatalf("%d messages queued, want one", after-before)
			}
			w.acked(id)
			cases := w.count(`SELECT count(*) FROM cases WHERE bus_message_id = $1`, id)
			rejections := w.count(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1`, id)
			if cases+rejections != 1 {
				t.Errorf("%d cases and %d rejections for one message", cases, rejections)
			}
		})
	}
	w.assertNothingHalfStored()
}
