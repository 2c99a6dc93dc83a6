package e2e

import (
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// TestProblemRuleIsPerServiceType: the rule is data. With the demo rules
// swapped in the agencies' service types — building permits refused,
// heritage works registered — the same wrong СНИЛС gets the opposite
// outcomes, from the next message on, without a restart.
func TestProblemRuleIsPerServiceType(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	sender := w.portal()
	swapped := map[forms.OnProblem]forms.OnProblem{forms.OnProblemRegister: forms.OnProblemReject, forms.OnProblemReject: forms.OnProblemRegister}
	for _, svc := range demoServices(t) {
		rule := swapped[svc.st.OnProblem]
		if n := w.count(`WITH changed AS (UPDATE service_types SET on_problem = $1 WHERE id = $2 RETURNING 1) SELECT count(*) FROM changed`,
			string(rule), svc.st.ID); n != 1 {
			t.Fatalf("service type %s: %d rows changed", svc.st.Code, n)
		}
		t.Run(svc.st.Code+" "+string(rule), func(t *testing.T) {
			w := w.in(t)
			sender := sender.in(w)
			a := sender.newApplication(svc.form, svc.st.RequiredDocuments, svc.object)
			a.person.SNILS = breakDigit(a.person.SNILS)
			want := []string{"СНИЛС «" + a.person.SNILS + "» указан с ошибкой"}
			id := sender.mustSend(a)
			w.acked(id)
			if rule == forms.OnProblemReject {
				w.assertRejected(id, svc.agency, message.RejectFailure, want)
			} else {
				w.assertRegistered(id, a, want, "")
			}
		})
	}
	w.assertNothingHalfStored()
}
