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
// jobs: the periodic bus pull (one node at a time: River's leader schedules
// it and the job is unique), the outbox, and the audit chains' anchoring. A new job kind is registered
// here and nowhere else.
func backgroundWork(a *App, cfg config.Config, logger *slog.Logger) (*river.Workers, map[string]river.QueueConfig, []*river.PeriodicJob) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &outbox.StatusDeliveryWorker{Outbox: a.Outbox})
	river.AddWorker(workers, &outbox.RejectionWorker{Outbox: a.Outbox})
	river.AddWorker(workers, &intake.PullWorker{Intake: a.Intake, Outbox: a.Outbox, Logger: logger,
		Budget: config.JobTimeout - 5*time.Second, Takers: intake.DefaultTakers})
	river.AddWorker(workers, &audit.AnchorWorker{Anchors: a.Anchors, Gauge: a.chain, Logger: logger})
	queues := map[string]river.QueueConfig{
		intake.Queue:       {MaxWorkers: 1},
		cases.QueueOutbox:  {MaxWorkers: 8},
		river.QueueDefault: {MaxWorkers: 1}, // the audit anchoring
	}
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.SMEV.PullInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			// At most one pull per second (River's finest unique period)
			// even when the interval is shorter.
			return intake.PullArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: max(cfg.SMEV.PullInterval, time.Second)}}
		}, &river.PeriodicJobOpts{RunOnStart: true}),
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
