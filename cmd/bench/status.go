package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/app"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/people"
)

// runStatus measures how long a clerk's action takes to reach the bus and
// the portal: for n cases taken from the stand, a clerk's ChangeStatus
// (registered → in progress) through the cases service, then River's
// outbox worker sends ElkOrderRequest to the stand (the delivery row turns
// "sent" when the bus accepted it), the stand's portal answers, and the
// periodic pull takes the answer ("accepted"). River runs with the server's
// queues and intervals unless the flags say otherwise. The moments a row
// changes state are recorded by a trigger in the scratch database, so
// nothing polls during the measurement. The last line is the p95 until
// "sent".
func runStatus(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	n := fs.Int("n", 200, "cases whose status a clerk changes")
	rate := fs.Float64("rate", 20, "clerk actions per second")
	fetchPoll := fs.Duration("fetch-poll", app.DefaultFetchPollInterval, "River's FetchPollInterval (the server's value)")
	pull := fs.Duration("pull-interval", 2*time.Second, "the periodic bus pull (OKNO_SMEV_PULL_INTERVAL's default)")
	portalPoll := fs.Duration("portal-poll", time.Second, "the stand portal's pause when its queues are empty (the stand's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *rate <= 0 || *fetchPoll <= 0 || *pull <= 0 || *portalPoll <= 0 {
		return errors.New("status: -n, -rate and the intervals must be positive")
	}
	ctx := context.Background()
	w, err := openBusWorld(ctx, busWorldOptions{label: "status", portalPoll: *portalPoll, participants: true,
		fetchPoll: *fetchPoll, pullInterval: *pull})
	if err != nil {
		return err
	}
	defer w.close()
	if err := recordDeliveryStates(ctx, w); err != nil {
		return err
	}

	started := time.Now()
	if err := w.fileApplications(ctx, *n, 4); err != nil {
		return fmt.Errorf("status: file applications: %w", err)
	}
	if err := drainInParallel(ctx, w, 4); err != nil {
		return fmt.Errorf("status: take the applications: %w", err)
	}
	// Okno's background work, as the server runs it: the outbox,
	// rejections and the periodic bus pull.
	if err := w.okno.Start(ctx); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	// The "registered" statuses go first; a later status of a case waits
	// for its earlier ones, so the measurement starts when they are done.
	limit := 2*time.Minute + time.Duration(*n)*50*time.Millisecond
	if err := waitDeliveries(ctx, w, cases.StatusRegistered.ELKStatus(), *n, limit); err != nil {
		return fmt.Errorf("status: registered statuses: %w", err)
	}
	targets, err := registeredCases(ctx, w)
	if err != nil {
		return err
	}
	if len(targets) != *n {
		return fmt.Errorf("status: %d registered cases, expected %d", len(targets), *n)
	}
	fmt.Fprintf(out, "status: %d cases registered from the stand and their first status accepted in %s\n",
		*n, time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(out, "status: River fetch poll %s, bus pull every %s, portal poll %s, outbox workers 8, %.0f clerk actions/s\n",
		*fetchPoll, *pull, *portalPoll, *rate)

	acted := map[uuid.UUID]time.Time{}
	var calls []float64
	tick := time.NewTicker(time.Duration(float64(time.Second) / *rate))
	defer tick.Stop()
	for i, t := range targets {
		if i > 0 {
			<-tick.C
		}
		start := time.Now()
		if err := w.svc.ChangeStatus(ctx, t.clerk, t.id, cases.StatusRegistered, cases.StatusInProgress, cases.Note{}); err != nil {
			return fmt.Errorf("status: change status of %s: %w", t.id, err)
		}
		acted[t.id] = start
		calls = append(calls, msSince(start, time.Now()))
	}
	first := acted[targets[0].id]
	fmt.Fprintf(out, "status: %d actions in %s (%.1f/s; a slow call delays the next)\n",
		len(targets), time.Since(first).Round(time.Millisecond), float64(len(targets)-1)/time.Since(first).Seconds())
	if err := waitDeliveries(ctx, w, cases.StatusInProgress.ELKStatus(), *n, limit); err != nil {
		return fmt.Errorf("status: in-progress statuses: %w", err)
	}
	sent, accepted, err := deliveryLatencies(ctx, w, cases.StatusInProgress.ELKStatus(), acted)
	if err != nil {
		return err
	}
	line := func(what string, v []float64) {
		fmt.Fprintf(out, "status: %-42s p50 %7.1f ms, p95 %7.1f ms, max %7.1f ms\n", what, quantile(v, 50), quantile(v, 95), quantile(v, 100))
	}
	line("ChangeStatus call", calls)
	line(`action → "sent" (the bus accepted it)`, sent)
	line(`action → "accepted" (the portal answered)`, accepted)
	fmt.Fprintf(out, "status: p95 %.1f ms\n", quantile(sent, 95))
	return nil
}

func msSince(from, to time.Time) float64 { return float64(to.Sub(from).Microseconds()) / 1000 }

// recordDeliveryStates adds, to the scratch database only, a log of every
// state a delivery row takes and when (the statement's clock, moments
// before its commit).
func recordDeliveryStates(ctx context.Context, w *busWorld) error {
	_, err := w.owner.Exec(ctx, `
		CREATE TABLE bench_delivery_log (case_id uuid NOT NULL, elk_status integer NOT NULL, state text NOT NULL,
			at timestamptz NOT NULL);
		CREATE FUNCTION bench_log_delivery() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
		BEGIN
			INSERT INTO bench_delivery_log VALUES (NEW.case_id, NEW.elk_status, NEW.state, clock_timestamp());
			RETURN NULL;
		END $$;
		CREATE TRIGGER bench_log_delivery AFTER UPDATE OF state ON status_deliveries
			FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION bench_log_delivery();`)
	if err != nil {
		return fmt.Errorf("status: delivery log: %w", err)
	}
	return nil
}

// waitDeliveries waits until n deliveries of the ELK status are accepted,
// and fails at once if one failed.
func waitDeliveries(ctx context.Context, w *busWorld, elkStatus, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var accepted, failed int
		var lastError string
		err := w.owner.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'accepted'), count(*) FILTER (WHERE state = 'failed'),
			coalesce(max(last_error) FILTER (WHERE state = 'failed'), '') FROM status_deliveries WHERE elk_status = $1`, elkStatus).
			Scan(&accepted, &failed, &lastError)
		switch {
		case err != nil:
			return fmt.Errorf("count deliveries: %w", err)
		case failed > 0:
			return fmt.Errorf("%d deliveries failed: %s", failed, lastError)
		case accepted >= n:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("only %d of %d deliveries accepted after %s", accepted, n, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// statusTarget is a registered case and the clerk of its agency.
type statusTarget struct {
	id    uuid.UUID
	clerk *people.Principal
}

// registeredCases lists the cases in "registered" with a clerk of the
// agency (the demo's minstroy.clerk or okn.clerk), in registration order.
func registeredCases(ctx context.Context, w *busWorld) ([]statusTarget, error) {
	rows, err := w.owner.Query(ctx, `SELECT c.id, u.id, u.login, u.full_name, u.role, a.id, a.code
		FROM cases c JOIN agencies a ON a.id = c.agency_id
		JOIN users u ON u.agency_id = a.id AND u.role = 'clerk'
		WHERE c.status = 'registered' ORDER BY c.registered_at, c.id`)
	if err != nil {
		return nil, fmt.Errorf("status: list cases: %w", err)
	}
	clerks := map[uuid.UUID]*people.Principal{}
	targets, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (statusTarget, error) {
		var t statusTarget
		var u people.User
		var a people.Agency
		if err := r.Scan(&t.id, &u.ID, &u.Login, &u.FullName, &u.Role, &a.ID, &a.Code); err != nil {
			return t, err
		}
		if clerks[u.ID] == nil {
			u.AgencyID = a.ID
			clerks[u.ID] = &people.Principal{User: u, Agency: a, IP: "127.0.0.1"}
		}
		t.clerk = clerks[u.ID]
		return t, nil
	})
	if err != nil {
		return nil, fmt.Errorf("status: list cases: %w", err)
	}
	return targets, nil
}

// deliveryLatencies reads from the delivery log when each acted-on case's
// status became "sent" and "accepted", in milliseconds from the action.
func deliveryLatencies(ctx context.Context, w *busWorld, elkStatus int, acted map[uuid.UUID]time.Time) (sent, accepted []float64, err error) {
	rows, err := w.owner.Query(ctx, `SELECT case_id, state, min(at) FROM bench_delivery_log
		WHERE elk_status = $1 AND state IN ('sent', 'accepted') GROUP BY case_id, state`, elkStatus)
	if err != nil {
		return nil, nil, fmt.Errorf("status: read the delivery log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var state string
		var at time.Time
		if err := rows.Scan(&id, &state, &at); err != nil {
			return nil, nil, fmt.Errorf("status: read the delivery log: %w", err)
		}
		start, ok := acted[id]
		if !ok {
			return nil, nil, fmt.Errorf("status: case %s was delivered but not acted on", id)
		}
		if state == "sent" {
			sent = append(sent, msSince(start, at))
		} else {
			accepted = append(accepted, msSince(start, at))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("status: read the delivery log: %w", err)
	}
	if len(sent) != len(acted) || len(accepted) != len(acted) {
		return nil, nil, fmt.Errorf("status: %d actions, %d reached \"sent\" and %d \"accepted\"", len(acted), len(sent), len(accepted))
	}
	return sent, accepted, nil
}
