package e2e

import (
	"strings"
	"testing"

	"github.com/okno-oiv/okno/internal/forms"
)

// TestApplicantSignatureOfTheForm: the applicant may sign the form itself
// (PersonalSignature, ЭП-СП). A signature made over another version of the
// form is a bad applicant signature like a bad signature of a file: the case
// is registered with the problem on its card, or refused, by the rule.
func TestApplicantSignatureOfTheForm(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	sender := w.portal()
	clerk := w.login("minstroy.clerk")
	w.count(`SELECT 1`) // opens the connection the subtests share
	for _, svc := range demoServices(t) {
		t.Run(svc.st.Code+"/signed form", func(t *testing.T) {
			w := w.in(t)
			a := sender.in(w).newApplication(svc.form, svc.st.RequiredDocuments, svc.object)
			a.signForm = true
			id := sender.in(w).mustSend(a)
			w.acked(id)
			w.assertRegistered(id, a, nil, "")
		})
		t.Run(svc.st.Code+"/signature over another version of the form", func(t *testing.T) {
			w := w.in(t)
			a := sender.in(w).newApplication(svc.form, svc.st.RequiredDocuments, svc.object)
			a.signForm = true
			a.signedForm = a.form()
			a.object[0][1] += " (изменено после подписания)"
			id := sender.in(w).mustSend(a)
			w.acked(id)
			if svc.st.OnProblem == forms.OnProblemReject {
				var reason string
				if err := w.query(`SELECT reason FROM intake_rejections WHERE bus_message_id = $1`, id).Scan(&reason); err != nil {
					t.Fatalf("not rejected: %v", err)
				}
				if !strings.Contains(strings.ToLower(reason), "подпис") {
					t.Errorf("the reason does not mention the signature: %s", reason)
				}
				return
			}
			var caseID, problems string
			if err := w.query(`SELECT id::text, problems::text FROM cases WHERE bus_message_id = $1`, id).Scan(&caseID, &problems); err != nil {
				t.Fatalf("not registered: %v", err)
			}
			if !strings.Contains(strings.ToLower(problems), "подпис") {
				t.Errorf("no problem mentions the signature: %s", problems)
			}
			w.assertCard(clerk, caseID)
		})
	}
	w.assertNothingHalfStored()
}
