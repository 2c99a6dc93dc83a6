package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/config"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/outbox"
)

// backgroundWork is THE list of Okno's River workers, queues and periodic
// jobs: the outbox and the audit chains' anchoring. A new job kind is
// registered here and nowhere else. The bus pull is no River job: see
// newPuller.
func backgroundWork(a *App, cfg config.Config, logger *slog.Logger) (*river.Workers, map[string]river.QueueConfig, []*river.PeriodicJob) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &outbox.StatusDeliveryWorker{Outbox: a.Outbox})
	river.AddWorker(workers, &outbox.RejectionWorker{Outbox: a.Outbox})
	river.AddWorker(workers, &audit.AnchorWorker{Anchors: a.Anchors, Gauge: a.chain, Logger: logger})
	queues := map[string]river.QueueConfig{
		cases.QueueOutbox:  {MaxWorkers: 8},
		river.QueueDefault: {MaxWorkers: 1}, // the audit anchoring
	}
	periodic := []*river.PeriodicJob{
		// The audit chains are verified (the metric) and their heads signed
		// every hour; duplicates from several nodes are refused by the anchor's key.
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return audit.AnchorArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
	return workers, queues, periodic
}

// newWorkerClient is the River client that runs the background work.
func newWorkerClient(pool *pgxpool.Pool, a *App, cfg config.Config, fetchPoll time.Duration, logger *slog.Logger) (*river.Client[pgx.Tx], error) {
	workers, queues, periodic := backgroundWork(a, cfg, logger)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:            database.RiverSchema,
		Logger:            quiet(logger),
		Workers:           workers,
		Queues:            queues,
		FetchPollInterval: fetchPoll,
		// Jobs are idempotent (intake by message id, deliveries by a fixed
		// message id), so a job of a dead node may be rescued early.
		JobTimeout:           config.JobTimeout,
		RescueStuckJobsAfter: cfg.JobRescueAfter,
		PeriodicJobs:         periodic,
	})
	if err != nil {
		return nil, fmt.Errorf("background work: %w", err)
	}
	return client, nil
}

// newPuller is the bus intake loop that every worker process runs beside
// River: a periodic River job is scheduled by the elected leader alone, so
// a killed leader stopped intake for its lease (~15 s) and the stuck-job
// rescue, while the loop's own lease passes to a survivor within a second
// or two (intake.Puller).
func newPuller(a *App, cfg config.Config, logger *slog.Logger) *intake.Puller {
	return &intake.Puller{Intake: a.Intake, Outbox: a.Outbox, Logger: logger,
		Interval: cfg.SMEV.PullInterval, Takers: intake.DefaultTakers, Share: intake.DefaultShare}
}
