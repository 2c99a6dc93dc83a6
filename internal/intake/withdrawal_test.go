package intake_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/database/dbtest"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/smevclient"
)

// registryNow is Thursday 12 March 2026, 10:00 in Moscow.
var registryNow = time.Date(2026, 3, 12, 7, 0, 0, 0, time.UTC)

// world is two agencies with a service type each over a fresh database,
// and intake over it.
type world struct {
	t     *testing.T
	db    dbtest.DB
	owner *pgx.Conn
	svc   *intake.Service

	a, b      uuid.UUID // agencies
	rns, rnsB uuid.UUID // a service type of each
}

// withdrawalWorld is the world with a service that queues jobs.
func withdrawalWorld(t *testing.T) (*world, *intake.Service) {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close(context.Background()) })
	jobs, err := river.NewClient(riverpgxv5.New(db.App), &river.Config{Schema: database.RiverSchema})
	if err != nil {
		t.Fatal(err)
	}
	cs := cases.NewService(cases.Config{Pool: db.App, Jobs: jobs, Now: func() time.Time { return registryNow }})
	w := &world{t: t, db: db, owner: owner, svc: intake.NewService(intake.Config{Pool: db.App, Jobs: jobs, Cases: cs})}
	w.a, w.rns = w.agency("AGENCY_A")
	w.b, w.rnsB = w.agency("AGENCY_B")
	return w, w.svc
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.owner.Exec(context.Background(), sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

// agency adds an agency with the demo's first service type.
func (w *world) agency(code string) (agency, serviceType uuid.UUID) {
	w.t.Helper()
	agency = uuid.New()
	w.exec(`INSERT INTO agencies (id, code, name, short_name) VALUES ($1, $2, $2, $2)`, agency, code)
	st := forms.DemoServiceTypes("MINSTROY")[0]
	st.ID, st.AgencyID = uuid.New(), agency
	if err := database.InAgency(context.Background(), w.db.App, agency, func(tx pgx.Tx) error {
		return forms.Insert(context.Background(), tx, st)
	}); err != nil {
		w.t.Fatal(err)
	}
	return agency, st.ID
}

// portalCase adds a case of the agency with a portal order number.
func (w *world) portalCase(agency uuid.UUID, status cases.Status, order string) uuid.UUID {
	w.t.Helper()
	service := w.rns
	if agency == w.b {
		service = w.rnsB
	}
	id := uuid.New()
	w.exec(`INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel, applicant_kind,
			applicant_name, applicant, fields, received_at, registered_at, due_date, portal_order_id)
		VALUES ($1, $2, $3, $4, 1, $5, 'portal', 'person', 'Заявитель Обычный', '{}', '{}', $6, $6, '2026-03-20', $7)`,
		agency, id, "Н-"+order, service, status, registryNow.AddDate(0, 0, -3), order)
	return id
}

func (w *world) ownerCount(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.owner.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func withdrawalDoc(inner string) []byte {
	f := intake.DefaultWithdrawalForm()
	return []byte(`<` + f.Root + ` xmlns="` + f.Namespace + `">` + inner + `</` + f.Root + `>`)
}

func delivery(content []byte) *smevclient.Delivery {
	id := uuid.Must(uuid.NewUUID()).String()
	return &smevclient.Delivery{MessageID: id, ReplyTo: "reply-to-" + id, Content: content}
}

// TestWithdrawalByStatus: the status machine decides; a withdrawal cancels
// a case until its decision is signed and is refused after, leaving the
// case as it was. A redelivery changes nothing more.
func TestWithdrawalByStatus(t *testing.T) {
	t.Parallel()
	w, svc := withdrawalWorld(t)
	ctx := context.Background()
	for i, tc := range []struct {
		status   cases.Status
		cancels  bool
		refusal  string
		timeline string
	}{
		{cases.StatusRegistered, true, "", ""},
		{cases.StatusInProgress, true, "", ""},
		{cases.StatusAwaitingApplicant, true, "", ""},
		{cases.StatusOnApproval, true, "", ""},
		{cases.StatusDecisionSigned, false, "Заявление не может быть отозвано: решение по нему уже подписано", "решение по нему уже подписано"},
		{cases.StatusResultSent, false, "Заявление не может быть отозвано: дело в статусе «Результат направлен»", "дело в статусе «Результат направлен»"},
		{cases.StatusRefused, false, "Заявление не может быть отозвано: дело в статусе «Отказ»", "дело в статусе «Отказ»"},
		{cases.StatusCancelled, false, "Заявление не может быть отозвано: дело в статусе «Отменено»", "дело в статусе «Отменено»"},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			order := fmt.Sprintf("%d", 5000+i)
			id := w.portalCase(w.a, tc.status, order)
			d := delivery(withdrawalDoc(`<orderId>` + order + `</orderId><reason>Передумал</reason>`))
			outcome, c, err := svc.Receive(ctx, w.a, nil, d)
			if err != nil {
				t.Fatal(err)
			}
			var status string
			if err := w.owner.QueryRow(ctx, `SELECT status FROM cases WHERE id = $1`, id).Scan(&status); err != nil {
				t.Fatal(err)
			}
			if tc.cancels {
				if outcome != intake.OutcomeWithdrawn || c.ID != id || status != "cancelled" {
					t.Fatalf("outcome %s, case %s in %s; want withdrawn, %s cancelled", outcome, c.ID, status, id)
				}
				for what, n := range map[string]int{
					"withdrawal entries": w.ownerCount(`SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'withdrawal'
						AND comment = 'Заявитель отозвал заявление: Передумал' AND data->>'bus_message_id' = $2`, id, d.MessageID),
					"moves to cancelled": w.ownerCount(`SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'status'
						AND from_status = $2 AND to_status = 'cancelled'`, id, string(tc.status)),
					"ELK 10 deliveries": w.ownerCount(`SELECT count(*) FROM status_deliveries WHERE case_id = $1 AND elk_status = 10`, id),
					"audit entries":     w.ownerCount(`SELECT count(*) FROM audit_log WHERE action = 'case.cancel' AND object_id = $1::text`, id),
				} {
					if n != 1 {
						t.Errorf("%s: %d, want 1", what, n)
					}
				}
			} else {
				if outcome != intake.OutcomeRejected || status != string(tc.status) {
					t.Fatalf("outcome %s, case in %s; want rejected and %s kept", outcome, status, tc.status)
				}
				var code, reason, replyTo string
				if err := w.owner.QueryRow(ctx, `SELECT reason_code, reason, reply_to FROM intake_rejections WHERE bus_message_id = $1`,
					d.MessageID).Scan(&code, &reason, &replyTo); err != nil {
					t.Fatalf("no refusal recorded: %v", err)
				}
				if code != "FAILURE" || reason != tc.refusal || replyTo != d.ReplyTo {
					t.Errorf("refusal %s %q to %q, want FAILURE %q to %q", code, reason, replyTo, tc.refusal, d.ReplyTo)
				}
				if n := w.ownerCount(`SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'withdrawal_refused'
					AND comment = $2`, id, "Заявитель отозвал заявление: Передумал. Отзыв поступил слишком поздно: "+tc.timeline); n != 1 {
					t.Errorf("%d timeline entries about the late withdrawal, want 1", n)
				}
				if n := w.ownerCount(`SELECT count(*) FROM status_deliveries WHERE case_id = $1`, id); n != 0 {
					t.Errorf("a refused withdrawal queued %d statuses", n)
				}
			}
			events := w.ownerCount(`SELECT count(*) FROM case_events WHERE case_id = $1`, id)
			jobs := w.ownerCount(`SELECT count(*) FROM river.river_job`)
			again, _, err := svc.Receive(ctx, w.a, nil, d)
			if err != nil || again != intake.OutcomeDuplicate {
				t.Fatalf("redelivery: %s, %v; want duplicate", again, err)
			}
			if n := w.ownerCount(`SELECT count(*) FROM case_events WHERE case_id = $1`, id); n != events {
				t.Errorf("the redelivery added %d timeline entries", n-events)
			}
			if n := w.ownerCount(`SELECT count(*) FROM river.river_job`); n != jobs {
				t.Errorf("the redelivery queued %d jobs", n-jobs)
			}
		})
	}
}

