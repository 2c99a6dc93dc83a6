package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/portal"
)

// withdraw makes the stand's portal withdraw the order now.
func (w *world) withdraw(order int64, reason string) portal.Withdrawn {
	w.t.Helper()
	resp, err := http.Post(w.standURL+"/portal/applications/"+itoa(order)+"/cancel?reason="+url.QueryEscape(reason), "", nil)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		w.t.Fatalf("withdraw order %d: %d %s", order, resp.StatusCode, body)
	}
	var done portal.Withdrawn
	if err := json.NewDecoder(resp.Body).Decode(&done); err != nil {
		w.t.Fatal(err)
	}
	return done
}

// registeredCase waits for the case of an application and returns its id.
func (w *world) registeredCase(messageID string) string {
	w.t.Helper()
	var id string
	eventually(w.t, 60*time.Second, "the application to be registered", func() bool {
		return w.query(`SELECT id::text FROM cases WHERE bus_message_id = $1`, messageID).Scan(&id) == nil
	})
	return id
}

func (w *world) caseStatus(id string) string {
	w.t.Helper()
	var status string
	if err := w.query(`SELECT status FROM cases WHERE id = $1`, id).Scan(&status); err != nil {
		w.t.Fatal(err)
	}
	return status
}

// TestWithdrawalCancelsTheCaseOnce: the applicant withdraws through the
// portal; the server cancels the case and dies before the bus hears its
// Ack. The bus delivers the withdrawal again; the restarted server finds it
// taken and changes nothing more. The cabinet shows «Отменено».
func TestWithdrawalCancelsTheCaseOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	app := w.fileApplication("building-permit")
	caseID := w.registeredCase(app.MessageID)
	// Every message to the agency is acknowledged, so the next Ack held is the withdrawal's.
	eventually(t, 60*time.Second, "the registration to be answered and every message acknowledged", func() bool {
		return w.count(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND state = 'accepted'`, caseID) == 1 &&
			w.count(`SELECT count(*) FROM smevstand.message WHERE recipient = 'MINSTROY' AND acked_at IS NULL`) == 0
	})

	w.bus.hold("urn:Ack", "request")
	done := w.withdraw(app.OrderNumber, "Передумал строить")
	if done.Recipient != "MINSTROY" {
		t.Fatalf("withdrawal went to %s", done.Recipient)
	}
	waitHeld(t, w.bus, "urn:Ack")
	if got := w.caseStatus(caseID); got != "cancelled" {
		t.Fatalf("case is %s before the Ack, want cancelled committed", got)
	}
	w.okno.kill()
	w.bus.release()
	w.startOkno()
	w.acked(done.MessageID)
	if n := w.count(`SELECT delivery_count FROM smevstand.message WHERE id = $1`, done.MessageID); n < 2 {
		t.Fatalf("withdrawal delivered %d times; the test did not exercise a redelivery", n)
	}
	if !strings.Contains(w.okno.output(), `"outcome":"duplicate"`) {
		t.Error("the restarted server did not report the redelivered withdrawal as a duplicate")
	}

	if got := w.caseStatus(caseID); got != "cancelled" {
		t.Errorf("case is %s, want cancelled", got)
	}
	for _, c := range []struct {
		what string
		sql  string
		want int
	}{
		{"withdrawal entries", `SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'withdrawal'
			AND comment = 'Заявитель отозвал заявление: Передумал строить'`, 1},
		{"moves to cancelled", `SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'status' AND to_status = 'cancelled'
			AND from_status = 'registered'`, 1},
		{"statuses 10 queued", `SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND elk_status = 10`, 1},
		{"audit entries", `SELECT count(*) FROM audit_log WHERE action = 'case.cancel' AND object_id = $1::text`, 1},
	} {
		if n := w.count(c.sql, caseID); n != c.want {
			t.Errorf("%s: %d, want %d", c.what, n, c.want)
		}
	}
	if n := w.count(`SELECT count(*) FROM intake_rejections WHERE bus_message_id = $1`, done.MessageID); n != 0 {
		t.Errorf("the withdrawal was also refused (%d rows)", n)
	}
	eventually(t, 60*time.Second, "the cabinet to show the withdrawal and «Отменено»", func() bool {
		order := cabinetOrder(w.cabinet(), app.OrderNumber)
		return strings.Contains(order, "Заявитель отозвал заявление") && strings.Contains(order, "Отменено") &&
			strings.Contains(order, "(код 10)")
	})
}

// TestWithdrawalRefused: a withdrawal that comes after the case was closed,
// or names an order the agency does not have, changes no case and is
// answered with RequestRejected.
func TestWithdrawalRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startOkno()
	w.count(`SELECT 1`) // opens the connection the subtests share
	for _, tc := range []struct {
		name string
		// withdraw sends the withdrawal and returns its message id, the
		// case it is about ("" for none) and the portal's order.
		withdraw func(w *world) (messageID, caseID string, order int64)
		code     message.RejectCode
		reason   string
	}{
		{
			name: "after the head refused the application",
			withdraw: func(w *world) (string, string, int64) {
				app := w.fileApplication("building-permit")
				caseID := w.registeredCase(app.MessageID)
				clerk, head := w.login("minstroy.clerk"), w.login("minstroy.head")
				for _, step := range []struct {
					by   *person
					form url.Values
				}{
					{clerk, url.Values{"from": {"registered"}, "to": {"in_progress"}}},
					{clerk, url.Values{"from": {"in_progress"}, "to": {"on_approval"}}},
					// the head confirms the refusal, as «Да, отказать» on the confirmation page does
					{head, url.Values{"from": {"on_approval"}, "to": {"refused"}, "to_applicant": {"Проект не соответствует ГПЗУ"}, "confirmed": {"1"}}},
				} {
					if status, body := step.by.post("/cases/"+caseID+"/status", step.form); status != http.StatusSeeOther {
						w.t.Fatalf("status change %v: %d %s", step.form, status, body)
					}
				}
				return w.withdraw(app.OrderNumber, "Нашёл другой участок").MessageID, caseID, app.OrderNumber
			},
			code: message.RejectFailure, reason: "Заявление не может быть отозвано: дело в статусе «Отказ»",
		},
		{
			name: "an order the agency does not have",
			withdraw: func(w *world) (string, string, int64) {
				client, err := smevclient.New(w.portal().config)
				if err != nil {
					w.t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				sent, err := client.SendRequest(ctx, smevclient.Request{Content: []byte(`<CancelRequest xmlns="` + portal.CancelNS +
					`"><orderId>987654321</orderId><reason>Ошибся</reason></CancelRequest>`)})
				if err != nil {
					w.t.Fatalf("the stand refused the withdrawal: %v", err)
				}
				return sent.MessageID, "", 0
			},
			code: message.RejectNoData, reason: "Заявление не найдено",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := w.in(t)
			id, caseID, order := tc.withdraw(w)
			w.acked(id)
			if caseID == "" {
				w.assertRejected(id, "MINSTROY", tc.code, []string{tc.reason})
				return
			}
			var answer message.RequestRejected
			eventually(t, 60*time.Second, "RequestRejected to reach the portal", func() bool {
				var ok bool
				answer, ok = w.rejection(id)
				return ok
			})
			if answer.RejectionReasonCode != tc.code || !strings.Contains(answer.RejectionReasonDescription, tc.reason) {
				t.Errorf("the portal got %s %q, want %s with %q", answer.RejectionReasonCode, answer.RejectionReasonDescription, tc.code, tc.reason)
			}
			if got := w.caseStatus(caseID); got != "refused" {
				t.Errorf("case is %s, want it to keep «refused»", got)
			}
			if n := w.count(`SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'withdrawal_refused'
				AND comment LIKE 'Заявитель отозвал заявление: Нашёл другой участок. Отзыв поступил слишком поздно%'`, caseID); n != 1 {
				t.Errorf("%d timeline entries about the late withdrawal, want 1", n)
			}
			if n := w.count(`SELECT count(*) FROM case_events WHERE case_id = $1 AND to_status = 'cancelled'`, caseID); n != 0 {
				t.Errorf("a refused withdrawal moved the case to cancelled %d times", n)
			}
			if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'case.cancel' AND object_id = $1::text`, caseID); n != 0 {
				t.Errorf("a refused withdrawal was audited as a cancellation")
			}
			eventually(t, 60*time.Second, "the cabinet to show the agency's refusal", func() bool {
				return strings.Contains(cabinetOrder(w.cabinet(), order), "Ведомство отклонило обращение заявителя")
			})
		})
	}
}
