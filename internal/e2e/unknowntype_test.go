package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
	"github.com/okno-oiv/okno/internal/smevstand/providers"
)

// accessMatrix is the stand's environment for routing the demo matrix plus
// extra routes: the stand reads its -access-matrix default from
// SMEVSTAND_ACCESS_MATRIX. It goes to the stand's process only, so that
// tests running beside this one keep the default matrix.
func accessMatrix(t *testing.T, extra ...bus.Route) string {
	t.Helper()
	services := append(portal.DemoServices(smevstand.MINSTROY, smevstand.OKN), portal.ControlService(smevstand.CONTROL))
	var b strings.Builder
	for _, r := range append(smevstand.DefaultRoutes(services, providers.DemoAgencies()), extra...) {
		fmt.Fprintf(&b, "%s %s %s %s\n", r.Type.Namespace, r.Type.RootElement, r.Provider, strings.Join(r.Consumers, ","))
	}
	path := filepath.Join(t.TempDir(), "access-matrix.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return "SMEVSTAND_ACCESS_MATRIX=" + path
}

// TestFormsOfAnotherType: the bus routes to the agency forms no service
// type of it accepts — the right namespace with another root element, a
// version of the form Okno does not know. Okno must take them off the queue
// and refuse them with UNKNOWN_REQUEST_DESCRIPTION, not leave them to rot in
// SMEV. A type the stand's matrix does not know is refused by the stand
// itself, and never reaches Okno.
func TestFormsOfAnotherType(t *testing.T) {
	t.Parallel()
	rns := forms.DemoServiceTypes("MINSTROY")[0]
	newVersion := forms.ConcentratorNamespace("building-permit", "2.0.0")
	matrix := accessMatrix(t,
		bus.Route{Type: bus.MessageType{Namespace: rns.NamespaceURI, RootElement: "Application"}, Provider: smevstand.MINSTROY, Consumers: []string{smevstand.EPGU}},
		bus.Route{Type: bus.MessageType{Namespace: newVersion, RootElement: rns.RootElement}, Provider: smevstand.MINSTROY, Consumers: []string{smevstand.EPGU}},
	)
	w := newWorld(t, matrix)
	w.startOkno()
	epgu := w.portal()
	object := demoServices(t)[0].object
	w.count(`SELECT 1`) // opens the connection the subtests share

	t.Run("type unknown to the bus", func(t *testing.T) {
		w := w.in(t)
		epgu := epgu.in(w)
		a := epgu.newApplication("building-permit", rns.RequiredDocuments, object)
		a.root = "Заявление"
		before := w.count(`SELECT count(*) FROM smevstand.message WHERE sender = 'EPGU'`)
		_, err := epgu.send(a)
		if !isFault(err, message.FaultBusinessDataTypeIsNotSupported) {
			t.Fatalf("the stand answered %v, want BusinessDataTypeIsNotSupported", err)
		}
		if after := w.count(`SELECT count(*) FROM smevstand.message WHERE sender = 'EPGU'`); after != before {
			t.Errorf("the refused message was queued: %d messages from EPGU, were %d", after, before)
		}
	})

	for _, tc := range []struct {
		name          string
		namespace     string
		root          string
		wantInMessage string
	}{
		{"right namespace, wrong root element", rns.NamespaceURI, "Application", "{" + rns.NamespaceURI + "}Application"},
		{"unknown version of the form", newVersion, rns.RootElement, "{" + newVersion + "}" + rns.RootElement},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := w.in(t)
			epgu := epgu.in(w)
			a := epgu.newApplication("building-permit", rns.RequiredDocuments, object)
			a.namespace, a.root = tc.namespace, tc.root
			id := epgu.mustSend(a)
			w.acked(id)
			w.assertRejected(id, smevstand.MINSTROY, message.RejectUnknownRequestDescription,
				[]string{"Ведомство не оказывает услугу с формой " + tc.wantInMessage})
		})
	}
	w.assertNothingHalfStored()
}