// TestWithdrawalRefusedWithoutItsCase: a withdrawal that cannot be read or
// names an order the agency does not have (another agency's included) is
// refused with a precise reason, and no case changes.
func TestWithdrawalRefusedWithoutItsCase(t *testing.T) {
	t.Parallel()
	w, svc := withdrawalWorld(t)
	ctx := context.Background()
	w.portalCase(w.a, cases.StatusInProgress, "7001")
	w.portalCase(w.b, cases.StatusInProgress, "7002")
	for _, tc := range []struct {
		name    string
		content []byte
		code    string
		reason  string
	}{
		{"unknown order", withdrawalDoc(`<orderId>9999</orderId>`), "NO_DATA", "Заявление не найдено"},
		{"another agency's order", withdrawalDoc(`<orderId>7002</orderId>`), "NO_DATA", "Заявление не найдено"},
		{"no order", withdrawalDoc(`<reason>Передумал</reason>`), "UNKNOWN_REQUEST_DESCRIPTION", "withdrawal has no orderId"},
		{"empty order", withdrawalDoc(`<orderId> </orderId>`), "UNKNOWN_REQUEST_DESCRIPTION", "withdrawal has no orderId"},
		{"two orders", withdrawalDoc(`<orderId>7001</orderId><orderId>7002</orderId>`), "UNKNOWN_REQUEST_DESCRIPTION", "2 orderId elements"},
		{"order too long", withdrawalDoc(`<orderId>` + strings.Repeat("7", 65) + `</orderId>`), "UNKNOWN_REQUEST_DESCRIPTION", "longer than 64"},
		{"entity declaration", append([]byte(`<!DOCTYPE x [<!ENTITY o "7001">]>`), withdrawalDoc(`<orderId>&o;</orderId>`)...),
			"UNKNOWN_REQUEST_DESCRIPTION", "DTD or entity"},
		{"too deep", withdrawalDoc(strings.Repeat("<a>", 8) + strings.Repeat("</a>", 8) + `<orderId>7001</orderId>`),
			"UNKNOWN_REQUEST_DESCRIPTION", "deeper than 8"},
		{"too large", withdrawalDoc(`<orderId>7001</orderId><reason>` + strings.Repeat("x", 70<<10) + `</reason>`),
			"UNKNOWN_REQUEST_DESCRIPTION", "exceeds 65536"},
		{"not well-formed", withdrawalDoc(`<orderId>7001</reason>`), "UNKNOWN_REQUEST_DESCRIPTION", "not well-formed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := delivery(tc.content)
			outcome, _, err := svc.Receive(ctx, w.a, nil, d)
			if err != nil || outcome != intake.OutcomeRejected {
				t.Fatalf("outcome %s, %v; want rejected", outcome, err)
			}
			var code, reason string
			if err := w.owner.QueryRow(ctx, `SELECT reason_code, reason FROM intake_rejections WHERE bus_message_id = $1`,
				d.MessageID).Scan(&code, &reason); err != nil {
				t.Fatalf("no refusal recorded: %v", err)
			}
			if code != tc.code || !strings.Contains(reason, tc.reason) {
				t.Errorf("refusal %s %q, want %s with %q", code, reason, tc.code, tc.reason)
			}
			if n := w.ownerCount(`SELECT count(*) FROM river.river_job WHERE kind = 'intake_rejection' AND args->>'bus_message_id' = $1`, d.MessageID); n != 1 {
				t.Errorf("%d RequestRejected jobs queued, want 1", n)
			}
		})
	}
	if n := w.ownerCount(`SELECT count(*) FROM case_events`); n != 0 {
		t.Errorf("refused withdrawals left %d timeline entries", n)
	}
	if n := w.ownerCount(`SELECT count(*) FROM cases WHERE status <> 'in_progress'`); n != 0 {
		t.Errorf("refused withdrawals moved %d cases", n)
	}
}

