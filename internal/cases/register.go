package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/forms"
)

// registration is everything one registration needs; both channels (bus
// intake and the office form) build one and call register.
type registration struct {
	agencyID     uuid.UUID
	serviceType  forms.ServiceType
	application  forms.Application
	receivedAt   time.Time
	busMessageID string
	replyTo      string
	documents    []Document
	actor        actor
}

// actor is who registers or changes a case: a person or the system.
type actor struct {
	id    *uuid.UUID
	name  string
	audit audit.Actor
}

func systemActor() actor {
	return actor{name: "Система (СМЭВ)", audit: audit.SystemActor()}
}

// register creates the case, its documents, its first timeline entries and
// the job that reports "registered" to the portal, all in tx.
func (s *Service) register(ctx context.Context, tx pgx.Tx, r registration) (Case, error) {
	now := s.cfg.Now()
	st, app := r.serviceType, r.application
	seq, err := nextNumber(ctx, tx, r.agencyID, now.Year())
	if err != nil {
		return Case{}, fmt.Errorf("registry number: %w", err)
	}
	due, err := dueDate(ctx, tx, now, st.DeadlineWorkingDays)
	if err != nil {
		return Case{}, fmt.Errorf("due date: %w", err)
	}
	c := Case{
		AgencyID: r.agencyID, ID: uuid.New(), Number: st.RegistryNumber(now.Year(), seq),
		ServiceTypeID: st.ID, ServiceTypeVersion: st.Version, ServiceTitle: st.Title,
		Status: StatusRegistered, Channel: app.Channel,
		ApplicantKind: app.Kind, ApplicantName: app.Applicant.DisplayName(),
		ApplicantSNILS: app.Applicant.SNILS, ApplicantINN: app.Applicant.INN, ApplicantOGRN: app.Applicant.OGRN,
		Applicant: app.Applicant, Fields: app.Fields, Region: app.Region, Problems: app.Problems,
		ReceivedAt: r.receivedAt, RegisteredAt: now, DueDate: due,
		PortalOrderID: app.PortalOrderID, BusMessageID: r.busMessageID, ReplyTo: r.replyTo,
	}
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	if c.Problems == nil {
		c.Problems = []forms.Problem{}
	}
	if err := insertCase(ctx, tx, c); err != nil {
		return Case{}, err
	}
	for _, d := range r.documents {
		if err := insertDocument(ctx, tx, r.agencyID, c.ID, d); err != nil {
			return Case{}, fmt.Errorf("document %s: %w", d.FileName, err)
		}
	}
	received := Event{At: r.receivedAt, ActorName: r.actor.name, Kind: "received",
		Data: map[string]any{"channel": string(app.Channel), "bus_message_id": r.busMessageID, "problems": len(app.Problems)}}
	if _, err := insertEvent(ctx, tx, r.agencyID, c.ID, r.actor.id, received); err != nil {
		return Case{}, err
	}
	if err := s.recordStatus(ctx, tx, c.AgencyID, c.ID, "", StatusRegistered, r.actor, "Номер "+c.Number); err != nil {
		return Case{}, err
	}
	return c, audit.Record(ctx, tx, r.actor.audit, audit.Entry{Action: "case.register", ObjectType: "case", ObjectID: c.ID.String(),
		Details: map[string]any{"number": c.Number, "channel": string(app.Channel), "service_type": st.Code}})
}

// dueDate is the last day of a term of workingDays counted by the agency's
// business calendar from the day after registration.
func dueDate(ctx context.Context, tx pgx.Tx, registered time.Time, workingDays int) (time.Time, error) {
	// Weekends and holidays never stretch a term past three times its length
	// plus a month of holidays.
	cal, err := calendar.Load(ctx, tx, registered, registered.AddDate(0, 0, 3*workingDays+31))
	if err != nil {
		return time.Time{}, err
	}
	return cal.AddWorkingDays(registered, workingDays)
}

// recordStatus writes a status change to the timeline and, in the same
// transaction, queues its delivery to the applicant's cabinet (the outbox).
func (s *Service) recordStatus(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, from, to Status, by actor, comment string) error {
	seq, err := insertEvent(ctx, tx, agencyID, caseID, by.id, Event{At: s.cfg.Now(), ActorName: by.name, Kind: "status",
		FromStatus: from, ToStatus: to, Comment: comment})
	if err != nil {
		return err
	}
	if err := insertDelivery(ctx, tx, agencyID, caseID, seq, to.ELKStatus()); err != nil {
		return err
	}
	if _, err := s.cfg.Jobs.InsertTx(ctx, tx, StatusDeliveryArgs{AgencyID: agencyID, CaseID: caseID, EventSeq: seq}, nil); err != nil {
		return fmt.Errorf("queue status delivery: %w", err)
	}
	return nil
}

// StatusDeliveryArgs is the outbox job that carries one status of one case
// to the applicant's cabinet.
type StatusDeliveryArgs struct {
	AgencyID uuid.UUID `json:"agency_id"`
	CaseID   uuid.UUID `json:"case_id"`
	EventSeq int       `json:"event_seq"`
}

// Kind names the job in River's table.
func (StatusDeliveryArgs) Kind() string { return "case_status_delivery" }

// InsertOpts: the outbox has its own queue so that a slow bus never delays
// intake; 25 attempts with River's backoff cover about three weeks.
func (StatusDeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutbox, MaxAttempts: 25}
}

// Queues of the cases' background work.
const (
	QueueOutbox = "outbox"
	QueueIntake = "intake"
)