// TestLongWithdrawalReasonIsCut: the reason is kept to 2000 characters.
func TestLongWithdrawalReasonIsCut(t *testing.T) {
	t.Parallel()
	w, svc := withdrawalWorld(t)
	id := w.portalCase(w.a, cases.StatusInProgress, "8001")
	d := delivery(withdrawalDoc(`<orderId>8001</orderId><reason>` + strings.Repeat("я", 2500) + `</reason>`))
	if outcome, _, err := svc.Receive(context.Background(), w.a, nil, d); err != nil || outcome != intake.OutcomeWithdrawn {
		t.Fatalf("outcome %s, %v; want withdrawn", outcome, err)
	}
	var comment string
	if err := w.owner.QueryRow(context.Background(), `SELECT comment FROM case_events WHERE case_id = $1 AND kind = 'withdrawal'`, id).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(strings.TrimPrefix(comment, "Заявитель отозвал заявление: ")); n != 2000 {
		t.Fatalf("reason of %d characters kept, want 2000", n)
	}
}

// BenchmarkWithdrawal measures Receive cancelling one case per withdrawal:
// find by order, lock, timeline, status, outbox job, audit.
func BenchmarkWithdrawal(b *testing.B) {
	ctx := context.Background()
	db := dbtest.New(b)
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	defer owner.Close(ctx)
	agency := uuid.New()
	st := forms.DemoServiceTypes("MINSTROY")[0]
	st.AgencyID = agency
	if _, err := owner.Exec(ctx, `INSERT INTO agencies (id, code, name, short_name) VALUES ($1, 'BENCH_A', 'Агентство', 'Агентство')`, agency); err != nil {
		b.Fatal(err)
	}
	if err := database.InAgency(ctx, db.App, agency, func(tx pgx.Tx) error { return forms.Insert(ctx, tx, st) }); err != nil {
		b.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO cases (agency_id, id, number, service_type_id, service_type_version, status, channel, applicant_kind,
			applicant_name, applicant, fields, received_at, registered_at, due_date, portal_order_id)
		SELECT $1, gen_random_uuid(), 'Н-' || n, $2, 1, 'in_progress', 'portal', 'person', 'Заявитель', '{}', '{}', now(), now(), current_date, n::text
		FROM generate_series(1, $3::int) n`, agency, st.ID, b.N); err != nil {
		b.Fatal(err)
	}
	jobs, err := river.NewClient(riverpgxv5.New(db.App), &river.Config{Schema: database.RiverSchema})
	if err != nil {
		b.Fatal(err)
	}
	svc := intake.NewService(intake.Config{Pool: db.App, Jobs: jobs, Cases: cases.NewService(cases.Config{Pool: db.App, Jobs: jobs})})
	b.ResetTimer()
	for i := range b.N {
		d := delivery(withdrawalDoc(fmt.Sprintf(`<orderId>%d</orderId><reason>Передумал</reason>`, i+1)))
		if outcome, _, err := svc.Receive(ctx, agency, nil, d); err != nil || outcome != intake.OutcomeWithdrawn {
			b.Fatalf("withdrawal %d: %s, %v", i+1, outcome, err)
		}
	}
}
